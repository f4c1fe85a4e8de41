#!/usr/bin/env bash
# Builds the differential test program to SBF (tools/sbf/build.sh) and runs it against the
# host in LiteSVM (tools/sbf/runner). `make sbf` runs this; `make test` does too.
set -euo pipefail
cd "$(dirname "$0")/../.."
tools/sbf/build.sh
source scripts/env.sh
step "SBF differential test: host vs SBF over proptest inputs (tools/sbf/runner)"
CARGO_TARGET_DIR="$GRIDTOKENX_CACHE/sbf/host-target" \
    cargo test --locked --release --manifest-path tools/sbf/runner/Cargo.toml -- --nocapture 2>&1 |
    grep -v "^\s*$" | grep -Ev "^(running|     Running|   Doc-tests)" || exit 1
