# Shared environment for the project's scripts: one cache outside the clone, so that a
# fresh clone (CI) reuses compiled dependencies and installed tools.
# Override with GRIDTOKENX_CACHE=/somewhere; clear with `make clean-cache`.
export GRIDTOKENX_CACHE="${GRIDTOKENX_CACHE:-$HOME/.cache/gridtokenx}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$GRIDTOKENX_CACHE/target}"
export CARGO_TERM_PROGRESS_WHEN="${CARGO_TERM_PROGRESS_WHEN:-auto}"
mkdir -p "$CARGO_TARGET_DIR" "$GRIDTOKENX_CACHE/tools"

# Each step says when it began (wall clock, and minutes since the command started), so a
# slow run shows where its time went.
GTX_STARTED="${GTX_STARTED:-$(date +%s)}"
export GTX_STARTED
step() { printf '\n==> [%s +%dm] %s\n' "$(date +%H:%M:%S)" $((($(date +%s) - GTX_STARTED) / 60)) "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Rust: the pinned toolchain (rust-toolchain.toml) comes from rustup.
ensure_rust() {
    command -v cargo >/dev/null 2>&1 || die "cargo not found: install rustup (https://rustup.rs) and re-run; rust-toolchain.toml pins the version"
    local want
    want=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../rust-toolchain.toml")
    if ! rustup run "$want" rustc --version >/dev/null 2>&1; then
        step "installing Rust $want (rust-toolchain.toml)"
        rustup toolchain install "$want" --profile minimal || die "could not install Rust $want: run 'rustup toolchain install $want' by hand"
    fi
}

# cargo-nextest runs the workspace tests (.config/nextest.toml); machines of this kind have it.
ensure_nextest() {
    command -v cargo-nextest >/dev/null 2>&1 && return 0
    step "installing cargo-nextest (first time only, ~4 min on 2 cores)"
    env -u CARGO_TARGET_DIR CARGO_TARGET_DIR="$GRIDTOKENX_CACHE/tools/.build-nextest" \
        cargo install cargo-nextest --locked --root "$GRIDTOKENX_CACHE/tools" ||
        die "could not install cargo-nextest: run 'cargo install cargo-nextest --locked'"
    rm -rf "$GRIDTOKENX_CACHE/tools/.build-nextest"
}
export PATH="$PATH:$GRIDTOKENX_CACHE/tools/bin"

# Debian packages, installed when missing (sudo when not root).
ensure_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get: install them with your package manager"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    step "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -q "${missing[@]}" >/dev/null ||
        { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q "${missing[@]}" >/dev/null; } ||
        die "could not install ${missing[*]}: run 'sudo apt-get install ${missing[*]}'"
}

# Native libraries and tools our crates build with: librdkafka (built from source by rdkafka's
# cmake-build feature) needs cmake, curl and SASL headers; OpenSSL is Debian's and C++ is
# compiled by clang (.cargo/config.toml); protoc is Debian's (vendor/protobuf-src); RocksDB's
# bindings in agave's validator (the conformance test's reference) need libclang.
ensure_build_deps() {
    ensure_packages cmake libcurl4-openssl-dev libsasl2-dev libssl-dev protobuf-compiler pkg-config libclang-dev clang
}

# The Kafka-protocol broker of tests and the demo: tansu's broker library built as a
# workspace binary (tools/broker), so it shares the workspace's build instead of a
# `cargo install` compiling 412 crates a second time. TANSU overrides it with any binary that
# takes tansu's `broker --storage-engine URL --listener-url URL --advertised-listener-url URL`
# (tansu's own CLI does).
export TANSU="${TANSU:-$CARGO_TARGET_DIR/debug/gridtokenx-broker}"

# InfluxDB 1.x for the simulator's line-protocol test: Debian's package unpacked into the
# cache (no system service is installed or started).
export INFLUXD="${INFLUXD:-$GRIDTOKENX_CACHE/tools/influxdb/usr/bin/influxd}"
ensure_influxd() {
    [ -x "$INFLUXD" ] && return 0
    command -v apt-get >/dev/null 2>&1 || die "no apt-get to fetch InfluxDB: set INFLUXD to an influxd 1.x binary"
    step "fetching InfluxDB 1.x (Debian's package, unpacked into $GRIDTOKENX_CACHE/tools/influxdb)"
    local tmp
    tmp=$(mktemp -d)
    chmod 755 "$tmp"
    (cd "$tmp" && apt-get download -q influxdb >/dev/null 2>&1) ||
        { [ "$(id -u)" -eq 0 ] && apt-get update -q >/dev/null && (cd "$tmp" && apt-get download -q influxdb >/dev/null 2>&1); } ||
        die "could not download Debian's influxdb package: run 'apt-get update' and re-run, or set INFLUXD"
    dpkg-deb -x "$tmp"/influxdb_*.deb "$GRIDTOKENX_CACHE/tools/influxdb"
    rm -rf "$tmp"
}

# PostgreSQL for the indexer and its tests: the one on 127.0.0.1:5432 when it answers
# (machines of this kind start one), else Debian's server started as the `postgres` user
# on a cluster in the cache (trust auth on loopback only).
export PGDATA_DIR="$GRIDTOKENX_CACHE/postgres"
ensure_postgres() {
    if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
        return 0
    fi
    ensure_packages postgresql postgresql-client
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -n "$bin" ] || die "PostgreSQL binaries not found under /usr/lib/postgresql: install postgresql"
    if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
        step "creating a PostgreSQL cluster in $PGDATA_DIR"
        mkdir -p "$PGDATA_DIR"
        chown postgres:postgres "$PGDATA_DIR"
        su postgres -c "$bin/initdb -D '$PGDATA_DIR' -U postgres --auth=trust -E UTF8" >/dev/null ||
            die "initdb failed: remove $PGDATA_DIR and re-run"
    fi
    step "starting PostgreSQL on 127.0.0.1:5432 (data: $PGDATA_DIR)"
    su postgres -c "$bin/pg_ctl -D '$PGDATA_DIR' -l '$PGDATA_DIR/server.log' -o \"-h 127.0.0.1 -p 5432 -k /tmp\" -w start" >/dev/null ||
        die "PostgreSQL did not start: see $PGDATA_DIR/server.log (is port 5432 taken?)"
}

# Redis for the indexer's fan-out and its tests: the one on 127.0.0.1:6379 when it answers,
# else Debian's server, in-memory, started here.
ensure_redis() {
    if command -v redis-cli >/dev/null 2>&1 && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; then
        return 0
    fi
    ensure_packages redis-server
    step "starting Redis on 127.0.0.1:6379 (in memory)"
    mkdir -p "$GRIDTOKENX_CACHE/redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
        --dir "$GRIDTOKENX_CACHE/redis" --logfile "$GRIDTOKENX_CACHE/redis/redis.log" >/dev/null ||
        die "Redis did not start: see $GRIDTOKENX_CACHE/redis/redis.log (is port 6379 taken?)"
    for _ in $(seq 50); do
        [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ] && return 0
        sleep 0.1
    done
    die "Redis did not answer on 127.0.0.1:6379: see $GRIDTOKENX_CACHE/redis/redis.log"
}
