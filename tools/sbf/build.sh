#!/usr/bin/env bash
# The SBF route (issue #3), kept out of `make test` until it is reliable; see README.md here.
#
#   tools/sbf/build.sh            build the differential test program to SBF
#   tools/sbf/build.sh --check    only install and check the prerequisites
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
ensure_packages rustc-web cargo-web rust-web-src libstd-rust-web-dev-bpf llvm-22

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
        # Its pinned nightly is not installable here; stable builds it.
        rm -f "$src/rust-toolchain.toml"
    fi
    (cd "$src" && env -u CARGO_TARGET_DIR cargo +stable install --path . --root "$SBF_CACHE/tools") ||
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

step "building tools/sbf/diff/program to SBF (Debian rustc $("$DEBIAN_RUSTC" -V | cut -d' ' -f2), LLVM $llvm)"
log="$SBF_CACHE/last-build.log"
export LD_LIBRARY_PATH="$SBF_CACHE/llvm"
export RUSTC="$DEBIAN_RUSTC"
export CARGO_TARGET_DIR="$SBF_CACHE/target"
export RUSTFLAGS="-C linker=$PWD/tools/sbf/link.sh -C panic=abort -C relocation-model=static -C target-cpu=v2 -C link-arg=--arch=v0 -C link-arg=--llvm-args=--bpf-stack-size=4096"
# Cargo does not see changes to the linker or the pass: always relink (and rebuild the
# helpers), which takes seconds.
"$DEBIAN_CARGO" clean --quiet --release --target bpfel-unknown-none --manifest-path tools/sbf/diff/Cargo.toml \
    -p sbf-diff-program -p gridtokenx-sbf-rt 2>/dev/null || true
rm -rf "$SBF_CACHE/deploy"
if "$DEBIAN_CARGO" build --locked --release --target bpfel-unknown-none \
    --manifest-path tools/sbf/diff/Cargo.toml -p sbf-diff-program >"$log" 2>&1; then
    mkdir -p "$SBF_CACHE/deploy"
    cp "$CARGO_TARGET_DIR"/bpfel-unknown-none/release/*.so "$SBF_CACHE/deploy/"
    step "built: $(ls "$SBF_CACHE"/deploy/*.so)"
else
    printf '\nLLVM %s refused the program; its diagnostics by kind (full log: %s):\n' "$llvm" "$log"
    grep -o "ERROR llvm: .*" "$log" | sed -e 's/in function [^:]*: //' -e 's/0x[0-9a-f]*: //' \
        -e "s/GlobalAddress<ptr @[^>]*>/GlobalAddress<...>/" | sort | uniq -c | sort -rn
    grep -E "^\s+(Error|Symbol)" "$log" || true
    die "the SBF build failed at code generation; tools/sbf/README.md says why and what removes each kind"
fi
