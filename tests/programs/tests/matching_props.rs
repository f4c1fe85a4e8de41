//! Property tests of the matching engine (no runtime): random order flows never create or
//! destroy tokens, never leave the book crossed, and failed placements change nothing.
use market::engine::{
    self, BaseAtoms, BaseLots, Book, EngineEvent, MarketParams, OrderPacket, OrderType, QuoteAtoms,
    SelfTradeBehavior, Side, Ticks,
};
use proptest::prelude::*;

const TRADERS: usize = 4;
const PARAMS: MarketParams =
    MarketParams { tick_size_quote_atoms: 10, lot_size_base_atoms: 100, taker_fee_bps: 30 };

#[derive(Clone, Debug)]
enum Op {
    Place { trader: usize, packet: OrderPacket },
    Cancel { trader: usize, pick: usize },
    CancelAll { trader: usize },
    Withdraw { trader: usize, base: u64, quote: u64 },
    Deposit { trader: usize, base: u64, quote: u64 },
    Tick { secs: i64 },
}

fn packet() -> impl Strategy<Value = OrderPacket> {
    (
        prop_oneof![Just(Side::Bid), Just(Side::Ask)],
        prop_oneof![
            4 => Just(OrderType::Limit),
            1 => Just(OrderType::PostOnly),
            1 => Just(OrderType::ImmediateOrCancel),
            1 => Just(OrderType::FillOrKill),
        ],
        90u64..110,
        1u64..20,
        prop_oneof![
            Just(SelfTradeBehavior::CancelResting),
            Just(SelfTradeBehavior::DecrementTake),
            Just(SelfTradeBehavior::Abort),
        ],
        prop_oneof![3 => Just(0i64), 1 => 1i64..200],
        0u16..6,
    )
        .prop_map(|(side, order_type, price, lots, self_trade, expiry_in, match_limit)| OrderPacket {
            side,
            order_type,
            price: Ticks(price),
            lots: BaseLots(lots),
            client_order_id: price * 1_000 + lots,
            // Relative here; made absolute against the simulated clock when applied.
            expiry_ts: expiry_in,
            self_trade,
            match_limit,
        })
}

fn op() -> impl Strategy<Value = Op> {
    let trader = 0..TRADERS;
    prop_oneof![
        10 => (trader.clone(), packet()).prop_map(|(trader, packet)| Op::Place { trader, packet }),
        2 => (trader.clone(), 0usize..8).prop_map(|(trader, pick)| Op::Cancel { trader, pick }),
        1 => trader.clone().prop_map(|trader| Op::CancelAll { trader }),
        1 => (trader.clone(), 0u64..5_000, 0u64..50_000).prop_map(|(trader, base, quote)| Op::Withdraw { trader, base, quote }),
        1 => (trader, 0u64..5_000, 0u64..50_000).prop_map(|(trader, base, quote)| Op::Deposit { trader, base, quote }),
        1 => (1i64..120).prop_map(|secs| Op::Tick { secs }),
    ]
}

struct Ledger {
    base_in: u128,
    quote_in: u128,
}

fn check_invariants(book: &Book, ledger: &Ledger) {
    // Conservation: what the book holds equals what was deposited minus withdrawn.
    let (mut base, mut quote) = (0u128, u128::from(book.fees_accrued_quote_atoms));
    for seat in book.seats.iter() {
        base += u128::from(seat.base_free) + u128::from(seat.base_locked);
        quote += u128::from(seat.quote_free) + u128::from(seat.quote_locked);
    }
    assert_eq!((base, quote), (ledger.base_in, ledger.quote_in), "tokens created or destroyed");

    // Locked collateral is exactly what open orders need.
    let mut locked = [(0u128, 0u128); TRADERS];
    for o in &book.bids.orders[..book.bids.len as usize] {
        locked[o.seat as usize].1 +=
            u128::from(o.price_ticks) * u128::from(PARAMS.tick_size_quote_atoms) * u128::from(o.lots);
    }
    for o in &book.asks.orders[..book.asks.len as usize] {
        locked[o.seat as usize].0 += u128::from(o.lots) * u128::from(PARAMS.lot_size_base_atoms);
    }
    for (i, (base_locked, quote_locked)) in locked.iter().enumerate() {
        let seat = &book.seats[i];
        assert_eq!(
            (u128::from(seat.base_locked), u128::from(seat.quote_locked)),
            (*base_locked, *quote_locked)
        );
    }

    // Sorted with the best order last, and never crossed.
    let bids = &book.bids.orders[..book.bids.len as usize];
    let asks = &book.asks.orders[..book.asks.len as usize];
    assert!(bids.windows(2).all(|w| (w[0].price_ticks, std::cmp::Reverse(w[0].order_id))
        <= (w[1].price_ticks, std::cmp::Reverse(w[1].order_id))));
    assert!(asks.windows(2).all(|w| (std::cmp::Reverse(w[0].price_ticks), std::cmp::Reverse(w[0].order_id))
        <= (std::cmp::Reverse(w[1].price_ticks), std::cmp::Reverse(w[1].order_id))));
    assert!(bids.iter().chain(asks).all(|o| o.lots > 0));
    if let (Some(b), Some(a)) = (bids.last(), asks.last()) {
        assert!(
            b.price_ticks < a.price_ticks,
            "book crossed: bid {} >= ask {}",
            b.price_ticks,
            a.price_ticks
        );
    }
}

fn seat_claim(t: usize) -> market::engine::SeatClaim {
    market::engine::SeatClaim { trader: [t as u8 + 1; 32], ..Default::default() }
}

fn run(ops: Vec<Op>) {
    let mut book: Box<Book> = bytemuck::zeroed_box();
    book.next_order_id = 1;
    let mut ledger = Ledger { base_in: 0, quote_in: 0 };
    let mut now = 1_000i64;
    for t in 0..TRADERS {
        let seat = book.claim_seat(seat_claim(t)).expect("seat").seat();
        assert_eq!(seat as usize, t);
        book.deposit(seat, BaseAtoms(10_000), QuoteAtoms(100_000)).expect("deposit");
        ledger.base_in += 10_000;
        ledger.quote_in += 100_000;
    }
    for op in ops {
        let before: Box<Book> = book.clone();
        let mut events = Vec::new();
        let ok = match op {
            Op::Place { trader, mut packet } => {
                if packet.expiry_ts != 0 {
                    packet.expiry_ts += now;
                }
                let res = engine::place_order(&mut book, &PARAMS, trader as u32, &packet, now, &mut |e| {
                    events.push(e)
                });
                if let Ok(outcome) = &res {
                    let fees: u64 = events
                        .iter()
                        .map(|e| {
                            if let EngineEvent::Fill { taker_fee_quote_atoms, .. } = e {
                                taker_fee_quote_atoms.0
                            } else {
                                0
                            }
                        })
                        .sum();
                    assert_eq!(fees, outcome.taker_fee_quote_atoms.0, "per-fill fees sum to the order's fee");
                }
                res.is_ok()
            }
            Op::Cancel { trader, pick } => {
                let mine: Vec<(Side, u64)> = book.bids.orders[..book.bids.len as usize]
                    .iter()
                    .map(|o| (Side::Bid, o))
                    .chain(book.asks.orders[..book.asks.len as usize].iter().map(|o| (Side::Ask, o)))
                    .filter(|(_, o)| o.seat as usize == trader)
                    .map(|(s, o)| (s, o.order_id))
                    .collect();
                match mine.get(pick) {
                    Some(&(side, id)) => {
                        engine::cancel_order(&mut book, &PARAMS, trader as u32, side, id, &mut |e| {
                            events.push(e)
                        })
                        .expect("own order cancels");
                        true
                    }
                    None => engine::cancel_order(
                        &mut book,
                        &PARAMS,
                        trader as u32,
                        Side::Bid,
                        u64::MAX,
                        &mut |e| events.push(e),
                    )
                    .is_ok(),
                }
            }
            Op::CancelAll { trader } => {
                engine::cancel_all(&mut book, &PARAMS, trader as u32, &mut |e| events.push(e)).is_ok()
            }
            Op::Withdraw { trader, base, quote } => {
                let ok = book.withdraw(trader as u32, BaseAtoms(base), QuoteAtoms(quote)).is_ok();
                if ok {
                    ledger.base_in -= u128::from(base);
                    ledger.quote_in -= u128::from(quote);
                }
                ok
            }
            Op::Deposit { trader, base, quote } => {
                book.deposit(trader as u32, BaseAtoms(base), QuoteAtoms(quote)).expect("deposit");
                ledger.base_in += u128::from(base);
                ledger.quote_in += u128::from(quote);
                true
            }
            Op::Tick { secs } => {
                now += secs;
                true
            }
        };
        if !ok {
            assert!(
                bytemuck::bytes_of(before.as_ref()) == bytemuck::bytes_of(book.as_ref()),
                "a failed operation must leave the book untouched"
            );
            assert!(events.is_empty(), "a failed operation emits nothing");
        }
        check_invariants(&book, &ledger);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_flows_conserve_tokens_and_never_cross(ops in prop::collection::vec(op(), 1..120)) {
        run(ops);
    }
}

/// Guards the generator itself: the random flows must actually trade, cancel and fail in
/// all the interesting ways, or the property above proves little.
#[test]
fn generated_flows_exercise_the_engine() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(Config::default().rng_algorithm),
    );
    let (mut fills, mut rests, mut cancels, mut errors) = (0, 0, 0, std::collections::HashSet::new());
    for _ in 0..64 {
        let ops = prop::collection::vec(op(), 60..120).new_tree(&mut runner).unwrap().current();
        let mut book: Box<Book> = bytemuck::zeroed_box();
        book.next_order_id = 1;
        for t in 0..TRADERS {
            book.claim_seat(seat_claim(t)).unwrap();
            book.deposit(t as u32, BaseAtoms(10_000), QuoteAtoms(100_000)).unwrap();
        }
        for op in ops {
            if let Op::Place { trader, mut packet } = op {
                packet.expiry_ts = if packet.expiry_ts == 0 { 0 } else { 1_000 + packet.expiry_ts };
                let mut events = Vec::new();
                match engine::place_order(&mut book, &PARAMS, trader as u32, &packet, 1_000, &mut |e| {
                    events.push(e)
                }) {
                    Ok(_) => {
                        for e in events {
                            match e {
                                EngineEvent::Fill { .. } => fills += 1,
                                EngineEvent::Placed { .. } => rests += 1,
                                EngineEvent::Canceled { .. } => cancels += 1,
                            }
                        }
                    }
                    Err(e) => {
                        errors.insert(format!("{e:?}"));
                    }
                }
            }
        }
    }
    assert!(fills > 500 && rests > 500 && cancels > 50, "fills {fills}, rests {rests}, cancels {cancels}");
    for expected in ["SelfTrade", "FillOrKillNotFilled", "PostOnlyWouldCross", "InsufficientFunds"] {
        assert!(errors.contains(expected), "generator never produced {expected}: {errors:?}");
    }
}
