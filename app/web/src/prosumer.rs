//! The prosumer's view: my meters (register one), the chosen meter's accepted readings and
//! mints live from the `meter:<meter>` channel with a chart of energy minted over time, and
//! my renewable energy certificates — issue from minted energy, transfer, retire for a named
//! beneficiary — each with its history. Lists refresh after every confirmed transaction
//! and every few seconds (the indexer has no per-owner channel).
use gridtokenx_app_logic::prosumer::{self, CertificateRow, MeterRow, MeterState};
use gridtokenx_app_logic::tx::{self, Action};
use gridtokenx_app_logic::units::{count, kwh};
use leptos::prelude::*;

use crate::config::Config;
use crate::live;
use crate::txflow::{self, TxState, TxStatus};
use crate::wallet::use_wallet;

/// Energy atoms are Wh (3 decimals of a kWh).
const ENERGY_DECIMALS: u32 = 3;
const CHART_W: f64 = 320.0;
const CHART_H: f64 = 120.0;

#[component]
pub fn ProsumerView() -> impl IntoView {
    let wallet = use_wallet();
    let config = StoredValue::new(expect_context::<Config>());
    let tx = RwSignal::new(TxState::Idle);
    let busy = Signal::derive(move || tx.with(TxState::busy));
    let send = move |action: Action| {
        txflow::send(config.get_value(), wallet, action, tx);
    };
    // Bumped after each confirmation (now and once the indexer has surely caught up) and
    // every 5 s: the lists below refetch.
    let refresh = RwSignal::new(0u32);
    Effect::new(move |_| {
        if matches!(tx.get(), TxState::Confirmed(_)) {
            refresh.update(|n| *n += 1);
            leptos::task::spawn_local(async move {
                crate::net::sleep_ms(1_500).await;
                refresh.update(|n| *n += 1);
            });
        }
    });
    let poll = leptos::prelude::set_interval_with_handle(move || refresh.update(|n| *n += 1), std::time::Duration::from_secs(5));
    on_cleanup(move || {
        if let Ok(handle) = poll {
            handle.clear();
        }
    });
    let owner = move || wallet.pubkey().map(|k| k.to_string());
    let base = config.get_value().indexer_url;
    let meters = owned_list::<MeterRow>(base.clone(), "meters", owner, refresh);
    let certs = owned_list::<CertificateRow>(base, "certificates", owner, refresh);
    // Polling returns equal lists most of the time: only a change re-renders.
    let meter_list = Memo::new(move |_| meters.get());
    let selected = RwSignal::new(None::<String>);
    // The first meter is shown until the prosumer picks another.
    Effect::new(move |_| {
        if let Some(Ok(list)) = meter_list.get() {
            if selected.with_untracked(|s| s.as_ref().is_none_or(|k| !list.iter().any(|m| &m.pubkey == k))) {
                selected.set(list.first().map(|m| m.pubkey.clone()));
            }
        }
    });

    view! {
        <section class="meters" aria-labelledby="meters-h">
            <h2 id="meters-h">"My meters"</h2>
            {move || match (owner(), meter_list.get()) {
                (None, _) => view! { <p>"Connect a wallet to see your meters."</p> }.into_any(),
                (_, None) => view! { <p>"Loading…"</p> }.into_any(),
                (_, Some(Err(e))) => view! { <p class="error" role="alert">{format!("Meters unavailable: {e}")}</p> }.into_any(),
                (_, Some(Ok(list))) if list.is_empty() => view! { <p data-testid="no-meters">"No meter registered to this wallet yet."</p> }.into_any(),
                (_, Some(Ok(list))) => view! {
                    <ul data-testid="meters">
                        {list.into_iter().map(|m| {
                            let key = m.pubkey.clone();
                            let pressed = move || selected.with(|s| s.as_deref() == Some(key.as_str())).to_string();
                            let key = m.pubkey.clone();
                            view! {
                                <li data-testid="meter">
                                    <button aria-pressed=pressed on:click=move |_| selected.set(Some(key.clone()))>
                                        {format!("{} · {} · {} minted, {} certified", m.id_text(), m.status,
                                            kwh(m.minted_wh.into(), ENERGY_DECIMALS), kwh(m.certified_wh.into(), ENERGY_DECIMALS))}
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            <RegisterMeter busy=busy send=send/>
            <TxStatus state=tx/>
        </section>
        {move || selected.get().map(|meter| view! { <MeterDetail meter=meter busy=busy send=send/> })}
        <Certificates certs=certs busy=busy send=send/>
    }
}

/// The connected wallet's rows of an indexer list (`/api/v1/<path>?owner=`), refetched
/// whenever `refresh` moves; empty without a wallet.
fn owned_list<T: serde::de::DeserializeOwned + 'static>(
    base: String,
    path: &'static str,
    owner: impl Fn() -> Option<String> + Copy + 'static,
    refresh: RwSignal<u32>,
) -> LocalResource<Result<Vec<T>, String>> {
    LocalResource::new(move || {
        let (owner, _) = (owner(), refresh.get());
        let url = format!("{base}/api/v1/{path}?owner={}", owner.clone().unwrap_or_default());
        async move {
            match owner {
                Some(_) => crate::net::get_json(&url).await,
                None => Ok(vec![]),
            }
        }
    })
}

#[component]
fn RegisterMeter(busy: Signal<bool>, send: impl Fn(Action) + Copy + Send + Sync + 'static) -> impl IntoView {
    let id = RwSignal::new(String::new());
    let checked = Memo::new(move |_| prosumer::parse_meter_id(&id.get()));
    view! {
        <label>"Meter id " <input data-testid="meter-id" placeholder="as printed on the meter" bind:value=id/></label>
        <button data-testid="register-meter" disabled=move || busy.get() || checked.with(Result::is_err)
            on:click=move |_| if let Ok(meter_id) = checked.get_untracked() { send(Action::RegisterMeter { meter_id }) }>
            "Register the meter"
        </button>
        <p class="hint" data-testid="meter-id-check">
            {move || match checked.get() {
                Err(e) if !id.with(String::is_empty) => e,
                _ => String::new(),
            }}
        </p>
    }
}

/// One meter, live: its totals, a chart of energy minted, the latest readings, and issuing
/// a certificate from what it minted.
#[component]
fn MeterDetail(meter: String, busy: Signal<bool>, send: impl Fn(Action) + Copy + Send + Sync + 'static) -> impl IntoView {
    let state = RwSignal::new(MeterState::default());
    let channel = format!("meter:{meter}");
    live::follow_into(&channel, state, MeterState::apply_frame);
    on_cleanup(move || live::unfollow(&channel));
    let mwh = RwSignal::new("1".to_string());
    let issue = move |_| {
        let Some(m) = state.with_untracked(|s| s.meter.clone()) else { return };
        let (Ok(mwh), Some(meter)) = (mwh.get_untracked().trim().parse::<u32>(), tx::parse_pubkey(&m.pubkey)) else { return };
        send(Action::IssueRec { meter, rec_count: m.rec_count, mwh });
    };
    let certifiable = move || state.with(|s| s.meter.as_ref().map_or(0, MeterRow::certifiable_mwh));
    view! {
        <section class="meter" aria-labelledby="meter-h">
            <h2 id="meter-h">"Readings and mints"</h2>
            <p data-testid="meter-summary">
                {move || state.with(|s| match &s.meter {
                    Some(m) => format!("{} · {} minted · {} certified in {} · {} MWh can be certified",
                        m.id_text(), kwh(m.minted_wh.into(), ENERGY_DECIMALS), kwh(m.certified_wh.into(), ENERGY_DECIMALS),
                        count(m.rec_count, "certificate"), m.certifiable_mwh()),
                    None if s.loaded => "This meter is not on chain (yet).".into(),
                    None => "Loading…".into(),
                })}
            </p>
            {move || state.with(|s| match prosumer::minted_chart(&s.readings, CHART_W, CHART_H) {
                Some(c) => {
                    let label = format!("Energy minted: {:.3} kWh over {}", c.max_kwh, count(s.readings.len() as u64, "reading"));
                    let title = label.clone();
                    view! {
                        <svg data-testid="minted-chart" role="img" aria-label=label class="chart"
                            viewBox=format!("0 0 {CHART_W} {CHART_H}") preserveAspectRatio="none">
                            <title>{title}</title>
                            <polyline points=c.points fill="none" stroke="currentColor" stroke-width="2" vector-effect="non-scaling-stroke"/>
                        </svg>
                        <p class="hint">{format!("0 to {:.3} kWh minted", c.max_kwh)}</p>
                    }.into_any()
                }
                None => view! { <p class="hint">"The chart appears after two readings."</p> }.into_any(),
            })}
            <ul data-testid="readings">
                {move || state.with(|s| s.readings.values().rev().take(5).cloned().collect::<Vec<_>>()).into_iter().map(|r| view! {
                    <li>{format!("{} · produced {} · consumed {} · minted {}", interval_text(r.interval_start_ts),
                        kwh(r.produced_wh.into(), ENERGY_DECIMALS), kwh(r.consumed_wh.into(), ENERGY_DECIMALS),
                        kwh(r.minted_wh.into(), ENERGY_DECIMALS))}</li>
                }).collect_view()}
            </ul>
            <Show when=move || { certifiable() > 0 }>
                <label>"MWh " <input data-testid="rec-mwh" inputmode="numeric" bind:value=mwh/></label>
                <button data-testid="issue-rec" disabled=busy on:click=issue>"Issue a certificate"</button>
            </Show>
        </section>
    }
}

/// An interval's start as UTC date and time (the app shows what the chain recorded).
fn interval_text(ts: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ts as f64 * 1_000.0));
    let iso: String = date.to_iso_string().into();
    iso.get(..16).map(|s| s.replace('T', " ")).unwrap_or(iso) + " UTC"
}

#[component]
fn Certificates(
    certs: LocalResource<Result<Vec<CertificateRow>, String>>,
    busy: Signal<bool>,
    send: impl Fn(Action) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let list = Memo::new(move |_| certs.get().and_then(Result::ok).unwrap_or_default());
    // Only a change of state (loading, error, empty, listed) rebuilds the section's body.
    let phase = Memo::new(move |_| match certs.get() {
        None => 0,
        Some(Err(_)) => 1,
        Some(Ok(l)) if l.is_empty() => 2,
        Some(Ok(_)) => 3,
    });
    view! {
        <section class="certificates" aria-labelledby="recs-h">
            <h2 id="recs-h">"My certificates"</h2>
            // Re-rendered only when the list changes (polling returns equal lists), and each
            // certificate keyed, so an address being typed survives a refresh.
            {move || match (phase.get(), certs.get_untracked()) {
                (0, _) | (_, None) => view! { <p>"Loading…"</p> }.into_any(),
                (_, Some(Err(e))) => view! { <p class="error" role="alert">{format!("Certificates unavailable: {e}")}</p> }.into_any(),
                (2, _) => view! { <p>"No certificate yet: issue one from a meter's minted energy."</p> }.into_any(),
                _ => view! {
                    <ul data-testid="certificates">
                        <For each=move || list.get() key=|c| (c.pubkey.clone(), c.status.clone(), c.owner.clone(), c.history.len()) let:c>
                            <Certificate c=c busy=busy send=send/>
                        </For>
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Certificate(c: CertificateRow, busy: Signal<bool>, send: impl Fn(Action) + Copy + Send + Sync + 'static) -> impl IntoView {
    let to = RwSignal::new(String::new());
    let key = tx::parse_pubkey(&c.pubkey);
    let active = c.status == "active";
    let act = move |retire: bool| {
        let (Some(certificate), Some(other)) = (key, tx::parse_pubkey(to.get_untracked().trim())) else { return };
        send(if retire {
            Action::RetireRec { certificate, beneficiary: other }
        } else {
            Action::TransferRec { certificate, new_owner: other }
        });
    };
    let valid = move || to.with(|t| tx::parse_pubkey(t.trim()).is_some());
    let summary = match c.status.as_str() {
        "retired" => format!("Certificate #{} · {} MWh · retired for {}", c.serial, c.mwh(), c.beneficiary),
        status => format!("Certificate #{} · {} MWh · {status}", c.serial, c.mwh()),
    };
    view! {
        <li data-testid="certificate">
            <p>{summary}</p>
            <ul class="history">
                {c.history.iter().map(|h| {
                    let line = match h.kind.as_str() {
                        "transferred" => format!("transferred to {}", h.to_owner.clone().unwrap_or_default()),
                        "retired" => format!("retired for {}", h.beneficiary.clone().unwrap_or_default()),
                        kind => kind.to_string(),
                    };
                    view! { <li>{line}</li> }
                }).collect_view()}
            </ul>
            <Show when=move || active>
                <label>"Owner or beneficiary " <input data-testid="rec-to" placeholder="wallet address" bind:value=to/></label>
                <button data-testid="transfer-rec" disabled=move || busy.get() || !valid() on:click=move |_| act(false)>"Transfer"</button>
                <button data-testid="retire-rec" disabled=move || busy.get() || !valid() on:click=move |_| act(true)>"Retire"</button>
            </Show>
        </li>
    }
}
