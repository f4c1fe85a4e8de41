//! State survives a restart when a data dir is given.
use std::time::Duration;

use gridtokenx_localnet::keys::DeploymentKeys;
use gridtokenx_localnet::node::{Node, Options};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;
use solana_transaction::Transaction;

fn options(dir: &std::path::Path) -> Options {
    Options { data_dir: Some(dir.to_path_buf()), ..Options::ephemeral(Duration::from_millis(100)) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_localnet_keeps_its_accounts_slot_and_identity() {
    let dir = std::env::temp_dir().join(format!("gtx-localnet-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let keys = DeploymentKeys::random();
    let alice = &keys.traders[0];
    let meter_id = [3u8; 32];

    let first = Node::start(&keys, options(&dir)).await.unwrap();
    let rpc = RpcClient::new_with_commitment(first.rpc_url.clone(), CommitmentConfig::confirmed());
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let tx = Transaction::new_signed_with_payer(
        &[energy::client::register_meter(alice.pubkey(), meter_id)],
        Some(&alice.pubkey()),
        &[alice],
        blockhash,
    );
    rpc.send_and_confirm_transaction(&tx).await.unwrap();
    let genesis = rpc.get_genesis_hash().await.unwrap();
    first.save().await.unwrap();
    let saved_slot = first.chain.lock().await.slot;
    let market = first.deployment.clone().unwrap().market;
    drop(first);

    let second = Node::start(&keys, options(&dir)).await.unwrap();
    let rpc = RpcClient::new_with_commitment(second.rpc_url.clone(), CommitmentConfig::confirmed());
    assert_eq!(rpc.get_genesis_hash().await.unwrap(), genesis, "the chain keeps its identity");
    assert!(rpc.get_slot().await.unwrap() >= saved_slot, "slots never go back");
    let meter = rpc.get_account(&energy::client::meter_address(&meter_id, &alice.pubkey())).await.unwrap();
    assert_eq!(meter.owner, energy::ID);
    assert_eq!(second.deployment.as_ref().unwrap().market, market);
    let council = rpc.get_account(&governance::client::council_address()).await.unwrap();
    assert_eq!(council.owner, governance::ID);

    // And it keeps working: a new transaction lands on the restored state.
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let tx = Transaction::new_signed_with_payer(
        &[energy::client::register_meter(alice.pubkey(), [4; 32])],
        Some(&alice.pubkey()),
        &[alice],
        blockhash,
    );
    rpc.send_and_confirm_transaction(&tx).await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A second localnet on a data dir in use is refused with who holds it, instead of both
/// appending to one ledger; once the first is gone the data dir is free again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_dir_in_use_is_refused_until_its_localnet_stops() {
    let dir = std::env::temp_dir().join(format!("gtx-localnet-lock-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let keys = DeploymentKeys::random();
    let first = Node::start(&keys, options(&dir)).await.unwrap();

    let refused = Node::start(&keys, options(&dir)).await.err().expect("a second localnet on the same data dir");
    let message = refused.to_string();
    assert!(message.contains("in use by another localnet"), "{message}");
    assert!(message.contains(&format!("pid {}", std::process::id())), "{message}");
    assert!(message.contains("--data-dir"), "names the fix: {message}");

    drop(first);
    let second = Node::start(&keys, options(&dir)).await.expect("the data dir is free once the first stops");
    drop(second);
    let _ = std::fs::remove_dir_all(&dir);
}
