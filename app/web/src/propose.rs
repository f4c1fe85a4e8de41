//! The council members' proposal forms: a market's settings and its price band, oracles,
//! a meter's suspension, the council itself, and the end of a system pause. Each form
//! checks what was typed (`app_logic::change`), reads from the chain what the change keeps
//! as it is, and proposes one instruction built by the programs' own builders; proposing
//! counts as the proposer's approval.
use gridtokenx_app_logic::admin::{self, AdminState};
use gridtokenx_app_logic::change::{self, Change};
use gridtokenx_app_logic::indexer::Market;
use gridtokenx_app_logic::tx::Action;
use gridtokenx_app_logic::units::short;
use gridtokenx_app_logic::Pubkey;
use leptos::prelude::*;
use serde::Deserialize;

use crate::config::Config;
use crate::wallet::use_wallet;

/// Proposals stay open this long.
const PROPOSAL_LIFETIME_SECS: u32 = 3 * 86_400;

/// An oracle as `/api/v1/oracles` lists it.
#[derive(Clone, Debug, Deserialize, PartialEq)]
struct OracleRow {
    oracle: String,
    active: bool,
}

async fn account(config: &Config, address: &str) -> Result<(String, Vec<u8>), String> {
    crate::net::account(&config.rpc_url, address).await
}

/// The market's settings as the chain holds them now, for a change that keeps the rest.
async fn market_header(config: &Config, market: &str) -> Result<admin::MarketHeader, String> {
    account(config, market).await.and_then(|(_, data)| admin::market_header(&data))
}

#[component]
pub fn ProposeForms(
    state: RwSignal<AdminState>,
    busy: Signal<bool>,
    send: impl Fn(Action) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let next_index = move || state.with(|s| s.council.as_ref().map(|c| c.proposal_count as u64));
    // Every form ends here: the council's next index, or why nothing was proposed.
    let propose = move |change: Result<Change, String>| match (change, next_index()) {
        (Err(e), _) => error.set(Some(e)),
        (Ok(_), None) => error.set(Some("the council is not loaded yet".into())),
        (Ok(change), Some(index)) => {
            error.set(None);
            send(Action::Propose { index, change, expires_in_secs: PROPOSAL_LIFETIME_SECS });
        }
    };
    let propose = StoredValue::new(propose);
    let disabled = Signal::derive(move || busy.get() || next_index().is_none());
    let system_paused = move || state.with(|s| s.council.as_ref().is_some_and(|c| c.paused));
    view! {
        <section class="propose" aria-labelledby="propose-h">
            <h2 id="propose-h">"Propose a change"</h2>
            <MarketForms disabled=disabled propose=propose/>
            <details>
                <summary data-testid="open-new-market">"Create a market"</summary>
                <NewMarketForm state=state disabled=disabled propose=propose/>
            </details>
            <details>
                <summary data-testid="open-oracles">"Oracles"</summary>
                <OracleForm disabled=disabled propose=propose/>
            </details>
            <details>
                <summary data-testid="open-meter">"Suspend or reactivate a meter"</summary>
                <MeterForm disabled=disabled propose=propose/>
            </details>
            <details>
                <summary data-testid="open-council">"Change the council"</summary>
                <CouncilForm state=state disabled=disabled propose=propose/>
            </details>
            <Show when=system_paused>
                <button data-testid="propose-unpause" disabled=disabled on:click=move |_| propose.with_value(|p| p(Ok(Change::Unpause)))>
                    "Propose resuming the system"
                </button>
            </Show>
            <p class="error" data-testid="propose-error" role="alert">{move || error.get()}</p>
        </section>
    }
}

/// Market settings (taker fee, trading open or paused) and the market's price band.
#[component]
fn MarketForms<P: Fn(Result<Change, String>) + Send + Sync + 'static>(
    disabled: Signal<bool>,
    propose: StoredValue<P>,
) -> impl IntoView {
    let config = StoredValue::new(expect_context::<Config>());
    let markets_url = format!("{}/api/v1/markets", config.get_value().indexer_url);
    // Refetched when a proposal executes: a new market can then be chosen.
    let executed = crate::admin::executed_count();
    let markets = LocalResource::new(move || {
        let url = markets_url.clone();
        executed.track();
        async move { crate::net::get_json::<Vec<Market>>(&url).await }
    });
    let market = RwSignal::new(String::new());
    let fee = RwSignal::new(String::new());
    let trading = RwSignal::new("open".to_string());
    let feed = RwSignal::new(String::new());
    let deviation = RwSignal::new("500".to_string());
    let staleness = RwSignal::new("60".to_string());
    // The first market is chosen until the admin picks another.
    Effect::new(move |_| {
        if let Some(Ok(list)) = markets.get() {
            if market.with_untracked(String::is_empty) {
                if let Some(m) = list.first() {
                    market.set(m.pubkey.clone());
                    fee.set(m.taker_fee_bps.to_string());
                }
            }
        }
    });
    let chosen = move || {
        markets.get().and_then(Result::ok).and_then(|l| l.into_iter().find(|m| m.pubkey == market.get()))
    };
    // Reads the header, applies `edit` to what it holds, and proposes the result.
    let change_market = move |edit: Box<dyn FnOnce(&mut Change) -> Result<(), String>>| {
        let address = market.get_untracked();
        leptos::task::spawn_local(async move {
            let config = config.get_value();
            let change = async {
                let key = change::parse_address("market", &address)?;
                let header = market_header(&config, &address).await?;
                let mut change = admin::market_change(key, &header);
                edit(&mut change)?;
                Ok::<_, String>(change)
            };
            let change = change.await;
            propose.with_value(|p| p(change));
        });
    };
    let propose_settings = move |_| {
        let (fee, paused) = (admin::parse_fee_bps(&fee.get_untracked()), trading.get_untracked() == "paused");
        change_market(Box::new(move |c: &mut Change| {
            if let Change::Market { taker_fee_bps, paused: p, .. } = c {
                (*taker_fee_bps, *p) = (fee?, paused);
            }
            Ok(())
        }));
    };
    let propose_band = move |remove: bool| {
        let (feed_text, deviation, staleness) =
            (feed.get_untracked(), deviation.get_untracked(), staleness.get_untracked());
        leptos::task::spawn_local(async move {
            let band = if remove {
                Ok(None)
            } else {
                let cfg = config.get_value();
                async {
                    let key = change::parse_address("price feed", &feed_text)?;
                    let (owner, data) = account(&cfg, &feed_text.trim().to_string()).await?;
                    let message = change::price_feed(&owner, &data)?;
                    change::parse_band(key, &message, &deviation, &staleness).map(Some)
                }
                .await
            };
            change_market(Box::new(move |c: &mut Change| {
                if let Change::Market { price_band, .. } = c {
                    *price_band = band?;
                }
                Ok(())
            }));
        });
    };
    view! {
        <label>"Market "
            <select data-testid="propose-market" on:change=move |ev| market.set(event_target_value(&ev))>
                {move || markets.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|m| {
                    let key = m.pubkey.clone();
                    view! { <option value=key.clone() selected=move || market.get() == key>{short(&m.pubkey)}</option> }
                }).collect_view()}
            </select>
        </label>
        <fieldset>
            <legend>"Settings"</legend>
            <label>"Taker fee (bps) " <input data-testid="propose-fee" inputmode="numeric" bind:value=fee/></label>
            <label>"Trading "
                <select data-testid="propose-trading" on:change=move |ev| trading.set(event_target_value(&ev))>
                    <option value="open" selected=true>"open"</option>
                    <option value="paused">"paused"</option>
                </select>
            </label>
            <button data-testid="propose" disabled=disabled on:click=propose_settings>"Propose market settings"</button>
        </fieldset>
        <details>
            <summary data-testid="open-band">"Price band"</summary>
            <p class="hint" data-testid="band-now">
                {move || match chosen().and_then(|m| m.price_feed) {
                    Some(feed) => format!("Now: limit prices are checked against Pyth feed {}.", short(&feed)),
                    None => "Now: this market has no price band.".into(),
                }}
            </p>
            <label>"Pyth price account " <input data-testid="band-feed" bind:value=feed/></label>
            <label>"Most a limit price may stray (bps) " <input data-testid="band-deviation" inputmode="numeric" bind:value=deviation/></label>
            <label>"Oldest reference price accepted (s) " <input data-testid="band-staleness" inputmode="numeric" bind:value=staleness/></label>
            <button data-testid="propose-band" disabled=disabled on:click=move |_| propose_band(false)>"Propose this band"</button>
            <button data-testid="propose-no-band" disabled=disabled on:click=move |_| propose_band(true)>"Propose removing the band"</button>
        </details>
    }
}

/// A new market for energy against a quote mint, its parameters typed in kWh and the quote
/// currency (`change::parse_new_market` turns them into atoms). The proposer allocates the
/// market's account when executing, so only the proposer can execute it.
#[component]
fn NewMarketForm<P: Fn(Result<Change, String>) + Send + Sync + 'static>(
    state: RwSignal<AdminState>,
    disabled: Signal<bool>,
    propose: StoredValue<P>,
) -> impl IntoView {
    let wallet = use_wallet();
    let config = StoredValue::new(expect_context::<Config>());
    let quote = RwSignal::new(String::new());
    let lot = RwSignal::new("1".to_string());
    let step = RwSignal::new("0.001".to_string());
    let fee = RwSignal::new("25".to_string());
    let min_order = RwSignal::new("1".to_string());
    let submit = move |_| {
        let (quote_text, lot, step, fee, min_order) = (
            quote.get_untracked(),
            lot.get_untracked(),
            step.get_untracked(),
            fee.get_untracked(),
            min_order.get_untracked(),
        );
        let index = state.with_untracked(|s| s.council.as_ref().map(|c| c.proposal_count as u64));
        let payer = wallet.pubkey();
        leptos::task::spawn_local(async move {
            let cfg = config.get_value();
            let change = async {
                let quote_mint = change::parse_address("quote mint", &quote_text)?;
                let (owner, data) = account(&cfg, &quote_mint.to_string()).await?;
                let mint = change::quote_mint(&owner, &data)?;
                let market_params = change::parse_new_market(mint, &lot, &step, &fee, &min_order)?;
                let payer: Pubkey = payer.ok_or("connect a wallet first")?;
                let index = index.ok_or("the council is not loaded yet")?;
                let market = change::new_market_address(&payer, index);
                Ok(Change::CreateMarket { payer, market, quote_mint, market_params })
            };
            let change = change.await;
            propose.with_value(|p| p(change));
        });
    };
    view! {
        <label>"Quote mint " <input data-testid="new-market-quote" bind:value=quote/></label>
        <label>"Lot (kWh) " <input data-testid="new-market-lot" inputmode="decimal" bind:value=lot/></label>
        <label>"Price step (quote currency per kWh) " <input data-testid="new-market-step" inputmode="decimal" bind:value=step/></label>
        <label>"Taker fee (bps, 100 = 1%) " <input data-testid="new-market-fee" inputmode="numeric" bind:value=fee/></label>
        <label>"Smallest order (kWh, empty: none) " <input data-testid="new-market-min" inputmode="decimal" bind:value=min_order/></label>
        <button data-testid="propose-new-market" disabled=disabled on:click=submit>"Propose this market"</button>
        <p class="hint">"You pay its account's rent when you execute it, so you execute it once approved. Set its price band once it exists."</p>
    }
}

/// The registered oracles with revoke / reactivate, and registering a new one (its record's
/// rent paid by the proposer, who then executes it).
#[component]
fn OracleForm<P: Fn(Result<Change, String>) + Send + Sync + 'static>(
    disabled: Signal<bool>,
    propose: StoredValue<P>,
) -> impl IntoView {
    let wallet = use_wallet();
    let config = StoredValue::new(expect_context::<Config>());
    let url = format!("{}/api/v1/oracles", config.get_value().indexer_url);
    // Refetched whenever a proposal executes: that is when oracles change.
    let executed = crate::admin::executed_count();
    let oracles = LocalResource::new(move || {
        let url = url.clone();
        executed.track();
        async move { crate::net::get_json::<Vec<OracleRow>>(&url).await }
    });
    let address = RwSignal::new(String::new());
    let register = move |_| {
        let typed = address.get_untracked();
        let known = oracles.get_untracked().and_then(Result::ok).unwrap_or_default();
        let change = change::parse_address("oracle", &typed).and_then(|oracle| {
            if known.iter().any(|o| o.oracle == oracle.to_string()) {
                return Err(format!("oracle {} is already registered", short(&oracle.to_string())));
            }
            let payer: Pubkey = wallet.pubkey().ok_or("connect a wallet first")?;
            Ok(Change::RegisterOracle { oracle, payer })
        });
        propose.with_value(|p| p(change));
    };
    view! {
        <ul data-testid="oracles">
            {move || oracles.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|o| {
                let active = o.active;
                let oracle = o.oracle.clone();
                let act = move |_| propose.with_value(|p| p(change::parse_address("oracle", &oracle)
                    .map(|oracle| Change::OracleActive { oracle, active: !active })));
                view! {
                    <li data-testid="oracle">
                        {format!("{} · {}", short(&o.oracle), if active { "active" } else { "revoked" })}
                        " "
                        <button data-testid="propose-oracle-toggle" disabled=disabled on:click=act>
                            {if active { "Propose revoking" } else { "Propose reactivating" }}
                        </button>
                    </li>
                }
            }).collect_view()}
        </ul>
        <label>"New oracle's address " <input data-testid="oracle-address" bind:value=address/></label>
        <button data-testid="propose-oracle-register" disabled=disabled on:click=register>"Propose registering it"</button>
        <p class="hint">"You pay its record's rent, so you execute the proposal once approved."</p>
    }
}

/// Suspends or reactivates a meter by its account's address (the Produce view and the
/// indexer's `/meters` list them).
#[component]
fn MeterForm<P: Fn(Result<Change, String>) + Send + Sync + 'static>(
    disabled: Signal<bool>,
    propose: StoredValue<P>,
) -> impl IntoView {
    let address = RwSignal::new(String::new());
    let suspend = RwSignal::new("suspend".to_string());
    let submit = move |_| {
        let suspended = suspend.get_untracked() == "suspend";
        let change = change::parse_address("meter account", &address.get_untracked())
            .map(|meter| Change::MeterStatus { meter, suspended });
        propose.with_value(|p| p(change));
    };
    view! {
        <label>"Meter account " <input data-testid="meter-address" bind:value=address/></label>
        <label>"Make it "
            <select data-testid="meter-status" on:change=move |ev| suspend.set(event_target_value(&ev))>
                <option value="suspend" selected=true>"suspended (no more mints)"</option>
                <option value="reactivate">"active again"</option>
            </select>
        </label>
        <button data-testid="propose-meter" disabled=disabled on:click=submit>"Propose"</button>
    }
}

/// Members, approvals needed and guardians, started from the council as it is.
#[component]
fn CouncilForm<P: Fn(Result<Change, String>) + Send + Sync + 'static>(
    state: RwSignal<AdminState>,
    disabled: Signal<bool>,
    propose: StoredValue<P>,
) -> impl IntoView {
    let members = RwSignal::new(String::new());
    let threshold = RwSignal::new(String::new());
    let guardians = RwSignal::new(String::new());
    // Filled from the council once it is known; what the member typed is left alone.
    Effect::new(move |_| {
        state.with(|s| {
            if let Some(c) = &s.council {
                if members.with_untracked(String::is_empty) {
                    members.set(c.members.join("\n"));
                    threshold.set(c.threshold.to_string());
                    guardians.set(c.guardians.join("\n"));
                }
            }
        })
    });
    let submit = move |_| {
        let config = change::parse_council(
            &members.get_untracked(),
            &threshold.get_untracked(),
            &guardians.get_untracked(),
        );
        propose.with_value(|p| p(config.map(Change::Council)));
    };
    view! {
        <label>"Members (one address a line) " <textarea data-testid="council-members" rows="3" bind:value=members></textarea></label>
        <label>"Approvals needed " <input data-testid="council-threshold" inputmode="numeric" bind:value=threshold/></label>
        <label>"Guardians (one address a line) " <textarea data-testid="council-guardians" rows="2" bind:value=guardians></textarea></label>
        <button data-testid="propose-council" disabled=disabled on:click=submit>"Propose this council"</button>
        <p class="hint">"A new council makes every open proposal stale."</p>
    }
}
