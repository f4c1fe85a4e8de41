#!/usr/bin/env bash
# Runs the whole system on embedded defaults. Today that is the on-chain walkthrough in a
# real SVM; localnet, simulator, indexer and app join as their issues land.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

ensure_rust
step "building and running the on-chain walkthrough (cache: $CARGO_TARGET_DIR)"
cargo run --locked --quiet -p gridtokenx-program-tests --example walkthrough
