#!/usr/bin/env bash
# Builds the browser app into app/dist (served at / by the indexer, INDEXER_APP_DIR):
# cargo → wasm32, wasm-bindgen (exact crate version) → JS glue, wasm-opt -Oz → size.
# Prints each step's time; the toolchain is installed on first use (scripts/wasm-toolchain.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/wasm-toolchain.sh

timed() { # label, command...
    local label=$1 start
    shift
    start=$(date +%s)
    "$@"
    printf '    %s: %ss\n' "$label" $(( $(date +%s) - start ))
}

ensure_rust
timed "wasm Rust ($WASM_TARGET)" ensure_wasm_rust
timed "wasm-bindgen CLI" ensure_wasm_bindgen
timed "wasm-opt" ensure_wasm_opt

step "building app/ for $WASM_TARGET ($WASM_ROUTE route, cache: $APP_TARGET_DIR)"
# Every panic site carries its file, line and column (core::panic::Location): ~9 KB of the
# gzipped module. `-Zlocation-detail=none` leaves them out (a panic's message still reaches
# the console); stable rustc takes the flag with RUSTC_BOOTSTRAP=1, as the Debian route's
# -Zbuild-std already does. Gzipped: 415,320 → 406,121 bytes (406 → 397 KB) with the grid map.
timed "cargo build" env -C app CARGO_TARGET_DIR="$APP_TARGET_DIR" RUSTC_BOOTSTRAP=1 \
    RUSTFLAGS="-Zlocation-detail=none" "${WASM_CARGO[@]}" build --locked --release \
    --target "$WASM_TARGET" ${WASM_BUILD_STD[@]+"${WASM_BUILD_STD[@]}"} -p gridtokenx-app
wasm="$APP_TARGET_DIR/$WASM_TARGET/release/gridtokenx-app.wasm"

out=app/dist
rm -rf "$out.tmp" && mkdir -p "$out.tmp"
step "wasm-bindgen → $out"
timed "wasm-bindgen" "$WASM_BINDGEN" --target web --no-typescript --out-dir "$out.tmp" --out-name app "$wasm"
step "wasm-opt -Oz"
# solana-zk-sdk (spl-pod → anchor-spl → the programs) marks its confidential-transfer types
# #[wasm_bindgen] on wasm32, so every build exported ~60 JS classes nobody calls and kept
# their curve25519 code alive (~30 KB gzipped); likewise wasm-streams' stream classes for
# leptos' server functions, which a CSR app without a server never calls. Their exports go
# first, and -Oz then drops the code only they reached. The JS glue still defines the
# classes, but calls into the module only when one is used.
unused_exports='*proof*,*ciphertext*,*elgamal*,*pedersen*,*aekey*,*podu64*,*decrypthandle*,*intounderlying*'
# Two assumptions that hold for Rust's wasm32 and buy ~2 KB gzipped: no load, store or
# division traps by accident (-iit: Rust checks divisors and bounds itself and never relies
# on a trap), and the first KiB of memory is unused (rustc lays the 1 MiB stack out first,
# growing down, so only a stack 1023 KiB deep would reach it).
# The features rustc 1.95 enables by default for wasm32 must be allowed here too.
timed "wasm-opt" "$WASM_OPT" --remove-exports --pass-arg="remove-exports@$unused_exports" \
    --ignore-implicit-traps --low-memory-unused -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    --strip-debug --strip-producers "$out.tmp/app_bg.wasm" -o "$out.tmp/app_bg.wasm"
cp app/web/index.html app/web/style.css "$out.tmp/"
rm -rf "$out" && mv "$out.tmp" "$out"

raw=$(stat -c %s "$out/app_bg.wasm")
gz=$(gzip -9 -c "$out/app_bg.wasm" | wc -c)
printf '\napp built: %s (wasm %s KB raw, %s KB gzipped)\n' "$out" $(( raw / 1024 )) $(( gz / 1024 ))
