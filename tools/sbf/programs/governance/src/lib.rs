//! The governance program, as linked for SBF (see ../Cargo.toml). Linking the crate is enough: its
//! `#[no_mangle] entrypoint` is exported from the cdylib.
use ::governance as _;
use gridtokenx_sbf_rt as _;
use solana_compiler_builtins as _;
