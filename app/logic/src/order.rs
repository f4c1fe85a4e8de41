//! Order entry as a person types it — a size in kWh and a price per kWh in the quote
//! currency — checked against the market's tick and lot and the seat's free balances before
//! the wallet is ever asked. Amounts are parsed exactly (no floats): an amount that is not
//! a whole number of lots or ticks is refused with the nearest valid values, never rounded
//! silently. Collateral uses the program's own unit arithmetic (`market::engine::units`).
use market::engine::units::{base_for, quote_for, taker_fee, MarketParams};
use market::engine::{BaseLots, OrderPacket, SelfTradeBehavior, Ticks};
pub use market::engine::{OrderType, Side};

use crate::indexer::Seat;
use crate::units::MarketUnits;

/// Most resting orders one order may touch; the program clamps to its own maximum.
pub const MATCH_LIMIT: u16 = 32;

/// What the order form holds, as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderForm {
    pub side: Side,
    pub order_type: OrderType,
    pub size_kwh: String,
    pub price_per_kwh: String,
    /// Seconds from now; `None` is good till cancelled.
    pub expires_in_secs: Option<u64>,
}

/// `text` as an exact integer of atoms with `decimals` decimals (`"1.5", 3` → 1500).
pub fn parse_atoms(text: &str, decimals: u32) -> Result<u128, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("enter an amount".into());
    }
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !digits(whole) || !digits(frac) || (whole.is_empty() && frac.is_empty()) {
        return Err(format!("{text:?} is not a number"));
    }
    if frac.len() > decimals as usize {
        return Err(format!("{text} has more than {}", crate::units::count(decimals.into(), "decimal")));
    }
    let scale = 10u128.pow(decimals);
    let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| format!("{text} is too large"))? };
    let frac: u128 = if frac.is_empty() { 0 } else { format!("{frac:0<width$}", width = decimals as usize).parse().unwrap_or(0) };
    whole.checked_mul(scale).and_then(|w| w.checked_add(frac)).ok_or_else(|| format!("{text} is too large"))
}

impl MarketUnits {
    fn params(&self, taker_fee_bps: u16) -> MarketParams {
        MarketParams {
            tick_size_quote_atoms: self.tick_size_quote_atoms,
            lot_size_base_atoms: self.lot_size_base_atoms,
            taker_fee_bps,
        }
    }

    /// A size in kWh as a whole number of lots.
    pub fn lots(&self, size_kwh: &str) -> Result<u64, String> {
        let atoms = parse_atoms(size_kwh, self.base_decimals)?;
        let lot = u128::from(self.lot_size_base_atoms.max(1));
        if atoms == 0 {
            return Err("the size must be above zero".into());
        }
        if atoms % lot != 0 {
            return Err(format!(
                "sizes come in lots of {}: {} or {}",
                self.size_kwh(1),
                self.size_kwh((atoms / lot) as u64),
                self.size_kwh((atoms / lot + 1) as u64)
            ));
        }
        u64::try_from(atoms / lot).map_err(|_| "the size is too large".into())
    }

    /// A price per kWh as a whole number of ticks (per lot).
    pub fn ticks(&self, price_per_kwh: &str) -> Result<u64, String> {
        // quote atoms per kWh × lot / 10^base_decimals = quote atoms per lot = ticks × tick.
        let per_kwh = parse_atoms(price_per_kwh, self.quote_decimals)?;
        let numerator = per_kwh.checked_mul(u128::from(self.lot_size_base_atoms)).ok_or("the price is too large")?;
        let denominator = 10u128.pow(self.base_decimals) * u128::from(self.tick_size_quote_atoms.max(1));
        if per_kwh == 0 {
            return Err("the price must be above zero".into());
        }
        if numerator % denominator != 0 {
            let below = (numerator / denominator) as u64;
            return Err(format!(
                "prices move in steps of {}: {} or {}",
                self.price(1),
                self.price_per_kwh(below),
                self.price(below + 1)
            ));
        }
        u64::try_from(numerator / denominator).map_err(|_| "the price is too large".into())
    }

    /// The order the form describes, if the seat can pay for it.
    pub fn order(&self, taker_fee_bps: u16, seat: &Seat, form: &OrderForm, now_ts: i64) -> Result<OrderPacket, String> {
        let lots = self.lots(&form.size_kwh)?;
        let ticks = self.ticks(&form.price_per_kwh)?;
        let params = self.params(taker_fee_bps);
        match form.side {
            Side::Bid => {
                let quote = quote_for(&params, Ticks(ticks), BaseLots(lots)).map_err(|_| "the order is too large")?;
                // A bid that takes pays the fee on top; a post-only one never takes.
                let fee = if form.order_type == OrderType::PostOnly {
                    0
                } else {
                    taker_fee(&params, quote).map_err(|_| "the order is too large")?.0
                };
                let needed = u128::from(quote.0) + u128::from(fee);
                if needed > u128::from(seat.quote_free) {
                    return Err(format!(
                        "this bid needs {} (fee included) and the seat holds {} free: deposit more",
                        self.quote_amount(needed),
                        self.quote_amount(seat.quote_free.into())
                    ));
                }
            }
            Side::Ask => {
                let base = base_for(&params, BaseLots(lots)).map_err(|_| "the order is too large")?;
                if base.0 > seat.base_free {
                    return Err(format!(
                        "this ask sells {} and the seat holds {} free: deposit energy first",
                        self.size_kwh(lots),
                        crate::units::kwh(seat.base_free.into(), self.base_decimals)
                    ));
                }
            }
        }
        let expiry_ts = match form.expires_in_secs {
            None | Some(0) => 0,
            Some(secs) => now_ts.saturating_add(i64::try_from(secs).map_err(|_| "the expiry is too far")?),
        };
        Ok(OrderPacket {
            side: form.side,
            order_type: form.order_type,
            price: Ticks(ticks),
            lots: BaseLots(lots),
            // The submission time (s) tells a trader's orders apart in their history.
            client_order_id: u64::try_from(now_ts).unwrap_or(0),
            expiry_ts,
            self_trade: SelfTradeBehavior::CancelResting,
            match_limit: MATCH_LIMIT,
        })
    }
}

/// `packet` expiring `secs` after `now_ts` (the clock at the click, not at the typing).
pub fn with_expiry(mut packet: OrderPacket, now_ts: i64, secs: u64) -> OrderPacket {
    packet.expiry_ts = now_ts.saturating_add(i64::try_from(secs).unwrap_or(i64::MAX));
    packet
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo market: energy 3 decimals (Wh), a lot of 1 kWh, a tick of 0.001 USDC per lot.
    fn units() -> MarketUnits {
        MarketUnits::demo()
    }

    fn seat(base_free: u64, quote_free: u64) -> Seat {
        Seat { market: "m".into(), seat: 0, trader: "t".into(), base_free, quote_free, base_locked: 0, quote_locked: 0 }
    }

    fn form(side: Side, order_type: OrderType, size: &str, price: &str) -> OrderForm {
        OrderForm { side, order_type, size_kwh: size.into(), price_per_kwh: price.into(), expires_in_secs: None }
    }

    #[test]
    fn amounts_parse_exactly_or_say_why_not() {
        assert_eq!(parse_atoms("1.5", 3), Ok(1_500));
        assert_eq!(parse_atoms(".25", 2), Ok(25));
        assert_eq!(parse_atoms("7", 0), Ok(7));
        assert!(parse_atoms("1.2345", 3).unwrap_err().contains("more than 3 decimals"));
        assert!(parse_atoms("1e3", 3).unwrap_err().contains("not a number"));
        assert!(parse_atoms("-1", 3).unwrap_err().contains("not a number"));
        assert!(parse_atoms("", 3).is_err());
        assert!(parse_atoms("99999999999999999999999999999999999999", 6).unwrap_err().contains("too large"));
    }

    #[test]
    fn sizes_are_whole_lots_and_prices_whole_ticks() {
        let u = units();
        assert_eq!(u.lots("3"), Ok(3));
        let err = u.lots("2.5").unwrap_err();
        assert!(err.contains("lots of 1 kWh") && err.contains("2 kWh or 3 kWh"), "{err}");
        assert!(u.lots("0").is_err());
        // 0.12 USDC per kWh = 120,000 atoms per lot = 120 ticks of 1,000 atoms.
        assert_eq!(u.ticks("0.12"), Ok(120));
        assert_eq!(u.price_per_kwh(120), "0.12");
        let err = u.ticks("0.1205").unwrap_err();
        assert!(err.contains("steps of 0.001 USDC per kWh") && err.contains("0.12 or 0.121 USDC per kWh"), "{err}");
    }

    #[test]
    fn a_bid_needs_its_quote_and_the_fee_an_ask_its_energy() {
        let u = units();
        // 2 kWh at 0.12 = 240,000 atoms; 25 bps taker fee = 600 atoms.
        let bid = form(Side::Bid, OrderType::Limit, "2", "0.12");
        assert!(u.order(25, &seat(0, 240_599), &bid, 0).unwrap_err().contains("needs 0.2406 USDC"));
        let packet = u.order(25, &seat(0, 240_600), &bid, 0).unwrap();
        assert_eq!((packet.lots, packet.price, packet.expiry_ts), (BaseLots(2), Ticks(120), 0));
        // Post-only never takes, so never pays the fee.
        let maker = form(Side::Bid, OrderType::PostOnly, "2", "0.12");
        assert!(u.order(25, &seat(0, 240_000), &maker, 0).is_ok());

        let ask = form(Side::Ask, OrderType::ImmediateOrCancel, "2", "0.12");
        assert!(u.order(25, &seat(1_999, 0), &ask, 0).unwrap_err().contains("deposit energy"));
        assert_eq!(u.order(25, &seat(2_000, 0), &ask, 0).unwrap().order_type, OrderType::ImmediateOrCancel);
    }

    #[test]
    fn expiry_is_absolute_on_the_chain_clock() {
        let u = units();
        let mut f = form(Side::Ask, OrderType::Limit, "1", "0.1");
        f.expires_in_secs = Some(600);
        assert_eq!(u.order(0, &seat(1_000, 0), &f, 1_800_000_000).unwrap().expiry_ts, 1_800_000_600);
    }
}
