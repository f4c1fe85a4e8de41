//! The indexer's REST and WebSocket shapes (docs/indexer.md), as far as the app reads them.
//! u64 amounts arrive as decimal strings so that no JavaScript number ever rounds them.
use serde::{Deserialize, Deserializer};

use crate::units::MarketUnits;

pub(crate) fn u64_str<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        S(String),
        N(u64),
    }
    match N::deserialize(d)? {
        N::S(s) => s.parse().map_err(serde::de::Error::custom),
        N::N(n) => Ok(n),
    }
}

#[derive(Deserialize, Clone, Debug, PartialEq)]
pub struct Market {
    pub pubkey: String,
    pub base_mint: String,
    pub quote_mint: String,
    /// The Pyth account of the market's price band, when it has one.
    #[serde(default)]
    pub price_feed: Option<String>,
    #[serde(deserialize_with = "u64_str")]
    pub tick_size_quote_atoms: u64,
    #[serde(deserialize_with = "u64_str")]
    pub lot_size_base_atoms: u64,
    pub taker_fee_bps: i32,
    pub base_decimals: i16,
    pub quote_decimals: i16,
    pub paused: bool,
}

impl Market {
    pub fn units(&self) -> MarketUnits {
        MarketUnits {
            tick_size_quote_atoms: self.tick_size_quote_atoms,
            lot_size_base_atoms: self.lot_size_base_atoms,
            base_decimals: self.base_decimals.max(0) as u32,
            quote_decimals: self.quote_decimals.max(0) as u32,
            quote: crate::units::TokenName::of_mint(&self.quote_mint),
        }
    }
}

#[derive(Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Level {
    /// `bid` or `ask`.
    pub side: String,
    #[serde(deserialize_with = "u64_str")]
    pub price_ticks: u64,
    /// 0 in a delta: the level is gone.
    #[serde(deserialize_with = "u64_str")]
    pub lots: u64,
    pub orders: i64,
}

#[derive(Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Fill {
    pub signature: String,
    pub slot: i64,
    pub taker_side: String,
    #[serde(deserialize_with = "u64_str")]
    pub price_ticks: u64,
    #[serde(deserialize_with = "u64_str")]
    pub lots: u64,
    pub maker: String,
    pub taker: String,
}

/// A trader's seat on a market with its balances (the `trader:<wallet>` channel and
/// `/traders/{t}/balances`).
#[derive(Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Seat {
    pub market: String,
    pub seat: i32,
    pub trader: String,
    #[serde(deserialize_with = "u64_str")]
    pub base_free: u64,
    #[serde(deserialize_with = "u64_str")]
    pub quote_free: u64,
    #[serde(default, deserialize_with = "u64_str")]
    pub base_locked: u64,
    #[serde(default, deserialize_with = "u64_str")]
    pub quote_locked: u64,
}

fn opt_u64_str<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Option::<serde_json::Value>::deserialize(d).and_then(|v| match v {
        None | Some(serde_json::Value::Null) => Ok(0),
        Some(v) => u64_str(v).map_err(serde::de::Error::custom),
    })
}

/// An order of the trader's with its lifecycle (`order_history`): `status` is `open`,
/// `partially_filled`, `filled`, `cancelled` or `expired`.
#[derive(Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct OrderRow {
    pub market: String,
    #[serde(deserialize_with = "u64_str")]
    pub order_id: u64,
    #[serde(default)]
    pub side: Option<String>,
    #[serde(default, deserialize_with = "opt_u64_str")]
    pub price_ticks: u64,
    #[serde(default, deserialize_with = "opt_u64_str")]
    pub placed_lots: u64,
    #[serde(default, deserialize_with = "opt_u64_str")]
    pub filled_lots: u64,
    #[serde(default, deserialize_with = "opt_u64_str")]
    pub canceled_lots: u64,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub cancel_reason: Option<String>,
    pub last_slot: i64,
}

impl OrderRow {
    pub fn is_open(&self) -> bool {
        matches!(self.status.as_deref(), Some("open" | "partially_filled"))
    }

    /// Lots still resting.
    pub fn remaining_lots(&self) -> u64 {
        self.placed_lots.saturating_sub(self.filled_lots).saturating_sub(self.canceled_lots)
    }
}

/// One frame from `/api/v1/ws`, and what the app sends: the indexer's own protocol types.
pub use wire::{Frame, Request};

/// Where delta `seq`, whose channel last changed in batch `prev`, stands against a state
/// held as of `held`: the indexer's rule ([`wire::follows`]), as what it does to the state.
pub fn follows(held: Option<i64>, seq: i64, prev: Option<i64>) -> crate::trader::Applied {
    use crate::trader::Applied;
    match wire::follows(held, seq, prev) {
        wire::Sequence::Apply => Applied::Applied,
        wire::Sequence::Stale => Applied::Stale,
        wire::Sequence::Gap => Applied::Gap,
    }
}

/// Where a frame stands against the state held: a snapshot always applies; a delta as
/// [`follows`] says.
pub fn sequence(held: Option<i64>, frame: &Frame) -> crate::trader::Applied {
    match frame {
        Frame::Snapshot { .. } => crate::trader::Applied::Applied,
        Frame::Delta { seq, prev, .. } => follows(held, *seq, *prev),
        _ => crate::trader::Applied::Stale,
    }
}

/// The frame to apply as (snapshot?, its number, its data), or why not (`Stale`, `Gap`):
/// the sequence check every channel's state runs first.
pub fn frame_to_apply(last: Option<i64>, frame: &Frame) -> Result<(bool, i64, &serde_json::Value), crate::trader::Applied> {
    use crate::trader::Applied;
    match (sequence(last, frame), frame) {
        (Applied::Applied, Frame::Snapshot { seq, data, .. }) => Ok((true, *seq, data)),
        (Applied::Applied, Frame::Delta { seq, data, .. }) => Ok((false, *seq, data)),
        (Applied::Applied, _) => Err(Applied::Stale),
        (other, _) => Err(other),
    }
}

/// A row the indexer sends as an object (or null) in a snapshot and as a list in a delta:
/// the newest, if any.
pub fn one_row(value: Option<serde_json::Value>) -> Option<serde_json::Value> {
    match value {
        Some(serde_json::Value::Array(mut list)) => list.pop(),
        other => other,
    }
    .filter(|v| !v.is_null())
}

pub fn subscribe(channel: &str) -> String {
    Request::Subscribe { channel: channel.to_string() }.to_json()
}

pub fn unsubscribe(channel: &str) -> String {
    Request::Unsubscribe { channel: channel.to_string() }.to_json()
}

#[cfg(test)]
mod tests {
    use super::follows;
    use crate::trader::Applied;

    #[test]
    fn a_delta_applies_when_it_continues_the_state_held() {
        assert_eq!(follows(None, 5, Some(1)), Applied::Gap, "nothing held yet");
        assert_eq!(follows(Some(10), 10, Some(9)), Applied::Stale);
        assert_eq!(follows(Some(10), 14, Some(10)), Applied::Applied);
        assert_eq!(follows(Some(10), 14, Some(3)), Applied::Applied, "batches 11..=13 did not touch the channel");
        assert_eq!(follows(Some(10), 14, Some(12)), Applied::Gap, "the delta of batch 12 was lost");
        // An indexer that numbers each channel one apart sends no `prev`.
        assert_eq!(follows(Some(10), 11, None), Applied::Applied);
        assert_eq!(follows(Some(10), 12, None), Applied::Gap);
    }
}
