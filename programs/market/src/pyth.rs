//! Reading Pyth `PriceUpdateV2` accounts, the format real Solana clusters carry
//! (pyth-solana-receiver). We mirror the account layout instead of depending on
//! `pyth-solana-receiver-sdk`: that crate drags in pythnet-sdk with floating-point and
//! prime-number code that neither belongs in an order book nor builds for our SBF route.
//! The layout is fixed by deployed accounts; the tests pin it byte for byte.
use anchor_lang::prelude::*;

use crate::error::MarketError;
use crate::state::PriceBand;

/// The Pyth Solana Receiver program, owner of every `PriceUpdateV2` account.
pub const PYTH_RECEIVER_ID: Pubkey = pubkey!("rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ");
/// Anchor discriminator of `PriceUpdateV2`: sha256("account:PriceUpdateV2")[..8].
pub const PRICE_UPDATE_V2_DISCRIMINATOR: [u8; 8] = [34, 241, 35, 99, 157, 126, 244, 205];

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerificationLevel {
    Partial { num_signatures: u8 },
    Full,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceFeedMessage {
    pub feed_id: [u8; 32],
    pub price: i64,
    pub conf: u64,
    pub exponent: i32,
    pub publish_time: i64,
    pub prev_publish_time: i64,
    pub ema_price: i64,
    pub ema_conf: u64,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceUpdateV2 {
    pub write_authority: Pubkey,
    pub verification_level: VerificationLevel,
    pub price_message: PriceFeedMessage,
    pub posted_slot: u64,
}

impl PriceUpdateV2 {
    /// Account bytes as the receiver program stores them (for localnet and tests).
    pub fn to_account_data(&self) -> Vec<u8> {
        let mut data = PRICE_UPDATE_V2_DISCRIMINATOR.to_vec();
        // Serializing into a Vec cannot fail.
        self.serialize(&mut data).unwrap_or_default();
        data
    }

    pub fn from_account(info: &AccountInfo) -> Result<Self> {
        require_keys_eq!(*info.owner, PYTH_RECEIVER_ID, MarketError::InvalidPriceFeed);
        let data = info.try_borrow_data()?;
        let body =
            data.strip_prefix(&PRICE_UPDATE_V2_DISCRIMINATOR[..]).ok_or(MarketError::InvalidPriceFeed)?;
        Self::deserialize(&mut &body[..]).map_err(|_| error!(MarketError::InvalidPriceFeed))
    }
}

/// Checks a limit price (quote atoms per lot) against the band. Only fully verified
/// updates count; staleness and deviation each have their own error.
pub fn check_band(
    band: &PriceBand,
    update: &PriceUpdateV2,
    now_ts: i64,
    order_quote_atoms_per_lot: u64,
    lot_size_base_atoms: u64,
    base_decimals: u8,
    quote_decimals: u8,
) -> Result<()> {
    let msg = &update.price_message;
    require!(
        update.verification_level == VerificationLevel::Full && msg.feed_id == band.feed_id,
        MarketError::InvalidPriceFeed
    );
    require!(
        msg.publish_time.saturating_add(i64::from(band.max_staleness_secs)) >= now_ts,
        MarketError::StalePrice
    );
    let within = within_band(
        order_quote_atoms_per_lot,
        msg.price,
        msg.exponent,
        lot_size_base_atoms,
        base_decimals,
        quote_decimals,
        band.max_deviation_bps,
    )
    .ok_or(MarketError::InvalidPriceFeed)?;
    require!(within, MarketError::PriceOutOfBand);
    Ok(())
}

/// `|order - reference| <= max_deviation_bps * reference / 10_000`, where the reference
/// in quote atoms per lot is `price * 10^exponent * 10^quote_decimals * lot_size /
/// 10^base_decimals`. Exact integer arithmetic: both sides are scaled by the
/// denominator instead of dividing. `None` when the feed's numbers cannot be used.
pub fn within_band(
    order_quote_atoms_per_lot: u64,
    price: i64,
    exponent: i32,
    lot_size_base_atoms: u64,
    base_decimals: u8,
    quote_decimals: u8,
    max_deviation_bps: u16,
) -> Option<bool> {
    if price <= 0 || !(-30..=30).contains(&exponent) {
        return None;
    }
    let num_exp = u32::from(quote_decimals) + exponent.max(0).unsigned_abs();
    let den_exp = u32::from(base_decimals) + exponent.min(0).unsigned_abs();
    let num = u128::try_from(price)
        .ok()?
        .checked_mul(u128::from(lot_size_base_atoms))?
        .checked_mul(10u128.checked_pow(num_exp)?)?;
    let den = 10u128.checked_pow(den_exp)?;
    let scaled_order = u128::from(order_quote_atoms_per_lot).checked_mul(den)?;
    let deviation = scaled_order.abs_diff(num);
    Some(deviation.checked_mul(10_000)? <= num.checked_mul(u128::from(max_deviation_bps))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_arithmetic() {
        // 0.12 quote/kWh (price 12, exponent -2), quote 6 decimals, base 3 decimals,
        // lot = 1 kWh = 1000 atoms: reference = 120_000 quote atoms per lot.
        let check = |order| within_band(order, 12, -2, 1_000, 3, 6, 500);
        assert_eq!(check(120_000), Some(true));
        assert_eq!(check(126_000), Some(true));
        assert_eq!(check(126_001), Some(false));
        assert_eq!(check(114_000), Some(true));
        assert_eq!(check(113_999), Some(false));
        assert_eq!(within_band(1, 0, -2, 1_000, 3, 6, 500), None);
        assert_eq!(within_band(1, i64::MAX, 30, u64::MAX, 3, 255, 500), None);
    }

    #[test]
    fn layout_matches_the_receiver_program() {
        let update = PriceUpdateV2 {
            write_authority: Pubkey::new_from_array([7; 32]),
            verification_level: VerificationLevel::Full,
            price_message: PriceFeedMessage {
                feed_id: [9; 32],
                price: -2,
                conf: 3,
                exponent: -8,
                publish_time: 4,
                prev_publish_time: 5,
                ema_price: 6,
                ema_conf: 7,
            },
            posted_slot: 8,
        };
        let data = update.to_account_data();
        // discriminator, authority, level tag (Full = 1), message, posted slot.
        assert_eq!(data.len(), 8 + 32 + 1 + 32 + 8 + 8 + 4 + 8 + 8 + 8 + 8 + 8);
        assert_eq!(data[40], 1);
        assert_eq!(&data[41..73], &[9; 32]);
        assert_eq!(i64::from_le_bytes(data[73..81].try_into().unwrap()), -2);
        assert_eq!(i32::from_le_bytes(data[89..93].try_into().unwrap()), -8);
        assert_eq!(u64::from_le_bytes(data[data.len() - 8..].try_into().unwrap()), 8);
    }
}
