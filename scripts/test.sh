#!/usr/bin/env bash
# Runs every test of the project. Idempotent: installs what is missing, reuses the cache.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

ensure_rust
ensure_build_deps
ensure_influxd
ensure_postgres
ensure_redis
# The SMTP server the notification tests deliver to (aiosmtpd, in the cache's venv).
scripts/python-venv.sh
# localnet's web3.js check (localnet/tests/web3js.rs) runs the real @solana/web3.js v1 from npm.
scripts/web3js.sh >/dev/null
# The browser tests (tests/browser) open the release build of the app in Debian's Chromium.
source scripts/wasm-toolchain.sh
ensure_chromium
ensure_axe_core
scripts/app-build.sh
# The indexer's SQL is checked at compile time against indexer/.sqlx (no database needed
# to build); a query that no longer matches its offline data fails the build.
export SQLX_OFFLINE=true
# program-test logs every instruction at debug level unless told otherwise.
export RUST_LOG="${RUST_LOG:-error}"

step "building the workspace, its binaries and examples (cache: $CARGO_TARGET_DIR; the first run compiles ~950 crates, ~20 min on 2 cores)"
# --bins: the tests start the binaries (the broker, localnet, the indexer, the simulator).
cargo build --workspace --locked --bins --examples --tests

step "running the tests"
log="$GRIDTOKENX_CACHE/last-test-run.log"
cargo test --workspace --locked --lib --tests "$@" 2>&1 | tee "$log"

# The restart drill (tests/browser/tests/demo_restart.rs) runs `make demo` twice, killing the
# first with SIGKILL mid-flow. `make demo` builds with cargo, and cargo holds the build
# directory's lock while tests run, so the drill's binary runs here, outside cargo.
step "the restart drill: make demo killed with SIGKILL mid-flow, started again, the mirror converges"
drill=$(cargo test --workspace --locked --test demo_restart --no-run --message-format=json \
    | python3 -c 'import json, sys; print(next(m["executable"] for m in map(json.loads, sys.stdin) if m.get("executable")))')
"$drill" --ignored --nocapture 2>&1 | tee -a "$log"

# The app's pure core (app/ is its own workspace: it builds for wasm32), natively.
step "running the app's native tests (app/logic)"
# Its own target dir: the two workspaces build the same crates (anchor-lang, the programs)
# with different features, and a shared dir lets one's build of a path crate stand in for
# the other's ("multiple different versions of crate anchor_lang").
(cd app && CARGO_TARGET_DIR="$GRIDTOKENX_CACHE/target-logic" cargo test --locked -p gridtokenx-app-logic 2>&1) | tee -a "$log"

# The SBF route (tools/sbf/README.md): the lowering pass proven against the host.
tools/sbf/test.sh 2>&1 | tee -a "$log"

# The programs' Anchor IDL: the committed idl/*.json must match the code (tools/idl/idl.sh).
step "the committed Anchor IDL (idl/) against the programs (tools/idl/idl.sh)"
tools/idl/idl.sh 2>&1 | tee -a "$log"

# One closing line for the whole run (each test binary prints its own).
awk '/^test result:/ { p += $4; f += $6 } END { printf "\ntotal: %d passed, %d failed\n", p, f; exit (f > 0) }' "$log"
