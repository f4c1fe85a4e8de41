#!/usr/bin/env bash
# Removes the build cache and tools the scripts installed (see scripts/env.sh).
set -euo pipefail
source "$(dirname "$0")/env.sh"
step "removing $GRIDTOKENX_CACHE"
rm -rf "$GRIDTOKENX_CACHE"
