# Shared environment for the project's scripts: one cache outside the clone, so that a
# fresh clone (CI) reuses compiled dependencies and installed tools.
# Override with GRIDTOKENX_CACHE=/somewhere; clear with `make clean-cache`.
export GRIDTOKENX_CACHE="${GRIDTOKENX_CACHE:-$HOME/.cache/gridtokenx}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$GRIDTOKENX_CACHE/target}"
export CARGO_TERM_PROGRESS_WHEN="${CARGO_TERM_PROGRESS_WHEN:-auto}"
mkdir -p "$CARGO_TARGET_DIR"

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Rust: the pinned toolchain (rust-toolchain.toml) comes from rustup.
ensure_rust() {
    command -v cargo >/dev/null 2>&1 || die "cargo not found: install rustup (https://rustup.rs) and re-run; rust-toolchain.toml pins the version"
    local want
    want=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../rust-toolchain.toml")
    if ! rustup run "$want" rustc --version >/dev/null 2>&1; then
        step "installing Rust $want (rust-toolchain.toml)"
        rustup toolchain install "$want" --profile minimal || die "could not install Rust $want: run 'rustup toolchain install $want' by hand"
    fi
}
