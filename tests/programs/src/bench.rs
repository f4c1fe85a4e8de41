//! What the compute-unit benchmarks share (`tests/book_depth.rs`, `tests/cu_profile.rs`):
//! a book deepened to a given number of resting orders a side, and the units one
//! instruction costs.
use market::engine::{OrderPacket, OrderType, Side};
use market::instructions::CancelRef;
use solana_instruction::Instruction;
use solana_keypair::Keypair;

use crate::{order, Trader, World};

/// Lowest bid and lowest ask price of a deepened book; each side spreads over 500 levels.
pub const DEEP_BID: u64 = 100;
pub const DEEP_ASK: u64 = 1_000;

/// Rests `n` more one-lot post-only orders a side for `maker` (orders `from..from + n`),
/// ten per `batch_orders`: bids at 100..600 ticks, asks at 1,000..1,500.
pub async fn deepen(world: &mut World, maker: &Trader, from: u64, n: u64) {
    let mut i = from;
    while i < from + n {
        let count = (from + n - i).min(5);
        let mut places: Vec<OrderPacket> = Vec::new();
        for k in i..i + count {
            places.push(order(Side::Bid, OrderType::PostOnly, DEEP_BID + k % 500, 1));
            places.push(order(Side::Ask, OrderType::PostOnly, DEEP_ASK + k % 500, 1));
        }
        let ix = market::client::batch_orders(
            maker.pubkey(),
            world.market,
            maker.seat,
            Vec::<CancelRef>::new(),
            places,
            None,
        );
        world.send(&[ix], &[&maker.key]).await.expect("deepen the book");
        i += count;
    }
}

/// Processes `ix` alone, which must succeed, and returns its compute units and logs.
pub async fn measure(world: &mut World, ix: Instruction, signer: &Keypair) -> (u64, Vec<String>) {
    let outcome = world.process(&[ix], &[signer]).await;
    outcome.result.unwrap_or_else(|e| panic!("{e:?}\n{:#?}", outcome.logs));
    (outcome.compute_units, outcome.logs)
}

/// `measure`'s compute units alone.
pub async fn units(world: &mut World, ix: Instruction, signer: &Keypair) -> u64 {
    measure(world, ix, signer).await.0
}
