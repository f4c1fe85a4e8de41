//! Blockhash lifetime as a validator keeps it: a blockhash from `getLatestBlockhash` is
//! accepted until the block height passes the `lastValidBlockHeight` that came with it (150
//! blocks later), `isBlockhashValid` agrees with what `sendTransaction` does, and then it is
//! refused with the validator's error.
use std::time::Duration;

use gridtokenx_localnet::keys::DeploymentKeys;
use gridtokenx_localnet::node::{Node, Options};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::client_error::ErrorKind;
use solana_rpc_client_api::config::RpcSendTransactionConfig;
use solana_rpc_client_api::request::{RpcError, RpcResponseErrorData};
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

fn transfer(from: &Keypair, lamports: u64, blockhash: solana_hash::Hash) -> Transaction {
    let ix =
        solana_system_interface::instruction::transfer(&from.pubkey(), &Keypair::new().pubkey(), lamports);
    Transaction::new_signed_with_payer(&[ix], Some(&from.pubkey()), &[from], blockhash)
}

const SKIP_PREFLIGHT: RpcSendTransactionConfig = RpcSendTransactionConfig {
    skip_preflight: true,
    preflight_commitment: None,
    encoding: None,
    max_retries: None,
    min_context_slot: None,
};

/// A wallet with an approval step: the blockhash is fetched, the user takes 5 s to approve,
/// then the transaction is sent. localnet used to forget a blockhash after ~1 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blockhash_is_still_accepted_after_an_approval_step() {
    let keys = DeploymentKeys::random();
    let node = Node::start(&keys, Options::ephemeral(Duration::from_millis(100))).await.expect("localnet");
    let rpc = RpcClient::new_with_commitment(node.rpc_url.clone(), CommitmentConfig::confirmed());
    let (blockhash, last_valid) =
        rpc.get_latest_blockhash_with_commitment(CommitmentConfig::confirmed()).await.unwrap();
    let height = rpc.get_block_height().await.unwrap();
    assert!(last_valid >= height + 149, "the reply promises 150 blocks: {last_valid} at height {height}");

    tokio::time::sleep(Duration::from_secs(5)).await;

    assert!(rpc.is_blockhash_valid(&blockhash, CommitmentConfig::processed()).await.unwrap());
    let payer = &keys.traders[0];
    let signature = rpc
        .send_and_confirm_transaction(&transfer(payer, 1_000_000, blockhash))
        .await
        .expect("a 5 s old blockhash is accepted");
    let status = rpc.get_signature_statuses(&[signature]).await.unwrap().value[0].clone().unwrap();
    assert!(status.err.is_none(), "{status:?}");
    assert!(rpc.get_block_height().await.unwrap() <= last_valid);
}

/// Slots on demand make the boundary exact: accepted through `lastValidBlockHeight`
/// (preflight, like agave's, keeps 6 blocks of margin for forwarding; `skipPreflight` goes
/// to the end), refused after it — and `isBlockhashValid` says so at every step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blockhash_is_accepted_until_its_last_valid_block_height_and_refused_after() {
    let keys = DeploymentKeys::random();
    let node = Node::start(&keys, Options::ephemeral(Duration::ZERO)).await.expect("localnet");
    let rpc = RpcClient::new_with_commitment(node.rpc_url.clone(), CommitmentConfig::processed());
    let payer = &keys.traders[0];
    let (blockhash, last_valid) =
        rpc.get_latest_blockhash_with_commitment(CommitmentConfig::processed()).await.unwrap();
    let height = rpc.get_block_height().await.unwrap();
    assert_eq!(last_valid, height + 150);
    let advance_to = |target: u64| {
        let node = &node;
        async move {
            while node.chain.lock().await.slot < target {
                node.advance_slot().await;
            }
        }
    };
    let landed = |signature: solana_signature::Signature| {
        let rpc = &rpc;
        async move { rpc.get_signature_statuses(&[signature]).await.unwrap().value[0].clone() }
    };

    // Six blocks before the end, with preflight: accepted, executed.
    advance_to(last_valid - 6).await;
    let early =
        rpc.send_transaction(&transfer(payer, 1_000_001, blockhash)).await.expect("accepted with preflight");
    assert!(landed(early).await.expect("landed").err.is_none());

    // At lastValidBlockHeight itself: still valid, and a transaction still lands.
    advance_to(last_valid).await;
    assert_eq!(rpc.get_block_height().await.unwrap(), last_valid);
    assert!(rpc.is_blockhash_valid(&blockhash, CommitmentConfig::processed()).await.unwrap());
    let last = rpc
        .send_transaction_with_config(&transfer(payer, 1_000_002, blockhash), SKIP_PREFLIGHT)
        .await
        .expect("accepted at the last valid block height");
    assert!(landed(last).await.expect("landed").err.is_none());

    // One block later: expired everywhere.
    advance_to(last_valid + 1).await;
    assert!(!rpc.is_blockhash_valid(&blockhash, CommitmentConfig::processed()).await.unwrap());
    let balance = rpc.get_balance(&payer.pubkey()).await.unwrap();
    let late = transfer(payer, 1_000_003, blockhash);
    let err = rpc.send_transaction(&late).await.unwrap_err();
    match err.kind() {
        ErrorKind::RpcError(RpcError::RpcResponseError { code, message, data, .. }) => {
            assert_eq!(*code, -32002, "{message}");
            assert_eq!(message, "Transaction simulation failed: Blockhash not found");
            let RpcResponseErrorData::SendTransactionPreflightFailure(sim) = data else { panic!("{data:?}") };
            assert_eq!(
                sim.err.clone().map(TransactionError::from),
                Some(TransactionError::BlockhashNotFound)
            );
        }
        other => panic!("not the validator's refusal: {other:?}"),
    }
    // Without preflight a validator answers the signature, and the transaction never lands.
    let dropped = rpc.send_transaction_with_config(&late, SKIP_PREFLIGHT).await.expect("a signature");
    node.advance_slot().await;
    assert!(landed(dropped).await.is_none(), "an expired transaction must not land");
    assert_eq!(rpc.get_balance(&payer.pubkey()).await.unwrap(), balance, "and costs nothing");
}

/// getSlot, getBlockHeight and getLatestBlockhash answer at the requested commitment, as
/// agave answers from the bank at that commitment (finalized by default): a finished block's
/// hash with its height + 150 — still accepted by sendTransaction.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slot_height_and_blockhash_follow_the_commitment() {
    let keys = DeploymentKeys::random();
    let node = Node::start(&keys, Options::ephemeral(Duration::ZERO)).await.expect("localnet");
    for _ in 0..3 {
        node.advance_slot().await;
    }
    let current = node.chain.lock().await.slot;
    let call = |method: &'static str, params: serde_json::Value| {
        let url = node.rpc_url.clone();
        async move {
            let body = serde_json::json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
            let reply: serde_json::Value =
                reqwest::Client::new().post(&url).json(&body).send().await.unwrap().json().await.unwrap();
            reply
        }
    };
    let rpc = RpcClient::new_with_commitment(node.rpc_url.clone(), CommitmentConfig::finalized());
    let block_hash = |slot: u64| {
        let rpc = &rpc;
        async move {
            let config = solana_rpc_client_api::config::RpcBlockConfig {
                commitment: Some(CommitmentConfig::confirmed()),
                transaction_details: Some(solana_transaction_status_client_types::TransactionDetails::None),
                ..Default::default()
            };
            rpc.get_block_with_config(slot, config).await.unwrap().blockhash
        }
    };
    for (commitment, slot) in [("processed", current), ("confirmed", current - 1), ("finalized", current - 2)]
    {
        let config = serde_json::json!([{ "commitment": commitment }]);
        assert_eq!(call("getSlot", config.clone()).await["result"], slot, "getSlot at {commitment}");
        assert_eq!(
            call("getBlockHeight", config.clone()).await["result"],
            slot,
            "getBlockHeight at {commitment}"
        );
        let latest = call("getLatestBlockhash", config).await["result"].clone();
        assert_eq!(latest["context"]["slot"], slot, "{commitment}: {latest}");
        // A finished block's bank holds its own hash as the latest; the current slot's holds the
        // previous block's (the one its transactions name).
        let (hash_of, last_valid) =
            if slot == current { (current - 1, current + 150) } else { (slot, slot + 150) };
        assert_eq!(latest["value"]["blockhash"], block_hash(hash_of).await, "{commitment}: {latest}");
        assert_eq!(latest["value"]["lastValidBlockHeight"], last_valid, "{commitment}: {latest}");
    }
    // No commitment is agave's default, finalized.
    assert_eq!(call("getSlot", serde_json::json!([])).await["result"], current - 2);
    assert_eq!(rpc.get_block_height().await.unwrap(), current - 2);
    // `minContextSlot` is checked against the commitment's bank.
    let refused =
        call("getSlot", serde_json::json!([{ "commitment": "finalized", "minContextSlot": current }])).await;
    assert_eq!(refused["error"]["code"], -32016, "{refused}");
    assert_eq!(refused["error"]["data"]["contextSlot"], current - 2, "{refused}");

    // The finalized blockhash is one sendTransaction accepts, until its lastValidBlockHeight.
    let (blockhash, last_valid) =
        rpc.get_latest_blockhash_with_commitment(CommitmentConfig::finalized()).await.unwrap();
    assert_eq!(last_valid, current - 2 + 150);
    assert!(rpc.is_blockhash_valid(&blockhash, CommitmentConfig::processed()).await.unwrap());
    let payer = &keys.traders[0];
    let signature = rpc.send_transaction(&transfer(payer, 1_000_004, blockhash)).await.expect("accepted");
    let status = rpc.get_signature_statuses(&[signature]).await.unwrap().value[0].clone().expect("landed");
    assert!(status.err.is_none(), "{status:?}");
}

/// Replay protection as a validator's: a transaction sent again while its blockhash lives is
/// refused as already processed — also once the bank's status cache has forgotten the
/// transactions of expired blockhashes, which it must: it kept two entries for every
/// transaction ever processed (~300 B each, the last rise of RSS under sustained load).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_protection_keeps_live_blockhashes_and_forgets_expired_ones() {
    let keys = DeploymentKeys::random();
    let node = Node::start(&keys, Options::ephemeral(Duration::ZERO)).await.expect("localnet");
    let payer = &keys.traders[0];
    // A blockhash lives 150 slots (`MAX_PROCESSING_AGE`).
    let lifetime = 150;
    // One transfer in each slot for two and a half blockhash lifetimes, each naming its
    // slot's blockhash.
    let send = |lamports: u64| {
        let node = &node;
        async move {
            let mut chain = node.chain.lock().await;
            let blockhash = chain.latest_blockhash().await.unwrap();
            let tx = transfer(payer, lamports, blockhash);
            let executed = chain.execute(tx.clone().into()).await.unwrap();
            assert!(executed.committed && executed.err.is_none(), "{:?}", executed.err);
            tx
        }
    };
    for i in 0..lifetime * 5 / 2 {
        send(1_000_000 + i).await;
        node.advance_slot().await;
    }
    let held = node.chain.lock().await.status_cache_blockhashes();
    assert!(
        held as u64 <= 2 * lifetime + 1,
        "the status cache holds {held} blockhashes after {} slots of transfers: at most two lifetimes' worth ({}) may be kept",
        lifetime * 5 / 2,
        2 * lifetime + 1
    );

    // A transaction, then slots up to the next forgetting (its blockhash still alive): sent
    // again, it is refused as already processed, and nothing is charged.
    let tx = send(2_000_000).await;
    loop {
        node.advance_slot().await;
        if node.chain.lock().await.slot.is_multiple_of(lifetime) {
            break;
        }
    }
    let mut chain = node.chain.lock().await;
    assert!(chain.is_blockhash_valid(tx.message.recent_blockhash).await, "the blockhash still lives");
    let balance = chain.account(&payer.pubkey()).await.unwrap().unwrap().lamports;
    let replay = chain.execute(tx.into()).await.unwrap();
    assert_eq!(replay.err, Some(TransactionError::AlreadyProcessed));
    assert!(!replay.committed);
    assert_eq!(chain.account(&payer.pubkey()).await.unwrap().unwrap().lamports, balance);
}
