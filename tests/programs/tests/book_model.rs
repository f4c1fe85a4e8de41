//! Model-based test of the matching engine: random operation sequences run on the engine
//! (slab, red-black trees, free list, growth) and on a deliberately simple reference book
//! (sorted `Vec`s, work on a copy and keep it only on success) must give the same results,
//! the same fills, the same balances and the same resting orders after every step.
use market::engine::{
    self, BaseAtoms, EngineError, EngineEvent, MarketParams, OrderPacket, OrderType, OwnedBook, QuoteAtoms,
    SeatClaim, SelfTradeBehavior, Side,
};
use gridtokenx_program_tests::engine_ops::{op, Mix, Op};
use proptest::prelude::*;

const TRADERS: usize = 6;
const PARAMS: MarketParams =
    MarketParams { tick_size_quote_atoms: 10, lot_size_base_atoms: 100, taker_fee_bps: 30 };

/// The operations, drawn deep and wide: more traders and larger sizes than the property
/// test, so books grow, free blocks are reused and trees rebalance.
fn mix() -> Mix {
    Mix {
        traders: TRADERS,
        prices: 80..120,
        lots: 1..12,
        limit_weight: 6,
        match_limits: [(1, 0..4), (3, 4..80)],
        place_weight: 12,
        cancel_weight: 3,
        picks: 12,
    }
}

// ------------------------------------------------------------------ the reference book

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct RefSeat {
    base_free: u64,
    base_locked: u64,
    quote_free: u64,
    quote_locked: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct RefOrder {
    id: u64,
    seat: usize,
    price: u64,
    lots: u64,
    expiry: i64,
    client_id: u64,
}

/// (maker order id, maker seat, price, lots, quote atoms)
type Fill = (u64, usize, u64, u64, u64);

#[derive(Clone, Debug, Default)]
struct RefBook {
    seats: Vec<RefSeat>,
    /// Best first: bids by higher price then older, asks by lower price then older.
    bids: Vec<RefOrder>,
    asks: Vec<RefOrder>,
    next_id: u64,
    fees: u64,
}

fn quote(price: u64, lots: u64) -> Result<u64, EngineError> {
    u64::try_from(u128::from(price) * u128::from(PARAMS.tick_size_quote_atoms) * u128::from(lots))
        .map_err(|_| EngineError::Overflow)
}

fn base(lots: u64) -> Result<u64, EngineError> {
    lots.checked_mul(PARAMS.lot_size_base_atoms).ok_or(EngineError::Overflow)
}

impl RefBook {
    fn side(&mut self, side: Side) -> &mut Vec<RefOrder> {
        match side {
            Side::Bid => &mut self.bids,
            Side::Ask => &mut self.asks,
        }
    }

    fn sort(&mut self) {
        self.bids.sort_by_key(|o| (std::cmp::Reverse(o.price), o.id));
        self.asks.sort_by_key(|o| (o.price, o.id));
    }

    fn unlock(&mut self, side: Side, o: &RefOrder, lots: u64) {
        let s = &mut self.seats[o.seat];
        match side {
            Side::Bid => {
                let q = quote(o.price, lots).unwrap();
                s.quote_locked -= q;
                s.quote_free += q;
            }
            Side::Ask => {
                let b = base(lots).unwrap();
                s.base_locked -= b;
                s.base_free += b;
            }
        }
    }

    /// The market's rules, written as plainly as possible, on a copy kept only on success.
    fn place(
        &self,
        seat: usize,
        p: &OrderPacket,
        now: i64,
    ) -> Result<(RefBook, Vec<Fill>, u64, u64), EngineError> {
        if p.price.0 == 0 || p.lots.0 == 0 {
            return Err(EngineError::InvalidOrder);
        }
        if p.expiry_ts != 0 && p.expiry_ts <= now {
            return Err(EngineError::OrderExpired);
        }
        quote(p.price.0, p.lots.0)?;
        base(p.lots.0)?;
        let mut w = self.clone();
        let taker = w.seats[seat];
        let opposite = p.side.opposite();
        let limit = usize::from(p.match_limit.min(64));
        let (mut touched, mut remaining, mut filled, mut traded, mut limit_hit) =
            (0, p.lots.0, 0u64, 0u64, false);
        let mut fills = Vec::new();
        while remaining > 0 && !w.side(opposite).is_empty() {
            let m = w.side(opposite)[0];
            let crosses = match p.side {
                Side::Bid => p.price.0 >= m.price,
                Side::Ask => p.price.0 <= m.price,
            };
            if !crosses {
                break;
            }
            if touched == limit {
                limit_hit = true;
                break;
            }
            touched += 1;
            if m.expiry != 0 && m.expiry <= now {
                w.side(opposite).remove(0);
                w.unlock(opposite, &m, m.lots);
                continue;
            }
            if p.order_type == OrderType::PostOnly {
                return Err(EngineError::PostOnlyWouldCross);
            }
            if m.seat == seat {
                match p.self_trade {
                    SelfTradeBehavior::Abort => return Err(EngineError::SelfTrade),
                    SelfTradeBehavior::CancelResting => {
                        w.side(opposite).remove(0);
                        w.unlock(opposite, &m, m.lots);
                        continue;
                    }
                    SelfTradeBehavior::DecrementTake => {
                        let overlap = remaining.min(m.lots);
                        w.unlock(opposite, &m, overlap);
                        remaining -= overlap;
                        w.side(opposite)[0].lots -= overlap;
                        if overlap < m.lots {
                            break;
                        }
                        w.side(opposite).remove(0);
                        continue;
                    }
                }
            }
            let lots = remaining.min(m.lots);
            let q = quote(m.price, lots)?;
            traded = traded.checked_add(q).ok_or(EngineError::Overflow)?;
            let maker = &mut w.seats[m.seat];
            match p.side {
                Side::Bid => {
                    maker.base_locked -= base(lots)?;
                    maker.quote_free += q;
                }
                Side::Ask => {
                    maker.quote_locked -= q;
                    maker.base_free += base(lots)?;
                }
            }
            fills.push((m.id, m.seat, m.price, lots, q));
            filled += lots;
            remaining -= lots;
            w.side(opposite)[0].lots -= lots;
            if lots < m.lots {
                break;
            }
            w.side(opposite).remove(0);
        }
        let rest = match p.order_type {
            OrderType::PostOnly if limit_hit => return Err(EngineError::PostOnlyWouldCross),
            OrderType::FillOrKill if remaining > 0 => return Err(EngineError::FillOrKillNotFilled),
            OrderType::ImmediateOrCancel | OrderType::FillOrKill => 0,
            OrderType::Limit if limit_hit => 0,
            OrderType::Limit | OrderType::PostOnly => remaining,
        };
        let fee = (u128::from(traded) * u128::from(PARAMS.taker_fee_bps)).div_ceil(10_000) as u64;
        let (rest_quote, rest_base, filled_base) = (quote(p.price.0, rest)?, base(rest)?, base(filled)?);
        let t = &mut w.seats[seat];
        match p.side {
            Side::Bid => {
                if taker.quote_free < traded + fee + rest_quote {
                    return Err(EngineError::InsufficientFunds);
                }
                t.quote_free -= traded + fee + rest_quote;
                t.quote_locked += rest_quote;
                t.base_free += filled_base;
            }
            Side::Ask => {
                if taker.base_free < filled_base + rest_base {
                    return Err(EngineError::InsufficientFunds);
                }
                t.base_free -= filled_base + rest_base;
                t.base_locked += rest_base;
                t.quote_free += traded - fee;
            }
        }
        w.fees += fee;
        let id = w.next_id;
        w.next_id += 1;
        if rest > 0 {
            let order = RefOrder {
                id,
                seat,
                price: p.price.0,
                lots: rest,
                expiry: p.expiry_ts,
                client_id: p.client_order_id,
            };
            w.side(p.side).push(order);
            w.sort();
        }
        Ok((w, fills, filled, rest))
    }

    fn cancel(&mut self, seat: usize, side: Side, id: u64) -> Result<(), EngineError> {
        let at = self
            .side(side)
            .iter()
            .position(|o| o.id == id && o.seat == seat)
            .ok_or(EngineError::OrderNotFound)?;
        let o = self.side(side).remove(at);
        self.unlock(side, &o, o.lots);
        Ok(())
    }

    fn cancel_all(&mut self, seat: usize) -> u32 {
        let mut count = 0;
        for side in [Side::Bid, Side::Ask] {
            let mine: Vec<RefOrder> = self.side(side).iter().filter(|o| o.seat == seat).copied().collect();
            for o in mine {
                self.cancel(seat, side, o.id).unwrap();
                count += 1;
            }
        }
        count
    }
}

// ------------------------------------------------------------------ comparison

fn assert_same(engine: &OwnedBook, model: &RefBook, step: usize) {
    for (t, want) in model.seats.iter().enumerate() {
        let s = engine.seat(t as u32).expect("seat");
        let got = RefSeat {
            base_free: s.base_free,
            base_locked: s.base_locked,
            quote_free: s.quote_free,
            quote_locked: s.quote_locked,
        };
        assert_eq!(&got, want, "step {step}: seat {t} balances");
    }
    assert_eq!(engine.header.fees_accrued_quote_atoms, model.fees, "step {step}: fees");
    assert_eq!(engine.header.next_order_id, model.next_id, "step {step}: order ids");
    for (side, want) in [(Side::Bid, &model.bids), (Side::Ask, &model.asks)] {
        let got: Vec<RefOrder> = engine
            .orders(side)
            .iter()
            .map(|o| RefOrder {
                id: o.order_id,
                seat: o.seat as usize,
                price: o.price_ticks,
                lots: o.lots,
                expiry: o.expiry_ts,
                client_id: o.client_order_id,
            })
            .collect();
        assert_eq!(&got, want, "step {step}: {side:?} resting orders");
    }
}

fn run(ops: Vec<Op>) {
    let mut book = OwnedBook::new();
    let mut model = RefBook { next_id: 1, ..RefBook::default() };
    for t in 0..TRADERS {
        book.reserve(1);
        let claim = SeatClaim { trader: [t as u8 + 1; 32], ..SeatClaim::default() };
        assert_eq!(book.book_mut().claim_seat(claim).unwrap().seat() as usize, t);
        book.book_mut().deposit(t as u32, BaseAtoms(20_000), QuoteAtoms(200_000)).unwrap();
        model.seats.push(RefSeat { base_free: 20_000, quote_free: 200_000, ..RefSeat::default() });
    }
    let mut now = 1_000i64;
    for (step, op) in ops.into_iter().enumerate() {
        match op {
            Op::Place { trader, mut packet } => {
                if packet.expiry_ts != 0 {
                    packet.expiry_ts += now;
                }
                book.reserve(1);
                let mut events = Vec::new();
                let got = engine::place_order(
                    &mut book.book_mut(),
                    &PARAMS,
                    trader as u32,
                    &packet,
                    now,
                    &mut |e| events.push(e),
                );
                let want = model.place(trader, &packet, now);
                match (got, want) {
                    (Ok(outcome), Ok((next, fills, filled, rest))) => {
                        let got_fills: Vec<Fill> = events
                            .iter()
                            .filter_map(|e| match *e {
                                EngineEvent::Fill {
                                    maker_order_id,
                                    maker_seat,
                                    price,
                                    lots,
                                    quote_atoms,
                                    ..
                                } => Some((
                                    maker_order_id,
                                    maker_seat as usize,
                                    price.0,
                                    lots.0,
                                    quote_atoms.0,
                                )),
                                _ => None,
                            })
                            .collect();
                        assert_eq!(got_fills, fills, "step {step}: fills");
                        assert_eq!(
                            (outcome.filled_lots.0, outcome.posted_lots.0),
                            (filled, rest),
                            "step {step}"
                        );
                        model = next;
                    }
                    (Err(got), Err(want)) => assert_eq!(got, want, "step {step}: error"),
                    (got, want) => panic!("step {step}: engine {got:?}, model {:?}", want.map(|w| w.1)),
                }
            }
            Op::Cancel { trader, pick } => {
                let mine: Vec<(Side, u64)> = model
                    .bids
                    .iter()
                    .map(|o| (Side::Bid, o))
                    .chain(model.asks.iter().map(|o| (Side::Ask, o)))
                    .filter(|(_, o)| o.seat == trader)
                    .map(|(s, o)| (s, o.id))
                    .collect();
                let (side, id) = mine.get(pick).copied().unwrap_or((Side::Ask, u64::MAX));
                let got =
                    engine::cancel_order(&mut book.book_mut(), &PARAMS, trader as u32, side, id, &mut |_| {});
                assert_eq!(got, model.cancel(trader, side, id), "step {step}: cancel");
            }
            Op::CancelAll { trader } => {
                let got = engine::cancel_all(&mut book.book_mut(), &PARAMS, trader as u32, &mut |_| {});
                assert_eq!(got, Ok(model.cancel_all(trader)), "step {step}: cancel all");
            }
            Op::Withdraw { trader, base, quote } => {
                let got = book.book_mut().withdraw(trader as u32, BaseAtoms(base), QuoteAtoms(quote));
                let s = &mut model.seats[trader];
                let want = if s.base_free >= base && s.quote_free >= quote {
                    s.base_free -= base;
                    s.quote_free -= quote;
                    Ok(())
                } else {
                    Err(EngineError::InsufficientFunds)
                };
                assert_eq!(got, want, "step {step}: withdraw");
            }
            Op::Deposit { trader, base, quote } => {
                book.book_mut().deposit(trader as u32, BaseAtoms(base), QuoteAtoms(quote)).unwrap();
                model.seats[trader].base_free += base;
                model.seats[trader].quote_free += quote;
            }
            Op::Tick { secs } => now += secs,
        }
        assert_same(&book, &model, step);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_engine_matches_a_reference_book(ops in prop::collection::vec(op(&mix()), 1..250)) {
        run(ops);
    }
}
