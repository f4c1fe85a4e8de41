#!/usr/bin/env bash
# The SBF route (issue #3), kept out of `make test` until it is reliable; see README.md here.
#
#   tools/sbf/build.sh            build the differential test program and our programs to SBF
#   tools/sbf/build.sh --check    only install and check the prerequisites
#   tools/sbf/build.sh --peers [name...]   only build benchmark peers (tools/sbf/peers; default
#                                 manifest) into $GRIDTOKENX_CACHE/sbf/peers; not in `make test`
#
# Installs what it needs (Debian's rustc-web on LLVM 22 with the BPF core/alloc, LLVM 22's
# tools, and sbpf-linker 0.2.6 rebuilt against LLVM 22 into the cache), refuses with a clear
# message when a precondition does not hold, and on a failed build prints LLVM's diagnostics
# grouped by kind: what the IR lowering pass still has to remove.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh

SBF_CACHE="$GRIDTOKENX_CACHE/sbf"
SBPF_LINKER_VERSION=0.2.6
SBPF_LINKER_SHA256=fb77b853725e5cc2455815109cadb110ecb62965dac9e91511a0531c9ea61f22
DEBIAN_RUSTC=/usr/bin/rustc
DEBIAN_CARGO=/usr/bin/cargo
mkdir -p "$SBF_CACHE"

ensure_rust
ensure_packages rustc-web cargo-web rust-web-src libstd-rust-web-dev-bpf llvm-22 llvm-22-dev

llvm=$("$DEBIAN_RUSTC" -vV | sed -n 's/^LLVM version: //p')
case "$llvm" in
    22.*) ;;
    *) die "$DEBIAN_RUSTC uses LLVM ${llvm:-?}; this route is written for LLVM 22 (Debian's rustc-web 1.96). Install rustc-web from Debian 12 backports-equivalent packages, or update tools/sbf for your LLVM." ;;
esac
[ -d /usr/lib/rustlib/bpfel-unknown-none/lib ] ||
    die "no core/alloc for bpfel-unknown-none: install libstd-rust-web-dev-bpf"
libllvm=/usr/lib/x86_64-linux-gnu/libLLVM.so.22.1
[ -e "$libllvm" ] || die "$libllvm missing: install libllvm22"

# sbpf-linker loads LLVM at run time. Its crates.io build selects LLVM 23's C API; we rebuild
# the same source with bpf-linker's llvm-22 feature, and give it a folder holding only
# LLVM 22 so the loader cannot pick another version.
mkdir -p "$SBF_CACHE/llvm"
ln -sf "$libllvm" "$SBF_CACHE/llvm/"
SBPF_LINKER="$SBF_CACHE/tools/bin/sbpf-linker"
if [ ! -x "$SBPF_LINKER" ]; then
    step "building sbpf-linker $SBPF_LINKER_VERSION against LLVM 22 (first time only, ~3 min)"
    src="$SBF_CACHE/src/sbpf-linker-$SBPF_LINKER_VERSION"
    if [ ! -d "$src" ]; then
        mkdir -p "$SBF_CACHE/src"
        crate="$SBF_CACHE/src/sbpf-linker-$SBPF_LINKER_VERSION.crate"
        curl -sSfL -o "$crate" "https://static.crates.io/crates/sbpf-linker/sbpf-linker-$SBPF_LINKER_VERSION.crate" ||
            die "could not download sbpf-linker from static.crates.io"
        echo "$SBPF_LINKER_SHA256  $crate" | sha256sum -c --quiet - || die "sbpf-linker crate checksum mismatch"
        tar -xzf "$crate" -C "$SBF_CACHE/src"
        sed -i 's|"bpf-linker/llvm-23"|"bpf-linker/llvm-22"|' "$src/Cargo.toml"
        # Its pinned nightly is not installable here; our pinned stable builds it.
        rm -f "$src/rust-toolchain.toml"
    fi
    toolchain=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
    # At -O1, not release's -O3: the linking work is LLVM's (Debian's, optimized); its own
    # code at -O1 compiles in much less CPU time, which a cold `make test` pays.
    (cd "$src" && env -u CARGO_TARGET_DIR CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
        cargo "+$toolchain" install --path . --root "$SBF_CACHE/tools") ||
        die "could not build sbpf-linker; see the output above"
fi

# The IR lowering pass, linked against Debian's LLVM 22.
step "building the IR lowering pass (tools/sbf/lower)"
LLVM_SYS_221_PREFIX=/usr/lib/llvm-22 CARGO_TARGET_DIR="$SBF_CACHE/host-target" \
    cargo build --quiet --locked --release --manifest-path tools/sbf/lower/Cargo.toml ||
    die "could not build tools/sbf/lower; see the output above"
export SBF_LOWER="$SBF_CACHE/host-target/release/gridtokenx-sbf-lower"
export SBPF_LINKER

[ "${1:-}" = "--check" ] && { step "SBF prerequisites ready (LLVM $llvm, $SBPF_LINKER)"; exit 0; }

std_src="$SBF_CACHE/std-src"
patch_std() {
    local stamp
    stamp=$(cat tools/sbf/patch-std.py /usr/src/rustc-1.96.0/library/std/build.rs | sha256sum | cut -c1-16)
    if [ "$(cat "$std_src/.stamp" 2>/dev/null)" != "$stamp" ]; then
        step "patching a copy of Rust's library sources for os = \"solana\""
        rm -rf "$std_src" && mkdir -p "$std_src"
        cp -r /usr/src/rustc-1.96.0/library "$std_src/"
        python3 tools/sbf/patch-std.py "$std_src/library" || die "patching std failed (see above)"
        echo "$stamp" >"$std_src/.stamp"
    fi
}

export LD_LIBRARY_PATH="$SBF_CACHE/llvm"
export RUSTC="$DEBIAN_RUSTC"
# `allows-misaligned-mem-access`: SBF loads and stores any alignment (as platform-tools'
# target assumes). Without it LLVM splits every unaligned u64 access — `read_unaligned`,
# `u64::from_le_bytes` of a slice, the word loop of a 32-byte key compare — into eight
# byte loads and shifts.
FLAGS="-C linker=$PWD/tools/sbf/link.sh -C panic=abort -C relocation-model=static -C target-cpu=v2 -C target-feature=+allows-misaligned-mem-access -C link-arg=--arch=v0 -C link-arg=--llvm-args=--bpf-stack-size=4096"
# Only these cdylibs are linked for real (dependencies may declare cdylibs too).
export SBF_PROGRAMS="sbf_diff_program sbf_governance sbf_energy sbf_market"

# Builds with Debian's cargo; on failure prints LLVM's diagnostics by kind and stops.
sbf_cargo() { # log, cargo arguments...
    local log=$1
    shift
    if ! "$DEBIAN_CARGO" "$@" >"$log" 2>&1; then
        printf '\nthe SBF build failed (full log: %s); LLVM diagnostics by kind:\n' "$log"
        grep -o "ERROR llvm: .*" "$log" | sed -e 's/in function [^:]*: //' -e 's/0x[0-9a-f]*: //' \
            -e "s/GlobalAddress<ptr @[^>]*>/GlobalAddress<...>/" | sort | uniq -c | sort -rn | head -20 || true
        grep -E "^(error|\s+Error|\s+Symbol)" "$log" | head -20 || true
        die "the SBF build failed; tools/sbf/README.md explains each step"
    fi
}

# Benchmark peers (issue #9, "Measure"): programs published on crates.io, unmodified, each
# linked through a wrapper of its own (tools/sbf/peers/<name>, its own workspace and lock) the
# way ours are, for the test bank of tests/programs/peers/*.rs only. Their own target and
# output folders: the deploy folder and our programs' build are left alone. Default: manifest
# (phoenix does not build yet; `--peers phoenix` shows where it stops, see README.md).
if [ "${1:-}" = "--peers" ]; then
    shift
    peers=("${@:-manifest}")
    patch_std
    export CARGO_TARGET_DIR="$SBF_CACHE/peers-target"
    export RUSTFLAGS="$FLAGS -Zunstable-options -Cpanic=immediate-abort"
    export RUSTC_BOOTSTRAP=1 __CARGO_TESTS_ONLY_SRC_ROOT="$std_src/library"
    mkdir -p "$SBF_CACHE/peers"
    for peer in "${peers[@]}"; do
        [ -f "tools/sbf/peers/$peer/Cargo.toml" ] || die "no peer tools/sbf/peers/$peer"
        step "building the benchmark peer $peer (tools/sbf/peers/$peer) to SBF (first time: a few minutes)"
        export SBF_PROGRAMS="sbf_$peer"
        "$DEBIAN_CARGO" clean --quiet --release --target tools/sbf/targets/sbf-solana.json -Zjson-target-spec \
            --manifest-path "tools/sbf/peers/$peer/Cargo.toml" -p "sbf-$peer" -p gridtokenx-sbf-rt 2>/dev/null || true
        sbf_cargo "$SBF_CACHE/peers-build.log" build --locked --release \
            -Zbuild-std=std,panic_abort -Zbuild-std-features=compiler-builtins-mem -Zjson-target-spec \
            --target tools/sbf/targets/sbf-solana.json --manifest-path "tools/sbf/peers/$peer/Cargo.toml"
        so="$CARGO_TARGET_DIR/sbf-solana/release/libsbf_$peer.so"
        /usr/lib/llvm-22/bin/llvm-readelf --dyn-syms "$so" | grep -w entrypoint >/dev/null ||
            die "$so exports no entrypoint"
        cp "$so" "$SBF_CACHE/peers/$peer.so"
    done
    step "built: $(cd "$SBF_CACHE/peers" && ls -s --block-size=K *.so | tr '\n' ' ')"
    exit 0
fi

# 1. The differential program: no_std, core and alloc as Debian ships them.
step "building tools/sbf/diff/program to SBF (Debian rustc $("$DEBIAN_RUSTC" -V | cut -d' ' -f2), LLVM $llvm)"
export CARGO_TARGET_DIR="$SBF_CACHE/target"
export RUSTFLAGS="$FLAGS"
# Cargo does not see changes to the linker or the pass: always relink (and rebuild the
# helpers), which takes seconds.
"$DEBIAN_CARGO" clean --quiet --release --target bpfel-unknown-none --manifest-path tools/sbf/diff/Cargo.toml \
    -p sbf-diff-program -p gridtokenx-sbf-rt 2>/dev/null || true
# A profiling build (SBF_PROFILE=1, below) leaves the regular programs in deploy/ alone.
[ "${SBF_PROFILE:-}" = 1 ] || rm -rf "$SBF_CACHE/deploy"
sbf_cargo "$SBF_CACHE/diff-build.log" build --locked --release --target bpfel-unknown-none \
    --manifest-path tools/sbf/diff/Cargo.toml -p sbf-diff-program
mkdir -p "$SBF_CACHE/deploy"
cp "$CARGO_TARGET_DIR"/bpfel-unknown-none/release/*.so "$SBF_CACHE/deploy/"

# 2. Our programs: std for `os = "solana"` (tools/sbf/targets/sbf-solana.json), built from a
#    patched copy of Debian's Rust 1.96 library sources (tools/sbf/patch-std.py).
patch_std
step "building governance, energy and market to SBF (first time: std and Anchor for SBF, a few minutes)"
export CARGO_TARGET_DIR="$SBF_CACHE/programs-target"
export RUSTFLAGS="$FLAGS -Zunstable-options -Cpanic=immediate-abort"
export RUSTC_BOOTSTRAP=1 __CARGO_TESTS_ONLY_SRC_ROOT="$std_src/library"
"$DEBIAN_CARGO" clean --quiet --release --target tools/sbf/targets/sbf-solana.json -Zjson-target-spec \
    --manifest-path tools/sbf/programs/Cargo.toml -p sbf-governance -p sbf-energy -p sbf-market \
    -p gridtokenx-sbf-rt 2>/dev/null || true
# One cargo run per program: energy and market depend on governance (and market on energy)
# with `no-entrypoint`, and features unify within a run.
# SBF_PROFILE=1: a profiling build with compute-unit markers (`governance::cu_mark!`) in
# energy and market, into deploy-profile/ (tests/programs/tests/cu_profile.rs reads it).
deploy="$SBF_CACHE/deploy"
[ "${SBF_PROFILE:-}" = 1 ] && deploy="$SBF_CACHE/deploy-profile" && mkdir -p "$deploy"
for program in governance energy market; do
    features=()
    [ "${SBF_PROFILE:-}" = 1 ] && [ "$program" != governance ] && features=(--features "sbf-$program/cu-trace")
    sbf_cargo "$SBF_CACHE/programs-build.log" build --locked --release \
        -Zbuild-std=std,panic_abort -Zbuild-std-features=compiler-builtins-mem -Zjson-target-spec \
        --target tools/sbf/targets/sbf-solana.json --manifest-path tools/sbf/programs/Cargo.toml -p "sbf-$program" \
        "${features[@]}"
    so="$CARGO_TARGET_DIR/sbf-solana/release/libsbf_$program.so"
    # Not `grep -q`: it exits at the first match, readelf gets SIGPIPE, and pipefail
    # turns a found entrypoint into a failure.
    /usr/lib/llvm-22/bin/llvm-readelf --dyn-syms "$so" | grep -w entrypoint >/dev/null ||
        die "$so exports no entrypoint (was $program built with no-entrypoint?)"
    cp "$so" "$deploy/$program.so"
done
step "built: $(cd "$deploy" && ls -s --block-size=K *.so | tr '\n' ' ')"
