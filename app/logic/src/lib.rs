//! The app's pure core, free of the browser: transactions built from the programs' own
//! instruction builders, units shown to people, and the live book kept from the indexer's
//! sequenced WebSocket. Everything here is tested natively (`make test`); the Leptos shell
//! in `app/web` only wires it to the page.
pub mod admin;
pub mod book;
pub mod candles;
pub mod change;
pub mod errors;
pub mod grid_map;
pub mod indexer;
pub mod order;
pub mod prosumer;
pub mod rpc;
pub mod settings;
pub mod trader;
pub mod tx;
pub mod units;

/// The programs' Pubkey; the same type as the wallet crate's (solana-address 1.x re-exports
/// 2.x), so keys cross between them without conversion.
pub use anchor_lang::prelude::Pubkey;
