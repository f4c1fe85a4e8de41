#!/usr/bin/env bash
# The linker rustc calls for SBF builds (`-C linker=tools/sbf/link.sh`): sbpf-linker links
# and optimizes the bitcode, gridtokenx-sbf-lower rewrites what LLVM 22's BPF backend cannot
# compile, then sbpf-linker generates code and writes the SBPF .so. Environment (set by
# tools/sbf/build.sh): SBPF_LINKER, SBF_LOWER, LD_LIBRARY_PATH (a folder with libLLVM 22 only).
set -euo pipefail

# Soft-float routines have register-sized signatures: the backend's "built-in function"
# diagnostic is spurious for them, and they must survive dead-code elimination until code
# generation calls them. Any other LLVM error fails the link.
SOFT_FLOAT=(__adddf3 __subdf3 __muldf3 __divdf3 __negdf2 __eqdf2 __nedf2 __ltdf2 __ledf2 __gtdf2
    __gedf2 __unorddf2 __floatdidf __floatundidf __floatsidf __floatunsidf __fixdfdi __fixunsdfdi
    __fixdfsi __fixunsdfsi __truncdfsf2 __extendsfdf2 __addsf3 __subsf3 __mulsf3 __divsf3 __eqsf2
    __nesf2 __ltsf2 __lesf2 __gtsf2 __gesf2 __unordsf2 __floatdisf __floatundisf __floatsisf
    __floatunsisf __fixsfdi __fixunssfdi __fixsfsi __fixunssfsi)
HELPERS=(__gtx_mul128 __gtx_mul256 __gtx_umulo128 __gtx_umulo64 __gtx_smulo64 __gtx_udiv128 __gtx_urem128
    __gtx_sdiv128 __gtx_srem128 __gtx_shl128 __gtx_lshr128 __gtx_ashr128 __gtx_fshl128
    __gtx_fshr128 __gtx_f64_to_u128_sat __gtx_f64_to_i128_sat __gtx_sdiv64 __gtx_srem64)
join() { local IFS=,; echo "$*"; }

out=""
inputs=()
options=()
while [ $# -gt 0 ]; do
    case "$1" in
        -o) out=$2; shift 2 ;;
        --export-symbols | --cpu | --cpu-features | -L) options+=("$1" "$2"); shift 2 ;;
        --debug) shift ;;
        -*) options+=("$1"); shift ;;
        *) inputs+=("$1"); shift ;;
    esac
done
[ -n "$out" ] || { echo "link.sh: no -o given" >&2; exit 2; }
# Dependencies may declare a cdylib too (solana-zk-sdk does, for wasm); only the programs in
# SBF_PROGRAMS (library names) are linked, the rest get an empty placeholder nobody deploys.
if [ -n "${SBF_PROGRAMS:-}" ]; then
    lib=$(basename "$out" .so)
    lib=${lib#lib}
    lib=${lib%%-*}
    if ! [[ " $SBF_PROGRAMS " == *" $lib "* ]]; then
        : >"$out"
        exit 0
    fi
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/gtx-sbf-link.XXXXXX")
trap 'rm -rf "$work"' EXIT

# 1. Link and optimize to one bitcode module. sbpf-linker then tries to read the bitcode as
#    an object and complains; the module is what we want from this step.
"$SBPF_LINKER" "${options[@]}" "${inputs[@]}" --export "$(join "${SOFT_FLOAT[@]}" "${HELPERS[@]}")" \
    --emit llvm-bc -o "$work/linked.bc" >"$work/link.log" 2>&1 || true
if [ ! -s "$work/linked.bc" ] || grep -q "ERROR llvm" "$work/link.log"; then
    cat "$work/link.log" >&2
    echo "link.sh: linking the bitcode failed" >&2
    exit 1
fi

# 2. Lower.
"$SBF_LOWER" "$work/linked.bc" "$work/lowered.bc"
# For debugging the route: SBF_KEEP=<dir> keeps the modules before and after lowering.
[ -n "${SBF_KEEP:-}" ] && mkdir -p "$SBF_KEEP" && cp "$work/linked.bc" "$work/lowered.bc" "$SBF_KEEP/"

# 3. Generate code and write the .so. The 128-bit libcalls (__multi3, __udivti3, ...) are no
#    longer called; exporting them (rustc's symbol list, sbpf-linker's math builtins) would
#    keep their bodies, which LLVM 22 cannot compile.
codegen_options=()
for ((i = 0; i < ${#options[@]}; i++)); do
    if [ "${options[$i]}" = "--export-symbols" ]; then
        grep -Ev '^__[a-z]+ti[0-9]$' "${options[$((i + 1))]}" >"$work/symbols" || true
        codegen_options+=(--export-symbols "$work/symbols")
        i=$((i + 1))
    else
        codegen_options+=("${options[$i]}")
    fi
done
status=0
"$SBPF_LINKER" "${codegen_options[@]}" "$work/lowered.bc" -o "$out" --fatal-errors=false --deploy false \
    --disable-math-builtins --export "$(join "${SOFT_FLOAT[@]}" "${HELPERS[@]}")" >"$work/codegen.log" 2>&1 || status=$?
allowed="A call to built-in function '($(IFS='|'; echo "${SOFT_FLOAT[*]}"))' is not supported"
unexpected=$(grep "ERROR llvm" "$work/codegen.log" | grep -Ev "$allowed" || true)
if [ "$status" -ne 0 ] || [ -n "$unexpected" ]; then
    cat "$work/codegen.log" >&2
    printf '\nlink.sh: code generation failed; unexpected LLVM errors:\n%s\n' "$unexpected" >&2
    exit 1
fi
