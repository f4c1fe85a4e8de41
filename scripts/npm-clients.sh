#!/usr/bin/env bash
# The real JavaScript clients our tests run (@solana/web3.js, @solana/kit), from npm, at the
# versions a test's package-lock.json pins. Installed once into $GRIDTOKENX_CACHE/tools/<name>
# and reused; installed again only when the lock file changes. Prints the node_modules
# directory to put on NODE_PATH (or to import from).
# Usage: scripts/npm-clients.sh [web3js|conformance]   (default web3js)
#   web3js       localnet/tests/web3js (localnet's own web3.js check)
#   conformance  tests/conformance/js (web3.js and kit against localnet and agave's validator)
# scripts/test.sh runs both before the tests; the tests run it too.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
GRIDTOKENX_CACHE="${GRIDTOKENX_CACHE:-$HOME/.cache/gridtokenx}"
name="${1:-web3js}"
case "$name" in
    web3js) src="$here/localnet/tests/web3js" ;;
    conformance) src="$here/tests/conformance/js" ;;
    *) echo "error: unknown client set '$name' (web3js or conformance)" >&2; exit 2 ;;
esac
dir="$GRIDTOKENX_CACHE/tools/$name"

if ! cmp -s "$src/package-lock.json" "$dir/package-lock.json" || [ ! -d "$dir/node_modules/@solana" ]; then
    command -v npm >/dev/null 2>&1 || { echo "error: npm not found: install Node.js (apt-get install nodejs npm)" >&2; exit 1; }
    echo "==> installing $src/package-lock.json from npm into $dir" >&2
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$src/package.json" "$src/package-lock.json" "$dir/"
    # No install scripts: the clients' optional native add-ons fall back to JavaScript.
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --silent >&2) ||
        { echo "error: npm could not install $src/package-lock.json: check 'npm ping', then re-run" >&2; rm -rf "$dir"; exit 1; }
fi
echo "$dir/node_modules"
