//! Preflight as on a validator: a transaction that fails its preflight simulation is refused
//! and commits nothing — no fee, no signature status, no history; with `skipPreflight` the
//! same transaction is executed, and committed failed, its fee charged.
use std::time::Duration;

use gridtokenx_localnet::keys::DeploymentKeys;
use gridtokenx_localnet::node::{Node, Options};
use serde_json::{json, Value};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::client_error::ErrorKind;
use solana_rpc_client_api::config::RpcSendTransactionConfig;
use solana_rpc_client_api::request::{RpcError, RpcRequest};
use solana_signer::Signer;
use solana_transaction::Transaction;

async fn node() -> (Node, DeploymentKeys, RpcClient) {
    let keys = DeploymentKeys::random();
    let node = Node::start(&keys, Options::ephemeral(Duration::from_millis(100))).await.expect("localnet");
    let rpc = RpcClient::new_with_commitment(node.rpc_url.clone(), CommitmentConfig::confirmed());
    (node, keys, rpc)
}

/// A meter registration that fails in execution: the meter exists already.
async fn failing_registration(rpc: &RpcClient, owner: &Keypair) -> Transaction {
    let meter_id = [42u8; 32];
    let register = |blockhash| {
        Transaction::new_signed_with_payer(
            &[energy::client::register_meter(owner.pubkey(), meter_id)],
            Some(&owner.pubkey()),
            &[owner],
            blockhash,
        )
    };
    rpc.send_and_confirm_transaction(&register(rpc.get_latest_blockhash().await.unwrap())).await.unwrap();
    // A later blockhash, so the second registration is a different transaction.
    let first = rpc.get_latest_blockhash().await.unwrap();
    let blockhash = rpc.get_new_latest_blockhash(&first).await.unwrap();
    register(blockhash)
}

/// What the chain remembers of `signature`: its status, `getTransaction`, and whether
/// `getSignaturesForAddress` lists it.
/// An owner with 2 SOL, a transaction of theirs that will fail, and their balance before it.
async fn funded_owner_with_failing_transaction(rpc: &RpcClient) -> (Keypair, Transaction, u64) {
    let owner = Keypair::new();
    let airdrop = rpc.request_airdrop(&owner.pubkey(), 2_000_000_000).await.unwrap();
    while !rpc.confirm_transaction(&airdrop).await.unwrap() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let again = failing_registration(rpc, &owner).await;
    let balance = rpc.get_balance(&owner.pubkey()).await.unwrap();
    (owner, again, balance)
}

async fn traces(
    rpc: &RpcClient,
    signature: &solana_signature::Signature,
    address: &Keypair,
) -> (bool, bool, bool) {
    let status = rpc.get_signature_statuses(&[*signature]).await.unwrap().value[0].is_some();
    let transaction: Value =
        rpc.send(RpcRequest::GetTransaction, json!([signature.to_string(), "base64"])).await.unwrap();
    let listed = rpc
        .get_signatures_for_address(&address.pubkey())
        .await
        .unwrap()
        .iter()
        .any(|s| s.signature == signature.to_string());
    (status, !transaction.is_null(), listed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_that_fails_preflight_commits_nothing() {
    let (node, _keys, rpc) = node().await;
    let (owner, again, balance) = funded_owner_with_failing_transaction(&rpc).await;

    let err = rpc.send_transaction(&again).await.unwrap_err();
    match err.kind() {
        ErrorKind::RpcError(RpcError::RpcResponseError { code, message, .. }) => {
            assert_eq!(*code, -32002);
            assert!(message.starts_with("Transaction simulation failed: "), "{message}");
        }
        other => panic!("not a preflight failure: {other:?}"),
    }
    // Let slots pass: nothing shows up later either.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rpc.get_balance(&owner.pubkey()).await.unwrap(), balance, "no fee for a failed preflight");
    assert_eq!(
        traces(&rpc, &again.signatures[0], &owner).await,
        (false, false, false),
        "no status, no history"
    );
    drop(node);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_skip_preflight_a_failing_transaction_is_committed_failed_and_charged() {
    let (node, _keys, rpc) = node().await;
    let (owner, again, balance) = funded_owner_with_failing_transaction(&rpc).await;

    let config = RpcSendTransactionConfig { skip_preflight: true, ..RpcSendTransactionConfig::default() };
    let signature = rpc
        .send_transaction_with_config(&again, config)
        .await
        .expect("the signature, as a validator answers");
    let status = loop {
        if let Some(s) = rpc.get_signature_statuses(&[signature]).await.unwrap().value[0].clone() {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.err.is_some(), "recorded with its error: {status:?}");
    // getTransaction answers once the transaction is finalized (its default commitment).
    let transaction: Value = loop {
        let t: Value =
            rpc.send(RpcRequest::GetTransaction, json!([signature.to_string(), "base64"])).await.unwrap();
        if !t.is_null() {
            break t;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let fee = transaction["meta"]["fee"].as_u64().unwrap();
    assert!(fee > 0 && !transaction["meta"]["err"].is_null(), "{transaction}");
    assert_eq!(rpc.get_balance(&owner.pubkey()).await.unwrap(), balance - fee, "the fee is charged");
    assert_eq!(traces(&rpc, &signature, &owner).await, (true, true, true));
    drop(node);
}

/// Simulation and preflight run on the bank of their commitment (default finalized), as
/// agave's: a blockhash only the processed bank holds yet is not found at `finalized`, and
/// the same transaction passes at `processed`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_and_simulation_run_on_the_bank_of_their_commitment() {
    use solana_commitment_config::CommitmentLevel;
    use solana_rpc_client_api::config::RpcSimulateTransactionConfig;
    use solana_rpc_client_api::request::RpcResponseErrorData;
    use solana_transaction_error::TransactionError;
    // Slots of 2 s: the finalized bank (two slots behind) stays behind for the whole check.
    let keys = DeploymentKeys::random();
    let node = Node::start(&keys, Options::ephemeral(Duration::from_secs(2))).await.expect("localnet");
    let rpc = RpcClient::new_with_commitment(node.rpc_url.clone(), CommitmentConfig::processed());
    let payer = Keypair::new();
    let airdrop = rpc.request_airdrop(&payer.pubkey(), 2_000_000_000).await.unwrap();
    while rpc.get_signature_statuses(&[airdrop]).await.unwrap().value[0].is_none() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let start = rpc.get_slot().await.unwrap();
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let transfer = Transaction::new_signed_with_payer(
        &[solana_system_interface::instruction::transfer(&payer.pubkey(), &Keypair::new().pubkey(), 1_000_000)],
        Some(&payer.pubkey()),
        &[&payer],
        blockhash,
    );
    let simulate = |commitment| RpcSimulateTransactionConfig {
        commitment: Some(commitment),
        ..RpcSimulateTransactionConfig::default()
    };
    let at_finalized = rpc.simulate_transaction_with_config(&transfer, simulate(CommitmentConfig::finalized())).await.unwrap();
    let at_processed = rpc.simulate_transaction_with_config(&transfer, simulate(CommitmentConfig::processed())).await.unwrap();
    let preflight = |level| RpcSendTransactionConfig { preflight_commitment: Some(level), ..RpcSendTransactionConfig::default() };
    let refused = rpc.send_transaction_with_config(&transfer, preflight(CommitmentLevel::Finalized)).await.unwrap_err();
    assert_eq!(rpc.get_slot().await.unwrap(), start, "the check ran within one slot");

    assert_eq!(at_finalized.value.err, Some(TransactionError::BlockhashNotFound.into()), "{at_finalized:?}");
    assert!(at_finalized.context.slot < start, "answered by the finalized bank");
    assert_eq!(at_processed.value.err, None, "{at_processed:?}");
    match refused.kind() {
        ErrorKind::RpcError(RpcError::RpcResponseError {
            code,
            message,
            data: RpcResponseErrorData::SendTransactionPreflightFailure(result),
        }) => {
            assert_eq!((*code, message.as_str()), (-32002, "Transaction simulation failed: Blockhash not found"));
            assert_eq!(result.err, Some(TransactionError::BlockhashNotFound.into()));
        }
        other => panic!("not a preflight failure: {other:?}"),
    }
    let signature = rpc.send_transaction_with_config(&transfer, preflight(CommitmentLevel::Processed)).await.unwrap();
    assert_eq!(signature, transfer.signatures[0]);
    drop(node);
}
