#!/usr/bin/env bash
# Python tools the tests start as real processes, in one venv in the project cache:
# aiosmtpd, the SMTP server indexer/tests/users.rs delivers notification e-mails to;
# pandapower, the reference power flow grid/tests/pandapower.rs checks our feeder against
# (a test tool only: it never runs in the product); pvlib, the PV reference
# solar/tests/pvlib.rs checks our sun position and PV chain against (a test tool too).
# Idempotent: does nothing when the venv already has every package.
# Usage: scripts/python-venv.sh (scripts/test.sh runs it before the tests).
set -euo pipefail
GRIDTOKENX_CACHE="${GRIDTOKENX_CACHE:-$HOME/.cache/gridtokenx}"
venv="$GRIDTOKENX_CACHE/venv"
packages=(aiosmtpd==1.4.6 pandapower==3.5.6 pvlib==0.16.1)

# Every pinned package present at its version: nothing to do.
have_all() {
    "$venv/bin/python" - "${packages[@]}" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
for spec in sys.argv[1:]:
    name, want = spec.split("==")
    if version(name) != want:
        sys.exit(1)
PY
}
if [ -x "$venv/bin/python" ] && have_all; then
    exit 0
fi
command -v python3 >/dev/null 2>&1 || { echo "error: python3 not found: install it (apt-get install python3 python3-venv)" >&2; exit 1; }
if [ ! -x "$venv/bin/python" ]; then
    echo "==> creating the Python venv $venv"
    python3 -m venv "$venv" ||
        { echo "error: 'python3 -m venv' failed: install python3-venv (apt-get install python3-venv) and re-run" >&2; exit 1; }
fi
echo "==> installing ${packages[*]} into $venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check "${packages[@]}" ||
    { echo "error: pip could not install ${packages[*]}: check network access to PyPI and re-run $0" >&2; exit 1; }
