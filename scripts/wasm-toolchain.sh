# The WebAssembly toolchain for app/ (sourced by app-build.sh and app-test.sh after env.sh).
# Three tools, each installed once into $GRIDTOKENX_CACHE/tools and reused:
#   1. a Rust that targets wasm32-unknown-unknown: rustup's target when it is installed or
#      can be added; otherwise Debian's rustc-web + cargo-web + rust-web-src, building std
#      from source (-Zbuild-std) because Debian ships no prebuilt wasm32 std;
#   2. wasm-bindgen's CLI at exactly the version of the `wasm-bindgen` crate in
#      app/Cargo.lock (the two must match byte for byte in their ABI);
#   3. wasm-opt from npm's `binaryen` 132: Debian's binaryen 108 emits modules Chromium
#      rejects ("WebAssembly.Table.set(): Argument 1 is invalid").

WASM_TARGET=wasm32-unknown-unknown
BINARYEN_VERSION=132.0.0
# axe-core, the accessibility checker the browser tests run in each view (tests/browser).
AXE_CORE_VERSION=4.11.0
APP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../app" && pwd)"
export APP_TARGET_DIR="${APP_TARGET_DIR:-$GRIDTOKENX_CACHE/target-app}"

# Sets WASM_CARGO (a command array) to a cargo that builds for wasm32.
ensure_wasm_rust() {
    local want
    want=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$APP_DIR/../rust-toolchain.toml")
    if [ "${GRIDTOKENX_WASM_ROUTE:-}" != debian ] && command -v rustup >/dev/null 2>&1; then
        if rustup target list --installed --toolchain "$want" 2>/dev/null | grep -qx "$WASM_TARGET"; then
            WASM_ROUTE=rustup
        else
            step "adding rustup's $WASM_TARGET target to Rust $want"
            if timeout 300 rustup target add "$WASM_TARGET" --toolchain "$want" >/dev/null 2>&1; then
                WASM_ROUTE=rustup
            else
                echo "rustup could not add $WASM_TARGET here; using Debian's rustc-web instead"
            fi
        fi
    fi
    if [ "${WASM_ROUTE:-}" = rustup ]; then
        WASM_CARGO=(cargo "+$want")
        return 0
    fi
    WASM_ROUTE=debian
    ensure_packages rustc-web cargo-web rust-web-src
    local bin=/usr/lib/rust-web/bin
    [ -x "$bin/cargo" ] || bin=$(dirname "$(dpkg -L cargo-web | grep -m1 '/bin/cargo$')")
    [ -x "$bin/cargo" ] || die "cargo-web installed but its cargo was not found: run 'dpkg -L cargo-web'"
    # Debian's cargo and rustc first on PATH (rustup's proxies would pick the pinned
    # toolchain, which has no wasm32 std here); RUSTC_BOOTSTRAP unlocks -Zbuild-std on
    # this stable compiler, and rust-web-src supplies the std sources it compiles.
    WASM_CARGO=(env "PATH=$bin:$PATH" RUSTC="$bin/rustc" RUSTC_BOOTSTRAP=1 "$bin/cargo")
    WASM_BUILD_STD=(-Zbuild-std=std,panic_abort)
}

# The wasm-bindgen crate version app/Cargo.lock resolved.
wasm_bindgen_version() {
    awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$APP_DIR/Cargo.lock"
}

# Sets WASM_BINDGEN to a CLI of exactly the crate's version.
ensure_wasm_bindgen() {
    local version root
    version=$(wasm_bindgen_version)
    [ -n "$version" ] || die "no wasm-bindgen in app/Cargo.lock: run 'cargo generate-lockfile' in app/"
    root="$GRIDTOKENX_CACHE/tools/wasm-bindgen-$version"
    WASM_BINDGEN="$root/bin/wasm-bindgen"
    if [ -x "$WASM_BINDGEN" ] && "$WASM_BINDGEN" --version | grep -q " $version"; then
        return 0
    fi
    step "installing wasm-bindgen-cli $version into $root (first time only, ~2 min on 2 cores)"
    # Not --locked: its lockfile pins a webpki-roots version the registry no longer serves.
    # Only the `wasm-bindgen` binary, without the TLS stack its test runner downloads with.
    # A throwaway target dir: only the binary is kept. At -O1, not release's -O3: it compiles
    # in ~40 % less CPU time, and post-processes one app's wasm a few times per build.
    env -u CARGO_TARGET_DIR CARGO_TARGET_DIR="$GRIDTOKENX_CACHE/tools/.build-wasm-bindgen" \
        CARGO_PROFILE_RELEASE_OPT_LEVEL=1 cargo install wasm-bindgen-cli --version "$version" --root "$root" --no-default-features --bin wasm-bindgen ||
        die "could not install wasm-bindgen-cli $version: re-run, or check the network to crates.io"
    rm -rf "$GRIDTOKENX_CACHE/tools/.build-wasm-bindgen"
}

# Installs npm package $1 at version $2 into $3 (idempotent: the caller checks its file first).
npm_tool() { # package, version, dir
    command -v npm >/dev/null 2>&1 || ensure_packages npm
    step "installing $1 $2 from npm into $3"
    mkdir -p "$3"
    (cd "$3" && npm install --no-audit --no-fund --silent "$1@$2" >/dev/null) ||
        die "npm could not install $1@$2: check 'npm ping', then re-run"
}

# Sets WASM_OPT to npm binaryen's wasm-opt.
ensure_wasm_opt() {
    local dir="$GRIDTOKENX_CACHE/tools/binaryen-$BINARYEN_VERSION"
    WASM_OPT="$dir/node_modules/binaryen/bin/wasm-opt"
    [ -x "$WASM_OPT" ] || npm_tool binaryen "$BINARYEN_VERSION" "$dir"
}

# Sets and exports AXE_CORE_JS: npm axe-core's browser build, which the browser tests inject
# into the page to audit it.
ensure_axe_core() {
    local dir="$GRIDTOKENX_CACHE/tools/axe-core-$AXE_CORE_VERSION"
    export AXE_CORE_JS="$dir/node_modules/axe-core/axe.min.js"
    [ -f "$AXE_CORE_JS" ] || npm_tool axe-core "$AXE_CORE_VERSION" "$dir"
}

# Chromium and its driver for the browser tests (Debian keeps the two in step).
ensure_chromium() {
    ensure_packages chromium chromium-driver
}
