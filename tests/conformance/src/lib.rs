//! localnet against the reference (issue #11): agave 4.2.2's own test validator, run in
//! this process as a library, and localnet, each sent the same requests and the same
//! transactions (same keys, same amounts), their replies compared.
//!
//! - [`chains`] starts the two: the reference with its faucet and transaction history on,
//!   localnet as `make demo` runs it (400 ms slots) without our deployment, so both hold
//!   only what genesis and the scenario put there.
//! - [`rpc`] speaks raw JSON-RPC and PubSub, so nothing between the test and the server
//!   fixes a reply up.
//! - [`scenario`] lands the same transactions on each chain (transfers, an SPL mint, token
//!   accounts through the associated-token program's CPIs, a failed transaction).
//! - [`case`] is one request sent to both and how its replies are compared.
//! - [`gaps`] lists where localnet still differs, each with its reason.
//! - [`compare`] diffs two replies: exactly, except the paths a case names as the chain's own
//!   (slots, hashes, signatures made with a different blockhash), which must still have the
//!   same shape.
pub mod case;
pub mod chains;
pub mod compare;
pub mod gaps;
pub mod rpc;
pub mod scenario;
