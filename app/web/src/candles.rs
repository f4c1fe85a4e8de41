//! The market's price over time: the last hour's 1-minute candles from the indexer,
//! refetched when a trade arrives, and — where the market has a price band — the band
//! around the Pyth reference price, read from the chain (the market header for the band,
//! the feed account for the reference) again whenever a council proposal executes. Our own
//! SVG, as the Produce view's chart.
use gridtokenx_app_logic::admin;
use gridtokenx_app_logic::candles::{self, BandTicks, Candle};
use gridtokenx_app_logic::change;
use gridtokenx_app_logic::indexer::{Fill, Market};
use gridtokenx_app_logic::units::MarketUnits;
use leptos::prelude::*;

use crate::config::Config;
use crate::net::{account, get_json};

const WIDTH: f64 = 300.0;
const HEIGHT: f64 = 100.0;

/// The band as the chain holds it now, with the reference price in words; `None` when the
/// market has no band (or its feed cannot be read: the chart then shows the candles only).
async fn read_band(rpc_url: &str, market: &str, units: MarketUnits) -> Option<(BandTicks, String)> {
    let (_, data) = account(rpc_url, market).await.ok()?;
    let band = admin::market_header(&data).ok()?.price_band()?;
    let (owner, data) = account(rpc_url, &band.price_feed.to_string()).await.ok()?;
    let feed = change::price_feed(&owner, &data).ok()?;
    let ticks = BandTicks::from_reference(&units, feed.price, feed.exponent, band.max_deviation_bps);
    Some((ticks, change::feed_price(&feed)))
}

#[component]
pub fn CandleChart(market: Market, trades: RwSignal<Vec<Fill>>) -> impl IntoView {
    let config = expect_context::<Config>();
    let units = market.units();
    let url = format!("{}/api/v1/markets/{}/candles?interval=1m&limit=60", config.indexer_url, market.pubkey);
    let from = move || (js_sys::Date::now() / 1000.0) as i64 - 3_600;
    let candles = LocalResource::new(move || {
        trades.track();
        let url = format!("{url}&from={}", from());
        async move { get_json::<Vec<Candle>>(&url).await }
    });
    let (rpc_url, key) = (config.rpc_url.clone(), market.pubkey.clone());
    // A band changes only when a council proposal executes: read it again then.
    let proposals = expect_context::<RwSignal<gridtokenx_app_logic::admin::AdminState>>();
    let executed = Memo::new(move |_| {
        proposals.with(|s| s.proposals.values().filter(|p| p.status == "executed").count())
    });
    let band = LocalResource::new(move || {
        executed.track();
        let (rpc_url, key) = (rpc_url.clone(), key.clone());
        async move { read_band(&rpc_url, &key, units).await }
    });
    let drawn = move || {
        let list = candles.get().and_then(Result::ok).unwrap_or_default();
        let band = band.get().flatten();
        let layout = candles::layout(&list, band.as_ref().map(|(b, _)| *b), WIDTH, HEIGHT);
        (candles::describe(&units, &list, band), layout)
    };
    view! {
        <section class="candles" aria-labelledby="candles-h">
            <h2 id="candles-h">{format!("Price ({} per kWh, 1-minute candles)", units.quote)}</h2>
            {move || {
                let (label, layout) = drawn();
                view! {
                    // The summary below says in words what the drawing shows.
                    <svg class="chart candles" data-testid="candle-chart" viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                        preserveAspectRatio="none" aria-hidden="true">
                        {layout.band.map(|(top, bottom, reference)| view! {
                            <rect class="band" x="0" y=top.to_string() width=WIDTH.to_string() height=(bottom - top).max(0.0).to_string()/>
                            <line class="reference" x1="0" x2=WIDTH.to_string() y1=reference.to_string() y2=reference.to_string()/>
                        })}
                        {layout.candles.into_iter().map(|c| {
                            let middle = c.x + c.width / 2.0;
                            view! {
                                <line class="wick" x1=middle.to_string() x2=middle.to_string() y1=c.high_y.to_string() y2=c.low_y.to_string()/>
                                <rect class=if c.rising { "rising" } else { "falling" } x=c.x.to_string() y=c.body_top.to_string()
                                    width=c.width.to_string() height=c.body_height.to_string()/>
                            }
                        }).collect_view()}
                    </svg>
                    <p class="hint" data-testid="candle-summary">{label}</p>
                }
            }}
        </section>
    }
}
