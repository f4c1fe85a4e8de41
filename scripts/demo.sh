#!/usr/bin/env bash
# Runs the whole system on embedded defaults: localnet (the chain with our programs, JSON-RPC,
# PubSub, Yellowstone gRPC), a Kafka-protocol broker (tansu's, tools/broker), and the simulator's meters
# posting oracle-attested readings on chain and telemetry to Kafka, and the indexer mirroring
# the chain and the telemetry into PostgreSQL, served over REST and WebSocket together with
# the web app (app/dist, built by scripts/app-build.sh). Ctrl-C stops everything; state persists in $GRIDTOKENX_DEMO_DIR
# (default $GRIDTOKENX_CACHE/demo) — remove that folder to start from a fresh chain.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

ensure_rust
ensure_build_deps
ensure_postgres
ensure_redis
export RUST_LOG="${RUST_LOG:-error}"
DEMO_DIR="${GRIDTOKENX_DEMO_DIR:-$GRIDTOKENX_CACHE/demo}"
METERS="${DEMO_METERS:-20}"
mkdir -p "$DEMO_DIR"

for port in 8899 8900 10000 9092 8090 8080; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        die "port $port is in use: stop what listens there (another demo?) and re-run"
    fi
done

# The web app, served by the indexer at /.
scripts/app-build.sh

# The whole workspace's binaries, not `-p` of the three: features unify across the
# workspace as in `make test`'s build, so after `make test` this reuses its dependencies
# (`-p` would resolve other features and rebuild hundreds of crates). `make test`'s restart
# drill sets GRIDTOKENX_DEMO_PREBUILT=1: it runs right after that build, beside the IDL check,
# which holds the target dir's lock while it compiles.
if [ "${GRIDTOKENX_DEMO_PREBUILT:-}" = 1 ]; then
    step "using the binaries make test built (cache: $CARGO_TARGET_DIR)"
else
    step "building localnet, the broker, the simulator and the indexer (cache: $CARGO_TARGET_DIR)"
    SQLX_OFFLINE=true cargo build --workspace --locked --bins
fi
bin="$CARGO_TARGET_DIR/debug"

pids=()
cleanup() {
    trap - EXIT INT TERM
    step "stopping (state kept in $DEMO_DIR)"
    # SIGINT lets each process save its state before exiting.
    for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT
# Ctrl-C (or a TERM) is how the demo is meant to stop: stop everything, then end here — the
# supervision loop below must not see its stopped components as a failure.
trap 'cleanup; exit 0' INT TERM

wait_for() { # name, check command...
    local name=$1 i
    shift
    for i in $(seq 1 120); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    die "$name did not come up; its log: $DEMO_DIR/$name.log"
}

step "starting localnet (JSON-RPC :8899, PubSub :8900, Yellowstone gRPC :10000)"
"$bin/gridtokenx-localnet" --keys localnet/dev-keys --data-dir "$DEMO_DIR/localnet" >"$DEMO_DIR/localnet.log" 2>&1 &
pids+=($!)
wait_for localnet curl -sf -X POST -H 'content-type: application/json' \
    -d '{"jsonrpc":"2.0","id":1,"method":"getHealth"}' http://127.0.0.1:8899

step "starting the tansu Kafka-protocol broker (:9092, topics kept in $DEMO_DIR/tansu/tansu.db)"
# tansu opens `sqlite://<file>` relative to its working directory.
mkdir -p "$DEMO_DIR/tansu"
(cd "$DEMO_DIR/tansu" && exec "$TANSU" broker --storage-engine sqlite://tansu.db \
    --listener-url tcp://127.0.0.1:9092 --advertised-listener-url tcp://127.0.0.1:9092) >"$DEMO_DIR/tansu.log" 2>&1 &
pids+=($!)
wait_for tansu bash -c 'exec 3<>/dev/tcp/127.0.0.1/9092'

step "starting $METERS simulated meters (control API :8090), 6 h of backfill at 96x, then real time"
"$bin/gridtokenx-simulator" serve --addr 127.0.0.1:8090 --meters "$METERS" --backfill 6h --speed 96 --start \
    --rpc-url http://127.0.0.1:8899 --oracle-key localnet/dev-keys/oracle.json \
    --payer-key localnet/dev-keys/bob.json --kafka-brokers 127.0.0.1:9092 \
    --state "$DEMO_DIR/simulator-state.json" >"$DEMO_DIR/simulator.log" 2>&1 &
pids+=($!)
wait_for simulator curl -sf http://127.0.0.1:8090/status

step "starting the indexer (REST + WebSocket :8080, database gridtokenx_demo)"
DATABASE_URL="${DEMO_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gridtokenx_demo}" RUST_LOG=warn \
    INDEXER_APP_DIR="$PWD/app/dist" "$bin/gridtokenx-indexer" all >"$DEMO_DIR/indexer.log" 2>&1 &
pids+=($!)
wait_for indexer curl -sf http://127.0.0.1:8080/health/live

cat <<EOF

GridTokenX is running (logs in $DEMO_DIR). Open the app:

  http://127.0.0.1:8080/

  Wallet: in Phantom or Solflare choose a custom RPC / localnet at http://127.0.0.1:8899 and
  import a demo trader's key (DEV-ONLY, funded with SOL and 10,000 demo USDC):
  localnet/dev-keys/alice.json or bob.json (a JSON array of 64 bytes, the private key).

  chain        http://127.0.0.1:8899   (solana -u http://127.0.0.1:8899 ..., wallets: custom RPC)
  pubsub       ws://127.0.0.1:8900
  geyser gRPC  http://127.0.0.1:10000  (yellowstone-grpc-client)
  kafka        127.0.0.1:9092          (topic meter-readings, docs/telemetry.md)
  simulator    http://127.0.0.1:8090/status, /openapi.json, ws://127.0.0.1:8090/stream
  indexer      http://127.0.0.1:8080/api/v1/markets, /api/v1/openapi.json, ws://127.0.0.1:8080/api/v1/ws,
               /metrics, /health/ready (docs/indexer.md)
Ctrl-C stops everything.
EOF

# Report every minute; stop everything if any part dies.
while true; do
    for pid in "${pids[@]}"; do
        kill -0 "$pid" 2>/dev/null || die "a component exited; see the logs in $DEMO_DIR"
    done
    curl -sf http://127.0.0.1:8090/status | python3 -c '
import json, sys, time
s = json.load(sys.stdin); o = s["outputs"]; c = o.get("chain") or {}; k = o.get("kafka") or {}
print("%s simulator: %d intervals, %d readings, %d landed, rejected %s, kafka delivered %d" % (
    time.strftime("%H:%M:%S"), s["intervals"], o["readings"], c.get("landed", 0), c.get("rejected", {}), k.get("delivered", 0)))
' 2>/dev/null || true
    sleep 60
done
