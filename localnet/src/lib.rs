//! GridTokenX localnet: an embedded Solana cluster for development, demos and tests. A real
//! SVM (agave's bank) executes our programs and the SPL programs, and the chain speaks the
//! protocols clients use against a real cluster.
//!
//! - `native`: the engine while our programs run natively (see `native::stub_bridge`).
//! - `keys`, `bootstrap`: a ready deployment (council, energy, oracle, quote mint, market).
pub mod balances;
pub mod blocks;
pub mod bootstrap;
pub mod chain;
pub mod compute_units;
pub mod data_dir_lock;
pub mod durable;
pub mod events;
pub mod geyser;
pub mod history;
pub mod keys;
pub mod ledger;
pub mod logs;
pub mod native;
pub mod node;
pub mod pubsub;
pub mod rpc;
pub mod snapshot;
