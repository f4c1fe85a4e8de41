//! The council's view, live from the indexer's `proposals` channel: the council and the
//! proposals with their status and approvals; members propose changes (`propose.rs`),
//! approve and execute; guardians pause. The chain enforces every role; the view only
//! offers what the wallet may do.
use gridtokenx_app_logic::admin::{self, AdminState};
use gridtokenx_app_logic::change;
use gridtokenx_app_logic::tx::Action;
use gridtokenx_app_logic::units::{count, short};
use leptos::prelude::*;

use crate::config::Config;
use crate::live;
use crate::txflow::{self, TxState, TxStatus};
use crate::wallet::use_wallet;

/// Follows the `proposals` channel for as long as the app runs (the header decides from it
/// whether to offer the admin view).
pub fn provide() {
    let state = RwSignal::new(AdminState::default());
    live::follow_into("proposals", state, AdminState::apply_frame);
    provide_context(state);
}

/// How many proposals have executed: views whose data a council decision changes (the
/// markets, the oracles) refetch when it moves.
pub fn executed_count() -> Memo<usize> {
    let state = expect_context::<RwSignal<AdminState>>();
    Memo::new(move |_| state.with(|s| s.proposals.values().filter(|p| p.status == "executed").count()))
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

/// The decimals of every create-market proposal's quote mint, read once each from the chain,
/// so those proposals show their tick and lot in the quote currency and kWh.
fn quote_mint_decimals(state: RwSignal<AdminState>, config: StoredValue<Config>) -> RwSignal<admin::MintDecimals> {
    let decimals = RwSignal::new(admin::MintDecimals::new());
    let asked = StoredValue::new(std::collections::BTreeSet::<String>::new());
    Effect::new(move |_| {
        let mints: Vec<String> = state.with(|s| s.proposals.values().filter_map(|p| p.new_market_quote_mint()).collect());
        for mint in mints {
            if !asked.try_update_value(|a| a.insert(mint.clone())).unwrap_or(false) {
                continue;
            }
            let rpc_url = config.get_value().rpc_url;
            leptos::task::spawn_local(async move {
                // Unreadable: the description says the decimals are unknown rather than guess.
                let read = crate::net::account(&rpc_url, &mint).await.and_then(|(owner, data)| change::quote_mint(&owner, &data));
                if let Ok(m) = read {
                    decimals.update(|d| {
                        d.insert(mint, m.decimals);
                    });
                }
            });
        }
    });
    decimals
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
    let mint_decimals = quote_mint_decimals(state, config);

    view! {
        <section class="council" aria-labelledby="council-h">
            <h2 id="council-h">"Council"</h2>
            <p data-testid="council">
                {move || state.with(|s| match &s.council {
                    Some(c) => format!("{}, {} to approve, {} · system {} · you are {}",
                        count(c.members.len() as u64, "member"), c.threshold, count(c.guardians.len() as u64, "guardian"),
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
            <crate::propose::ProposeForms state=state busy=busy send=send/>
        </Show>
        <section class="proposals" aria-labelledby="proposals-h">
            <h2 id="proposals-h">"Proposals"</h2>
            <ul data-testid="proposals">
                {move || state.with(|s| s.newest_first().into_iter().cloned().collect::<Vec<_>>()).into_iter().map(|p| {
                    let index = p.index;
                    let can_approve = role.get().member && p.status == "open" && !p.approved_by(&me());
                    let can_execute = p.executable_by(&me());
                    // Only the wallet the execution needs a signature from can execute it.
                    let executor = p.executor().filter(|_| p.status == "approved" && !can_execute)
                        .map(|e| format!("Awaits execution by {}, who signs for what it pays.", short(&e)));
                    let instruction = p.instruction();
                    view! {
                        <li data-testid="proposal" data-index=index.to_string()>
                            <p>{format!("#{index} {} · {} · {} of {}", mint_decimals.with(|d| p.describe(d)), p.status,
                                p.approval_count, p.threshold.map(|t| count(t.max(0) as u64, "approval")).unwrap_or_else(|| "? approvals".into()))}</p>
                            {executor.map(|words| view! { <p class="hint">{words}</p> })}
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
