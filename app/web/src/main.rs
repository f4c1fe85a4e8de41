//! GridTokenX in the browser. Reads the indexer (REST + sequenced WebSocket, same origin:
//! the indexer serves this app) and the chain's JSON-RPC; every transaction is signed by the
//! user's own wallet through the Wallet Standard — the app never holds a key.
mod config;
mod live;
mod net;
mod seat;
mod trade;
mod txflow;
mod wallet;

use leptos::prelude::*;

fn main() {
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    let config = config::Config::from_page();
    provide_context(config.clone());
    wallet::provide();
    live::provide(&config);
    view! {
        <header class="top">
            <h1>"GridTokenX"</h1>
            <p class="cluster" data-testid="cluster">
                {format!("{} · RPC {} · indexer {}", config.cluster, config.rpc_url, config.indexer_url)}
            </p>
            <wallet::WalletBar/>
        </header>
        <main>
            <trade::TradeView/>
        </main>
    }
}
