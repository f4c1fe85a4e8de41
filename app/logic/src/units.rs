//! Amounts as people read them. On chain everything is an integer of atoms; the app shows
//! kWh (energy mint: 3 decimals, 1 atom = 1 Wh) and the quote currency, never raw atoms,
//! and every amount names its unit.

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

/// A count with its noun in the right number: `1 candle`, `2 candles`, `0 candles`. Every
/// noun the app counts makes its plural with an `s`.
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
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

/// USDC's mints (Circle's, mainnet and devnet).
const USDC_MAINNET: &str = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";
const USDC_DEVNET: &str = "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU";
/// `localnet/dev-keys/quote-mint.json`: the demo's USDC-like quote mint (`make demo`).
const DEMO_QUOTE: &str = "5o66xoUzWnBmZXk9rBSurfRJHfF7AnUigAGyYQDvu59Q";

/// The decimals of the quote mints the app knows (all three are USDC-like: 6), for what it
/// must describe before any market of that mint exists (a create-market proposal).
pub fn known_quote_decimals(mint: &str) -> Option<u32> {
    matches!(mint, USDC_MAINNET | USDC_DEVNET | DEMO_QUOTE).then_some(6)
}

/// A token's name as shown next to its amounts. SPL mints carry no name on chain (and ours
/// no metadata account), so the app names the mints it knows and shows any other by its
/// short address — the same label the markets list uses. Fixed-size and `Copy`, so
/// `MarketUnits` stays `Copy` for the view closures that capture it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TokenName {
    bytes: [u8; 16],
    len: u8,
}

impl TokenName {
    /// `name`, cut at a character boundary to 16 bytes.
    pub fn new(name: &str) -> TokenName {
        let mut end = name.len().min(16);
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        let mut bytes = [0u8; 16];
        bytes[..end].copy_from_slice(&name.as_bytes()[..end]);
        TokenName { bytes, len: end as u8 }
    }

    /// The quote token of a market by its mint address.
    pub fn of_mint(mint: &str) -> TokenName {
        match mint {
            USDC_MAINNET | USDC_DEVNET => TokenName::new("USDC"),
            DEMO_QUOTE => TokenName::new("demo USDC"),
            other => TokenName::new(&short(other)),
        }
    }

    pub fn as_str(&self) -> &str {
        // Built only from a `&str` cut at a character boundary.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl std::fmt::Display for TokenName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for TokenName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

/// A market's fixed parameters, enough to turn ticks and lots into prices and sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketUnits {
    pub tick_size_quote_atoms: u64,
    pub lot_size_base_atoms: u64,
    pub base_decimals: u32,
    pub quote_decimals: u32,
    /// The quote token's name, shown with every quote amount and price.
    pub quote: TokenName,
}

impl MarketUnits {
    /// The demo market in tests: energy with 3 decimals (Wh), a lot of 1 kWh, a tick of
    /// 0.001 USDC per lot.
    #[cfg(test)]
    pub fn demo() -> MarketUnits {
        MarketUnits {
            tick_size_quote_atoms: 1_000,
            lot_size_base_atoms: 1_000,
            base_decimals: 3,
            quote_decimals: 6,
            quote: TokenName::new("USDC"),
        }
    }

    /// Quote atoms with the token's name: `"0.2394 USDC"`.
    pub fn quote_amount(&self, atoms: u128) -> String {
        format!("{} {}", format_atoms(atoms, self.quote_decimals), self.quote)
    }

    /// A price in ticks with its unit: `"0.12 USDC per kWh"`.
    pub fn price(&self, price_ticks: u64) -> String {
        format!("{} {} per kWh", self.price_per_kwh(price_ticks), self.quote)
    }

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

    fn demo() -> MarketUnits {
        MarketUnits::demo()
    }

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1, "candle"), "1 candle");
        assert_eq!(count(0, "candle"), "0 candles");
        assert_eq!(count(2, "guardian"), "2 guardians");
    }

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
        let demo = demo();
        assert_eq!(demo.price_per_kwh(120), "0.12");
        assert_eq!(demo.price(120), "0.12 USDC per kWh");
        assert_eq!(demo.price_per_kwh(1), "0.001");
        assert_eq!(demo.quote_amount(239_400), "0.2394 USDC");
        assert_eq!(demo.size_kwh(3), "3 kWh");
        assert_eq!(kwh(1_250, 3), "1.25 kWh");
    }

    #[test]
    fn a_lot_smaller_than_a_kwh_scales_the_price() {
        let units = MarketUnits { lot_size_base_atoms: 100, ..demo() };
        // 1 tick per 0.1 kWh lot = 0.01 quote per kWh.
        assert_eq!(units.price_per_kwh(1), "0.01");
        let odd = MarketUnits { lot_size_base_atoms: 3, tick_size_quote_atoms: 1, ..demo() };
        assert_eq!(odd.price_per_kwh(1), "0.000333333");
    }

    #[test]
    fn known_quote_mints_have_their_symbol_and_others_their_short_address() {
        assert_eq!(TokenName::of_mint(USDC_MAINNET).as_str(), "USDC");
        assert_eq!(TokenName::of_mint(USDC_DEVNET).as_str(), "USDC");
        assert_eq!(TokenName::of_mint(DEMO_QUOTE).as_str(), "demo USDC");
        let other = "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU";
        assert_eq!(TokenName::of_mint(other).as_str(), "7xKX…gAsU");
        // Cut at a character boundary, never inside one.
        assert_eq!(TokenName::new("ééééééééé").as_str(), "éééééééé");
    }
}
