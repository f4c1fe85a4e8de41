//! The simulator against localnet: a fleet's readings land, every meter's minted energy is
//! exactly the surplus computed from its readings, and bad readings are refused by name.
mod support;

use std::sync::Arc;
use std::time::Duration;

use anchor_lang::AccountDeserialize;
use energy::reading::{surplus_to_mint, Cursor, Reading};
use gridtokenx_simulator::fleet::{Fleet, FleetConfig};
use gridtokenx_simulator::oracle::Oracle;
use gridtokenx_simulator::post::{cluster_tag, Poster};
use localnet::keys::DeploymentKeys;
use localnet::node::{Node, Options};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_fleet_mints_exactly_its_surplus_on_localnet() {
    let keys = DeploymentKeys::random();
    let options = Options::ephemeral(Duration::from_millis(100));
    let node = Node::start(&keys, options).await.expect("localnet");
    let rpc = Arc::new(RpcClient::new_with_commitment(node.rpc_url.clone(), CommitmentConfig::confirmed()));
    let tag = cluster_tag(&rpc).await.unwrap();
    assert_eq!(tag, node.deployment.as_ref().unwrap().cluster_tag);

    // The last six hours, simulated as fast as possible; the chain's clock is wall time.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let end = now - now % 900;
    // Put the fleet where those six hours are daytime (ending ~15:00 solar time), so the
    // test does not depend on when it runs.
    let utc_hour = (end.rem_euclid(86_400)) as f64 / 3_600.0;
    let longitude_deg = ((15.0 - utc_hour) * 15.0 + 540.0).rem_euclid(360.0) - 180.0;
    let config = FleetConfig {
        meters: 6,
        start_unix_s: end - 24 * 900,
        seed: 5,
        longitude_deg,
        latitude_deg: 0.0,
        ..FleetConfig::default()
    };
    let rules = localnet::bootstrap::default_reading_rules();
    let mut fleet = Fleet::new(config);
    let poster = Poster {
        rpc: rpc.clone(),
        oracle: Oracle::new(keys.oracle.insecure_clone(), energy::ID, tag),
        payer: keys.traders[0].insecure_clone(),
        concurrency: 4,
    };
    let ids: Vec<[u8; 32]> = fleet.meters.iter().map(|m| m.meter_id).collect();
    let meters = poster.register_meters(&ids).await.unwrap();

    let mut cursors = vec![None::<Cursor>; meters.len()];
    let mut expected = vec![0u64; meters.len()];
    for n in 0..24 {
        let interval = fleet.advance_interval();
        for (i, r) in &interval.readings {
            let cursor = cursors[*i].unwrap_or(Cursor::NONE);
            expected[*i] += surplus_to_mint(&rules, &cursor, r, now).expect("plausible");
            cursors[*i] = Some(Cursor::advanced(r));
        }
        if n == 23 {
            // Fault: a spike far beyond what the interval allows is refused by name...
            let (i, real) = interval.readings[0];
            let spike = [(i, Reading { produced_wh: real.produced_wh + 10_000_000, ..real })];
            let refused = poster.post(&meters, &spike).await;
            assert_eq!(
                (refused.landed, refused.rejected.get("ImplausibleProduction").copied()),
                (0, Some(1))
            );
        }
        // ...and loses nothing: the real readings still land.
        let report = poster.post(&meters, &interval.readings).await;
        assert_eq!((report.landed, report.rejected.len(), report.failed.len()), (6, 0, 0), "{report:?}");
        if n == 23 {
            let replay = poster.post(&meters, &interval.readings).await;
            assert_eq!((replay.landed, replay.rejected.get("ReadingReplayed").copied()), (0, Some(6)));
        }
    }
    // The last readings landed in the processed bank; the reads below are at `confirmed`.
    support::until_confirmed_caught_up(&rpc).await;
    for (meter, want) in meters.iter().zip(&expected) {
        let data = rpc.get_account_data(&meter.address).await.unwrap();
        let state = energy::state::Meter::try_deserialize(&mut &data[..]).unwrap();
        assert_eq!(state.minted_wh, *want);
    }
    assert!(expected.iter().sum::<u64>() > 0);
    drop(node);
}
