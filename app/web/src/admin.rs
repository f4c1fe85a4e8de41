//! The council's view, live from the indexer's `proposals` channel: the council and the
//! proposals with their status and approvals; members propose market settings (fee, trading
//! paused or open) or the end of a system pause, approve and execute; guardians pause. The
//! chain enforces every role; the view only offers what the wallet may do.
use gridtokenx_app_logic::admin::{self, AdminState, Change};
use gridtokenx_app_logic::indexer::Market;
use gridtokenx_app_logic::rpc;
use gridtokenx_app_logic::tx::Action;
use leptos::prelude::*;

use crate::config::Config;
use crate::live;
use crate::txflow::{self, TxState, TxStatus};
use crate::wallet::use_wallet;

/// Proposals stay open this long.
const PROPOSAL_LIFETIME_SECS: u32 = 3 * 86_400;

/// Follows the `proposals` channel for as long as the app runs (the header decides from it
/// whether to offer the admin view).
pub fn provide() {
    let state = RwSignal::new(AdminState::default());
    live::follow_into("proposals", state, AdminState::apply_frame);
    provide_context(state);
}

/// Whether the connected wallet is a council member or guardian.
pub fn wallet_role() -> Memo<admin::Role> {
    let wallet = use_wallet();
    let state = expect_context::<RwSignal<AdminState>>();
    Memo::new(move |_| {
        let me = wallet.pubkey().map(|k| k.to_string()).unwrap_or_default();
        state.with(|s| s.council.as_ref().map(|c| c.role(&me)).unwrap_or_default())
    })
}

#[component]
pub fn AdminView() -> impl IntoView {
    let wallet = use_wallet();
    let config = StoredValue::new(expect_context::<Config>());
    let state = expect_context::<RwSignal<AdminState>>();
    let role = wallet_role();
    let tx = RwSignal::new(TxState::Idle);
    let busy = Signal::derive(move || tx.with(TxState::busy));
    let send = move |action: Action| {
        txflow::send(config.get_value(), wallet, action, tx);
    };
    let me = move || wallet.pubkey().map(|k| k.to_string()).unwrap_or_default();

    view! {
        <section class="council" aria-labelledby="council-h">
            <h2 id="council-h">"Council"</h2>
            <p data-testid="council">
                {move || state.with(|s| match &s.council {
                    Some(c) => format!("{} members, {} to approve, {} guardians · system {} · you are {}",
                        c.members.len(), c.threshold, c.guardians.len(),
                        if c.paused { "paused" } else { "running" },
                        match (role.get().member, role.get().guardian) {
                            (true, true) => "a member and a guardian",
                            (true, false) => "a member",
                            (false, true) => "a guardian",
                            (false, false) => "neither member nor guardian",
                        }),
                    None if s.loaded => "No council on this cluster.".into(),
                    None => "Loading…".into(),
                })}
            </p>
            <Show when=move || role.get().guardian && state.with(|s| s.council.as_ref().is_some_and(|c| !c.paused))>
                <button data-testid="pause" disabled=busy on:click=move |_| send(Action::Pause)>
                    "Pause the whole system"
                </button>
            </Show>
            <TxStatus state=tx/>
        </section>
        <Show when=move || role.get().member>
            <ProposeForm state=state busy=busy send=send/>
        </Show>
        <section class="proposals" aria-labelledby="proposals-h">
            <h2 id="proposals-h">"Proposals"</h2>
            <ul data-testid="proposals">
                {move || state.with(|s| s.newest_first().into_iter().cloned().collect::<Vec<_>>()).into_iter().map(|p| {
                    let index = p.index;
                    let can_approve = role.get().member && p.status == "open" && !p.approved_by(&me());
                    let can_execute = p.status == "approved";
                    let instruction = p.instruction();
                    view! {
                        <li data-testid="proposal" data-index=index.to_string()>
                            <p>{format!("#{index} {} · {} · {} of {} approvals", p.describe(), p.status,
                                p.approval_count, p.threshold.map(|t| t.to_string()).unwrap_or_else(|| "?".into()))}</p>
                            <Show when=move || can_approve>
                                <button data-testid="approve" disabled=busy on:click=move |_| send(Action::Approve { index })>"Approve"</button>
                            </Show>
                            {match instruction {
                                Ok(instruction) if can_execute => view! {
                                    <button data-testid="execute" disabled=busy
                                        on:click=move |_| send(Action::Execute { index, instruction: instruction.clone() })>"Execute"</button>
                                }.into_any(),
                                Err(e) => view! { <p class="error">{e}</p> }.into_any(),
                                Ok(_) => ().into_any(),
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// Market settings (fee, trading paused or open) and lifting a system pause, as proposals.
#[component]
fn ProposeForm(
    state: RwSignal<AdminState>,
    busy: Signal<bool>,
    send: impl Fn(Action) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let config = StoredValue::new(expect_context::<Config>());
    let markets_url = format!("{}/api/v1/markets", config.get_value().indexer_url);
    let markets = LocalResource::new(move || {
        let url = markets_url.clone();
        async move { crate::net::get_json::<Vec<Market>>(&url).await }
    });
    let market = RwSignal::new(String::new());
    let fee = RwSignal::new(String::new());
    let trading = RwSignal::new("open".to_string());
    let error = RwSignal::new(None::<String>);
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
    let next_index = move || state.with(|s| s.council.as_ref().map(|c| c.proposal_count as u64));
    let propose_market = move |_| {
        let (Some(index), Ok(bps)) = (next_index(), admin::parse_fee_bps(&fee.get_untracked())) else {
            error.set(Some(admin::parse_fee_bps(&fee.get_untracked()).err().unwrap_or_else(|| "the council is not loaded yet".into())));
            return;
        };
        let address = market.get_untracked();
        let paused = trading.get_untracked() == "paused";
        error.set(None);
        // The change keeps what it does not touch (the price band) as the chain holds it now.
        leptos::task::spawn_local(async move {
            let header = crate::net::rpc_call(&config.get_value().rpc_url, rpc::account_info(&address))
                .await
                .and_then(|r| rpc::account_data(&r))
                .and_then(|d| d.ok_or_else(|| format!("no market account at {address}")))
                .and_then(|d| admin::market_header(&d));
            match (header, address.parse()) {
                (Ok(h), Ok(market)) => send(Action::Propose {
                    index,
                    change: Change::Market { market, taker_fee_bps: bps, paused, price_band: h.price_band() },
                    expires_in_secs: PROPOSAL_LIFETIME_SECS,
                }),
                (Err(e), _) => error.set(Some(e)),
                (_, Err(_)) => error.set(Some(format!("{address} is not an address"))),
            }
        });
    };
    let system_paused = move || state.with(|s| s.council.as_ref().is_some_and(|c| c.paused));
    view! {
        <section class="propose" aria-labelledby="propose-h">
            <h2 id="propose-h">"Propose a change"</h2>
            <label>"Market "
                <select data-testid="propose-market" on:change=move |ev| market.set(event_target_value(&ev))>
                    {move || markets.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|m| {
                        let key = m.pubkey.clone();
                        view! { <option value=key.clone() selected=move || market.get() == key>{gridtokenx_app_logic::units::short(&m.pubkey)}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label>"Taker fee (bps) " <input data-testid="propose-fee" inputmode="numeric" bind:value=fee/></label>
            <label>"Trading "
                <select data-testid="propose-trading" on:change=move |ev| trading.set(event_target_value(&ev))>
                    <option value="open" selected=true>"open"</option>
                    <option value="paused">"paused"</option>
                </select>
            </label>
            <button data-testid="propose" disabled=move || busy.get() || next_index().is_none() on:click=propose_market>
                "Propose market settings"
            </button>
            <Show when=system_paused>
                <button data-testid="propose-unpause" disabled=busy on:click=move |_| {
                    if let Some(index) = next_index() {
                        send(Action::Propose { index, change: Change::Unpause, expires_in_secs: PROPOSAL_LIFETIME_SECS });
                    }
                }>"Propose resuming the system"</button>
            </Show>
            <p class="error" data-testid="propose-error" role="alert">{move || error.get()}</p>
        </section>
    }
}
