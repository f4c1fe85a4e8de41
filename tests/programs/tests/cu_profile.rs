//! Where the compute units of the hot instructions go, phase by phase (issue #9: "profile
//! it step by step and write down where the units go"). Ignored by default; it needs the
//! profiling build, whose programs log a marker (`governance::cu_mark!`) between phases:
//!
//! ```sh
//! SBF_PROFILE=1 tools/sbf/build.sh
//! SBF_OUT_DIR=~/.cache/gridtokenx/sbf/deploy-profile \
//!     cargo test --workspace --locked --test cu_profile -- --ignored --nocapture
//! ```
//!
//! Each phase's figure is the units between two markers less the markers' own cost; the
//! first phase is everything before the handler (entrypoint, Anchor's dispatch and account
//! checks), the last everything after the last marker (Anchor's exit, return data).
use energy::reading::Reading;
use gridtokenx_program_tests::bench::{deepen, measure};
use gridtokenx_program_tests::*;
use market::engine::Side;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// What one marker costs itself: `sol_log` of its label (100) and `sol_log_compute_units`
/// (100), plus a few instructions of call setup.
const MARKER_UNITS: u64 = 200;

/// The program's own "consumed N of M compute units" line: (N, M).
fn consumed(logs: &[String], program: &str) -> (u64, u64) {
    let prefix = format!("Program {program} consumed ");
    logs.iter()
        .find_map(|l| {
            let mut words = l.strip_prefix(&prefix)?.split(' ');
            let used = words.next()?.parse().ok()?;
            let budget = words.nth(1)?.parse().ok()?;
            Some((used, budget))
        })
        .expect("the program's 'consumed N of M compute units' line")
}

/// (phase, units) from one instruction's logs, each phase named by the marker that ends it.
fn phases(logs: &[String], program: &str) -> Vec<(String, u64)> {
    let (total, budget) = consumed(logs, program);
    let mut out = Vec::new();
    let mut label = None;
    let mut spent_before = 0u64;
    for line in logs {
        if let Some(l) = line.strip_prefix("Program log: cu: ") {
            label = Some(l.to_string());
        } else if let Some(rest) = line.strip_prefix("Program consumption: ") {
            let remaining: u64 = rest.split(' ').next().unwrap().parse().unwrap();
            let spent = budget - remaining;
            out.push((label.take().unwrap_or_default(), spent - spent_before - MARKER_UNITS));
            spent_before = spent;
        }
    }
    assert!(!out.is_empty(), "no markers in the logs: run on the profiling build (see the module doc)");
    out.push(("after the handler (exit, return data)".into(), total - spent_before));
    out
}

fn print(name: &str, logs: &[String], program: &str) {
    let phases = phases(logs, program);
    let total: u64 = phases.iter().map(|(_, units)| units).sum();
    println!("\n{name}: {total} CU without the markers\n\n| phase (ends at) | CU |\n|---|---:|");
    for (phase, units) in phases {
        println!("| {phase} | {units} |");
    }
}

#[tokio::test]
#[ignore = "a profile: needs the profiling build (see the module doc)"]
async fn where_the_units_go() {
    let mut world = World::new().await;
    world.allow_large_readings().await;
    let maker = world.trader(2_000 * LOT_SIZE, 2_000 * 600 * TICK_SIZE).await;
    let trader = world.trader(100 * LOT_SIZE, 100_000 * TICK_SIZE).await;
    world.airdrop(&maker.pubkey(), 10_000_000_000).await;
    deepen(&mut world, &maker, 0, 1_000).await;

    // Place resting in the middle of 1,000 bids, then the same after a cancel freed its block.
    let rest = market::client::place_order(trader.pubkey(), world.market, trader.seat, bid(350, 1), None);
    let market = market::ID.to_string();
    let (_, logs) = measure(&mut world, rest.clone(), &trader.key).await;
    print("place resting, the account growing (1,000 orders a side)", &logs, &market);
    let placed = world.market_state().await.book.header.next_order_id - 1;
    let cancel = market::client::cancel_order(trader.pubkey(), world.market, trader.seat, Side::Bid, placed);
    let (_, logs) = measure(&mut world, cancel, &trader.key).await;
    print("cancel (1,000 orders a side)", &logs, &market);
    let (_, logs) = measure(&mut world, rest, &trader.key).await;
    print("place resting, a free block reused (1,000 orders a side)", &logs, &market);

    // The trader deposited everything it had: withdraw some, then deposit it back.
    let withdraw = market::client::withdraw(world.market, trader.accounts(), trader.seat, LOT_SIZE, 1_000);
    let (_, logs) = measure(&mut world, withdraw, &trader.key).await;
    print("withdraw (base and quote)", &logs, &market);
    let deposit = market::client::deposit(world.market, trader.accounts(), trader.seat, LOT_SIZE, 1_000);
    let (_, logs) = measure(&mut world, deposit, &trader.key).await;
    print("deposit (base and quote)", &logs, &market);

    let owner = Keypair::new();
    world.airdrop(&owner.pubkey(), 1_000_000_000).await;
    let meter = world.register_meter(&owner, [9; 32]).await;
    world.set_time(T0 + 10 * 900);
    let baseline = Reading { interval_start_ts: T0, produced_wh: 0, consumed_wh: 0 };
    world.submit_reading(&meter, &owner.pubkey(), baseline).await.result.expect("baseline");
    let surplus = Reading { interval_start_ts: T0 + 900, produced_wh: 5_000, consumed_wh: 1_000 };
    let outcome = world.submit_reading(&meter, &owner.pubkey(), surplus).await;
    outcome.result.expect("reading");
    // The program's own units: the transaction's include the Ed25519 precompile.
    print("submit_reading (minting)", &outcome.logs, &energy::ID.to_string());
}
