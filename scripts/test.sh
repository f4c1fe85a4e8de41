#!/usr/bin/env bash
# Runs every test of the project. Idempotent: installs what is missing, reuses the cache.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

ensure_rust
step "building and testing the workspace (cache: $CARGO_TARGET_DIR; first run builds ~800 crates, ~10 min on 2 cores)"
# program-test logs every instruction at debug level unless told otherwise.
export RUST_LOG="${RUST_LOG:-error}"
cargo test --workspace --locked "$@"
