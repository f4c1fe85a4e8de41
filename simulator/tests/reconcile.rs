//! The state file and the chain disagree: the chain (same genesis) no longer holds meters the
//! state file lists. On start the simulator registers them again, with the owners the state
//! file keeps, and their readings land — instead of every one being refused forever.
mod support;

use std::path::Path;
use std::time::Duration;

use gridtokenx_simulator::cli::outputs::{Opened, OutputArgs};
use gridtokenx_simulator::fleet::FleetConfig;
use localnet::keys::DeploymentKeys;
use localnet::node::{Node, Options};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use support::{afternoon_longitude, now_aligned, TempDir};

/// Emits one interval; returns (landed, refused) in it.
async fn emit_one(opened: &mut Opened) -> (u64, u64) {
    let before = opened.outputs.report.lock().unwrap().chain.clone().unwrap_or_default();
    let batch = opened.fleet.advance_interval();
    opened.outputs.emit(&opened.fleet, &batch).await.unwrap();
    let after = opened.outputs.report.lock().unwrap().chain.clone().unwrap();
    let refused = |r: &gridtokenx_simulator::post::PostReport| {
        r.rejected.values().sum::<u64>() + r.failed.values().sum::<u64>()
    };
    (after.landed - before.landed, refused(&after) - refused(&before))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meters_the_chain_lost_are_registered_again_on_start() {
    let keys = DeploymentKeys::random();
    let dir = TempDir::new("reconcile");
    let chain_dir = dir.0.join("chain");
    let options =
        || Options { data_dir: Some(chain_dir.clone()), ..Options::ephemeral(Duration::from_millis(100)) };

    // The chain as it was before the simulator registered anything.
    let node = Node::start(&keys, options()).await.expect("localnet");
    node.save().await.unwrap();
    drop(node);
    let before_meters = dir.0.join("chain-before-meters");
    copy_dir(&chain_dir, &before_meters);

    let node = Node::start(&keys, options()).await.expect("localnet");
    let args = |rpc_url: String| OutputArgs {
        oracle_key: Some(dir.key_file("oracle.json", &keys.oracle)),
        payer_key: Some(dir.key_file("payer.json", &keys.traders[0])),
        rpc_url: Some(rpc_url),
        concurrency: 4,
        state: Some(dir.0.join("state.json")),
        ..OutputArgs::default()
    };
    let config = FleetConfig {
        meters: 3,
        seed: 17,
        start_unix_s: now_aligned() - 8 * 900,
        latitude_deg: 0.0,
        longitude_deg: afternoon_longitude(now_aligned()),
        ..FleetConfig::default()
    };
    let mut first = args(node.rpc_url.clone()).open(config.clone()).await.unwrap();
    assert_eq!(emit_one(&mut first).await, (3, 0));
    first.outputs.finish(&first.fleet).unwrap();
    drop(first);
    drop(node);

    // The chain goes back to before the meters: the same chain, without them.
    std::fs::remove_dir_all(&chain_dir).unwrap();
    copy_dir(&before_meters, &chain_dir);
    let node = Node::start(&keys, options()).await.expect("localnet");
    let rpc = RpcClient::new_with_commitment(node.rpc_url.clone(), CommitmentConfig::confirmed());

    let mut second = args(node.rpc_url.clone()).open(config).await.unwrap();
    assert!(second.resumed);
    for meter in &second.outputs.chain.as_ref().unwrap().meters {
        let account = rpc.get_account(&meter.address).await.expect("registered again, under the same owner");
        assert_eq!(account.owner, energy::ID);
    }
    assert_eq!(emit_one(&mut second).await, (3, 0), "the meters' readings land again");
    second.outputs.finish(&second.fleet).unwrap();
}
