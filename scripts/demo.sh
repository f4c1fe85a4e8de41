#!/usr/bin/env bash
# Runs the whole system on embedded defaults. Today: the on-chain walkthrough, then localnet
# serving JSON-RPC with the demo deployment; simulator, indexer and app join as they land.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

ensure_rust
export RUST_LOG="${RUST_LOG:-error}"
step "building and running the on-chain walkthrough (cache: $CARGO_TARGET_DIR)"
cargo run --locked --quiet -p gridtokenx-program-tests --example walkthrough

step "starting localnet with the demo deployment (Ctrl-C to stop)"
cargo build --locked --quiet -p gridtokenx-localnet
exec "$CARGO_TARGET_DIR/debug/gridtokenx-localnet" --keys localnet/dev-keys "$@"
