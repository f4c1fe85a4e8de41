//! Black-box: the real yellowstone-grpc-client against localnet's Geyser stream.
use std::collections::HashMap;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use futures_util::StreamExt;
use gridtokenx_localnet::keys::DeploymentKeys;
use gridtokenx_localnet::node::{Node, Options};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::config::{RpcBlockConfig, RpcSendTransactionConfig};
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;
use solana_transaction_status_client_types::TransactionDetails;
use yellowstone_grpc_client::GeyserGrpcClient;
use yellowstone_grpc_proto::geyser::subscribe_update::UpdateOneof;
use yellowstone_grpc_proto::geyser::{
    CommitmentLevel, SubscribeRequest, SubscribeRequestAccountsDataSlice, SubscribeRequestFilterAccounts,
    SubscribeRequestFilterBlocks, SubscribeRequestFilterBlocksMeta, SubscribeRequestFilterEntry,
    SubscribeRequestFilterSlots, SubscribeRequestFilterTransactions, SubscribeUpdate,
    SubscribeUpdateBlockMeta, SubscribeUpdateTransactionStatus,
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
    let meta = t_info.meta.as_ref().unwrap();
    let logs = &meta.log_messages;
    assert!(logs.iter().any(|l| l.contains("Program data: ")), "events travel in the stream: {logs:?}");
    // The meta a validator's plugin sends: the meter account is created through a CPI to the
    // System Program (an inner instruction at stack height 2), cost units, balances.
    let keys = &t_info.transaction.as_ref().unwrap().message.as_ref().unwrap().account_keys;
    let system = solana_system_interface::program::ID.to_bytes().to_vec();
    assert!(!meta.inner_instructions_none);
    let inner: Vec<_> = meta.inner_instructions.iter().flat_map(|i| &i.instructions).collect();
    assert!(
        inner.iter().any(|i| keys[i.program_id_index as usize] == system && i.stack_height == Some(2)),
        "the System Program CPI among the inner instructions: {inner:?}"
    );
    assert!(meta.cost_units.is_some_and(|c| c > meta.compute_units_consumed.unwrap()), "{meta:?}");
    assert_eq!((meta.pre_balances.len(), meta.post_balances.len()), (keys.len(), keys.len()));

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

/// Reads updates until `done` holds for what was collected, or fails after `WAIT`.
async fn collect_until(
    stream: &mut (impl futures_util::Stream<Item = Result<SubscribeUpdate, tonic::Status>> + Unpin),
    mut done: impl FnMut(&[SubscribeUpdate]) -> bool,
) -> Vec<SubscribeUpdate> {
    let mut seen = Vec::new();
    while !done(&seen) {
        let update = tokio::time::timeout(WAIT, stream.next())
            .await
            .unwrap_or_else(|_| panic!("updates in time; so far {seen:#?}"))
            .expect("stream open")
            .expect("an update");
        seen.push(update);
    }
    seen
}

fn block_meta_of(updates: &[SubscribeUpdate], slot: u64) -> Option<&SubscribeUpdateBlockMeta> {
    updates.iter().find_map(|u| match &u.update_oneof {
        Some(UpdateOneof::BlockMeta(m)) if m.slot == slot => Some(m),
        _ => None,
    })
}

fn status_of<'a>(
    updates: &'a [SubscribeUpdate],
    signature: &solana_signature::Signature,
) -> Option<(&'a SubscribeUpdate, &'a SubscribeUpdateTransactionStatus)> {
    updates.iter().find_map(|u| match &u.update_oneof {
        Some(UpdateOneof::TransactionStatus(s)) if s.signature == signature.as_ref() => Some((u, s)),
        _ => None,
    })
}

const SKIP_PREFLIGHT: RpcSendTransactionConfig = RpcSendTransactionConfig {
    skip_preflight: true,
    preflight_commitment: None,
    encoding: None,
    max_retries: None,
    min_context_slot: None,
};

/// A meter registration that succeeds, and one that then fails in execution (the meter
/// exists; a transfer first makes it another transaction), both in the current slot; with
/// `skipPreflight` the failure is committed, as on a validator.
async fn a_success_and_a_failure(
    rpc: &RpcClient,
    owner: &solana_keypair::Keypair,
    meter_id: [u8; 32],
) -> (solana_signature::Signature, solana_signature::Signature) {
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let register = energy::client::register_meter(owner.pubkey(), meter_id);
    let ok =
        Transaction::new_signed_with_payer(&[register.clone()], Some(&owner.pubkey()), &[owner], blockhash);
    let ok = rpc.send_transaction(&ok).await.unwrap();
    let transfer =
        solana_system_interface::instruction::transfer(&owner.pubkey(), &Pubkey::new_unique(), 1_000_000);
    let failing =
        Transaction::new_signed_with_payer(&[transfer, register], Some(&owner.pubkey()), &[owner], blockhash);
    let failed = rpc.send_transaction_with_config(&failing, SKIP_PREFLIGHT).await.unwrap();
    (ok, failed)
}

/// `blocks_meta` sends one update per finished block, equal to what getBlock answers for
/// that slot; `transactions_status` sends each matching transaction's status with the same
/// filters as `transactions` (failed, account include/exclude/required, signature, vote);
/// both at the subscription's commitment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocks_meta_and_transactions_status_follow_the_chain() {
    let keys = DeploymentKeys::random();
    let node = Node::start(&keys, Options::ephemeral(Duration::ZERO)).await.expect("localnet");
    let rpc = RpcClient::new_with_commitment(node.rpc_url.clone(), CommitmentConfig::confirmed());
    let alice = &keys.traders[0];
    let alice_key = alice.pubkey().to_string();
    let tx_filter = |f: SubscribeRequestFilterTransactions| SubscribeRequestFilterTransactions {
        account_include: vec![alice_key.clone()],
        ..f
    };
    let request = SubscribeRequest {
        blocks_meta: HashMap::from([("blocks".to_string(), SubscribeRequestFilterBlocksMeta::default())]),
        transactions_status: HashMap::from([
            ("alice".to_string(), tx_filter(Default::default())),
            (
                "succeeded".to_string(),
                tx_filter(SubscribeRequestFilterTransactions { failed: Some(false), ..Default::default() }),
            ),
            (
                "failed".to_string(),
                tx_filter(SubscribeRequestFilterTransactions { failed: Some(true), ..Default::default() }),
            ),
            (
                "votes".to_string(),
                tx_filter(SubscribeRequestFilterTransactions { vote: Some(true), ..Default::default() }),
            ),
            (
                "not-alice".to_string(),
                SubscribeRequestFilterTransactions {
                    account_exclude: vec![alice_key.clone()],
                    ..Default::default()
                },
            ),
            (
                "alice-and-energy".to_string(),
                SubscribeRequestFilterTransactions {
                    account_required: vec![alice_key.clone(), energy::ID.to_string()],
                    ..Default::default()
                },
            ),
        ]),
        transactions: HashMap::from([("alice".to_string(), tx_filter(Default::default()))]),
        commitment: Some(CommitmentLevel::Processed as i32),
        ..Default::default()
    };
    let mut client =
        GeyserGrpcClient::build_from_shared(node.grpc_url.clone()).unwrap().connect().await.unwrap();
    let (_sink, mut stream) = client.subscribe_with_request(Some(request)).await.unwrap();
    let finalized_request = SubscribeRequest {
        blocks_meta: HashMap::from([("blocks".to_string(), SubscribeRequestFilterBlocksMeta::default())]),
        commitment: Some(CommitmentLevel::Finalized as i32),
        ..Default::default()
    };
    let mut finalized_client =
        GeyserGrpcClient::build_from_shared(node.grpc_url.clone()).unwrap().connect().await.unwrap();
    let (_sink2, mut finalized) =
        finalized_client.subscribe_with_request(Some(finalized_request)).await.unwrap();
    // Both subscriptions are in place before anything happens.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let slot = node.chain.lock().await.slot;
    let (ok, failed) = a_success_and_a_failure(&rpc, alice, [11; 32]).await;
    node.advance_slot().await;
    let updates = collect_until(&mut stream, |seen| {
        status_of(seen, &ok).is_some()
            && status_of(seen, &failed).is_some()
            && block_meta_of(seen, slot).is_some()
    })
    .await;

    // Statuses: the filters each matched, in block order, the failure's error.
    let (ok_update, ok_status) = status_of(&updates, &ok).unwrap();
    let (failed_update, failed_status) = status_of(&updates, &failed).unwrap();
    let names = |u: &SubscribeUpdate| {
        let mut names = u.filters.clone();
        names.sort();
        names
    };
    assert_eq!(names(ok_update), vec!["alice", "alice-and-energy", "succeeded"]);
    assert_eq!(names(failed_update), vec!["alice", "alice-and-energy", "failed"]);
    assert_eq!((ok_status.slot, ok_status.index, ok_status.is_vote, &ok_status.err), (slot, 0, false, &None));
    assert_eq!((failed_status.slot, failed_status.index, failed_status.is_vote), (slot, 1, false));
    let err: TransactionError =
        bincode::deserialize(&failed_status.err.as_ref().expect("an error").err).unwrap();
    assert!(matches!(err, TransactionError::InstructionError(1, _)), "{err:?}");
    // The `transactions` update of the same transaction carries the same index.
    let indexes: Vec<(Vec<u8>, u64)> = updates
        .iter()
        .filter_map(|u| match &u.update_oneof {
            Some(UpdateOneof::Transaction(t)) => {
                t.transaction.as_ref().map(|t| (t.signature.clone(), t.index))
            }
            _ => None,
        })
        .collect();
    assert!(
        indexes.contains(&(ok.as_ref().to_vec(), 0)) && indexes.contains(&(failed.as_ref().to_vec(), 1)),
        "{indexes:?}"
    );

    // The block's meta is getBlock's block.
    let meta = block_meta_of(&updates, slot).unwrap();
    let config = RpcBlockConfig {
        commitment: Some(CommitmentConfig::confirmed()),
        transaction_details: Some(TransactionDetails::Signatures),
        ..RpcBlockConfig::default()
    };
    let block = rpc.get_block_with_config(slot, config).await.unwrap();
    assert_eq!(meta.blockhash, block.blockhash);
    assert_eq!(meta.parent_blockhash, block.previous_blockhash);
    assert_eq!(meta.parent_slot, block.parent_slot);
    assert_eq!(meta.block_time.map(|t| t.timestamp), block.block_time);
    assert_eq!(meta.block_height.map(|h| h.block_height), block.block_height);
    let signatures = block.signatures.unwrap();
    assert_eq!(signatures, vec![ok.to_string(), failed.to_string()], "block order is the index order");
    assert_eq!(meta.executed_transaction_count, signatures.len() as u64);
    assert_eq!(meta.rewards.as_ref().map(|r| r.rewards.len()), Some(0));
    let filters =
        updates.iter().find(|u| matches!(&u.update_oneof, Some(UpdateOneof::BlockMeta(_)))).unwrap();
    assert_eq!(filters.filters, vec!["blocks".to_string()]);

    // At `finalized`, the block's meta waits until the block is finalized (two slots on).
    let early = tokio::time::timeout(Duration::from_millis(300), finalized.next()).await;
    assert!(early.is_err(), "nothing is finalized yet: {early:?}");
    node.advance_slot().await;
    let first = collect_until(&mut finalized, |seen| !seen.is_empty()).await;
    let Some(UpdateOneof::BlockMeta(final_meta)) = &first[0].update_oneof else { panic!("{first:?}") };
    assert_eq!(final_meta, meta, "the same block, once finalized");
    let finalized_slot = rpc.get_slot_with_commitment(CommitmentConfig::finalized()).await.unwrap();
    assert_eq!(finalized_slot, slot);
}

/// `accounts_data_slice` as yellowstone-grpc applies it: the requested parts of every
/// account update's data, concatenated; a slice that runs past the end is left out; slices
/// out of order or overlapping are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_data_slices_send_the_requested_bytes() {
    let keys = DeploymentKeys::random();
    let node = Node::start(&keys, Options::ephemeral(Duration::ZERO)).await.expect("localnet");
    let rpc = RpcClient::new_with_commitment(node.rpc_url.clone(), CommitmentConfig::processed());
    let alice = &keys.traders[0];
    let meter_id = [12u8; 32];
    let meter = energy::client::meter_address(&meter_id, &alice.pubkey());
    let slices = |list: &[(u64, u64)]| -> Vec<SubscribeRequestAccountsDataSlice> {
        list.iter().map(|&(offset, length)| SubscribeRequestAccountsDataSlice { offset, length }).collect()
    };
    let request = |data_slices: Vec<SubscribeRequestAccountsDataSlice>| SubscribeRequest {
        accounts: HashMap::from([(
            "meter".to_string(),
            SubscribeRequestFilterAccounts { account: vec![meter.to_string()], ..Default::default() },
        )]),
        accounts_data_slice: data_slices,
        commitment: Some(CommitmentLevel::Processed as i32),
        ..Default::default()
    };
    // The meter's size, from an account of the same layout registered first.
    let probe_id = [13u8; 32];
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let probe = Transaction::new_signed_with_payer(
        &[energy::client::register_meter(alice.pubkey(), probe_id)],
        Some(&alice.pubkey()),
        &[alice],
        blockhash,
    );
    rpc.send_transaction(&probe).await.unwrap();
    let len =
        rpc.get_account_data(&energy::client::meter_address(&probe_id, &alice.pubkey())).await.unwrap().len()
            as u64;

    // Owner (after the 8-byte discriminator) and meter id; a slice past the end; one far out.
    let mut client =
        GeyserGrpcClient::build_from_shared(node.grpc_url.clone()).unwrap().connect().await.unwrap();
    let wanted = slices(&[(8, 32), (40, 32), (len - 4, 8), (1 << 40, 4)]);
    let (_sink, mut stream) = client.subscribe_with_request(Some(request(wanted))).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let register = Transaction::new_signed_with_payer(
        &[energy::client::register_meter(alice.pubkey(), meter_id)],
        Some(&alice.pubkey()),
        &[alice],
        blockhash,
    );
    rpc.send_transaction(&register).await.unwrap();
    let updates = collect_until(&mut stream, |seen| {
        seen.iter().any(|u| matches!(u.update_oneof, Some(UpdateOneof::Account(_))))
    })
    .await;
    let Some(UpdateOneof::Account(update)) = &updates.last().unwrap().update_oneof else { unreachable!() };
    let info = update.account.as_ref().unwrap();
    assert_eq!(info.pubkey, meter.to_bytes().to_vec());
    let full = rpc.get_account_data(&meter).await.unwrap();
    assert_eq!(full.len() as u64, len);
    assert_eq!(info.data, [&full[8..40], &full[40..72]].concat());
    assert_eq!(info.data, [alice.pubkey().to_bytes().as_slice(), &meter_id].concat(), "owner, then meter id");

    // yellowstone-grpc's refusals, word for word.
    for (bad, why) in [
        (slices(&[(8, 4), (0, 4)]), "data slices out of order"),
        (slices(&[(0, 8), (4, 4)]), "data slices overlapped"),
    ] {
        let mut client =
            GeyserGrpcClient::build_from_shared(node.grpc_url.clone()).unwrap().connect().await.unwrap();
        let (_sink, mut refused) = client.subscribe_with_request(Some(request(bad))).await.unwrap();
        let status = tokio::time::timeout(WAIT, refused.next()).await.unwrap().unwrap().unwrap_err();
        assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
        assert_eq!(status.message(), format!("failed to create filter: {why}"));
    }
}

/// Filters localnet cannot serve are answered UNIMPLEMENTED, naming the filter, not ignored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_blocks_and_entries_are_unimplemented() {
    let keys = DeploymentKeys::random();
    let node = Node::start(&keys, Options::ephemeral(Duration::ZERO)).await.expect("localnet");
    let requests = [
        (
            "blocks",
            SubscribeRequest {
                blocks: HashMap::from([("b".to_string(), SubscribeRequestFilterBlocks::default())]),
                ..Default::default()
            },
        ),
        (
            "entry",
            SubscribeRequest {
                entry: HashMap::from([("e".to_string(), SubscribeRequestFilterEntry::default())]),
                // Even alongside filters that are served.
                slots: HashMap::from([("slots".to_string(), SubscribeRequestFilterSlots::default())]),
                ..Default::default()
            },
        ),
    ];
    for (name, request) in requests {
        let mut client =
            GeyserGrpcClient::build_from_shared(node.grpc_url.clone()).unwrap().connect().await.unwrap();
        let (_sink, mut refused) = client.subscribe_with_request(Some(request)).await.unwrap();
        let status = tokio::time::timeout(WAIT, refused.next()).await.unwrap().unwrap().unwrap_err();
        assert_eq!(status.code(), tonic::Code::Unimplemented, "{status:?}");
        assert!(status.message().contains(&format!("`{name}`")), "{status:?}");
    }
}

/// After a restart, a `from_slot` replay holds the same block metas as the live stream did,
/// rebuilt from the ledger.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn block_metas_replay_after_a_restart() {
    let dir = std::env::temp_dir().join(format!("gtx-geyser-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let keys = DeploymentKeys::random();
    let options = Options { data_dir: Some(dir.clone()), ..Options::ephemeral(Duration::ZERO) };
    let request = |from_slot| SubscribeRequest {
        blocks_meta: HashMap::from([("blocks".to_string(), SubscribeRequestFilterBlocksMeta::default())]),
        commitment: Some(CommitmentLevel::Processed as i32),
        from_slot,
        ..Default::default()
    };

    let first = Node::start(&keys, options.clone()).await.expect("localnet");
    let rpc = RpcClient::new_with_commitment(first.rpc_url.clone(), CommitmentConfig::processed());
    // The ledger holds slots from the first one that begins after the start.
    first.advance_slot().await;
    let slot = first.chain.lock().await.slot;
    let mut client =
        GeyserGrpcClient::build_from_shared(first.grpc_url.clone()).unwrap().connect().await.unwrap();
    let (_sink, mut live) = client.subscribe_with_request(Some(request(None))).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (ok, failed) = a_success_and_a_failure(&rpc, &keys.traders[0], [14; 32]).await;
    first.advance_slot().await;
    first.advance_slot().await;
    let seen = collect_until(&mut live, |seen| block_meta_of(seen, slot + 1).is_some()).await;
    let live_metas: Vec<SubscribeUpdateBlockMeta> =
        [slot, slot + 1].iter().map(|s| block_meta_of(&seen, *s).unwrap().clone()).collect();
    assert_eq!(live_metas[0].executed_transaction_count, 2, "{ok} and {failed}");
    drop(live);
    drop(client);
    drop(first);

    let second = Node::start(&keys, options).await.expect("restarted");
    let mut client =
        GeyserGrpcClient::build_from_shared(second.grpc_url.clone()).unwrap().connect().await.unwrap();
    let (_sink, mut replay) = client.subscribe_with_request(Some(request(Some(slot)))).await.unwrap();
    let replayed = collect_until(&mut replay, |seen| block_meta_of(seen, slot + 1).is_some()).await;
    for meta in &live_metas {
        assert_eq!(
            block_meta_of(&replayed, meta.slot),
            Some(meta),
            "block {} replayed as it was streamed",
            meta.slot
        );
    }
    // The block the restart finished, too, as getBlock has it.
    let resumed = second.chain.lock().await.slot - 1;
    let rpc = RpcClient::new_with_commitment(second.rpc_url.clone(), CommitmentConfig::confirmed());
    let replayed = collect_until(&mut replay, |seen| block_meta_of(seen, resumed).is_some()).await;
    let meta = block_meta_of(&replayed, resumed).unwrap();
    let block = rpc
        .get_block_with_config(
            resumed,
            RpcBlockConfig {
                commitment: Some(CommitmentConfig::confirmed()),
                transaction_details: Some(TransactionDetails::Signatures),
                ..RpcBlockConfig::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (meta.blockhash.as_str(), meta.parent_blockhash.as_str()),
        (block.blockhash.as_str(), block.previous_blockhash.as_str())
    );
    assert_eq!(meta.executed_transaction_count, block.signatures.unwrap().len() as u64);
    drop(second);
    let _ = std::fs::remove_dir_all(&dir);
}
