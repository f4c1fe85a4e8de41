//! The app's pure core, free of the browser: transactions built from the programs' own
//! instruction builders, units shown to people, and the live book kept from the indexer's
//! sequenced WebSocket. Everything here is tested natively (`make test`); the Leptos shell
//! in `app/web` only wires it to the page.
pub mod book;
pub mod indexer;
pub mod rpc;
pub mod tx;
pub mod units;
