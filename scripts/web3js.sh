#!/usr/bin/env bash
# The real @solana/web3.js v1 from npm, at the version localnet/tests/web3js/package-lock.json
# pins, for localnet's web3.js check (localnet/tests/web3js.rs runs check.cjs with it).
# Installed once into $GRIDTOKENX_CACHE/tools/web3js and reused; installed again only when
# the lock file changes. Prints the node_modules directory to put on NODE_PATH.
# Usage: scripts/web3js.sh (scripts/test.sh runs it before the tests; the test runs it too).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
GRIDTOKENX_CACHE="${GRIDTOKENX_CACHE:-$HOME/.cache/gridtokenx}"
src="$here/localnet/tests/web3js"
dir="$GRIDTOKENX_CACHE/tools/web3js"

if ! cmp -s "$src/package-lock.json" "$dir/package-lock.json" || [ ! -f "$dir/node_modules/@solana/web3.js/package.json" ]; then
    command -v npm >/dev/null 2>&1 || { echo "error: npm not found: install Node.js (apt-get install nodejs npm)" >&2; exit 1; }
    echo "==> installing @solana/web3.js (localnet/tests/web3js/package-lock.json) from npm into $dir" >&2
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$src/package.json" "$src/package-lock.json" "$dir/"
    # No install scripts: web3.js's optional native add-ons fall back to JavaScript.
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --silent >&2) ||
        { echo "error: npm could not install @solana/web3.js: check 'npm ping', then re-run" >&2; rm -rf "$dir"; exit 1; }
fi
echo "$dir/node_modules"
