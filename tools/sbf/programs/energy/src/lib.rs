//! The energy program, as linked for SBF (see ../Cargo.toml). Linking the crate is enough: its
//! `#[no_mangle] entrypoint` is exported from the cdylib.
use ::energy as _;
use gridtokenx_sbf_rt as _;
use solana_compiler_builtins as _;
