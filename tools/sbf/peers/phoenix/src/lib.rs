//! Phoenix 0.2.4 from crates.io, linked for SBF by our route (see ../Cargo.toml).
use ::phoenix as _;
use gridtokenx_sbf_rt as _;
use solana_compiler_builtins as _;
