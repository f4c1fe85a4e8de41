#!/usr/bin/env bash
# The programs' Anchor IDL (issue #9, "IDL"), generated from the code into idl/.
#   tools/idl/idl.sh           check: regenerate and compare with the committed idl/*.json
#                              (`make test` runs this; a difference fails it)
#   tools/idl/idl.sh --write   regenerate idl/*.json (commit the result)
# The programs are compiled with the `idl-build` feature in the workspace's target dir
# ($CARGO_TARGET_DIR): cargo keys each artifact by its features, so the main build never
# sees that feature, and every dependency whose features it leaves alone is reused rather
# than compiled a second time (a cold run's saving).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
idl_cache="$GRIDTOKENX_CACHE/idl"
mkdir -p "$idl_cache"

CARGO_TARGET_DIR="$idl_cache/tool-target" \
    cargo build --locked --release --quiet --manifest-path tools/idl/Cargo.toml
tool="$idl_cache/tool-target/release/gridtokenx-idl"

if [ "${1:-}" = "--write" ]; then
    "$tool" "$PWD" idl
    echo "wrote idl/*.json"
    exit 0
fi

generated="$idl_cache/generated"
rm -rf "$generated"
"$tool" "$PWD" "$generated"
# Reported like a test binary's results, so that `make test`'s closing total counts them.
passed=0 failed=0
report() { # <test name> [<why it failed>]
    if [ -z "${2:-}" ]; then
        echo "test idl::$1 ... ok"
        passed=$((passed + 1))
    else
        echo "test idl::$1 ... FAILED ($2)"
        failed=$((failed + 1))
    fi
}
for json in "$generated"/*.json; do
    name=$(basename "$json" .json)
    if diff -u "idl/$name.json" "$json"; then
        report "$name"
    else
        report "$name" "idl/$name.json no longer matches the code: run tools/idl/idl.sh --write"
    fi
done
# Each committed IDL names its own program: the address clients send to is the program's
# `declare_id!`. (idl/energy.json once named the ed25519 precompile, from a second
# `declare_id!` in the crate, and the generated address changed from run to run.)
for json in idl/*.json; do
    name=$(basename "$json" .json)
    declared=$(sed -n 's/^declare_id!("\([1-9A-HJ-NP-Za-km-z]*\)");$/\1/p' "programs/$name/src/lib.rs")
    named=$(sed -n '2s/^  "address": "\(.*\)",$/\1/p' "$json")
    if [ -n "$declared" ] && [ "$declared" = "$named" ]; then
        report "${name}_address"
    else
        report "${name}_address" "$json names ${named:-no address}, programs/$name declares ${declared:-no id}"
    fi
done
if [ "$failed" -eq 0 ]; then
    echo "test result: ok. $passed passed; 0 failed"
else
    echo "test result: FAILED. $passed passed; $failed failed"
    exit 1
fi
