//! Compute units of the market's hot instructions as the book deepens (issue #9, "Measure";
//! docs/benchmarks.md). Ignored by default (it builds books of thousands of orders); run on
//! the SBF build with
//!
//! ```sh
//! SBF_OUT_DIR=~/.cache/gridtokenx/sbf/deploy cargo test --workspace --locked --test book_depth -- --ignored --nocapture
//! ```
//!
//! It prints one markdown row per depth: place resting (the account growing by a block, and
//! reusing a freed one), place taking 1 fill, cancel, claim seat.
use gridtokenx_program_tests::bench::{deepen, units};
use gridtokenx_program_tests::*;
use market::engine::{OrderType, Side};
use solana_keypair::Keypair;
use solana_signer::Signer;

#[tokio::test]
#[ignore = "a benchmark: builds books of thousands of orders (run with --ignored)"]
async fn compute_units_by_book_depth() {
    let mut world = World::new().await;
    world.allow_large_readings().await;
    let maker = world.trader(2_000 * LOT_SIZE, 2_000 * 600 * TICK_SIZE).await;
    let trader = world.trader(100 * LOT_SIZE, 100_000 * TICK_SIZE).await;
    // The maker pays for the blocks of its 2,000 orders (0.00072 SOL each).
    world.airdrop(&maker.pubkey(), 10_000_000_000).await;
    println!("| resting orders per side | place resting (grows) | place resting (reuses a block) | place taking 1 fill | cancel | claim seat |");
    println!("|---:|---:|---:|---:|---:|---:|");
    let mut depth = 0;
    for target in [10u64, 1_000] {
        deepen(&mut world, &maker, depth, target - depth).await;
        depth = target;
        let m = world.market_state().await;
        assert_eq!((m.book.header.bid_count, m.book.header.ask_count), (target as u32, target as u32));

        // Resting in the middle of the bids: the free list is empty after the batches, so
        // the first placement grows the account (System transfer + resize).
        let free = m.book.header.free_count;
        let rest = market::client::place_order(trader.pubkey(), world.market, trader.seat, bid(350, 1), None);
        let grows = units(&mut world, rest.clone(), &trader.key).await;
        let placed = world.market_state().await.book.header.next_order_id - 1;
        let cancel =
            market::client::cancel_order(trader.pubkey(), world.market, trader.seat, Side::Bid, placed);
        let cancel_units = units(&mut world, cancel, &trader.key).await;
        let reuses = units(&mut world, rest, &trader.key).await;
        let placed = world.market_state().await.book.header.next_order_id - 1;
        let cancel =
            market::client::cancel_order(trader.pubkey(), world.market, trader.seat, Side::Bid, placed);
        units(&mut world, cancel, &trader.key).await;

        // One fill: an IOC bid for one lot at the best ask.
        let take = order(Side::Bid, OrderType::ImmediateOrCancel, 1_000, 1);
        let take = market::client::place_order(trader.pubkey(), world.market, trader.seat, take, None);
        let take_units = units(&mut world, take, &trader.key).await;
        // Put the filled ask back so the depth stays as stated.
        deepen_one_ask(&mut world, &maker).await;

        let newcomer = Keypair::new();
        world.airdrop(&newcomer.pubkey(), 1_000_000_000).await;
        let claim_ix = market::client::claim_seat(newcomer.pubkey(), world.market);
        let claim = units(&mut world, claim_ix, &newcomer).await;
        println!(
            "| {target} | {grows} | {reuses} | {take_units} | {cancel_units} | {claim} |{}",
            if free > 0 { " (a free block was left: no growth)" } else { "" }
        );
    }
}

async fn deepen_one_ask(world: &mut World, maker: &Trader) {
    let p = order(Side::Ask, OrderType::PostOnly, 1_000, 1);
    let ix = market::client::place_order(maker.pubkey(), world.market, maker.seat, p, None);
    world.send(&[ix], &[&maker.key]).await.expect("ask back");
}
