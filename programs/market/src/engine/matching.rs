use anchor_lang::prelude::{AnchorDeserialize, AnchorSerialize};

use super::book::side_of;
use super::order::{Order, OrderPacket, OrderType, SelfTradeBehavior, Side};
use super::slab::{side_kind, Book, BookMut, NIL};
use super::tree;
use super::units::{base_for, quote_for, taker_fee, BaseLots, MarketParams, QuoteAtoms, Ticks};
use super::EngineError;

/// Hard cap on resting orders one taking order may touch, whatever it asks for.
pub const MAX_MATCH_LIMIT: u16 = 64;

/// Most events one `place_order` emits: one per resting order it touches, one for the
/// order it evicts to make room (expired or worst-priced, only at the 10 MB limit), and one
/// for its remainder (placed or canceled).
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

/// One resting order the taker touches, by block index (blocks never move, so the index
/// found while planning is the one applied).
#[derive(Clone, Copy, Debug, Default)]
enum Step {
    #[default]
    None,
    Fill(u32, u64),
    RemoveExpired(u32),
    CancelOwn(u32),
    DecrementOwn(u32, u64),
}

/// Everything `place_order` will do, worked out before anything changes.
struct Plan {
    steps: [Step; MAX_MATCH_LIMIT as usize],
    step_count: usize,
    filled_lots: u64,
    remaining_lots: u64,
    quote_traded: u64,
    /// Resting orders the steps take off the book: blocks the remainder can reuse.
    freed_blocks: u32,
    /// Matching stopped at the match limit with the next resting order still crossing.
    limit_hit: bool,
    /// With no block free (the account at its 10 MB limit), the order on the taker's own
    /// side to evict so that the remainder has room, and why (`Expired` or `Evicted`).
    evict: Option<(u32, CancelReason)>,
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
            freed_blocks: 0,
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
    book: Book<'_>,
    params: &MarketParams,
    seat: u32,
    packet: &OrderPacket,
    now_ts: i64,
) -> Result<Box<Plan>, EngineError> {
    let limit = usize::from(packet.match_limit.min(MAX_MATCH_LIMIT));
    let post_only = packet.order_type == OrderType::PostOnly;
    let mut plan = Plan::unmatched(packet.lots.0);
    let opposite = packet.side.opposite();
    let mut next = book.best_index(opposite)?;
    while plan.remaining_lots > 0 && next != NIL {
        let at = next;
        let maker = book.order(opposite, at)?;
        if !packet.side.crosses(packet.price.0, maker.price_ticks) {
            break;
        }
        if plan.step_count == limit {
            plan.limit_hit = true;
            break;
        }
        next = tree::next(book.blocks, at)?;
        // An expired order can no longer fill: it is gone for matching and for the
        // post-only check alike, and removed on the way.
        if maker.is_expired(now_ts) {
            plan.push(Step::RemoveExpired(at));
            plan.freed_blocks += 1;
            continue;
        }
        if post_only {
            return Err(EngineError::PostOnlyWouldCross);
        }
        if maker.seat == seat {
            match packet.self_trade {
                SelfTradeBehavior::Abort => return Err(EngineError::SelfTrade),
                SelfTradeBehavior::CancelResting => {
                    plan.push(Step::CancelOwn(at));
                    plan.freed_blocks += 1;
                    continue;
                }
                SelfTradeBehavior::DecrementTake => {
                    let overlap = plan.remaining_lots.min(maker.lots);
                    plan.push(Step::DecrementOwn(at, overlap));
                    plan.remaining_lots -= overlap;
                    if overlap < maker.lots {
                        break;
                    }
                    plan.freed_blocks += 1;
                    continue;
                }
            }
        }
        let lots = plan.remaining_lots.min(maker.lots);
        let quote = quote_for(params, Ticks(maker.price_ticks), BaseLots(lots))?;
        plan.quote_traded = plan.quote_traded.checked_add(quote.0).ok_or(EngineError::Overflow)?;
        plan.filled_lots += lots;
        plan.remaining_lots -= lots;
        plan.push(Step::Fill(at, lots));
        if lots < maker.lots {
            break;
        }
        plan.freed_blocks += 1;
    }
    Ok(plan)
}

/// Places `packet` for `seat`: matches at placement, settles fills inside the book, and
/// rests or cancels the remainder. On error nothing has changed. A remainder that rests
/// needs a free block (the instruction grows the account first; `OwnedBook::reserve` in
/// tests); with none, it evicts (see `eviction`) or fails with `BookFull`.
pub fn place_order(
    book: &mut BookMut<'_>,
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
    let taker = *book.view().seat(seat)?;
    // The full order must be expressible even if only part of it trades.
    quote_for(params, packet.price, packet.lots)?;
    base_for(params, packet.lots)?;
    let side = packet.side;
    let order_id = book.header.next_order_id;
    let next_order_id = order_id.checked_add(1).ok_or(EngineError::Overflow)?;

    // ---- plan (a post-only order only removes expired orders in its way)
    let mut plan = plan_matches(book.view(), params, seat, packet, now_ts)?;
    let (rest_lots, remainder_reason) = match packet.order_type {
        // More expired orders cross than it may remove: resting would cross the book.
        OrderType::PostOnly if plan.limit_hit => return Err(EngineError::PostOnlyWouldCross),
        OrderType::FillOrKill if plan.remaining_lots > 0 => return Err(EngineError::FillOrKillNotFilled),
        OrderType::ImmediateOrCancel | OrderType::FillOrKill => (0, CancelReason::IocRemainder),
        // Resting a remainder that still crosses would cross the book.
        OrderType::Limit if plan.limit_hit => (0, CancelReason::MatchLimitRemainder),
        OrderType::Limit | OrderType::PostOnly => (plan.remaining_lots, CancelReason::IocRemainder),
    };
    if rest_lots > 0 && book.header.free_count == 0 && plan.freed_blocks == 0 {
        plan.evict = Some(eviction(book.view(), side, packet.price.0, now_ts)?);
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
    book.header.next_order_id = next_order_id;
    let opposite = side.opposite();
    let mut quote_so_far = 0u64;
    let mut fee_so_far = 0u64;
    for step in &plan.steps[..plan.step_count] {
        match *step {
            Step::Fill(at, lots) => {
                let maker = *book.view().order(opposite, at)?;
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
                shrink(book, opposite, at, lots)?;
            }
            Step::RemoveExpired(at) | Step::CancelOwn(at) => {
                let reason = if matches!(step, Step::RemoveExpired(_)) {
                    CancelReason::Expired
                } else {
                    CancelReason::SelfTrade
                };
                let maker = book.remove_order(opposite, at)?;
                unlock(book, params, opposite, &maker, maker.lots)?;
                on_event(canceled(&maker, opposite, maker.lots, reason));
            }
            Step::DecrementOwn(at, lots) => {
                let maker = *book.view().order(opposite, at)?;
                unlock(book, params, opposite, &maker, lots)?;
                on_event(canceled(&maker, opposite, lots, CancelReason::SelfTrade));
                shrink(book, opposite, at, lots)?;
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
    book.header.fees_accrued_quote_atoms =
        book.header.fees_accrued_quote_atoms.checked_add(fee.0).ok_or(EngineError::Overflow)?;

    let order = Order {
        order_id,
        client_order_id: packet.client_order_id,
        price_ticks: packet.price.0,
        lots: rest_lots,
        expiry_ts: packet.expiry_ts,
        seat,
        seat_prev: NIL,
        seat_next: NIL,
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
            // Only the opposite side changed since the plan, so `index` still holds it.
            let evicted = book.remove_order(side, index)?;
            unlock(book, params, side, &evicted, evicted.lots)?;
            on_event(canceled(&evicted, side, evicted.lots, reason));
        }
        book.insert_order(side, order)?;
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

/// Which order gives way to a new order at `price` when no block is free and the account
/// cannot grow (Solana's 10 MB): the worst order of the new order's side (last in price-time
/// priority: the worst price, the newest there)
/// - if it has expired: it can no longer fill, so it holds no space;
/// - else if the new order is strictly better priced (as in Phoenix): filling the book with
///   orders nobody trades against then only lasts until someone quotes better. Strictly:
///   an order at the same price never pushes out an older one (time priority).
fn eviction(book: Book<'_>, side: Side, price: u64, now_ts: i64) -> Result<(u32, CancelReason), EngineError> {
    let worst = book.worst_index(side)?;
    if worst == NIL {
        return Err(EngineError::BookFull);
    }
    let order = book.order(side, worst)?;
    if order.is_expired(now_ts) {
        Ok((worst, CancelReason::Expired))
    } else if side.better(price, order.price_ticks) {
        Ok((worst, CancelReason::Evicted))
    } else {
        Err(EngineError::BookFull)
    }
}

/// Reduces the order in block `at` by `lots`, removing it when nothing is left.
fn shrink(book: &mut BookMut<'_>, side: Side, at: u32, lots: u64) -> Result<(), EngineError> {
    let order = book.order_mut(side, at)?;
    order.lots = order.lots.saturating_sub(lots);
    if order.lots == 0 {
        book.remove_order(side, at)?;
    }
    Ok(())
}

/// Returns the collateral behind `lots` of `order` to its seat's free balance.
fn unlock(
    book: &mut BookMut<'_>,
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

/// Block index of `seat`'s order `order_id` on `side`, found in the seat's own list: O(its
/// open orders), whatever the depth of the book.
pub fn find_order(book: Book<'_>, seat: u32, side: Side, order_id: u64) -> Result<u32, EngineError> {
    let mut at = book.seat(seat)?.orders_head;
    let kind = side_kind(side);
    // The list is as long as the seat's open orders; a longer walk means a corrupt cycle.
    for _ in 0..=book.blocks.len() {
        if at == NIL {
            return Err(EngineError::OrderNotFound);
        }
        let block = book.block(at)?;
        let order = block.order();
        if block.kind == kind && order.order_id == order_id && order.seat == seat {
            return Ok(at);
        }
        at = order.seat_next;
    }
    Err(EngineError::CorruptBook)
}

/// Cancels one of `seat`'s orders and unlocks its collateral.
pub fn cancel_order(
    book: &mut BookMut<'_>,
    params: &MarketParams,
    seat: u32,
    side: Side,
    order_id: u64,
    on_event: &mut impl FnMut(EngineEvent),
) -> Result<(), EngineError> {
    let at = find_order(book.view(), seat, side, order_id)?;
    let order = book.remove_order(side, at)?;
    unlock(book, params, side, &order, order.lots)?;
    on_event(canceled(&order, side, order.lots, CancelReason::User));
    Ok(())
}

/// Cancels every order of `seat` (newest first, walking its list); returns how many.
pub fn cancel_all(
    book: &mut BookMut<'_>,
    params: &MarketParams,
    seat: u32,
    on_event: &mut impl FnMut(EngineEvent),
) -> Result<u32, EngineError> {
    let mut count = 0;
    loop {
        let at = book.view().seat(seat)?.orders_head;
        if at == NIL {
            return Ok(count);
        }
        let side = side_of(book.view().block(at)?.kind)?;
        let order = book.remove_order(side, at)?;
        unlock(book, params, side, &order, order.lots)?;
        on_event(canceled(&order, side, order.lots, CancelReason::User));
        count += 1;
    }
}
