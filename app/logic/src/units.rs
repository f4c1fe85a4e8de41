//! Amounts as people read them. On chain everything is an integer of atoms; the app shows
//! kWh (energy mint: 3 decimals, 1 atom = 1 Wh) and the quote currency, never raw atoms.

/// `atoms` with `decimals` decimals, trailing zeros trimmed (`1500, 3` → `"1.5"`).
pub fn format_atoms(atoms: u128, decimals: u32) -> String {
    let scale = 10u128.pow(decimals);
    let (whole, frac) = (atoms / scale, atoms % scale);
    if frac == 0 {
        return whole.to_string();
    }
    let frac = format!("{frac:0width$}", width = decimals as usize);
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

/// A long address as people scan it: its first and last four characters.
pub fn short(key: &str) -> String {
    match (key.get(..4), key.get(key.len().saturating_sub(4)..)) {
        (Some(head), Some(tail)) if key.len() > 10 => format!("{head}…{tail}"),
        _ => key.to_string(),
    }
}

/// Energy atoms (Wh) as kWh.
pub fn kwh(energy_atoms: u128, energy_decimals: u32) -> String {
    format!("{} kWh", format_atoms(energy_atoms, energy_decimals))
}

/// A market's fixed parameters, enough to turn ticks and lots into prices and sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketUnits {
    pub tick_size_quote_atoms: u64,
    pub lot_size_base_atoms: u64,
    pub base_decimals: u32,
    pub quote_decimals: u32,
}

impl MarketUnits {
    /// Price of one kWh in the quote currency for a price in ticks (per lot). Exact: the
    /// quote atoms per kWh are `ticks × tick × 10^base_decimals / lot`, shown with the
    /// quote's decimals; a remainder (a lot that is not a divisor of 1 kWh) shows more
    /// digits rather than a rounded price.
    pub fn price_per_kwh(&self, price_ticks: u64) -> String {
        let per_lot = price_ticks as u128 * self.tick_size_quote_atoms as u128;
        let kwh_atoms = 10u128.pow(self.base_decimals);
        let lot = self.lot_size_base_atoms.max(1) as u128;
        let scaled = per_lot * kwh_atoms;
        if scaled % lot == 0 {
            format_atoms(scaled / lot, self.quote_decimals)
        } else {
            // Three more digits are enough for any lot the council may set (≤ 1 kWh / 1000).
            format_atoms(scaled * 1000 / lot, self.quote_decimals + 3)
        }
    }

    /// Size in kWh for a number of lots.
    pub fn size_kwh(&self, lots: u64) -> String {
        kwh(lots as u128 * self.lot_size_base_atoms as u128, self.base_decimals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: MarketUnits =
        MarketUnits { tick_size_quote_atoms: 1_000, lot_size_base_atoms: 1_000, base_decimals: 3, quote_decimals: 6 };

    #[test]
    fn atoms_trim_trailing_zeros() {
        assert_eq!(format_atoms(0, 6), "0");
        assert_eq!(format_atoms(1_500, 3), "1.5");
        assert_eq!(format_atoms(1, 6), "0.000001");
        assert_eq!(format_atoms(u64::MAX as u128, 6), "18446744073709.551615");
        assert_eq!(format_atoms(42, 0), "42");
    }

    #[test]
    fn demo_market_prices_and_sizes() {
        // 1 tick = 0.001 quote per kWh on the demo market (lot = 1 kWh).
        assert_eq!(DEMO.price_per_kwh(120), "0.12");
        assert_eq!(DEMO.price_per_kwh(1), "0.001");
        assert_eq!(DEMO.size_kwh(3), "3 kWh");
        assert_eq!(kwh(1_250, 3), "1.25 kWh");
    }

    #[test]
    fn a_lot_smaller_than_a_kwh_scales_the_price() {
        let units = MarketUnits { lot_size_base_atoms: 100, ..DEMO };
        // 1 tick per 0.1 kWh lot = 0.01 quote per kWh.
        assert_eq!(units.price_per_kwh(1), "0.01");
        let odd = MarketUnits { lot_size_base_atoms: 3, tick_size_quote_atoms: 1, ..DEMO };
        assert_eq!(odd.price_per_kwh(1), "0.000333333");
    }
}
