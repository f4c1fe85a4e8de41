#!/usr/bin/env bash
# The SBF route end to end (`make sbf`; `make test` runs it too):
#   1. build the differential program and our three programs to SBF (tools/sbf/build.sh);
#   2. the differential test: host vs SBF in LiteSVM over proptest inputs (tools/sbf/runner);
#   3. the program test suite (tests/programs) again, with the programs as SBF in the same
#      bank, recording compute units per instruction into $GRIDTOKENX_CACHE/sbf/compute-units.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
# SBF_BUILT=1: the .so files are already built (`make test` builds them in the background).
[ "${SBF_BUILT:-}" = 1 ] || tools/sbf/build.sh
source scripts/env.sh
ensure_nextest
export RUST_LOG="${RUST_LOG:-error}"
sbf="$GRIDTOKENX_CACHE/sbf"

step "SBF differential test: host vs SBF over proptest inputs (tools/sbf/runner)"
# A workspace member: selected by test name (not `-p`, see below) it reuses `make test`'s build.
SBF_DIFF_SO="$sbf/deploy/libsbf_diff_program.so" \
    cargo test --locked --workspace --test differential -- --nocapture 2>&1 |
    grep -v "^\s*$" | grep -Ev "^(running|     Running|   Doc-tests)" || exit 1

step "the program test suite against the SBF builds (SBF_OUT_DIR=$sbf/deploy)"
rm -f "$sbf/compute-units.log"
# The suite's test targets selected by name across the workspace, not with `-p`: cargo
# resolves features for the packages selected, so `-p` would rebuild the whole dependency
# graph with other features (~15 min cold) instead of reusing `make test`'s build.
suite=()
for t in tests/programs/tests/*.rs; do suite+=(--test "$(basename "$t" .rs)"); done
# cargo-nextest runs the suite's binaries side by side (.config/nextest.toml); each test
# appends its compute units to the log in one write, so parallel tests do not interleave.
SBF_OUT_DIR="$sbf/deploy" GRIDTOKENX_CU_LOG="$sbf/compute-units.log" \
    cargo nextest run --locked --workspace --no-fail-fast "${suite[@]}" 2>&1 || exit 1

# Compute units per instruction over every successful call the suite made.
python3 - "$sbf/compute-units.log" <<'PY' | tee "$sbf/compute-units.txt"
import collections, sys
calls = collections.defaultdict(list)
malformed = 0
for line in open(sys.argv[1]):
    try:
        program, name, units = line.split()
        calls[(program, name)].append(int(units))
    except ValueError:
        malformed += 1
if malformed:
    print(f"warning: {malformed} malformed lines in {sys.argv[1]}", file=sys.stderr)
print(f"{'program':10} {'instruction':14} {'calls':>5} {'min':>7} {'p50':>7} {'max':>7}")
for (program, name), units in sorted(calls.items()):
    units.sort()
    print(f"{program:10} {name:14} {len(units):5} {units[0]:7} {units[len(units) // 2]:7} {units[-1]:7}")
PY
