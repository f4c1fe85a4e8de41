//! Property tests of the matching engine (no runtime): random order flows never create or
//! destroy tokens, never leave the book crossed, and failed placements change nothing.
use market::engine::{
    self, BaseAtoms, EngineEvent, MarketParams, OwnedBook, QuoteAtoms, Side,
};
use gridtokenx_program_tests::engine_ops::{op, Mix, Op};
use proptest::prelude::*;

const TRADERS: usize = 4;
const PARAMS: MarketParams =
    MarketParams { tick_size_quote_atoms: 10, lot_size_base_atoms: 100, taker_fee_bps: 30 };

fn mix() -> Mix {
    Mix {
        traders: TRADERS,
        prices: 90..110,
        lots: 1..20,
        limit_weight: 4,
        match_limits: [(1, 0..6), (1, 0..6)],
        place_weight: 10,
        cancel_weight: 2,
        picks: 8,
    }
}

struct Ledger {
    base_in: u128,
    quote_in: u128,
}

fn check_invariants(book: &OwnedBook, ledger: &Ledger) {
    // The trees: red-black invariants, sizes as counted, the free list as counted.
    let v = book.view();
    for (root, kind, count) in [
        (v.header.bid_root, engine::slab::KIND_BID, v.header.bid_count),
        (v.header.ask_root, engine::slab::KIND_ASK, v.header.ask_count),
        (v.header.seat_root, engine::slab::KIND_SEAT, v.header.seat_count),
    ] {
        let size = engine::tree::check(v.blocks, root, engine::compare_for(kind)).expect("red-black tree");
        assert_eq!(size, count as usize);
    }
    let free = book.blocks.iter().filter(|b| b.kind == engine::slab::KIND_FREE).count();
    assert_eq!(free, book.header.free_count as usize);
    let (bids, asks) = (book.orders(Side::Bid), book.orders(Side::Ask));
    for (seat_index, seat) in book.seats() {
        let open = bids.iter().chain(&asks).filter(|o| o.seat == seat_index).count();
        assert_eq!(open, seat.open_orders as usize, "the seat counts its orders");
    }

    // Conservation: what the book holds equals what was deposited minus withdrawn.
    let (mut base, mut quote) = (0u128, u128::from(book.header.fees_accrued_quote_atoms));
    for (_, seat) in book.seats() {
        base += u128::from(seat.base_free) + u128::from(seat.base_locked);
        quote += u128::from(seat.quote_free) + u128::from(seat.quote_locked);
    }
    assert_eq!((base, quote), (ledger.base_in, ledger.quote_in), "tokens created or destroyed");

    // Locked collateral is exactly what open orders need.
    let mut locked = [(0u128, 0u128); TRADERS];
    for o in &bids {
        locked[o.seat as usize].1 +=
            u128::from(o.price_ticks) * u128::from(PARAMS.tick_size_quote_atoms) * u128::from(o.lots);
    }
    for o in &asks {
        locked[o.seat as usize].0 += u128::from(o.lots) * u128::from(PARAMS.lot_size_base_atoms);
    }
    for (i, (base_locked, quote_locked)) in locked.iter().enumerate() {
        let seat = book.seat(i as u32).expect("seat");
        assert_eq!(
            (u128::from(seat.base_locked), u128::from(seat.quote_locked)),
            (*base_locked, *quote_locked)
        );
    }

    // Best first (price, then time), and never crossed.
    assert!(bids.windows(2).all(|w| (std::cmp::Reverse(w[0].price_ticks), w[0].order_id)
        < (std::cmp::Reverse(w[1].price_ticks), w[1].order_id)));
    assert!(asks.windows(2).all(|w| (w[0].price_ticks, w[0].order_id) < (w[1].price_ticks, w[1].order_id)));
    assert!(bids.iter().chain(&asks).all(|o| o.lots > 0));
    if let (Some(b), Some(a)) = (bids.first(), asks.first()) {
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

/// Seats 0..TRADERS in blocks 0..TRADERS, funded.
fn funded_book(ledger: &mut Ledger) -> OwnedBook {
    let mut book = OwnedBook::new();
    for t in 0..TRADERS {
        book.reserve(1);
        let seat = book.book_mut().claim_seat(seat_claim(t)).expect("seat").seat();
        assert_eq!(seat as usize, t);
        book.book_mut().deposit(seat, BaseAtoms(10_000), QuoteAtoms(100_000)).expect("deposit");
        ledger.base_in += 10_000;
        ledger.quote_in += 100_000;
    }
    book
}

fn run(ops: Vec<Op>) {
    let mut ledger = Ledger { base_in: 0, quote_in: 0 };
    let mut book = funded_book(&mut ledger);
    let mut now = 1_000i64;
    for op in ops {
        // What the instruction does before the engine runs: a free block for a remainder.
        book.reserve(1);
        let before = book.clone();
        let mut events = Vec::new();
        let ok = match op {
            Op::Place { trader, mut packet } => {
                if packet.expiry_ts != 0 {
                    packet.expiry_ts += now;
                }
                let res = engine::place_order(
                    &mut book.book_mut(),
                    &PARAMS,
                    trader as u32,
                    &packet,
                    now,
                    &mut |e| events.push(e),
                );
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
                let mine: Vec<(Side, u64)> = book
                    .orders(Side::Bid)
                    .iter()
                    .map(|o| (Side::Bid, o))
                    .chain(book.orders(Side::Ask).iter().map(|o| (Side::Ask, o)))
                    .filter(|(_, o)| o.seat as usize == trader)
                    .map(|(s, o)| (s, o.order_id))
                    .collect();
                match mine.get(pick) {
                    Some(&(side, id)) => {
                        engine::cancel_order(
                            &mut book.book_mut(),
                            &PARAMS,
                            trader as u32,
                            side,
                            id,
                            &mut |e| events.push(e),
                        )
                        .expect("own order cancels");
                        true
                    }
                    None => engine::cancel_order(
                        &mut book.book_mut(),
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
                engine::cancel_all(&mut book.book_mut(), &PARAMS, trader as u32, &mut |e| events.push(e))
                    .is_ok()
            }
            Op::Withdraw { trader, base, quote } => {
                let ok = book.book_mut().withdraw(trader as u32, BaseAtoms(base), QuoteAtoms(quote)).is_ok();
                if ok {
                    ledger.base_in -= u128::from(base);
                    ledger.quote_in -= u128::from(quote);
                }
                ok
            }
            Op::Deposit { trader, base, quote } => {
                book.book_mut().deposit(trader as u32, BaseAtoms(base), QuoteAtoms(quote)).expect("deposit");
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
            assert!(before == book, "a failed operation must leave the book untouched");
            assert!(events.is_empty(), "a failed operation emits nothing");
        }
        check_invariants(&book, &ledger);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_flows_conserve_tokens_and_never_cross(ops in prop::collection::vec(op(&mix()), 1..120)) {
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
        let ops = prop::collection::vec(op(&mix()), 60..120).new_tree(&mut runner).unwrap().current();
        let mut book = funded_book(&mut Ledger { base_in: 0, quote_in: 0 });
        for op in ops {
            if let Op::Place { trader, mut packet } = op {
                packet.expiry_ts = if packet.expiry_ts == 0 { 0 } else { 1_000 + packet.expiry_ts };
                let mut events = Vec::new();
                book.reserve(1);
                match engine::place_order(
                    &mut book.book_mut(),
                    &PARAMS,
                    trader as u32,
                    &packet,
                    1_000,
                    &mut |e| events.push(e),
                ) {
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
