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
# The real JavaScript clients from npm: @solana/web3.js v1 for localnet's web3.js check
# (localnet/tests/web3js.rs), web3.js and @solana/kit for the conformance test (tests/conformance).
scripts/npm-clients.sh web3js >/dev/null
scripts/npm-clients.sh conformance >/dev/null
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
ensure_nextest

# Builds the workspace does not need run beside it and the tests, at the lowest priority, so
# they take only the CPU the rest leaves (the tests mostly wait on real time: slots, Kafka,
# browsers, servers starting). Their output goes to logs; a failure is reported after the
# workspace tests.
# From the start: the SBF route's toolchain and programs, and the app's native tests (app/ is
# its own workspace: it builds for wasm32), each with target dirs of their own. The app's own
# target dir: the two workspaces build the same crates (anchor-lang, the programs) with
# different features, and a shared dir lets one's build of a path crate stand in for the
# other's ("multiple different versions of crate anchor_lang").
background_log="$GRIDTOKENX_CACHE/background-builds.log"
step "building the SBF route and the app's native tests in the background (log: $background_log)"
(
    renice -n 19 "$BASHPID" >/dev/null
    tools/sbf/build.sh
    (cd app && CARGO_TARGET_DIR="$GRIDTOKENX_CACHE/target-logic" cargo test --locked -p gridtokenx-app-logic --no-run)
) >"$background_log" 2>&1 &
background=$!

step "building the workspace, its binaries and examples (cache: $CARGO_TARGET_DIR; the first run compiles ~1,600 units, ~30 min on 2 cores)"
# --bins: the tests start the binaries (the broker, localnet, the indexer, the simulator).
# GTX_TIMINGS=1 writes cargo's per-crate timing report ($CARGO_TARGET_DIR/cargo-timings/),
# which is how docs/benchmarks.md's cold-build figures were taken.
cargo build --workspace --locked --bins --examples --tests ${GTX_TIMINGS:+--timings}
# The restart drill's binary (tests/browser/tests/demo_restart.rs), found now: cargo is not
# run on this target dir again until the IDL check below is done with it.
drill=$(cargo test --workspace --locked --test demo_restart --no-run --message-format=json \
    | python3 -c 'import json, sys; print(next(m["executable"] for m in map(json.loads, sys.stdin) if m.get("executable")))')

# The IDL check (tools/idl/idl.sh) is nearly all compiling: its tool, and the programs with
# the idl-build feature in this target dir, reusing the workspace's dependencies. It runs
# beside the tests, once cargo-nextest has built (cargo holds the target dir while it builds;
# nextest prints "Starting" when it is done with it); its verdict is reported below.
log="$GRIDTOKENX_CACHE/last-test-run.log"
idl_log="$GRIDTOKENX_CACHE/idl-check.log"
rm -f "$log" "$idl_log"
(
    renice -n 19 "$BASHPID" >/dev/null
    until grep -q '^ *Starting ' "$log" 2>/dev/null; do sleep 1; done
    tools/idl/idl.sh >"$idl_log" 2>&1 || true
) &
idl=$!

step "running the workspace tests (cargo-nextest, .config/nextest.toml), the IDL check beside them (log: $idl_log)"
status=0
cargo nextest run --workspace --locked --lib --tests --no-fail-fast "$@" 2>&1 | tee "$log" || status=1
# Had nextest stopped before it started the tests, the IDL check still runs (and says why).
grep -q '^ *Starting ' "$log" || echo "     Starting nothing: cargo-nextest stopped before the tests" >>"$log"

# The restart drill runs `make demo` twice, killing the first with SIGKILL mid-flow. It runs
# here, outside cargo, after the workspace tests (`make demo` binds the demo's fixed ports),
# beside the IDL check: its `make demo` uses the binaries built above instead of running
# cargo, whose lock on this target dir the IDL check holds while it compiles.
step "the restart drill: make demo killed with SIGKILL mid-flow, started again, the mirror converges"
GRIDTOKENX_DEMO_PREBUILT=1 "$drill" --ignored --nocapture 2>&1 | tee -a "$log" || status=1
step "waiting for the IDL check"
wait "$idl"

step "waiting for the background builds (log: $background_log)"
wait "$background" || { tail -30 "$background_log"; die "a background build failed: see $background_log"; }

step "running the app's native tests (app/logic)"
(cd app && CARGO_TARGET_DIR="$GRIDTOKENX_CACHE/target-logic" cargo test --locked -p gridtokenx-app-logic 2>&1) | tee -a "$log" || status=1

# The SBF route (tools/sbf/README.md): the lowering pass proven against the host, and the
# program suite again on the SBF builds (built above, in the background).
SBF_BUILT=1 tools/sbf/test.sh 2>&1 | tee -a "$log" || status=1

# The programs' Anchor IDL: the committed idl/*.json must match the code (tools/idl/idl.sh).
step "the committed Anchor IDL (idl/) against the programs (tools/idl/idl.sh, run beside the tests)"
tee -a "$log" <"$idl_log"
grep -q '^test result: ok' "$idl_log" || status=1

# One closing line for the whole run: cargo-nextest's summaries and each cargo test
# binary's result line. A test cargo-nextest ended for running too long ("N timed out") is
# a failure: it once hid in "0 failed" on a run that exited non-zero.
awk '
    /^test result:/ { p += $4; f += $6 }
    /^ *Summary \[/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed/) p += $(i - 1); if ($(i) ~ /^failed/) f += $(i - 1); if ($(i) == "timed") t += $(i - 1) } }
    END { printf "\ntotal: %d passed, %d failed%s\n", p, f + t, t ? sprintf(" (%d of them timed out)", t) : ""; exit (f + t > 0) }' "$log" || status=1
exit "$status"
