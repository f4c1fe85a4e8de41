//! Black-box: the real yellowstone-grpc-client against localnet's Geyser stream.
use std::collections::HashMap;
use std::time::Duration;

use futures_util::StreamExt;
use gridtokenx_localnet::keys::DeploymentKeys;
use gridtokenx_localnet::node::{Node, Options};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;
use solana_transaction::Transaction;
use yellowstone_grpc_client::GeyserGrpcClient;
use yellowstone_grpc_proto::geyser::subscribe_update::UpdateOneof;
use yellowstone_grpc_proto::geyser::{
    CommitmentLevel, SubscribeRequest, SubscribeRequestFilterAccounts, SubscribeRequestFilterSlots,
    SubscribeRequestFilterTransactions, SubscribeUpdate,
};

const WAIT: Duration = Duration::from_secs(10);

fn request(owner: &str, account: &str, from_slot: Option<u64>) -> SubscribeRequest {
    SubscribeRequest {
        accounts: HashMap::from([(
            "energy".to_string(),
            SubscribeRequestFilterAccounts { owner: vec![owner.to_string()], ..Default::default() },
        )]),
        transactions: HashMap::from([(
            "touching".to_string(),
            SubscribeRequestFilterTransactions {
                account_include: vec![account.to_string()],
                failed: Some(false),
                ..Default::default()
            },
        )]),
        commitment: Some(CommitmentLevel::Processed as i32),
        from_slot,
        ..Default::default()
    }
}

/// Reads updates until both an account and a transaction update arrived; returns them.
async fn account_and_transaction(
    stream: &mut (impl futures_util::Stream<Item = Result<SubscribeUpdate, tonic::Status>> + Unpin),
) -> (SubscribeUpdate, SubscribeUpdate) {
    let (mut account, mut transaction) = (None, None);
    while account.is_none() || transaction.is_none() {
        let update =
            tokio::time::timeout(WAIT, stream.next()).await.expect("update in time").unwrap().unwrap();
        match update.update_oneof {
            Some(UpdateOneof::Account(_)) if account.is_none() => account = Some(update),
            Some(UpdateOneof::Transaction(_)) if transaction.is_none() => transaction = Some(update),
            _ => {}
        }
    }
    (account.unwrap(), transaction.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_reports_what_a_transaction_did_and_replays_from_slot() {
    let keys = DeploymentKeys::random();
    // Slots advance only when the test says so, which makes "missed" exact.
    let options = Options::ephemeral(Duration::ZERO);
    let node = Node::start(&keys, options).await.expect("localnet");
    let rpc = RpcClient::new_with_commitment(node.rpc_url.clone(), CommitmentConfig::confirmed());
    let mut client =
        GeyserGrpcClient::build_from_shared(node.grpc_url.clone()).unwrap().connect().await.unwrap();
    assert_eq!(client.ping(7).await.unwrap().count, 7);
    assert!(client.get_version().await.unwrap().version.contains("gridtokenx-localnet"));
    let start_slot = client.get_slot(None).await.unwrap().slot;

    let alice = &keys.traders[0];
    let owner = energy::ID.to_string();
    let (_sink, mut stream) = client
        .subscribe_with_request(Some(request(&owner, &alice.pubkey().to_string(), None)))
        .await
        .unwrap();

    let meter_id = [5u8; 32];
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let tx = Transaction::new_signed_with_payer(
        &[energy::client::register_meter(alice.pubkey(), meter_id)],
        Some(&alice.pubkey()),
        &[alice],
        blockhash,
    );
    let signature = rpc.send_transaction(&tx).await.unwrap();

    let (account, transaction) = account_and_transaction(&mut stream).await;
    let Some(UpdateOneof::Account(a)) = &account.update_oneof else { unreachable!() };
    let info = a.account.as_ref().unwrap();
    assert_eq!(info.pubkey, energy::client::meter_address(&meter_id, &alice.pubkey()).to_bytes().to_vec());
    assert_eq!(info.owner, energy::ID.to_bytes().to_vec());
    assert_eq!(account.filters, vec!["energy".to_string()]);
    let Some(UpdateOneof::Transaction(t)) = &transaction.update_oneof else { unreachable!() };
    let t_info = t.transaction.as_ref().unwrap();
    assert_eq!(t_info.signature, signature.as_ref().to_vec());
    let logs = &t_info.meta.as_ref().unwrap().log_messages;
    assert!(logs.iter().any(|l| l.contains("Program data: ")), "events travel in the stream: {logs:?}");

    // A second client that "reconnects" from an earlier slot receives the same updates.
    drop(stream);
    let mut again =
        GeyserGrpcClient::build_from_shared(node.grpc_url.clone()).unwrap().connect().await.unwrap();
    let (_sink, mut replay) = again
        .subscribe_with_request(Some(request(&owner, &alice.pubkey().to_string(), Some(start_slot))))
        .await
        .unwrap();
    let (account2, transaction2) = account_and_transaction(&mut replay).await;
    assert_eq!(account2.update_oneof, account.update_oneof);
    assert_eq!(transaction2.update_oneof, transaction.update_oneof);

    // Exactly the missed updates: disconnect, let a slot pass and a transaction land, then
    // reconnect from the slot after the last one seen.
    drop(replay);
    let seen_slot = t.slot;
    node.advance_slot().await;
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let missed = Transaction::new_signed_with_payer(
        &[energy::client::register_meter(alice.pubkey(), [6; 32])],
        Some(&alice.pubkey()),
        &[alice],
        blockhash,
    );
    let missed_signature = rpc.send_transaction(&missed).await.unwrap();
    let mut back =
        GeyserGrpcClient::build_from_shared(node.grpc_url.clone()).unwrap().connect().await.unwrap();
    let (_sink, mut resumed) = back
        .subscribe_with_request(Some(request(&owner, &alice.pubkey().to_string(), Some(seen_slot + 1))))
        .await
        .unwrap();
    let (account3, transaction3) = account_and_transaction(&mut resumed).await;
    let Some(UpdateOneof::Account(a3)) = &account3.update_oneof else { unreachable!() };
    assert_eq!(
        a3.account.as_ref().unwrap().pubkey,
        energy::client::meter_address(&[6; 32], &alice.pubkey()).to_bytes().to_vec()
    );
    let Some(UpdateOneof::Transaction(t3)) = &transaction3.update_oneof else { unreachable!() };
    assert_eq!(t3.transaction.as_ref().unwrap().signature, missed_signature.as_ref().to_vec());

    // Unknown keys in filters are refused with the reason.
    let mut bad =
        GeyserGrpcClient::build_from_shared(node.grpc_url.clone()).unwrap().connect().await.unwrap();
    let (_sink, mut refused) =
        bad.subscribe_with_request(Some(request("not-a-key", "x", None))).await.unwrap();
    let err = tokio::time::timeout(WAIT, refused.next()).await.unwrap().unwrap().unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    drop(node);
}

fn slots_request(from_slot: Option<u64>) -> SubscribeRequest {
    SubscribeRequest {
        slots: HashMap::from([("slots".to_string(), SubscribeRequestFilterSlots::default())]),
        commitment: Some(CommitmentLevel::Processed as i32),
        from_slot,
        ..Default::default()
    }
}

/// A `from_slot` that does not exist yet is refused with OUT_OF_RANGE and the reason; the slot
/// right after the current one (a client resuming after the last slot it saw) is fine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_from_slot_in_the_future_is_refused() {
    let keys = DeploymentKeys::random();
    let node = Node::start(&keys, Options::ephemeral(Duration::ZERO)).await.expect("localnet");
    let mut client =
        GeyserGrpcClient::build_from_shared(node.grpc_url.clone()).unwrap().connect().await.unwrap();
    let current = client.get_slot(None).await.unwrap().slot;

    let (_sink, mut refused) =
        client.subscribe_with_request(Some(slots_request(Some(current + 1_000_000)))).await.unwrap();
    let status = tokio::time::timeout(WAIT, refused.next())
        .await
        .expect("an answer in time")
        .expect("a status")
        .expect_err("a future from_slot is refused");
    assert_eq!(status.code(), tonic::Code::OutOfRange, "{status:?}");
    assert!(status.message().contains("future"), "{status:?}");

    let (_sink, mut next) =
        client.subscribe_with_request(Some(slots_request(Some(current + 1)))).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    node.advance_slot().await;
    let update =
        tokio::time::timeout(WAIT, next.next()).await.expect("an update").unwrap().expect("accepted");
    let Some(UpdateOneof::Slot(slot)) = update.update_oneof else { panic!("{update:?}") };
    assert_eq!(slot.slot, current + 1);
}

/// A subscriber that stops reading is dropped once its queue stays full, with a status that
/// says why — not kept (and fed) forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_that_stops_reading_is_dropped_with_the_reason() {
    let keys = DeploymentKeys::random();
    // Slots on demand, and a window large enough that the subscriber never falls out of it.
    let options = Options { geyser_retain_slots: 1_000_000, ..Options::ephemeral(Duration::ZERO) };
    let node = Node::start(&keys, options).await.expect("localnet");
    // Windows sized so that only the server can end this stream. The client's h2 charges every
    // unread DATA frame under 256 bytes against a budget of half its connection window, and
    // closes the connection itself when it runs out (GOAWAY "too_many_data_frames"); slot
    // updates are ~40-byte frames, so with hyper's defaults (2 MB stream, 5 MB connection) that
    // budget could run out before the stream window filled, depending on how the server's
    // frames happened to coalesce. Here the 64 KiB stream window fills after at most ~3,300
    // frames, far inside the 8 MiB budget (≥ 32,000 frames). The indexer sizes its windows by
    // the same rule (indexer/src/ingest/source.rs).
    let mut client = GeyserGrpcClient::build_from_shared(node.grpc_url.clone())
        .unwrap()
        .initial_stream_window_size(64 * 1024)
        .initial_connection_window_size(16 * 1024 * 1024)
        .connect()
        .await
        .unwrap();
    let (_sink, mut stalled) = client.subscribe_with_request(Some(slots_request(None))).await.unwrap();

    // ~180,000 slot updates (processed, confirmed, finalized per slot), ~9 MB, never read:
    // more than the windows and the server's queue hold.
    let produced = 60_000u64;
    for _ in 0..produced {
        node.advance_slot().await;
    }
    // Longer than localnet keeps a full queue waiting.
    tokio::time::sleep(Duration::from_secs(8)).await;

    let mut received = 0u64;
    let status = loop {
        match tokio::time::timeout(WAIT, stalled.next()).await {
            Ok(Some(Ok(_))) => received += 1,
            Ok(Some(Err(status))) => break status,
            Ok(None) => panic!("the stream ended without a status after {received} updates"),
            Err(_) => panic!("never dropped: {received} updates and then silence"),
        }
    };
    assert_eq!(status.code(), tonic::Code::Internal, "{status:?}");
    assert!(
        status.message().contains("lagged") && status.message().contains("stopped reading"),
        "{status:?}"
    );
    assert!(received < 3 * produced, "the dropped subscriber's queue is discarded: {received} updates");
    drop(node);
}
