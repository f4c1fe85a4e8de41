//! The connected trader on one market, live from the indexer's `trader:<wallet>` channel:
//! the seat and its balances, deposit and withdraw, order entry checked against tick, lot
//! and balances before the wallet is asked, open orders with cancel and cancel-all, and
//! fills. Every action goes through `txflow` (simulate, sign in the wallet, send, confirm).
use gridtokenx_app_logic::indexer::Market;
use gridtokenx_app_logic::order::{parse_atoms, OrderForm, OrderType, Side};
use gridtokenx_app_logic::trader::TraderState;
use gridtokenx_app_logic::tx::{self, Action, MarketKeys};
use gridtokenx_app_logic::units::MarketUnits;
use leptos::prelude::*;

use crate::config::Config;
use crate::live;
use crate::txflow::{self, TxState, TxStatus};
use crate::wallet::use_wallet;

fn now_secs() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

#[component]
pub fn TraderPanel(market: Market) -> impl IntoView {
    let wallet = use_wallet();
    let config = StoredValue::new(expect_context::<Config>());
    let units = market.units();
    let fee_bps = u16::try_from(market.taker_fee_bps).unwrap_or(u16::MAX);
    let keys = match (tx::parse_pubkey(&market.pubkey), tx::parse_pubkey(&market.base_mint), tx::parse_pubkey(&market.quote_mint)) {
        (Some(market), Some(base_mint), Some(quote_mint)) => MarketKeys { market, base_mint, quote_mint },
        _ => return view! { <p class="error" role="alert">"This market's addresses are unreadable."</p> }.into_any(),
    };
    let price_feed = market.price_feed.as_deref().and_then(tx::parse_pubkey);
    let trader = RwSignal::new(TraderState::default());
    let state = RwSignal::new(TxState::Idle);
    let followed = StoredValue::new(None::<String>);
    let market_key = market.pubkey.clone();
    Effect::new(move |_| {
        let key = wallet.pubkey().map(|k| k.to_string());
        if let Some(old) = followed.get_value() {
            live::unfollow(&old);
        }
        trader.set(TraderState::default());
        let Some(key) = key else {
            followed.set_value(None);
            return;
        };
        let channel = format!("trader:{key}");
        followed.set_value(Some(channel.clone()));
        let market = market_key.clone();
        live::follow_into(&channel, trader, move |t, frame| t.apply_frame(&market, frame));
    });
    on_cleanup(move || {
        if let Some(channel) = followed.get_value() {
            live::unfollow(&channel);
        }
    });

    // One transaction at a time per panel; every button is disabled while one is in flight.
    let send = move |action: Action| {
        txflow::send(config.get_value(), wallet, action, state);
    };
    let busy = move || state.with(TxState::busy);
    let seat_index = move || trader.with(|t| t.seat.as_ref().map(|s| s.seat as u32));

    view! {
        <section class="seat" aria-labelledby="seat-h">
            <h2 id="seat-h">"My seat"</h2>
            {move || {
                if wallet.pubkey().is_none() {
                    return view! { <p>"Connect a wallet to trade."</p> }.into_any();
                }
                match trader.with(|t| t.seat.clone()) {
                    Some(s) => view! {
                        <p data-testid="seat">{gridtokenx_app_logic::trader::seat_summary(&units, &s)}</p>
                    }.into_any(),
                    None => view! {
                        <p data-testid="no-seat">{move || if trader.with(|t| t.loaded) { "No seat on this market yet." } else { "Loading…" }}</p>
                        <button data-testid="claim-seat" disabled=busy on:click=move |_| send(Action::ClaimSeat { market: keys.market })>
                            "Claim a seat"
                        </button>
                    }.into_any(),
                }
            }}
            <TxStatus state=state/>
        </section>
        <Show when=move || seat_index().is_some()>
            <Funds units=units keys=keys trader=trader busy=Signal::derive(busy) send=send/>
            <OrderEntry units=units fee_bps=fee_bps market=keys.market price_feed=price_feed trader=trader busy=Signal::derive(busy) send=send/>
            <OpenOrders units=units market=keys.market trader=trader busy=Signal::derive(busy) send=send/>
        </Show>
    }
    .into_any()
}

/// Deposit into and withdraw from the seat, energy in kWh and the quote token.
#[component]
fn Funds(
    units: MarketUnits,
    keys: MarketKeys,
    trader: RwSignal<TraderState>,
    busy: Signal<bool>,
    send: impl Fn(Action) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let energy = RwSignal::new(String::new());
    let quote = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let submit = move |deposit: bool| {
        let Some(seat) = trader.with_untracked(|t| t.seat.clone()) else { return };
        let amount = |text: String, decimals: u32| -> Result<u64, String> {
            if text.trim().is_empty() {
                return Ok(0);
            }
            u64::try_from(parse_atoms(&text, decimals)?).map_err(|_| format!("{text} is too large"))
        };
        let checked = amount(energy.get_untracked(), units.base_decimals)
            .and_then(|b| Ok((b, amount(quote.get_untracked(), units.quote_decimals)?)))
            .and_then(|(b, q)| match (b, q) {
                (0, 0) => Err("enter an amount of energy or of the quote token".to_string()),
                _ if !deposit && (b > seat.base_free || q > seat.quote_free) => {
                    Err("the seat does not hold that much free: cancel orders to free what they lock".to_string())
                }
                amounts => Ok(amounts),
            });
        match checked {
            Err(e) => error.set(Some(e)),
            Ok((base_atoms, quote_atoms)) => {
                error.set(None);
                let seat = seat.seat as u32;
                send(if deposit {
                    Action::Deposit { market: keys, seat, base_atoms, quote_atoms }
                } else {
                    Action::Withdraw { market: keys, seat, base_atoms, quote_atoms }
                });
            }
        }
    };
    view! {
        <section class="funds" aria-labelledby="funds-h">
            <h2 id="funds-h">"Deposit and withdraw"</h2>
            <label>"Energy (kWh) " <input data-testid="funds-energy" inputmode="decimal" bind:value=energy/></label>
            <label>{format!("{} ", units.quote)} <input data-testid="funds-quote" inputmode="decimal" bind:value=quote/></label>
            <button data-testid="deposit" disabled=busy on:click=move |_| submit(true)>"Deposit"</button>
            <button data-testid="withdraw" disabled=busy on:click=move |_| submit(false)>"Withdraw"</button>
            <Show when=move || error.with(Option::is_some)>
                <p class="error" data-testid="funds-error" role="alert">{move || error.get()}</p>
            </Show>
        </section>
    }
}

/// Limit / post-only / IOC / FOK, checked as typed; the wallet is asked only for an order
/// the seat can pay for in whole lots and ticks.
#[component]
fn OrderEntry(
    units: MarketUnits,
    fee_bps: u16,
    market: gridtokenx_app_logic::Pubkey,
    price_feed: Option<gridtokenx_app_logic::Pubkey>,
    trader: RwSignal<TraderState>,
    busy: Signal<bool>,
    send: impl Fn(Action) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let side = RwSignal::new("bid".to_string());
    let kind = RwSignal::new("limit".to_string());
    let size = RwSignal::new(String::new());
    let price = RwSignal::new(String::new());
    let expiry = RwSignal::new("0".to_string());
    let form = move || OrderForm {
        side: if side.get() == "ask" { Side::Ask } else { Side::Bid },
        order_type: match kind.get().as_str() {
            "post_only" => OrderType::PostOnly,
            "ioc" => OrderType::ImmediateOrCancel,
            "fok" => OrderType::FillOrKill,
            _ => OrderType::Limit,
        },
        size_kwh: size.get(),
        price_per_kwh: price.get(),
        expires_in_secs: expiry.get().parse().ok().filter(|s| *s > 0),
    };
    let checked = Memo::new(move |_| {
        let f = form();
        trader.with(|t| match &t.seat {
            Some(seat) => units.order(fee_bps, seat, &f, now_secs()),
            None => Err("claim a seat first".into()),
        })
    });
    let typed = move || !size.with(String::is_empty) || !price.with(String::is_empty);
    let place = move |_| {
        let (Ok(packet), Some(seat)) = (checked.get_untracked(), trader.with_untracked(|t| t.seat.as_ref().map(|s| s.seat as u32)))
        else {
            return;
        };
        // The expiry is taken from the clock at the click, not when the form was typed.
        let packet = match form().expires_in_secs {
            Some(secs) => gridtokenx_app_logic::order::with_expiry(packet, now_secs(), secs),
            None => packet,
        };
        send(Action::Place { market, seat, packet, price_feed });
    };
    view! {
        <section class="order-entry" aria-labelledby="order-h">
            <h2 id="order-h">"Place an order"</h2>
            <label>"Side "
                <select data-testid="order-side" on:change=move |ev| side.set(event_target_value(&ev))>
                    <option value="bid" selected=true>"Buy"</option>
                    <option value="ask">"Sell"</option>
                </select>
            </label>
            <label>"Type "
                <select data-testid="order-type" on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="limit" selected=true>"Limit"</option>
                    <option value="post_only">"Post-only"</option>
                    <option value="ioc">"Immediate or cancel"</option>
                    <option value="fok">"Fill or kill"</option>
                </select>
            </label>
            <label>"Size (kWh) " <input data-testid="order-size" inputmode="decimal" bind:value=size/></label>
            <label>{format!("Price ({} per kWh) ", units.quote)} <input data-testid="order-price" inputmode="decimal" bind:value=price/></label>
            <label>"Expires "
                <select data-testid="order-expiry" on:change=move |ev| expiry.set(event_target_value(&ev))>
                    <option value="0" selected=true>"when cancelled"</option>
                    <option value="3600">"in 1 hour"</option>
                    <option value="86400">"in 1 day"</option>
                </select>
            </label>
            <button data-testid="place-order" disabled=move || busy.get() || checked.with(Result::is_err) on:click=place>
                "Place the order"
            </button>
            <p class="hint" data-testid="order-check" aria-live="polite">
                {move || match checked.get() {
                    Ok(p) => format!("{} {} at {}", if p.side == Side::Bid { "Buy" } else { "Sell" },
                        units.size_kwh(p.lots.0), units.price(p.price.0)),
                    Err(e) if typed() => e,
                    Err(_) => String::new(),
                }}
            </p>
        </section>
    }
}

/// The trader's resting orders with cancel and cancel-all, and recent fills.
#[component]
fn OpenOrders(
    units: MarketUnits,
    market: gridtokenx_app_logic::Pubkey,
    trader: RwSignal<TraderState>,
    busy: Signal<bool>,
    send: impl Fn(Action) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let seat = move || trader.with(|t| t.seat.as_ref().map(|s| s.seat as u32));
    let wallet = use_wallet();
    let me = move || wallet.pubkey().map(|k| k.to_string()).unwrap_or_default();
    view! {
        <section class="orders" aria-labelledby="orders-h">
            <h2 id="orders-h">"Open orders"</h2>
            <button data-testid="cancel-all" disabled=move || busy.get() || trader.with(|t| t.open_orders().is_empty())
                on:click=move |_| if let Some(seat) = seat() { send(Action::CancelAll { market, seat }) }>
                "Cancel all"
            </button>
            <ul data-testid="open-orders">
                {move || trader.with(|t| t.open_orders().into_iter().cloned().collect::<Vec<_>>()).into_iter().map(|o| {
                    let side = if o.side.as_deref() == Some("ask") { Side::Ask } else { Side::Bid };
                    let order_id = o.order_id;
                    view! {
                        <li data-testid="open-order" data-order-id=order_id.to_string()>
                            {format!("#{} {} {} at {}", o.order_id, if side == Side::Bid { "buy" } else { "sell" },
                                units.size_kwh(o.remaining_lots()), units.price(o.price_ticks))}
                            <button data-testid="cancel-order" disabled=busy
                                on:click=move |_| if let Some(seat) = seat() { send(Action::Cancel { market, seat, side, order_id }) }>
                                "Cancel"
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <h2>"My fills"</h2>
            <ul data-testid="my-fills">
                {move || trader.with(|t| t.fills.iter().take(20).map(|f| format!("{} {} at {}",
                    gridtokenx_app_logic::trader::my_side_of(f, &me()), units.size_kwh(f.lots), units.price(f.price_ticks))).collect::<Vec<_>>())
                    .into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
            </ul>
        </section>
    }
}
