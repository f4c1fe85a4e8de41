//! Manifest 2.0.1 from crates.io, linked for SBF by our route (see ../Cargo.toml). Linking the
//! crate is enough: its `#[no_mangle] entrypoint` is exported from the cdylib.
use ::manifest as _;
use gridtokenx_sbf_rt as _;
use solana_compiler_builtins as _;
