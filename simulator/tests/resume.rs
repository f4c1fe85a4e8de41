//! Restarting from the state file against localnet: a clean restart continues with no
//! rejected reading, and a restart from an older state (a crash between saves) re-sends
//! identical readings that the chain refuses, so nothing is minted twice or skipped.
mod support;

use std::time::Duration;

use anchor_lang::AccountDeserialize;
use energy::reading::{surplus_to_mint, Cursor};
use gridtokenx_simulator::cli::outputs::{Opened, OutputArgs};
use gridtokenx_simulator::fleet::FleetConfig;
use localnet::keys::DeploymentKeys;
use localnet::node::{Node, Options};
use support::{afternoon_longitude, now_aligned, TempDir};

/// Emits `n` intervals; returns (landed, rejected) over them.
async fn emit(opened: &mut Opened, n: usize) -> (u64, u64) {
    let before = opened.outputs.report.lock().unwrap().chain.clone().unwrap_or_default();
    for _ in 0..n {
        let batch = opened.fleet.advance_interval();
        opened.outputs.emit(&opened.fleet, &batch).await.unwrap();
    }
    let after = opened.outputs.report.lock().unwrap().chain.clone().unwrap();
    assert!(after.failed.is_empty(), "{after:?}");
    let rejected = |r: &gridtokenx_simulator::post::PostReport| r.rejected.values().sum::<u64>();
    (after.landed - before.landed, rejected(&after) - rejected(&before))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_continues_without_replays_and_a_crash_loses_nothing() {
    let keys = DeploymentKeys::random();
    let node = Node::start(&keys, Options::ephemeral(Duration::from_millis(100))).await.expect("localnet");
    let dir = TempDir::new("resume");
    let state = dir.0.join("state.json");
    let args = OutputArgs {
        oracle_key: Some(dir.key_file("oracle.json", &keys.oracle)),
        payer_key: Some(dir.key_file("payer.json", &keys.traders[0])),
        rpc_url: Some(node.rpc_url.clone()),
        concurrency: 4,
        state: Some(state.clone()),
        ..OutputArgs::default()
    };
    let start = now_aligned() - 8 * 900;
    let config = FleetConfig {
        meters: 3,
        seed: 11,
        start_unix_s: start,
        latitude_deg: 0.0,
        longitude_deg: afternoon_longitude(now_aligned()),
        ..FleetConfig::default()
    };

    // First run: three intervals, with a copy of the state as it was after the first.
    let mut first = args.open(config.clone()).await.unwrap();
    assert!(!first.resumed);
    emit(&mut first, 1).await;
    first.outputs.save(&first.fleet, true).unwrap();
    let older = dir.0.join("older.json");
    std::fs::copy(&state, &older).unwrap();
    assert_eq!(emit(&mut first, 2).await, (6, 0));
    first.outputs.finish(&first.fleet).unwrap();
    let saved_clock = first.fleet.now_s;
    drop(first);

    // A clean restart picks up the clock, the meters and their owners: nothing is refused.
    let mut second = args.open(config.clone()).await.unwrap();
    assert!(second.resumed);
    assert_eq!(second.fleet.now_s, saved_clock);
    assert_eq!(emit(&mut second, 2).await, (6, 0));
    second.outputs.finish(&second.fleet).unwrap();

    // A crash after the older save: intervals 2..5 come again, byte for byte, and are
    // refused; interval 6 lands. A restart takes longer than a slot: without that pause the
    // replayed transactions could carry the very blockhash of the originals and be refused
    // as duplicates ("already processed", as a validator does within a blockhash's 150
    // slots) before the program's own replay checks are reached.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let crashed = OutputArgs { state: Some(older), ..args.clone() };
    let mut third = crashed.open(config.clone()).await.unwrap();
    assert!(third.resumed);
    assert_eq!(emit(&mut third, 5).await, (3, 12));
    let report = third.outputs.report.lock().unwrap().chain.clone().unwrap();
    assert_eq!(
        report.rejected.get("ReadingOutOfOrder").copied().unwrap_or(0)
            + report.rejected.get("ReadingReplayed").copied().unwrap_or(0),
        12,
        "{report:?}"
    );

    // Minted on chain == the surplus of six intervals, computed from a fresh replay.
    let mut reference = gridtokenx_simulator::fleet::Fleet::new(config);
    let rules = localnet::bootstrap::default_reading_rules();
    let mut cursors = [None::<Cursor>; 3];
    let mut expected = [0u64; 3];
    for _ in 0..6 {
        let batch = reference.advance_interval();
        for (i, r) in &batch.readings {
            let cursor = cursors[*i].unwrap_or(Cursor::NONE);
            expected[*i] += surplus_to_mint(&rules, &cursor, r, r.interval_start_ts + 905).unwrap();
            cursors[*i] = Some(Cursor::advanced(r));
        }
    }
    // The meters' accounts are their owners' (kept in the state file since the first run),
    // read once the last readings are confirmed.
    let chain = third.outputs.chain.as_ref().unwrap();
    support::until_confirmed_caught_up(&chain.poster.rpc).await;
    assert_eq!(chain.meters.len(), reference.meters.len());
    for ((meter, simulated), want) in chain.meters.iter().zip(&reference.meters).zip(expected) {
        assert_eq!(meter.meter_id, simulated.meter_id);
        let data = chain.poster.rpc.get_account_data(&meter.address).await.unwrap();
        let state = energy::state::Meter::try_deserialize(&mut &data[..]).unwrap();
        assert_eq!((state.owner, state.minted_wh), (solana_signer::Signer::pubkey(&meter.owner), want));
    }
    assert!(expected.iter().sum::<u64>() > 0, "the test ran in daylight");
    drop(node);
}
