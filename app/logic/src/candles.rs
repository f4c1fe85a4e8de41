//! The candle chart's data and geometry: OHLC candles from the indexer
//! (`/markets/{m}/candles`, prices in ticks) and, where the market has a price band, the
//! band around the Pyth reference price, laid out in a fixed SVG box. Pure, so the layout is
//! tested natively; the view only draws what this returns.
use serde::Deserialize;

use crate::indexer::u64_str;
use crate::units::MarketUnits;

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Candle {
    /// Bucket start, unix seconds.
    pub time: i64,
    #[serde(deserialize_with = "u64_str")]
    pub open: u64,
    #[serde(deserialize_with = "u64_str")]
    pub high: u64,
    #[serde(deserialize_with = "u64_str")]
    pub low: u64,
    #[serde(deserialize_with = "u64_str")]
    pub close: u64,
    #[serde(deserialize_with = "u64_str")]
    pub volume_lots: u64,
}

/// The band limit prices must stay in, in ticks (fractional: the reference need not fall
/// on a tick).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BandTicks {
    pub reference: f64,
    pub low: f64,
    pub high: f64,
}

impl BandTicks {
    /// A Pyth price (`price × 10^exponent` quote tokens per kWh) ± `deviation_bps`, in the
    /// market's ticks per lot.
    pub fn from_reference(units: &MarketUnits, price: i64, exponent: i32, deviation_bps: u16) -> BandTicks {
        let per_kwh_quote = price as f64 * 10f64.powi(exponent);
        // quote atoms per lot = per-kWh quote × 10^quote_decimals × lot / 10^base_decimals.
        let per_lot_atoms =
            per_kwh_quote * 10f64.powi(units.quote_decimals as i32) * units.lot_size_base_atoms as f64
                / 10f64.powi(units.base_decimals as i32);
        let reference = per_lot_atoms / units.tick_size_quote_atoms.max(1) as f64;
        let spread = reference * f64::from(deviation_bps) / 10_000.0;
        BandTicks { reference, low: reference - spread, high: reference + spread }
    }
}

/// One candle in the SVG box: a wick from `high_y` to `low_y` and a body between the open
/// and the close; `rising` when it closed at or above its open.
#[derive(Clone, Debug, PartialEq)]
pub struct CandleShape {
    pub x: f64,
    pub width: f64,
    pub high_y: f64,
    pub low_y: f64,
    pub body_top: f64,
    pub body_height: f64,
    pub rising: bool,
}

/// The chart as drawn in a `width` × `height` box: candles left to right, prices bottom to
/// top (the band included in the range, so it is always in view).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChartLayout {
    pub candles: Vec<CandleShape>,
    /// (top y, bottom y, reference y) of the band.
    pub band: Option<(f64, f64, f64)>,
}

pub fn layout(candles: &[Candle], band: Option<BandTicks>, width: f64, height: f64) -> ChartLayout {
    let prices = candles
        .iter()
        .flat_map(|c| [c.low as f64, c.high as f64])
        .chain(band.into_iter().flat_map(|b| [b.low, b.high]));
    let (lo, hi) = prices.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p), hi.max(p)));
    if !lo.is_finite() || !hi.is_finite() {
        return ChartLayout::default();
    }
    // A flat range (one price) still gets a visible height: 1 tick either side.
    let (lo, hi) = if hi - lo < 1.0 { (lo - 1.0, hi + 1.0) } else { (lo, hi) };
    let y = |p: f64| height - (p - lo) / (hi - lo) * height;
    let slot = width / candles.len().max(1) as f64;
    let shapes = candles
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (open, close) = (y(c.open as f64), y(c.close as f64));
            CandleShape {
                x: i as f64 * slot + slot * 0.15,
                width: slot * 0.7,
                high_y: y(c.high as f64),
                low_y: y(c.low as f64),
                body_top: open.min(close),
                // A candle that opened and closed alike is still a visible line.
                body_height: (open - close).abs().max(1.0),
                rising: c.close >= c.open,
            }
        })
        .collect();
    ChartLayout { candles: shapes, band: band.map(|b| (y(b.high), y(b.low), y(b.reference))) }
}

/// What the chart shows, for screen readers and the chart's label.
pub fn describe(units: &MarketUnits, candles: &[Candle], band: Option<(BandTicks, String)>) -> String {
    let prices = match (candles.first(), candles.last()) {
        (Some(first), Some(last)) => {
            let low = candles.iter().map(|c| c.low).min().unwrap_or(first.low);
            let high = candles.iter().map(|c| c.high).max().unwrap_or(first.high);
            format!(
                "{}: last close {}, low {}, high {}",
                crate::units::count(candles.len() as u64, "candle"),
                units.price(last.close),
                units.price_per_kwh(low),
                units.price_per_kwh(high)
            )
        }
        _ => "No trades yet".into(),
    };
    match band {
        Some((_, reference)) => {
            format!("{prices}; price band around the Pyth reference {reference} {} per kWh", units.quote)
        }
        None => prices,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn units() -> MarketUnits {
        MarketUnits::demo()
    }

    fn candle(time: i64, o: u64, h: u64, l: u64, c: u64) -> Candle {
        Candle { time, open: o, high: h, low: l, close: c, volume_lots: 1 }
    }

    #[test]
    fn candles_arrive_as_the_indexer_prints_them() {
        let c: Vec<Candle> = serde_json::from_value(
            json!([{"time": 60, "open": "120", "high": "125", "low": "118", "close": "121",
            "volume_lots": "4", "quote_volume_atoms": "480000", "trades": 2}]),
        )
        .unwrap();
        assert_eq!(c, vec![Candle { time: 60, open: 120, high: 125, low: 118, close: 121, volume_lots: 4 }]);
    }

    #[test]
    fn the_band_is_the_reference_price_in_ticks_plus_minus_its_deviation() {
        // Pyth 12 × 10^-2 = 0.12 USDC per kWh = 120 ticks on the demo market; ±5%.
        let b = BandTicks::from_reference(&units(), 12, -2, 500);
        assert!(
            (b.reference - 120.0).abs() < 1e-9
                && (b.low - 114.0).abs() < 1e-9
                && (b.high - 126.0).abs() < 1e-9,
            "{b:?}"
        );
    }

    #[test]
    fn the_layout_puts_higher_prices_higher_and_keeps_the_band_in_view() {
        let candles = [candle(0, 120, 130, 110, 125), candle(60, 125, 125, 120, 120)];
        let l = layout(&candles, None, 200.0, 100.0);
        assert_eq!(l.candles.len(), 2);
        let (a, b) = (&l.candles[0], &l.candles[1]);
        assert_eq!((a.high_y, a.low_y), (0.0, 100.0), "the range is the candles' own");
        assert!(a.rising && !b.rising);
        assert!(b.x > a.x && a.x + a.width <= b.x, "side by side, not overlapping");

        let band = BandTicks { reference: 150.0, low: 140.0, high: 160.0 };
        let l = layout(&candles, Some(band), 200.0, 100.0);
        let (top, bottom, reference) = l.band.unwrap();
        assert_eq!(top, 0.0, "the band's top is the highest price in view");
        // Screen coordinates grow downwards: the band's low edge is below its reference.
        assert!(top < reference && reference < bottom && bottom < 100.0, "{top} {reference} {bottom}");
        assert_eq!(l.candles[0].low_y, 100.0, "the lowest candle price is at the bottom");

        // One price only, or nothing at all: no division by zero.
        let flat = layout(&[candle(0, 120, 120, 120, 120)], None, 100.0, 100.0);
        assert!(flat.candles[0].high_y.is_finite() && flat.candles[0].body_height >= 1.0);
        assert_eq!(layout(&[], None, 100.0, 100.0), ChartLayout::default());
    }

    #[test]
    fn the_chart_is_described_in_units() {
        let u = units();
        assert_eq!(describe(&u, &[], None), "No trades yet");
        let words = describe(
            &u,
            &[candle(0, 120, 130, 110, 125)],
            Some((BandTicks { reference: 120.0, low: 114.0, high: 126.0 }, "0.12".into())),
        );
        assert_eq!(words, "1 candle: last close 0.125 USDC per kWh, low 0.11, high 0.13; price band around the Pyth reference 0.12 USDC per kWh");
    }
}
