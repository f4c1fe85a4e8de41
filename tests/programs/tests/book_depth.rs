//! Compute units of the market's hot instructions as the book deepens (issue #9, "Measure";
//! docs/benchmarks.md). Ignored by default (it builds books of thousands of orders); run on
//! the SBF build with
//!
//! ```sh
//! SBF_OUT_DIR=~/.cache/gridtokenx/sbf/deploy cargo test --workspace --locked --test book_depth -- --ignored --nocapture
//! ```
//!
//! It prints one markdown row per depth (10, 1,000 and 10,000 resting orders a side; fewer
//! with `BOOK_DEPTHS=10,1000`): place resting (the account growing by a block, and reusing a
//! freed one), taking 1 fill and 10 makers, cancel, a batch of 5 cancels and 5 places,
//! deposit, withdraw, claim seat; then submit reading and issue REC, and the rent of a
//! market and of a seat.
use energy::reading::Reading;
use gridtokenx_program_tests::bench::{deepen, units, DEEP_ASK};
use gridtokenx_program_tests::*;
use market::engine::{OrderType, Side};
use market::instructions::CancelRef;
use solana_keypair::Keypair;
use solana_signer::Signer;

#[tokio::test]
#[ignore = "a benchmark: builds books of thousands of orders (run with --ignored)"]
async fn compute_units_by_book_depth() {
    let mut world = World::new().await;
    world.allow_large_readings().await;
    let deepest = depths().last().copied().unwrap_or(0);
    // Room for the asks put back after each take, too.
    let maker = world.trader((deepest + 100) * LOT_SIZE, (deepest + 100) * 600 * TICK_SIZE).await;
    let trader = world.trader(1_000 * LOT_SIZE, 10_000_000 * TICK_SIZE).await;
    // The maker pays for the blocks of its orders (0.00072 SOL each).
    world.airdrop(&maker.pubkey(), (deepest + 100) * 2 * 1_000_000).await;
    world.airdrop(&trader.pubkey(), 1_000_000_000).await;
    println!(
        "| resting orders per side | place resting (grows) | place resting (reuses a block) | take 1 fill \
         | take 10 makers | cancel | batch: 5 cancels + 5 places | deposit | withdraw | claim seat |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut depth = 0;
    let mut claim_lamports = 0;
    for target in depths() {
        deepen(&mut world, &maker, depth, target - depth).await;
        depth = target;
        let m = world.market_state().await;
        assert_eq!((m.book.header.bid_count, m.book.header.ask_count), (target as u32, target as u32));
        assert_eq!(m.book.header.free_count, 0, "the batches leave no free block");

        // Resting in the middle of the bids: the free list is empty after the batches, so
        // the first placement grows the account (System transfer + resize).
        let rest = market::client::place_order(trader.pubkey(), world.market, trader.seat, bid(350, 1), None);
        let grows = units(&mut world, rest.clone(), &trader.key).await;
        let cancel = cancel_last(&mut world, &trader).await;
        let cancel_units = units(&mut world, cancel, &trader.key).await;
        let reuses = units(&mut world, rest, &trader.key).await;
        let cancel = cancel_last(&mut world, &trader).await;
        units(&mut world, cancel, &trader.key).await;

        // Takers: an IOC bid for one lot at the best ask, then one for ten lots over the ten
        // best asks (one-lot orders); the filled asks are put back so the depth stays.
        let take = |lots| {
            let packet = order(Side::Bid, OrderType::ImmediateOrCancel, DEEP_ASK + 499, lots);
            market::client::place_order(trader.pubkey(), world.market, trader.seat, packet, None)
        };
        let (take_one, take_ten) = (take(1), take(10));
        let take_one = units(&mut world, take_one, &trader.key).await;
        put_back_asks(&mut world, &maker, 1).await;
        let take_ten = units(&mut world, take_ten, &trader.key).await;
        put_back_asks(&mut world, &maker, 10).await;

        // A market maker's requote: five resting bids canceled and five placed, into the five
        // blocks that five earlier cancels left free (a steady requote does not grow).
        let quotes: Vec<_> = (0..10).map(|i| bid(300 + i, 1)).collect();
        let ix =
            market::client::batch_orders(trader.pubkey(), world.market, trader.seat, vec![], quotes, None);
        world.send(&[ix], &[&trader.key]).await.expect("ten quotes");
        let last = world.market_state().await.book.header.next_order_id - 1;
        let market_key = world.market;
        let batch = |ids: std::ops::RangeInclusive<u64>, places| {
            let cancels = ids.map(|order_id| CancelRef { side: Side::Bid, order_id }).collect();
            market::client::batch_orders(trader.pubkey(), market_key, trader.seat, cancels, places, None)
        };
        let free_five = batch(last - 4..=last, vec![]);
        world.send(&[free_five], &[&trader.key]).await.expect("five cancels");
        let requote = batch(last - 9..=last - 5, (0..5).map(|i| bid(310 + i, 1)).collect());
        let batch_units = units(&mut world, requote, &trader.key).await;
        let last = world.market_state().await.book.header.next_order_id - 1;
        let clear = batch(last - 4..=last, vec![]);
        world.send(&[clear], &[&trader.key]).await.expect("requote cleared");

        // Funds: a withdrawal of base and quote, and their deposit back.
        let move_funds = |build: fn(_, _, _, _, _) -> _| {
            build(world.market, trader.accounts(), trader.seat, LOT_SIZE, 1_000)
        };
        let (withdraw, deposit) = (move_funds(market::client::withdraw), move_funds(market::client::deposit));
        let withdraw = units(&mut world, withdraw, &trader.key).await;
        let deposit = units(&mut world, deposit, &trader.key).await;

        let newcomer = Keypair::new();
        world.airdrop(&newcomer.pubkey(), 1_000_000_000).await;
        let claim_ix = market::client::claim_seat(newcomer.pubkey(), world.market);
        let claim = units(&mut world, claim_ix, &newcomer).await;
        let left = world.ctx.banks_client.get_balance(newcomer.pubkey()).await.expect("balance");
        claim_lamports = 1_000_000_000 - left - 5_000;
        println!(
            "| {target} | {grows} | {reuses} | {take_one} | {take_ten} | {cancel_units} | {batch_units} | {deposit} \
             | {withdraw} | {claim} |"
        );
    }

    // The energy program's hot path and a certificate, which do not depend on the book.
    let owner = Keypair::new();
    world.airdrop(&owner.pubkey(), 1_000_000_000).await;
    let meter = world.register_meter(&owner, [7; 32]).await;
    world.set_time(T0 + 10 * 900);
    let baseline = Reading { interval_start_ts: T0, produced_wh: 0, consumed_wh: 0 };
    world.submit_reading(&meter, &owner.pubkey(), baseline).await.result.expect("baseline");
    let surplus = Reading { interval_start_ts: T0 + 900, produced_wh: 2_500_000, consumed_wh: 400_000 };
    let outcome = world.submit_reading(&meter, &owner.pubkey(), surplus).await;
    outcome.result.expect("reading");
    // The transaction's units without the Ed25519 precompile's: the program's own line.
    let reading = program_units(&outcome.logs, &energy::ID).unwrap_or(outcome.compute_units);
    let rec = units(&mut world, energy::client::issue_rec(owner.pubkey(), meter, 0, 1), &owner).await;
    println!("\n| submit reading (minting) | issue REC (1 MWh) |\n|---:|---:|\n| {reading} | {rec} |");

    // Rent: a market account at creation (no blocks), and what a seat claim takes from the
    // claimer beyond its fee (the block's rent and the bond; both come back on release).
    let rent = world.ctx.banks_client.get_rent().await.expect("rent");
    let market_len = market::state::Market::SPACE;
    println!(
        "\nmarket account at creation: {market_len} bytes, {} lamports of rent; a seat claim: {claim_lamports} lamports",
        rent.minimum_balance(market_len)
    );
}

/// Depths measured: `BOOK_DEPTHS=10,1000` for fewer (10,000 takes a minute or two).
fn depths() -> Vec<u64> {
    std::env::var("BOOK_DEPTHS")
        .map(|v| v.split(',').map(|d| d.trim().parse().expect("BOOK_DEPTHS: numbers")).collect())
        .unwrap_or_else(|_| vec![10, 1_000, 10_000])
}

/// A cancel of the trader's latest order (a bid).
async fn cancel_last(world: &mut World, trader: &Trader) -> solana_instruction::Instruction {
    let placed = world.market_state().await.book.header.next_order_id - 1;
    market::client::cancel_order(trader.pubkey(), world.market, trader.seat, Side::Bid, placed)
}

/// Rests `n` one-lot asks at the best ask price again, for the ones a taker filled.
async fn put_back_asks(world: &mut World, maker: &Trader, n: usize) {
    let places = (0..n).map(|_| order(Side::Ask, OrderType::PostOnly, DEEP_ASK, 1)).collect();
    let ix = market::client::batch_orders(maker.pubkey(), world.market, maker.seat, vec![], places, None);
    world.send(&[ix], &[&maker.key]).await.expect("asks back");
}

/// The units `program`'s own instruction consumed, from its "consumed" log line (on SBF;
/// natively run programs log none).
fn program_units(logs: &[String], program: &anchor_lang::prelude::Pubkey) -> Option<u64> {
    let prefix = format!("Program {program} consumed ");
    logs.iter().find_map(|l| l.strip_prefix(&prefix)?.split(' ').next()?.parse().ok())
}
