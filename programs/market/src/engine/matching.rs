use anchor_lang::prelude::{AnchorDeserialize, AnchorSerialize};

use super::order::{Order, OrderPacket, OrderType, SelfTradeBehavior, Side};
use super::units::{base_for, quote_for, taker_fee, BaseLots, MarketParams, QuoteAtoms, Ticks};
use super::{Book, EngineError};

/// Hard cap on resting orders one taking order may touch, whatever it asks for.
pub const MAX_MATCH_LIMIT: u16 = 64;

/// Most events one `place_order` emits: one per resting order it touches, one for the
/// order it evicts to make room (expired or worst-priced), and one for its remainder
/// (placed or canceled).
pub const MAX_PLACE_EVENTS: usize = MAX_MATCH_LIMIT as usize + 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelReason {
    User,
    Expired,
    SelfTrade,
    IocRemainder,
    MatchLimitRemainder,
    /// The worst-priced order of a full side, pushed out by a better-priced one.
    Evicted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineEvent {
    Placed {
        order_id: u64,
        seat: u32,
        side: Side,
        price: Ticks,
        lots: BaseLots,
        client_order_id: u64,
    },
    Fill {
        maker_seat: u32,
        taker_seat: u32,
        maker_order_id: u64,
        maker_client_order_id: u64,
        taker_side: Side,
        price: Ticks,
        lots: BaseLots,
        quote_atoms: QuoteAtoms,
        /// This fill's share of the order's fee; the shares sum exactly to the fee.
        taker_fee_quote_atoms: QuoteAtoms,
    },
    /// `lots` is the size canceled (for a self-trade decrement, only the overlap).
    Canceled {
        order_id: u64,
        seat: u32,
        side: Side,
        price: Ticks,
        lots: BaseLots,
        client_order_id: u64,
        reason: CancelReason,
    },
}

/// Returned by `place_order` (and by the instruction, as return data).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlaceOutcome {
    /// Every placed order gets an id, even one that never rests.
    pub order_id: u64,
    pub filled_lots: BaseLots,
    pub posted_lots: BaseLots,
    pub quote_atoms_traded: QuoteAtoms,
    pub taker_fee_quote_atoms: QuoteAtoms,
}

#[derive(Clone, Copy, Debug, Default)]
enum Step {
    #[default]
    None,
    Fill(u64),
    RemoveExpired,
    CancelOwn,
    DecrementOwn(u64),
}

/// Everything `place_order` will do, worked out before anything changes.
struct Plan {
    steps: [Step; MAX_MATCH_LIMIT as usize],
    step_count: usize,
    filled_lots: u64,
    remaining_lots: u64,
    quote_traded: u64,
    /// Matching stopped at the match limit with the next resting order still crossing.
    limit_hit: bool,
    /// The order on the taker's own side to evict so that a full side has room for the
    /// remainder, and why (`Expired` or `Evicted`).
    evict: Option<(usize, CancelReason)>,
}

impl Plan {
    /// Nothing matched yet: the whole order remains. On the heap: a plan is ~1 KB, and SBF
    /// gives each call frame 4 KB of stack.
    fn unmatched(lots: u64) -> Box<Plan> {
        Box::new(Plan {
            steps: [Step::None; MAX_MATCH_LIMIT as usize],
            step_count: 0,
            filled_lots: 0,
            remaining_lots: lots,
            quote_traded: 0,
            limit_hit: false,
            evict: None,
        })
    }

    fn push(&mut self, step: Step) {
        // Bounded by construction: one step per touched order, at most MAX_MATCH_LIMIT.
        if let Some(slot) = self.steps.get_mut(self.step_count) {
            *slot = step;
            self.step_count += 1;
        }
    }
}

fn plan_matches(
    book: &Book,
    params: &MarketParams,
    seat: u32,
    packet: &OrderPacket,
    now_ts: i64,
) -> Result<Box<Plan>, EngineError> {
    let limit = usize::from(packet.match_limit.min(MAX_MATCH_LIMIT));
    let post_only = packet.order_type == OrderType::PostOnly;
    let mut plan = Plan::unmatched(packet.lots.0);
    let resting = book.side(packet.side.opposite()).live();
    let mut next = resting.len();
    while plan.remaining_lots > 0 && next > 0 {
        let maker = &resting[next - 1];
        if !packet.side.crosses(packet.price.0, maker.price_ticks) {
            break;
        }
        if plan.step_count == limit {
            plan.limit_hit = true;
            break;
        }
        // An expired order can no longer fill: it is gone for matching and for the
        // post-only check alike, and removed on the way.
        if maker.is_expired(now_ts) {
            plan.push(Step::RemoveExpired);
            next -= 1;
            continue;
        }
        if post_only {
            return Err(EngineError::PostOnlyWouldCross);
        }
        if maker.seat == seat {
            match packet.self_trade {
                SelfTradeBehavior::Abort => return Err(EngineError::SelfTrade),
                SelfTradeBehavior::CancelResting => {
                    plan.push(Step::CancelOwn);
                    next -= 1;
                    continue;
                }
                SelfTradeBehavior::DecrementTake => {
                    let overlap = plan.remaining_lots.min(maker.lots);
                    plan.push(Step::DecrementOwn(overlap));
                    plan.remaining_lots -= overlap;
                    if overlap < maker.lots {
                        break;
                    }
                    next -= 1;
                    continue;
                }
            }
        }
        let lots = plan.remaining_lots.min(maker.lots);
        let quote = quote_for(params, Ticks(maker.price_ticks), BaseLots(lots))?;
        plan.quote_traded = plan.quote_traded.checked_add(quote.0).ok_or(EngineError::Overflow)?;
        plan.filled_lots += lots;
        plan.remaining_lots -= lots;
        plan.push(Step::Fill(lots));
        if lots < maker.lots {
            break;
        }
        next -= 1;
    }
    Ok(plan)
}

/// Places `packet` for `seat`: matches at placement, settles fills inside the book, and
/// rests or cancels the remainder. On error nothing has changed.
pub fn place_order(
    book: &mut Book,
    params: &MarketParams,
    seat: u32,
    packet: &OrderPacket,
    now_ts: i64,
    on_event: &mut impl FnMut(EngineEvent),
) -> Result<PlaceOutcome, EngineError> {
    if packet.price.0 == 0 || packet.lots.0 == 0 {
        return Err(EngineError::InvalidOrder);
    }
    if packet.expiry_ts != 0 && packet.expiry_ts <= now_ts {
        return Err(EngineError::OrderExpired);
    }
    let taker = *book.seats.get(seat as usize).ok_or(EngineError::SeatMismatch)?;
    // The full order must be expressible even if only part of it trades.
    quote_for(params, packet.price, packet.lots)?;
    base_for(params, packet.lots)?;
    let side = packet.side;
    let order_id = book.next_order_id;
    let next_order_id = order_id.checked_add(1).ok_or(EngineError::Overflow)?;

    // ---- plan (a post-only order only removes expired orders in its way)
    let mut plan = plan_matches(book, params, seat, packet, now_ts)?;
    let (rest_lots, remainder_reason) = match packet.order_type {
        // More expired orders cross than it may remove: resting would cross the book.
        OrderType::PostOnly if plan.limit_hit => return Err(EngineError::PostOnlyWouldCross),
        OrderType::FillOrKill if plan.remaining_lots > 0 => return Err(EngineError::FillOrKillNotFilled),
        OrderType::ImmediateOrCancel | OrderType::FillOrKill => (0, CancelReason::IocRemainder),
        // Resting a remainder that still crosses would cross the book.
        OrderType::Limit if plan.limit_hit => (0, CancelReason::MatchLimitRemainder),
        OrderType::Limit | OrderType::PostOnly => (plan.remaining_lots, CancelReason::IocRemainder),
    };
    if rest_lots > 0 && book.side(side).is_full() {
        plan.evict = Some(eviction(book.side(side).live(), side, packet.price.0, now_ts)?);
    }
    let fee = taker_fee(params, QuoteAtoms(plan.quote_traded))?;
    let filled_base = base_for(params, BaseLots(plan.filled_lots))?;
    let rest_quote = quote_for(params, packet.price, BaseLots(rest_lots))?;
    let rest_base = base_for(params, BaseLots(rest_lots))?;
    let insufficient = match side {
        Side::Bid => {
            let need = plan
                .quote_traded
                .checked_add(fee.0)
                .and_then(|x| x.checked_add(rest_quote.0))
                .ok_or(EngineError::Overflow)?;
            taker.quote_free < need
        }
        Side::Ask => {
            plan.quote_traded.checked_sub(fee.0).ok_or(EngineError::Overflow)?;
            taker.base_free < filled_base.0.checked_add(rest_base.0).ok_or(EngineError::Overflow)?
        }
    };
    if insufficient {
        return Err(EngineError::InsufficientFunds);
    }

    // ---- apply. Balances below cannot overflow: every one is bounded by a vault's u64
    // balance, and the plan already checked every amount the taker spends.
    book.next_order_id = next_order_id;
    let mut quote_so_far = 0u64;
    let mut fee_so_far = 0u64;
    for step in &plan.steps[..plan.step_count] {
        match *step {
            Step::Fill(lots) => {
                let maker = *book.side(side.opposite()).best().ok_or(EngineError::OrderNotFound)?;
                let quote = quote_for(params, Ticks(maker.price_ticks), BaseLots(lots))?;
                let base = base_for(params, BaseLots(lots))?;
                let m = book.seat_mut(maker.seat)?;
                match side {
                    Side::Bid => {
                        m.base_locked = m.base_locked.checked_sub(base.0).ok_or(EngineError::Overflow)?;
                        m.quote_free = m.quote_free.checked_add(quote.0).ok_or(EngineError::Overflow)?;
                    }
                    Side::Ask => {
                        m.quote_locked = m.quote_locked.checked_sub(quote.0).ok_or(EngineError::Overflow)?;
                        m.base_free = m.base_free.checked_add(base.0).ok_or(EngineError::Overflow)?;
                    }
                }
                // Fee shares telescope: share_i = fee(q_1..i) - fee(q_1..i-1), summing to fee(total).
                quote_so_far = quote_so_far.checked_add(quote.0).ok_or(EngineError::Overflow)?;
                let fee_now = taker_fee(params, QuoteAtoms(quote_so_far))?.0;
                let share = fee_now.saturating_sub(fee_so_far);
                fee_so_far = fee_now;
                on_event(EngineEvent::Fill {
                    maker_seat: maker.seat,
                    taker_seat: seat,
                    maker_order_id: maker.order_id,
                    maker_client_order_id: maker.client_order_id,
                    taker_side: side,
                    price: Ticks(maker.price_ticks),
                    lots: BaseLots(lots),
                    quote_atoms: quote,
                    taker_fee_quote_atoms: QuoteAtoms(share),
                });
                shrink_best(book, side.opposite(), lots);
            }
            Step::RemoveExpired | Step::CancelOwn => {
                let reason = if matches!(step, Step::RemoveExpired) {
                    CancelReason::Expired
                } else {
                    CancelReason::SelfTrade
                };
                let maker = book.side_mut(side.opposite()).pop_best().ok_or(EngineError::OrderNotFound)?;
                unlock(book, params, side.opposite(), &maker, maker.lots)?;
                on_event(canceled(&maker, side.opposite(), maker.lots, reason));
            }
            Step::DecrementOwn(lots) => {
                let maker = *book.side(side.opposite()).best().ok_or(EngineError::OrderNotFound)?;
                unlock(book, params, side.opposite(), &maker, lots)?;
                on_event(canceled(&maker, side.opposite(), lots, CancelReason::SelfTrade));
                shrink_best(book, side.opposite(), lots);
            }
            Step::None => {}
        }
    }
    let t = book.seat_mut(seat)?;
    match side {
        Side::Bid => {
            let spent = plan.quote_traded.checked_add(fee.0).ok_or(EngineError::Overflow)?;
            t.quote_free = t.quote_free.checked_sub(spent).ok_or(EngineError::InsufficientFunds)?;
            t.base_free = t.base_free.checked_add(filled_base.0).ok_or(EngineError::Overflow)?;
        }
        Side::Ask => {
            t.base_free = t.base_free.checked_sub(filled_base.0).ok_or(EngineError::InsufficientFunds)?;
            let proceeds = plan.quote_traded.checked_sub(fee.0).ok_or(EngineError::Overflow)?;
            t.quote_free = t.quote_free.checked_add(proceeds).ok_or(EngineError::Overflow)?;
        }
    }
    book.fees_accrued_quote_atoms =
        book.fees_accrued_quote_atoms.checked_add(fee.0).ok_or(EngineError::Overflow)?;

    let order = Order {
        order_id,
        client_order_id: packet.client_order_id,
        price_ticks: packet.price.0,
        lots: rest_lots,
        expiry_ts: packet.expiry_ts,
        seat,
        _padding: 0,
    };
    if rest_lots > 0 {
        let t = book.seat_mut(seat)?;
        match side {
            Side::Bid => {
                t.quote_free =
                    t.quote_free.checked_sub(rest_quote.0).ok_or(EngineError::InsufficientFunds)?;
                t.quote_locked = t.quote_locked.checked_add(rest_quote.0).ok_or(EngineError::Overflow)?;
            }
            Side::Ask => {
                t.base_free = t.base_free.checked_sub(rest_base.0).ok_or(EngineError::InsufficientFunds)?;
                t.base_locked = t.base_locked.checked_add(rest_base.0).ok_or(EngineError::Overflow)?;
            }
        }
        if let Some((index, reason)) = plan.evict {
            // Only the opposite side changed since the plan, so `index` still points at it.
            let evicted = book.side_mut(side).remove(index).ok_or(EngineError::OrderNotFound)?;
            unlock(book, params, side, &evicted, evicted.lots)?;
            on_event(canceled(&evicted, side, evicted.lots, reason));
        }
        book.side_mut(side).insert(side, order)?;
        on_event(EngineEvent::Placed {
            order_id,
            seat,
            side,
            price: packet.price,
            lots: BaseLots(rest_lots),
            client_order_id: packet.client_order_id,
        });
    } else if plan.remaining_lots > 0 {
        on_event(canceled(
            &Order { lots: plan.remaining_lots, ..order },
            side,
            plan.remaining_lots,
            remainder_reason,
        ));
    }
    Ok(PlaceOutcome {
        order_id,
        filled_lots: BaseLots(plan.filled_lots),
        posted_lots: BaseLots(rest_lots),
        quote_atoms_traded: QuoteAtoms(plan.quote_traded),
        taker_fee_quote_atoms: fee,
    })
}

/// Which order of a full side (`live`, worst first) gives way to a new order at `price`:
/// - an expired order, the worst-priced first: it can no longer fill, so it holds no
///   capacity;
/// - else the worst-priced order, if the new order is strictly better priced (as in
///   Phoenix). Filling a side with orders nobody trades against then only lasts until
///   someone quotes better, and keeping a side full costs a whole side of competitive,
///   fully collateralized orders. Strictly: an order at the same price never pushes out
///   an older one (time priority). Among orders at the worst price the newest goes, since
///   it is last in time priority (index 0).
fn eviction(
    live: &[Order],
    side: Side,
    price: u64,
    now_ts: i64,
) -> Result<(usize, CancelReason), EngineError> {
    if let Some(index) = live.iter().position(|o| o.is_expired(now_ts)) {
        return Ok((index, CancelReason::Expired));
    }
    match live.first() {
        Some(worst) if side.better(price, worst.price_ticks) => Ok((0, CancelReason::Evicted)),
        _ => Err(EngineError::BookFull),
    }
}

/// Reduces the best order of `side` by `lots`, removing it when nothing is left.
fn shrink_best(book: &mut Book, side: Side, lots: u64) {
    let book_side = book.side_mut(side);
    if let Some(best) = book_side.best_mut() {
        best.lots = best.lots.saturating_sub(lots);
        if best.lots == 0 {
            book_side.pop_best();
        }
    }
}

/// Returns the collateral behind `lots` of `order` to its seat's free balance.
fn unlock(
    book: &mut Book,
    params: &MarketParams,
    side: Side,
    order: &Order,
    lots: u64,
) -> Result<(), EngineError> {
    let s = book.seat_mut(order.seat)?;
    match side {
        Side::Bid => {
            let q = quote_for(params, Ticks(order.price_ticks), BaseLots(lots))?.0;
            s.quote_locked = s.quote_locked.checked_sub(q).ok_or(EngineError::Overflow)?;
            s.quote_free = s.quote_free.checked_add(q).ok_or(EngineError::Overflow)?;
        }
        Side::Ask => {
            let b = base_for(params, BaseLots(lots))?.0;
            s.base_locked = s.base_locked.checked_sub(b).ok_or(EngineError::Overflow)?;
            s.base_free = s.base_free.checked_add(b).ok_or(EngineError::Overflow)?;
        }
    }
    Ok(())
}

fn canceled(order: &Order, side: Side, lots: u64, reason: CancelReason) -> EngineEvent {
    EngineEvent::Canceled {
        order_id: order.order_id,
        seat: order.seat,
        side,
        price: Ticks(order.price_ticks),
        lots: BaseLots(lots),
        client_order_id: order.client_order_id,
        reason,
    }
}

/// Cancels one of `seat`'s orders and unlocks its collateral.
pub fn cancel_order(
    book: &mut Book,
    params: &MarketParams,
    seat: u32,
    side: Side,
    order_id: u64,
    on_event: &mut impl FnMut(EngineEvent),
) -> Result<(), EngineError> {
    let index = book
        .side(side)
        .live()
        .iter()
        .position(|o| o.order_id == order_id && o.seat == seat)
        .ok_or(EngineError::OrderNotFound)?;
    let order = *book.side(side).live().get(index).ok_or(EngineError::OrderNotFound)?;
    unlock(book, params, side, &order, order.lots)?;
    book.side_mut(side).remove(index);
    on_event(canceled(&order, side, order.lots, CancelReason::User));
    Ok(())
}

/// Cancels every order of `seat` on both sides; returns how many.
pub fn cancel_all(
    book: &mut Book,
    params: &MarketParams,
    seat: u32,
    on_event: &mut impl FnMut(EngineEvent),
) -> Result<u32, EngineError> {
    let mut count = 0;
    for side in [Side::Bid, Side::Ask] {
        let mut i = book.side(side).live().len();
        while i > 0 {
            i -= 1;
            let order = book.side(side).live()[i];
            if order.seat == seat {
                unlock(book, params, side, &order, order.lots)?;
                book.side_mut(side).remove(i);
                on_event(canceled(&order, side, order.lots, CancelReason::User));
                count += 1;
            }
        }
    }
    Ok(count)
}
