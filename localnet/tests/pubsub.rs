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

/// Anchor's event listeners and web3.js's `onLogs`/`onProgramAccountChange`/`onRootChange` use
/// these three; each notification is checked against what the transaction did, and one held
/// for `finalized` must not arrive before the transaction is finalized.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_program_accounts_and_roots_are_pushed_at_their_commitment() {
    use solana_rpc_client_api::config::{RpcProgramAccountsConfig, RpcTransactionLogsConfig, RpcTransactionLogsFilter};
    use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
    use solana_transaction_status_client_types::TransactionConfirmationStatus;

    let keys = DeploymentKeys::random();
    let node = Node::start(&keys, Options::ephemeral(Duration::from_millis(100))).await.expect("localnet");
    let rpc = RpcClient::new_with_commitment(node.rpc_url.clone(), CommitmentConfig::processed());
    let pubsub = PubsubClient::new(&node.pubsub_url).await.expect("connects");
    let alice = Keypair::new();
    let system = solana_system_interface::program::ID;

    let mentions = |commitment| RpcTransactionLogsConfig { commitment: Some(commitment) };
    let alice_only = RpcTransactionLogsFilter::Mentions(vec![alice.pubkey().to_string()]);
    let (mut processed_logs, _u1) =
        pubsub.logs_subscribe(alice_only.clone(), mentions(CommitmentConfig::processed())).await.unwrap();
    let (mut finalized_logs, _u2) =
        pubsub.logs_subscribe(alice_only, mentions(CommitmentConfig::finalized())).await.unwrap();
    let program_config = |filter| RpcProgramAccountsConfig {
        filters: Some(vec![filter]),
        account_config: RpcAccountInfoConfig {
            encoding: Some(solana_account_decoder_client_types::UiAccountEncoding::Base64),
            commitment: Some(CommitmentConfig::confirmed()),
            ..RpcAccountInfoConfig::default()
        },
        ..RpcProgramAccountsConfig::default()
    };
    // System accounts hold no data: the first filter passes them, the second never can.
    let (mut system_accounts, _u3) =
        pubsub.program_subscribe(&system, Some(program_config(RpcFilterType::DataSize(0)))).await.unwrap();
    let never = RpcFilterType::Memcmp(Memcmp::new_raw_bytes(0, vec![1]));
    let (mut filtered_out, _u4) = pubsub.program_subscribe(&system, Some(program_config(never))).await.unwrap();
    let (mut roots, _u5) = pubsub.root_subscribe().await.unwrap();

    let payer = &keys.traders[0];
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let ix = solana_system_interface::instruction::transfer(&payer.pubkey(), &alice.pubkey(), 1_500_000_000);
    let tx = Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[payer], blockhash);
    let signature = rpc.send_transaction(&tx).await.unwrap();

    let logs = tokio::time::timeout(WAIT, processed_logs.next()).await.unwrap().unwrap();
    assert_eq!(logs.value.signature, signature.to_string());
    assert!(logs.value.err.is_none());
    assert!(logs.value.logs.iter().any(|l| l == &format!("Program {system} invoke [1]")), "{:?}", logs.value.logs);
    let landed = logs.context.slot;

    let mut seen = Vec::new();
    while !seen.contains(&alice.pubkey().to_string()) {
        let update = tokio::time::timeout(WAIT, system_accounts.next()).await.expect("alice's account").unwrap();
        assert_eq!(update.context.slot, landed);
        if update.value.pubkey == alice.pubkey().to_string() {
            assert_eq!(update.value.account.lamports, 1_500_000_000);
        }
        seen.push(update.value.pubkey);
    }
    assert!(seen.contains(&payer.pubkey().to_string()), "the payer's account changed too: {seen:?}");

    let finalized = tokio::time::timeout(WAIT, finalized_logs.next()).await.unwrap().unwrap();
    assert_eq!(finalized.value.signature, signature.to_string());
    let status = rpc.get_signature_statuses(&[signature]).await.unwrap().value[0].clone().expect("landed");
    assert_eq!(status.confirmation_status, Some(TransactionConfirmationStatus::Finalized));

    let mut root = tokio::time::timeout(WAIT, roots.next()).await.unwrap().unwrap();
    while root < landed {
        root = tokio::time::timeout(WAIT, roots.next()).await.unwrap().unwrap();
    }
    assert!(rpc.get_slot_with_commitment(CommitmentConfig::finalized()).await.unwrap() >= root);

    assert!(
        tokio::time::timeout(Duration::from_millis(300), filtered_out.next()).await.is_err(),
        "a filter no system account passes let one through"
    );
    drop(node);
}

/// Bad subscriptions get agave's errors, and the connection keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_subscriptions_are_refused_with_a_reason() {
    use solana_rpc_client_api::config::{RpcTransactionLogsConfig, RpcTransactionLogsFilter};

    let keys = DeploymentKeys::random();
    let node = Node::start(&keys, Options::ephemeral(Duration::from_millis(100))).await.expect("localnet");
    let pubsub = PubsubClient::new(&node.pubsub_url).await.expect("connects");
    let two = RpcTransactionLogsFilter::Mentions(vec![Keypair::new().pubkey().to_string(); 2]);
    let refused = pubsub.logs_subscribe(two, RpcTransactionLogsConfig { commitment: None }).await.err();
    assert!(format!("{refused:?}").contains("Only 1 address supported"), "{refused:?}");
    let not_a_key = RpcTransactionLogsFilter::Mentions(vec!["not-a-key".into()]);
    let refused = pubsub.logs_subscribe(not_a_key, RpcTransactionLogsConfig { commitment: None }).await.err();
    assert!(format!("{refused:?}").contains("Invalid mentions provided"), "{refused:?}");
    let (mut slots, _unsub) = pubsub.slot_subscribe().await.expect("still serving");
    assert!(tokio::time::timeout(WAIT, slots.next()).await.unwrap().is_some());
    drop(node);
}
