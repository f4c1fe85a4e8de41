//! Requoting in one instruction (issue #9, "Batch and replace"): `replace_order` and
//! `batch_orders` keep every rule of `place_order` and `cancel_order`, and are atomic.
use anchor_lang::prelude::Pubkey;
use gridtokenx_program_tests::*;
use market::engine::{OrderPacket, OrderType, Side};
use market::error::MarketError;
use market::events::{OrderCanceled, OrderFilled, OrderPlaced};
use market::instructions::{CancelRef, MAX_BATCH_ORDERS};
use solana_instruction::Instruction;
use solana_signer::Signer;

/// ComputeBudget SetComputeUnitLimit(1,400,000), the most a transaction may ask for.
fn max_budget() -> Instruction {
    Instruction {
        program_id: Pubkey::from_str_const("ComputeBudget111111111111111111111111111111"),
        accounts: vec![],
        data: [&[2u8][..], &1_400_000u32.to_le_bytes()].concat(),
    }
}

async fn trading_world() -> World {
    let mut world = World::new().await;
    world.allow_large_readings().await;
    world
}

/// Places `packet` and returns the id it rested under.
async fn rest(world: &mut World, trader: &Trader, packet: OrderPacket) -> u64 {
    let outcome = world.place(trader, packet).await;
    outcome.result.expect("resting order");
    decode_events::<OrderPlaced>(&outcome.logs)[0].order_id
}

fn replace(world: &World, trader: &Trader, order_id: u64, packet: OrderPacket) -> Instruction {
    market::client::replace_order(trader.pubkey(), world.market, trader.seat, order_id, packet, None)
}

fn batch(world: &World, trader: &Trader, cancels: Vec<CancelRef>, places: Vec<OrderPacket>) -> Instruction {
    market::client::batch_orders(trader.pubkey(), world.market, trader.seat, cancels, places, None)
}

#[tokio::test]
async fn replace_moves_one_order_with_the_checks_of_a_placement() {
    let mut world = trading_world().await;
    let me = world.trader(10 * LOT_SIZE, 10_000_000).await;
    let old = rest(&mut world, &me, bid(100, 3)).await;

    let outcome = world.process(&[replace(&world, &me, old, bid(101, 2))], &[&me.key]).await;
    outcome.result.expect("replace");
    let canceled = decode_events::<OrderCanceled>(&outcome.logs);
    let placed = decode_events::<OrderPlaced>(&outcome.logs);
    assert_eq!((canceled.len(), canceled[0].order_id, canceled[0].lots, canceled[0].reason), (1, old, 3, 0));
    assert_eq!((placed.len(), placed[0].price_ticks, placed[0].lots), (1, 101, 2));
    let new = placed[0].order_id;
    let m = world.market_state().await;
    assert_eq!(
        m.book.orders(Side::Bid).iter().map(|o| (o.order_id, o.lots)).collect::<Vec<_>>(),
        vec![(new, 2)]
    );
    assert_eq!(m.book.seat(me.seat).unwrap().quote_locked, 101 * 2 * TICK_SIZE);

    // The replaced order is gone (say, filled meanwhile): nothing is placed.
    let stale = replace(&world, &me, old, bid(99, 1));
    assert_error(world.send(&[stale], &[&me.key]).await, MarketError::OrderNotFound);
    // The wrong side is not that order.
    let wrong_side = replace(&world, &me, new, ask(200, 1));
    assert_error(world.send(&[wrong_side], &[&me.key]).await, MarketError::OrderNotFound);

    // Each placement rule refuses the replacement, and the original order stays.
    let other = world.trader(10 * LOT_SIZE, 0).await;
    rest(&mut world, &other, ask(105, 1)).await;
    let mut expired = bid(100, 1);
    expired.expiry_ts = T0;
    world.set_time(T0 + 10 * 900);
    let own_ask = rest(&mut world, &me, ask(110, 1)).await;
    let refusals = [
        (order(Side::Bid, OrderType::PostOnly, 105, 1), MarketError::PostOnlyWouldCross),
        (order(Side::Bid, OrderType::FillOrKill, 105, 2), MarketError::FillOrKillNotFilled),
        (bid(100, 0), MarketError::InvalidOrder),
        (expired, MarketError::OrderExpired),
        (bid(104, 1_000), MarketError::InsufficientFunds),
    ];
    for (packet, error) in refusals {
        assert_error(world.send(&[replace(&world, &me, new, packet)], &[&me.key]).await, error);
    }
    let own_cross = replace(&world, &me, own_ask, ask(101, 1));
    assert_error(world.send(&[own_cross], &[&me.key]).await, MarketError::SelfTrade);
    let council = governance::client::council_address();
    world.council_exec(market::client::set_min_order_size(council, world.market, 2)).await.unwrap();
    assert_error(
        world.send(&[replace(&world, &me, new, bid(100, 1))], &[&me.key]).await,
        MarketError::OrderTooSmall,
    );
    let m = world.market_state().await;
    assert_eq!(
        m.book.orders(Side::Bid).iter().map(|o| (o.order_id, o.lots)).collect::<Vec<_>>(),
        vec![(new, 2)]
    );

    // A replacement may take: the new bid crosses the ask and fills.
    let outcome = world.process(&[replace(&world, &me, new, bid(105, 2))], &[&me.key]).await;
    outcome.result.expect("taking replacement");
    assert_eq!(decode_events::<OrderFilled>(&outcome.logs).len(), 1);

    // Paused: no replacement (it places), but the order can still be canceled.
    let guardian = world.keys.guardian.insecure_clone();
    world.send(&[governance::client::pause(guardian.pubkey())], &[&guardian]).await.unwrap();
    let resting = world.market_state().await.book.orders(Side::Bid)[0].order_id;
    assert_error(
        world.send(&[replace(&world, &me, resting, bid(90, 2))], &[&me.key]).await,
        MarketError::Paused,
    );
    world.assert_conserved().await;
}

/// A market maker's requote: five quotes canceled and five placed in one instruction.
#[tokio::test]
async fn batch_cancels_then_places_in_one_instruction() {
    let mut world = trading_world().await;
    let maker = world.trader(100 * LOT_SIZE, 100_000_000).await;
    let mut quotes = Vec::new();
    for i in 0..5 {
        let (side, price) = if i % 2 == 0 { (Side::Bid, 90 + i) } else { (Side::Ask, 110 + i) };
        let id = rest(&mut world, &maker, order(side, OrderType::PostOnly, price, 2)).await;
        quotes.push(CancelRef { side, order_id: id });
    }
    let requote: Vec<OrderPacket> = (0..5)
        .map(|i| if i % 2 == 0 { bid(95 + i, 3) } else { ask(105 + i, 3) })
        .map(|mut p| {
            p.order_type = OrderType::PostOnly;
            p
        })
        .collect();
    let outcome =
        world.process(&[batch(&world, &maker, quotes.clone(), requote.clone())], &[&maker.key]).await;
    eprintln!("batch of 5 cancels + 5 places: {} CU", outcome.compute_units);
    outcome.result.expect("requote");
    let canceled = decode_events::<OrderCanceled>(&outcome.logs);
    let placed = decode_events::<OrderPlaced>(&outcome.logs);
    assert_eq!(
        canceled.iter().map(|c| c.order_id).collect::<Vec<_>>(),
        quotes.iter().map(|q| q.order_id).collect::<Vec<_>>()
    );
    assert!(canceled.iter().all(|c| c.reason == 0));
    assert_eq!(
        placed.iter().map(|p| (p.price_ticks, p.lots)).collect::<Vec<_>>(),
        requote.iter().map(|p| (p.price.0, 3)).collect::<Vec<_>>()
    );
    let m = world.market_state().await;
    assert_eq!((m.book.header.bid_count, m.book.header.ask_count), (3, 2));

    // Cancels of orders no longer on the book (these were just canceled) are skipped,
    // someone else's order cannot be canceled, and the placements still happen.
    let stranger = world.trader(0, 1_000_000).await;
    let theirs = rest(&mut world, &stranger, bid(50, 1)).await;
    let mut misses = quotes.clone();
    misses.push(CancelRef { side: Side::Bid, order_id: theirs });
    let outcome = world.process(&[batch(&world, &maker, misses, vec![bid(60, 1)])], &[&maker.key]).await;
    outcome.result.expect("misses are skipped");
    assert!(decode_events::<OrderCanceled>(&outcome.logs).is_empty());
    assert_eq!(decode_events::<OrderPlaced>(&outcome.logs).len(), 1);
    assert!(world.market_state().await.book.orders(Side::Bid).iter().any(|o| o.order_id == theirs));

    // Any placement refused refuses the batch: its cancels do not happen either.
    let live = world.market_state().await.book.orders(Side::Ask)[0].order_id;
    let fok = order(Side::Bid, OrderType::FillOrKill, 1, 1);
    let failing =
        batch(&world, &maker, vec![CancelRef { side: Side::Ask, order_id: live }], vec![bid(61, 1), fok]);
    assert_error(world.send(&[failing], &[&maker.key]).await, MarketError::FillOrKillNotFilled);
    assert!(world.market_state().await.book.orders(Side::Ask).iter().any(|o| o.order_id == live));

    // Bounded: one order more than the bound on either list is refused.
    let too_many_places = batch(&world, &maker, vec![], vec![bid(10, 1); MAX_BATCH_ORDERS + 1]);
    assert_error(world.send(&[too_many_places], &[&maker.key]).await, MarketError::BatchTooLarge);
    let too_many_cancels =
        batch(&world, &maker, vec![CancelRef { side: Side::Bid, order_id: 1 }; MAX_BATCH_ORDERS + 1], vec![]);
    assert_error(world.send(&[too_many_cancels], &[&maker.key]).await, MarketError::BatchTooLarge);

    // Paused: a batch that places is refused; one that only cancels is an exit and runs.
    let guardian = world.keys.guardian.insecure_clone();
    world.send(&[governance::client::pause(guardian.pubkey())], &[&guardian]).await.unwrap();
    let placing =
        batch(&world, &maker, vec![CancelRef { side: Side::Ask, order_id: live }], vec![bid(62, 1)]);
    assert_error(world.send(&[placing], &[&maker.key]).await, MarketError::Paused);
    let exit = batch(&world, &maker, vec![CancelRef { side: Side::Ask, order_id: live }], vec![]);
    let outcome = world.process(&[exit], &[&maker.key]).await;
    outcome.result.expect("cancel-only batch while paused");
    assert_eq!(decode_events::<OrderCanceled>(&outcome.logs).len(), 1);
    world.assert_conserved().await;
}

/// The batch at its bounds, on the SBF build as natively: `MAX_BATCH_ORDERS` cancels and
/// `MAX_BATCH_ORDERS` taking placements, the last one emitting the most events a
/// placement can (64 fills and its placed remainder). Every placement reuses one event
/// buffer; each one's matching plan stays on SBF's never-freeing heap.
#[tokio::test]
async fn the_largest_batch() {
    let mut world = trading_world().await;
    let limit = u64::from(market::engine::MAX_MATCH_LIMIT);
    let per_place = 20;
    let asks = per_place * (MAX_BATCH_ORDERS as u64 - 1) + limit;
    let maker = world.trader(asks * LOT_SIZE, 0).await;
    for i in 0..asks {
        let mut p = ask(100, 1);
        p.client_order_id = i;
        world.place(&maker, p).await.result.expect("resting ask");
    }
    let taker = world.trader(0, 1_000_000_000).await;
    let mut cancels = Vec::new();
    for i in 0..MAX_BATCH_ORDERS as u64 {
        let id = rest(&mut world, &taker, bid(10 + i, 1)).await;
        cancels.push(CancelRef { side: Side::Bid, order_id: id });
    }
    let mut places: Vec<OrderPacket> = (0..MAX_BATCH_ORDERS - 1)
        .map(|_| {
            let mut p = order(Side::Bid, OrderType::ImmediateOrCancel, 100, per_place);
            p.match_limit = u16::MAX;
            p
        })
        .collect();
    let mut last = bid(100, limit + 1);
    last.match_limit = u16::MAX;
    places.push(last);
    let outcome = world.process(&[max_budget(), batch(&world, &taker, cancels, places)], &[&taker.key]).await;
    eprintln!(
        "batch of {MAX_BATCH_ORDERS} cancels + {MAX_BATCH_ORDERS} places ({asks} fills): {} CU",
        outcome.compute_units
    );
    outcome.result.unwrap_or_else(|e| panic!("{e:?}\n{:#?}", outcome.logs));
    assert_eq!(decode_events::<OrderFilled>(&outcome.logs).len() as u64, asks);
    assert_eq!(decode_events::<OrderCanceled>(&outcome.logs).len(), MAX_BATCH_ORDERS);
    let placed = decode_events::<OrderPlaced>(&outcome.logs);
    assert_eq!((placed.len(), placed[0].lots), (1, 1), "the last bid's remainder rests");
    let m = world.market_state().await;
    assert_eq!((m.book.header.ask_count, m.book.header.bid_count), (0, 1));
    assert!(!m.book.is_crossed());
    world.assert_conserved().await;
}
