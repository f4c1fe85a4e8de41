//! The trade view: markets, the live book (depth and spread) and recent trades from the
//! indexer's sequenced channels, and the connected trader's seat with its actions.
use gridtokenx_app_logic::book::{Applied, Book};
use gridtokenx_app_logic::indexer::{Fill, Frame, Market};
use gridtokenx_app_logic::units::MarketUnits;
use leptos::prelude::*;
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsValue;

use crate::config::Config;
use crate::live;

/// `window.__gtx_first_render`: ms from navigation start to the first book on screen, read
/// by the browser test for docs/benchmarks.md.
fn mark_first_render() {
    let Some(window) = web_sys::window() else { return };
    let key = JsValue::from_str("__gtx_first_render");
    if js_sys::Reflect::get(&window, &key).map(|v| v.is_undefined()).unwrap_or(false) {
        let now = window.performance().map(|p| p.now()).unwrap_or_default();
        let _ = js_sys::Reflect::set(&window, &key, &JsValue::from_f64(now));
    }
}

/// Paint-latency samples a page keeps.
const PAINT_SAMPLES_KEPT: u32 = 1_000;

/// `window.__gtx_book_paint_ms`: for each book delta, ms from the indexer publishing it to
/// the next frame the browser paints with it applied (same machine, same clock), read by
/// the browser test for docs/benchmarks.md.
fn record_paint_latency(at_ms: i64) {
    let Some(window) = web_sys::window() else { return };
    let record = Closure::once_into_js(move || {
        let Some(window) = web_sys::window() else { return };
        let key = JsValue::from_str("__gtx_book_paint_ms");
        let list = js_sys::Reflect::get(&window, &key).ok().filter(|v| v.is_object()).unwrap_or_else(|| {
            let list = js_sys::Array::new().into();
            let _ = js_sys::Reflect::set(&window, &key, &list);
            list
        });
        let list = list.unchecked_into::<js_sys::Array>();
        list.push(&JsValue::from_f64(js_sys::Date::now() - at_ms as f64));
        // The latest samples only: a page left open for days must not grow without bound.
        if list.length() > PAINT_SAMPLES_KEPT {
            list.shift();
        }
    });
    let _ = window.request_animation_frame(record.unchecked_ref());
}

#[component]
pub fn TradeView() -> impl IntoView {
    let config = expect_context::<Config>();
    let url = format!("{}/api/v1/markets", config.indexer_url);
    // Refetched when a council proposal executes: that is how markets are created and
    // their fee or trading state changes.
    let executed = crate::admin::executed_count();
    let markets = LocalResource::new(move || {
        let url = url.clone();
        executed.track();
        async move { crate::net::get_json::<Vec<Market>>(&url).await }
    });
    let selected = RwSignal::new(None::<Market>);
    Effect::new(move |_| {
        if let Some(Ok(list)) = markets.get() {
            if selected.with_untracked(Option::is_none) {
                selected.set(list.first().cloned());
            }
        }
    });
    view! {
        <section class="markets" aria-labelledby="markets-h">
            <h2 id="markets-h">"Markets"</h2>
            {move || match markets.get() {
                None => view! { <p>"Loading markets…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{format!("Markets unavailable: {e}")}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p>"No market yet: the council creates them."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul data-testid="markets">
                        {list.into_iter().map(|m| {
                            let label = format!("Energy / {} · fee {} bps{}", m.units().quote, m.taker_fee_bps, if m.paused { " · paused" } else { "" });
                            let key = m.pubkey.clone();
                            let is_selected = move || selected.with(|s| s.as_ref().map(|s| s.pubkey == key).unwrap_or(false));
                            view! {
                                <li>
                                    <button aria-pressed=move || is_selected().to_string() on:click=move |_| selected.set(Some(m.clone()))>{label}</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
        {move || selected.get().map(|m| view! { <MarketView market=m/> })}
    }
}


#[derive(Deserialize)]
struct Fills {
    #[serde(default)]
    fills: Vec<Fill>,
}

#[component]
fn MarketView(market: Market) -> impl IntoView {
    let units = market.units();
    let book = RwSignal::new(Book::default());
    let trades = RwSignal::new(Vec::<Fill>::new());
    let book_channel = format!("book:{}", market.pubkey);
    let trades_channel = format!("trades:{}", market.pubkey);
    {
        let channel = book_channel.clone();
        live::follow(&book_channel, move |frame| match frame {
            Frame::Snapshot { seq, data, .. } => {
                if let Ok(b) = Book::from_snapshot(*seq, data) {
                    book.set(b);
                    mark_first_render();
                }
            }
            Frame::Delta { seq, prev, data, at_ms, .. } => {
                let mut gap = false;
                book.update(|b| gap = matches!(b.apply_delta(*seq, *prev, data), Ok(Applied::Gap { .. })));
                if gap {
                    live::resubscribe(&channel);
                } else if let Some(at_ms) = at_ms {
                    record_paint_latency(*at_ms);
                }
            }
            _ => {}
        });
    }
    live::follow(&trades_channel, move |frame| match frame {
        Frame::Snapshot { data, .. } => trades.set(Fills::deserialize(data).map(|f| f.fills).unwrap_or_default()),
        Frame::Delta { data, .. } => {
            if let Ok(new) = Fills::deserialize(data) {
                trades.update(|t| {
                    for f in new.fills.into_iter() {
                        t.insert(0, f);
                    }
                    t.truncate(100);
                });
            }
        }
        _ => {}
    });
    on_cleanup(move || {
        live::unfollow(&book_channel);
        live::unfollow(&trades_channel);
    });
    view! {
        <section class="book" aria-labelledby="book-h">
            <h2 id="book-h">"Order book"</h2>
            <p data-testid="spread">
                {move || book.with(|b| match b.spread_ticks() {
                    Some(s) => format!("Spread {}", units.price(s)),
                    None => "No spread: one side is empty".into(),
                })}
            </p>
            <table data-testid="depth">
                <caption>"Depth (asks above, bids below)"</caption>
                <thead><tr><th scope="col">{format!("Price ({} per kWh)", units.quote)}</th><th scope="col">"Size"</th><th scope="col">"Orders"</th></tr></thead>
                <tbody>
                    {move || levels(units, book.with(|b| b.asks().into_iter().rev().collect()), "ask")}
                    {move || levels(units, book.with(Book::bids), "bid")}
                </tbody>
            </table>
        </section>
        <crate::candles::CandleChart market=market.clone() trades=trades/>
        <section class="trades" aria-labelledby="trades-h">
            <h2 id="trades-h">"Recent trades"</h2>
            <ul data-testid="trades">
                {move || trades.get().into_iter().map(|f| view! {
                    <li>{format!("{} {} at {}", f.taker_side, units.size_kwh(f.lots), units.price(f.price_ticks))}</li>
                }).collect_view()}
            </ul>
        </section>
        <crate::seat::TraderPanel market=market/>
    }
}

fn levels(units: MarketUnits, rows: Vec<(u64, u64, i64)>, side: &'static str) -> impl IntoView {
    rows.into_iter()
        .map(|(price, lots, orders)| {
            view! {
                <tr class=side>
                    <td>{units.price_per_kwh(price)}</td>
                    <td>{units.size_kwh(lots)}</td>
                    <td>{orders}</td>
                </tr>
            }
        })
        .collect_view()
}
