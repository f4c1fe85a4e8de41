//! The connected trader's state on one market, kept from the indexer's `trader:<wallet>`
//! channel: a snapshot replaces everything, a delta upserts what changed. Seats arrive as
//! rows in a snapshot and as `{released, seat}` in deltas; orders as `order_history` rows.
use std::collections::BTreeMap;

use serde::Deserialize;

use crate::indexer::{Fill, OrderRow, Seat};
use crate::units::{kwh, MarketUnits};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraderState {
    /// The seat on this market, if any.
    pub seat: Option<Seat>,
    /// Every order of the trader's on this market, newest state per order id.
    orders: BTreeMap<u64, OrderRow>,
    /// Newest first.
    pub fills: Vec<Fill>,
    /// Whether a snapshot arrived yet (before it, "no seat" is not known).
    pub loaded: bool,
    /// The channel's sequence number this state is exact at.
    seq: Option<i64>,
}

/// What a frame did to the state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    Applied,
    /// Already held (a delta at or below the snapshot's number).
    Stale,
    /// A delta is missing: resubscribe for a fresh snapshot.
    Gap,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum SeatChange {
    Delta { released: bool, seat: Seat },
    Row(Seat),
}

#[derive(Deserialize, Default)]
struct Changes {
    #[serde(default)]
    seats: Vec<SeatChange>,
    #[serde(default)]
    orders: Vec<OrderRow>,
    #[serde(default)]
    fills: Vec<Fill>,
}

/// Fills kept for the history list.
const FILLS_KEPT: usize = 100;

impl TraderState {
    /// Applies one frame of the `trader:<wallet>` channel, checking its sequence number.
    pub fn apply_frame(&mut self, market: &str, frame: &crate::indexer::Frame) -> Result<Applied, serde_json::Error> {
        let (snapshot, seq, data) = match crate::indexer::frame_to_apply(self.seq, frame) {
            Ok(apply) => apply,
            Err(not) => return Ok(not),
        };
        self.apply(market, snapshot, data)?;
        self.seq = Some(seq);
        Ok(Applied::Applied)
    }

    /// Applies a frame's `data`; `snapshot` replaces, otherwise it is a delta.
    pub fn apply(&mut self, market: &str, snapshot: bool, data: &serde_json::Value) -> Result<(), serde_json::Error> {
        let changes = Changes::deserialize(data)?;
        if snapshot {
            *self = TraderState { loaded: true, seq: self.seq, ..TraderState::default() };
        }
        for change in changes.seats {
            let (released, seat) = match change {
                SeatChange::Delta { released, seat } => (released, seat),
                SeatChange::Row(seat) => (false, seat),
            };
            if seat.market == market {
                self.seat = if released { None } else { Some(seat) };
            }
        }
        for order in changes.orders.into_iter().filter(|o| o.market == market) {
            match self.orders.get(&order.order_id) {
                // Deltas may repeat an older state (a replay after a resubscribe): newest wins.
                Some(known) if known.last_slot > order.last_slot => {}
                _ => {
                    self.orders.insert(order.order_id, order);
                }
            }
        }
        // A snapshot lists newest first; a delta's fills, oldest first, are newer than all
        // we hold.
        if snapshot {
            self.fills = changes.fills;
        } else {
            for f in changes.fills {
                self.fills.insert(0, f);
            }
        }
        self.fills.truncate(FILLS_KEPT);
        self.loaded = true;
        Ok(())
    }

    /// Orders still resting, best first per side (bids high to low, then asks low to high).
    pub fn open_orders(&self) -> Vec<&OrderRow> {
        let mut open: Vec<&OrderRow> = self.orders.values().filter(|o| o.is_open()).collect();
        open.sort_by_key(|o| match o.side.as_deref() {
            Some("bid") => (0, u64::MAX - o.price_ticks, o.order_id),
            _ => (1, o.price_ticks, o.order_id),
        });
        open
    }

    /// Orders no longer resting, newest first.
    pub fn closed_orders(&self) -> Vec<&OrderRow> {
        let mut closed: Vec<&OrderRow> = self.orders.values().filter(|o| !o.is_open()).collect();
        closed.sort_by_key(|o| std::cmp::Reverse((o.last_slot, o.order_id)));
        closed
    }
}

/// Whether `me` bought or sold in a fill: the taker did what its side says, the maker the
/// opposite.
pub fn my_side_of(fill: &Fill, me: &str) -> &'static str {
    let taker_bought = fill.taker_side == "bid";
    if (fill.taker == me) == taker_bought {
        "bought"
    } else {
        "sold"
    }
}

/// The seat in one line: its number and both balances, free and locked in orders.
pub fn seat_summary(units: &MarketUnits, seat: &Seat) -> String {
    let energy = |atoms: u64| kwh(atoms.into(), units.base_decimals);
    let quote = |atoms: u64| units.quote_amount(atoms.into());
    format!(
        "Seat #{} · energy {} free, {} in orders · {} free, {} in orders",
        seat.seat,
        energy(seat.base_free),
        energy(seat.base_locked),
        quote(seat.quote_free),
        quote(seat.quote_locked)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_seat_names_the_unit_of_every_amount() {
        let market: crate::indexer::Market = serde_json::from_value(json!({
            "pubkey": "M", "base_mint": "B", "quote_mint": "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
            "tick_size_quote_atoms": "1000", "lot_size_base_atoms": "1000", "taker_fee_bps": 25,
            "base_decimals": 3, "quote_decimals": 6, "paused": false}))
        .unwrap();
        let seat: Seat = serde_json::from_value(seat("M", 239_400)).unwrap();
        assert_eq!(
            seat_summary(&market.units(), &seat),
            "Seat #4 · energy 0 kWh free, 0 kWh in orders · 0.2394 USDC free, 0 USDC in orders"
        );
    }

    fn seat(market: &str, quote_free: u64) -> serde_json::Value {
        json!({"market": market, "seat": 4, "trader": "T", "base_free": "0", "base_locked": "0",
               "quote_free": quote_free.to_string(), "quote_locked": "0"})
    }

    fn order(id: u64, side: &str, price: u64, status: &str, slot: i64) -> serde_json::Value {
        json!({"market": "M", "order_id": id.to_string(), "trader": "T", "side": side, "client_order_id": "1",
               "price_ticks": price.to_string(), "placed_lots": "5", "filled_lots": "1", "canceled_lots": null,
               "cancel_reason": null, "placed_slot": 1, "last_slot": slot, "status": status})
    }

    #[test]
    fn a_snapshot_then_deltas_keep_the_seat_and_orders_of_this_market() {
        let mut t = TraderState::default();
        assert!(!t.loaded);
        let snapshot = json!({"seats": [seat("OTHER", 1), seat("M", 500)],
                              "orders": [order(1, "bid", 100, "open", 5), order(2, "ask", 130, "open", 5)],
                              "fills": [], "movements": []});
        t.apply("M", true, &snapshot).unwrap();
        assert!(t.loaded);
        assert_eq!(t.seat.as_ref().map(|s| s.quote_free), Some(500));
        assert_eq!(t.open_orders().iter().map(|o| o.order_id).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(t.open_orders()[0].remaining_lots(), 4);

        // Order 1 is cancelled; a late replay of its open state does not resurrect it.
        t.apply("M", false, &json!({"orders": [order(1, "bid", 100, "cancelled", 9)]})).unwrap();
        t.apply("M", false, &json!({"orders": [order(1, "bid", 100, "open", 5)]})).unwrap();
        assert_eq!(t.open_orders().iter().map(|o| o.order_id).collect::<Vec<_>>(), [2]);
        assert_eq!(t.closed_orders()[0].status.as_deref(), Some("cancelled"));

        // The seat's balances move, then it is released.
        t.apply("M", false, &json!({"seats": [{"market": "M", "released": false, "seat": seat("M", 700)}]})).unwrap();
        assert_eq!(t.seat.as_ref().map(|s| s.quote_free), Some(700));
        t.apply("M", false, &json!({"seats": [{"market": "M", "released": true, "seat": seat("M", 0)}]})).unwrap();
        assert_eq!(t.seat, None);
    }

    #[test]
    fn open_orders_list_bids_best_first_then_asks_best_first() {
        let mut t = TraderState::default();
        let snapshot = json!({"orders": [order(1, "bid", 100, "open", 1), order(2, "bid", 120, "partially_filled", 1),
                                         order(3, "ask", 150, "open", 1), order(4, "ask", 140, "open", 1),
                                         order(5, "ask", 10, "filled", 1)]});
        t.apply("M", true, &snapshot).unwrap();
        assert_eq!(t.open_orders().iter().map(|o| o.order_id).collect::<Vec<_>>(), [2, 1, 4, 3]);
    }

    #[test]
    fn fills_are_newest_first_and_bounded() {
        let fill = |sig: &str| json!({"signature": sig, "slot": 1, "taker_side": "bid", "price_ticks": "1", "lots": "1",
                                      "maker": "A", "taker": "B"});
        let mut t = TraderState::default();
        t.apply("M", true, &json!({"fills": [fill("s2"), fill("s1")]})).unwrap();
        t.apply("M", false, &json!({"fills": [fill("s3"), fill("s4")]})).unwrap();
        assert_eq!(t.fills.iter().map(|f| f.signature.as_str()).collect::<Vec<_>>(), ["s4", "s3", "s2", "s1"]);
        let many: Vec<_> = (0..150).map(|i| fill(&format!("x{i}"))).collect();
        t.apply("M", false, &json!({ "fills": many })).unwrap();
        assert_eq!(t.fills.len(), FILLS_KEPT);
    }

    #[test]
    fn deltas_apply_in_sequence_and_a_gap_asks_for_a_snapshot() {
        use crate::indexer::Frame;
        let frame = |snapshot: bool, seq: i64, quote: u64| {
            let data = json!({"seats": [{"market": "M", "released": false, "seat": seat("M", quote)}]});
            if snapshot {
                Frame::Snapshot { channel: "trader:T".into(), seq, data: json!({"seats": [seat("M", quote)]}) }
            } else {
                Frame::Delta { channel: "trader:T".into(), seq, prev: None, at_ms: None, data }
            }
        };
        let mut t = TraderState::default();
        assert_eq!(t.apply_frame("M", &frame(false, 1, 1)).unwrap(), Applied::Gap, "a delta before any snapshot");
        assert_eq!(t.apply_frame("M", &frame(true, 10, 100)).unwrap(), Applied::Applied);
        assert_eq!(t.apply_frame("M", &frame(false, 10, 5)).unwrap(), Applied::Stale);
        assert_eq!(t.apply_frame("M", &frame(false, 11, 110)).unwrap(), Applied::Applied);
        assert_eq!(t.seat.as_ref().unwrap().quote_free, 110);
        assert_eq!(t.apply_frame("M", &frame(false, 13, 130)).unwrap(), Applied::Gap);
        assert_eq!(t.seat.as_ref().unwrap().quote_free, 110, "nothing applied past a gap");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let mut t = TraderState::default();
        assert!(t.apply("M", false, &json!({"seats": "nope"})).is_err());
        assert!(t.apply("M", false, &json!({"orders": [{"market": "M"}]})).is_err());
    }

    #[test]
    fn a_fill_reads_from_my_side() {
        let fill: Fill = serde_json::from_value(json!({"signature": "S", "slot": 1, "taker_side": "ask", "price_ticks": "120",
            "lots": "2", "maker": "ALICE", "taker": "BOB"})).unwrap();
        assert_eq!(my_side_of(&fill, "BOB"), "sold", "the taker sold into a bid");
        assert_eq!(my_side_of(&fill, "ALICE"), "bought", "the maker's bid was taken");
    }
}
