//! Black-box: the real solana-pubsub-client against localnet's PubSub WebSocket.
use std::time::Duration;

use futures_util::StreamExt;
use gridtokenx_localnet::keys::DeploymentKeys;
use gridtokenx_localnet::node::{Node, Options};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::config::{RpcAccountInfoConfig, RpcSignatureSubscribeConfig};
use solana_signer::Signer;
use solana_transaction::Transaction;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slots_signatures_and_accounts_are_pushed() {
    let keys = DeploymentKeys::random();
    let options = Options::ephemeral(Duration::from_millis(100));
    let node = Node::start(&keys, options).await.expect("localnet");
    let rpc = RpcClient::new_with_commitment(node.rpc_url.clone(), CommitmentConfig::confirmed());
    let pubsub = PubsubClient::new(&node.pubsub_url).await.expect("connects");

    let (mut slots, _unsub) = pubsub.slot_subscribe().await.unwrap();
    let a = tokio::time::timeout(WAIT, slots.next()).await.unwrap().unwrap();
    let b = tokio::time::timeout(WAIT, slots.next()).await.unwrap().unwrap();
    assert!(b.slot > a.slot && b.parent == b.slot - 1);

    let alice = Keypair::new();
    let config = RpcAccountInfoConfig {
        encoding: Some(solana_account_decoder_client_types::UiAccountEncoding::Base64),
        commitment: Some(CommitmentConfig::confirmed()),
        ..RpcAccountInfoConfig::default()
    };
    let (mut account_updates, _unsub_account) =
        pubsub.account_subscribe(&alice.pubkey(), Some(config)).await.unwrap();

    let payer = &keys.traders[0];
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let ix = solana_system_interface::instruction::transfer(&payer.pubkey(), &alice.pubkey(), 2_000_000_000);
    let tx = Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[payer], blockhash);
    let (mut signature_updates, _unsub_sig) = pubsub
        .signature_subscribe(
            &tx.signatures[0],
            Some(RpcSignatureSubscribeConfig {
                commitment: Some(CommitmentConfig::confirmed()),
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    rpc.send_transaction(&tx).await.unwrap();

    let update = tokio::time::timeout(WAIT, account_updates.next()).await.unwrap().unwrap();
    assert_eq!(update.value.lamports, 2_000_000_000);
    let status = tokio::time::timeout(WAIT, signature_updates.next()).await.unwrap().unwrap();
    match status.value {
        solana_rpc_client_api::response::RpcSignatureResult::ProcessedSignature(r) => {
            assert!(r.err.is_none())
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(status.context.slot >= 1);
    drop(node);
}
