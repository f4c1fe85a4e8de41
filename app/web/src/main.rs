//! GridTokenX in the browser. Reads the indexer (REST + sequenced WebSocket, same origin:
//! the indexer serves this app) and the chain's JSON-RPC; every transaction is signed by the
//! user's own wallet through the Wallet Standard — the app never holds a key.
mod admin;
mod candles;
mod config;
mod live;
mod map;
mod net;
mod propose;
mod prosumer;
mod seat;
mod settings;
mod trade;
mod txflow;
mod wallet;

use leptos::prelude::*;

fn main() {
    leptos::mount::mount_to_body(App);
}

/// The views of the app: trade, produce (meters, readings, certificates), the council's,
/// offered only to members and guardians, and the wallet's notification settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum View {
    Trade,
    Produce,
    Map,
    Council,
    Settings,
}

#[component]
fn App() -> impl IntoView {
    let config = config::Config::from_page();
    provide_context(config.clone());
    wallet::provide();
    live::provide(&config);
    admin::provide();
    let role = admin::wallet_role();
    let shown = RwSignal::new(View::Trade);
    // A wallet that loses its role (another account, a council change) loses the view.
    Effect::new(move |_| {
        if !role.get().any() && shown.get_untracked() == View::Council {
            shown.set(View::Trade);
        }
    });
    let tab = move |view: View, label: &'static str, testid: &'static str| {
        view! {
            <button data-testid=testid aria-pressed=move || (shown.get() == view).to_string() on:click=move |_| shown.set(view)>
                {label}
            </button>
        }
    };
    view! {
        <header class="top">
            <h1>"GridTokenX"</h1>
            <nav aria-label="Views">
                {tab(View::Trade, "Trade", "nav-trade")}
                {tab(View::Produce, "Produce", "nav-produce")}
                {tab(View::Map, "Grid", "nav-map")}
                <Show when=move || role.get().any()>{tab(View::Council, "Council", "nav-council")}</Show>
                {tab(View::Settings, "Settings", "nav-settings")}
            </nav>
            <p class="cluster" data-testid="cluster">
                {format!("{} · RPC {} · indexer {}", config.cluster, config.rpc_url, config.indexer_url)}
            </p>
            <wallet::WalletBar/>
        </header>
        <main>
            // Both views stay mounted (their live channels and inputs survive a switch).
            <div class="view" hidden=move || shown.get() != View::Trade><trade::TradeView/></div>
            <div class="view" hidden=move || shown.get() != View::Produce><prosumer::ProsumerView/></div>
            <div class="view" hidden=move || shown.get() != View::Map><map::MapView/></div>
            <div class="view" hidden=move || shown.get() != View::Council><admin::AdminView/></div>
            <div class="view" hidden=move || shown.get() != View::Settings><settings::SettingsView/></div>
        </main>
    }
}
