//! Random operation sequences over the matching engine alone, shared by the property test
//! (`tests/matching_props.rs`) and the model-based test (`tests/book_model.rs`): one
//! generator, tuned per test by a [`Mix`].
use std::ops::Range;

use market::engine::{BaseLots, OrderPacket, OrderType, SelfTradeBehavior, Side, Ticks};
use proptest::prelude::*;

#[derive(Clone, Debug)]
pub enum Op {
    Place {
        trader: usize,
        packet: OrderPacket,
    },
    /// Cancels the trader's `pick`-th open order (modulo how many it has).
    Cancel {
        trader: usize,
        pick: usize,
    },
    CancelAll {
        trader: usize,
    },
    Withdraw {
        trader: usize,
        base: u64,
        quote: u64,
    },
    Deposit {
        trader: usize,
        base: u64,
        quote: u64,
    },
    /// The clock moves on (orders expire).
    Tick {
        secs: i64,
    },
}

/// How a test wants its operations drawn.
#[derive(Clone, Debug)]
pub struct Mix {
    pub traders: usize,
    pub prices: Range<u64>,
    pub lots: Range<u64>,
    /// Weight of limit orders against one each of post-only, IOC and FOK.
    pub limit_weight: u32,
    /// `match_limit` values: (weight, range) pairs.
    pub match_limits: [(u32, Range<u16>); 2],
    /// Weights of placing and of cancelling one order, against one for every other kind.
    pub place_weight: u32,
    pub cancel_weight: u32,
    /// Cancels pick among this many of the trader's open orders.
    pub picks: usize,
}

pub fn packet(mix: &Mix) -> impl Strategy<Value = OrderPacket> {
    let [(w1, l1), (w2, l2)] = mix.match_limits.clone();
    (
        prop_oneof![Just(Side::Bid), Just(Side::Ask)],
        prop_oneof![
            mix.limit_weight => Just(OrderType::Limit),
            1 => Just(OrderType::PostOnly),
            1 => Just(OrderType::ImmediateOrCancel),
            1 => Just(OrderType::FillOrKill),
        ],
        mix.prices.clone(),
        mix.lots.clone(),
        prop_oneof![
            Just(SelfTradeBehavior::CancelResting),
            Just(SelfTradeBehavior::DecrementTake),
            Just(SelfTradeBehavior::Abort),
        ],
        prop_oneof![3 => Just(0i64), 1 => 1i64..200],
        prop_oneof![w1 => l1, w2 => l2],
    )
        .prop_map(|(side, order_type, price, lots, self_trade, expiry_in, match_limit)| OrderPacket {
            side,
            order_type,
            price: Ticks(price),
            lots: BaseLots(lots),
            client_order_id: price * 1_000 + lots,
            // Relative here; made absolute against the test's clock when applied.
            expiry_ts: expiry_in,
            self_trade,
            match_limit,
        })
}

pub fn op(mix: &Mix) -> impl Strategy<Value = Op> {
    let trader = 0..mix.traders;
    prop_oneof![
        mix.place_weight => (trader.clone(), packet(mix)).prop_map(|(trader, packet)| Op::Place { trader, packet }),
        mix.cancel_weight => (trader.clone(), 0..mix.picks).prop_map(|(trader, pick)| Op::Cancel { trader, pick }),
        1 => trader.clone().prop_map(|trader| Op::CancelAll { trader }),
        1 => (trader.clone(), 0u64..5_000, 0u64..50_000).prop_map(|(trader, base, quote)| Op::Withdraw { trader, base, quote }),
        1 => (trader, 0u64..5_000, 0u64..50_000).prop_map(|(trader, base, quote)| Op::Deposit { trader, base, quote }),
        1 => (1i64..120).prop_map(|secs| Op::Tick { secs }),
    ]
}
