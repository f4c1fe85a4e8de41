//! The live book of one market from the `book:<market>` channel: a snapshot, then deltas
//! that each name the batch they follow. A delta that does not follow what the book holds
//! means frames were lost
//! (a reconnect, a dropped Redis message), so the book is stale and must be resubscribed;
//! applying it anyway would show levels that no longer exist.
use std::collections::BTreeMap;

use serde::Deserialize;

use crate::indexer::Level;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Book {
    /// Price in ticks → (lots, orders).
    bids: BTreeMap<u64, (u64, i64)>,
    asks: BTreeMap<u64, (u64, i64)>,
    /// None until a snapshot arrived.
    pub seq: Option<i64>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    Ok,
    /// Older than what the book holds (a duplicate): ignored.
    Stale,
    /// A delta was lost (this one follows batch `prev`, the book holds `held`): resubscribe
    /// for a fresh snapshot.
    Gap { held: Option<i64>, prev: i64 },
}

#[derive(Deserialize)]
struct SnapshotData {
    bids: Vec<Level>,
    asks: Vec<Level>,
}

#[derive(Deserialize)]
struct DeltaData {
    #[serde(default)]
    levels: Vec<Level>,
}

impl Book {
    pub fn from_snapshot(seq: i64, data: &serde_json::Value) -> Result<Book, serde_json::Error> {
        let d = SnapshotData::deserialize(data)?;
        let mut book = Book { seq: Some(seq), ..Book::default() };
        for l in d.bids.into_iter().chain(d.asks) {
            book.set(&l);
        }
        Ok(book)
    }

    fn set(&mut self, l: &Level) {
        let side = if l.side == "bid" { &mut self.bids } else { &mut self.asks };
        if l.lots == 0 {
            side.remove(&l.price_ticks);
        } else {
            side.insert(l.price_ticks, (l.lots, l.orders));
        }
    }

    /// Applies delta `seq` whose channel last changed in batch `prev` (see
    /// [`crate::indexer::follows`]).
    pub fn apply_delta(&mut self, seq: i64, prev: Option<i64>, data: &serde_json::Value) -> Result<Applied, serde_json::Error> {
        match crate::indexer::follows(self.seq, seq, prev) {
            crate::trader::Applied::Stale => return Ok(Applied::Stale),
            crate::trader::Applied::Gap => return Ok(Applied::Gap { held: self.seq, prev: prev.unwrap_or(seq - 1) }),
            crate::trader::Applied::Applied => {}
        }
        for l in DeltaData::deserialize(data)?.levels {
            self.set(&l);
        }
        self.seq = Some(seq);
        Ok(Applied::Ok)
    }

    /// Best first: (price ticks, lots, orders).
    pub fn bids(&self) -> Vec<(u64, u64, i64)> {
        self.bids.iter().rev().map(|(p, (l, o))| (*p, *l, *o)).collect()
    }

    pub fn asks(&self) -> Vec<(u64, u64, i64)> {
        self.asks.iter().map(|(p, (l, o))| (*p, *l, *o)).collect()
    }

    /// Best ask minus best bid, in ticks, when both sides have orders.
    pub fn spread_ticks(&self) -> Option<u64> {
        let bid = self.bids.keys().next_back()?;
        let ask = self.asks.keys().next()?;
        ask.checked_sub(*bid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn level(side: &str, price: u64, lots: u64) -> serde_json::Value {
        json!({"side": side, "price_ticks": price.to_string(), "lots": lots.to_string(), "orders": 1})
    }

    fn demo() -> Book {
        let snap = json!({"bids": [level("bid", 100, 5), level("bid", 99, 2)], "asks": [level("ask", 105, 3)]});
        Book::from_snapshot(7, &snap).unwrap()
    }

    #[test]
    fn snapshot_orders_both_sides_best_first() {
        let b = demo();
        assert_eq!(b.bids(), vec![(100, 5, 1), (99, 2, 1)]);
        assert_eq!(b.asks(), vec![(105, 3, 1)]);
        assert_eq!(b.spread_ticks(), Some(5));
    }

    #[test]
    fn deltas_change_and_remove_levels_in_sequence() {
        let mut b = demo();
        let d = json!({"levels": [level("bid", 100, 0), level("ask", 104, 1)]});
        assert_eq!(b.apply_delta(8, None, &d).unwrap(), Applied::Ok);
        assert_eq!(b.bids(), vec![(99, 2, 1)]);
        assert_eq!(b.asks(), vec![(104, 1, 1), (105, 3, 1)]);
        assert_eq!(b.seq, Some(8));
    }

    #[test]
    fn a_duplicate_is_ignored_and_a_gap_is_reported_without_applying() {
        let mut b = demo();
        let d = json!({"levels": [level("bid", 100, 0)]});
        assert_eq!(b.apply_delta(7, Some(3), &d).unwrap(), Applied::Stale);
        assert_eq!(b.apply_delta(9, None, &d).unwrap(), Applied::Gap { held: Some(7), prev: 8 });
        assert_eq!(b.apply_delta(12, Some(8), &d).unwrap(), Applied::Gap { held: Some(7), prev: 8 });
        assert_eq!(b, demo(), "neither changed the book");
        assert!(matches!(Book::default().apply_delta(1, Some(0), &d).unwrap(), Applied::Gap { .. }));
    }

    #[test]
    fn numbers_skipped_by_other_channels_batches_are_no_gap() {
        // The book as of batch 7; batches 8..=11 changed other channels only.
        let mut b = demo();
        let d = json!({"levels": [level("bid", 100, 0)]});
        assert_eq!(b.apply_delta(12, Some(5), &d).unwrap(), Applied::Ok);
        assert_eq!(b.seq, Some(12));
        assert_eq!(b.apply_delta(15, Some(12), &json!({})).unwrap(), Applied::Ok);
        assert_eq!(b.bids(), vec![(99, 2, 1)]);
    }

    #[test]
    fn a_delta_with_other_fields_only_moves_the_sequence() {
        let mut b = demo();
        assert_eq!(b.apply_delta(8, Some(7), &json!({})).unwrap(), Applied::Ok);
        assert_eq!(b.bids().len(), 2);
    }
}
