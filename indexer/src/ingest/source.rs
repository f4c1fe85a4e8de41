//! The Yellowstone source: one subscription to our programs' accounts, the successful
//! transactions that touch them, and slots, at the followed commitment. Works unchanged
//! against localnet and a hosted endpoint (URL and x-token from configuration).
use std::collections::HashMap;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tonic::Code;
use yellowstone_grpc_client::{ClientTlsConfig, GeyserGrpcClient};
use yellowstone_grpc_proto::geyser::subscribe_update::UpdateOneof;
use yellowstone_grpc_proto::geyser::{
    CommitmentLevel, SlotStatus, SubscribeRequest, SubscribeRequestFilterAccounts, SubscribeRequestFilterSlots,
    SubscribeRequestFilterTransactions, SubscribeRequestPing,
};

use super::{decode, AccountUpdate, TransactionUpdate, Update};
use crate::config::{Commitment, IngestArgs};
use crate::metrics as m;

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The endpoint cannot replay from the slot asked for: backfill over RPC first.
    #[error("the stream cannot replay from slot {0}: {1}")]
    ReplayUnavailable(u64, String),
    #[error("Yellowstone endpoint {0} refused the connection ({1}); start localnet (make demo) or set INDEXER_GRPC_URL / INDEXER_GRPC_X_TOKEN")]
    Connect(String, String),
    #[error("Yellowstone stream ended: {0}")]
    Stream(String),
    /// The writer stopped (shutdown).
    #[error("the writer stopped")]
    Closed,
}

fn commitment(c: Commitment) -> CommitmentLevel {
    match c {
        Commitment::Processed => CommitmentLevel::Processed,
        Commitment::Confirmed => CommitmentLevel::Confirmed,
        Commitment::Finalized => CommitmentLevel::Finalized,
    }
}

fn slot_status(c: Commitment) -> SlotStatus {
    match c {
        Commitment::Processed => SlotStatus::SlotProcessed,
        Commitment::Confirmed => SlotStatus::SlotConfirmed,
        Commitment::Finalized => SlotStatus::SlotFinalized,
    }
}

pub fn request(c: Commitment, from_slot: Option<u64>) -> SubscribeRequest {
    let programs: Vec<String> = decode::programs().iter().map(Pubkey::to_string).collect();
    SubscribeRequest {
        accounts: HashMap::from([(
            "gridtokenx".to_string(),
            SubscribeRequestFilterAccounts { owner: programs.clone(), ..Default::default() },
        )]),
        transactions: HashMap::from([(
            "gridtokenx".to_string(),
            SubscribeRequestFilterTransactions {
                vote: Some(false),
                failed: Some(false),
                account_include: programs,
                ..Default::default()
            },
        )]),
        slots: HashMap::from([(
            "gridtokenx".to_string(),
            SubscribeRequestFilterSlots { filter_by_commitment: Some(true), ..Default::default() },
        )]),
        commitment: Some(commitment(c) as i32),
        from_slot,
        ..Default::default()
    }
}

/// HTTP/2 flow-control windows of the subscription (see [`connect`]).
const STREAM_WINDOW: u32 = 4 * 1024 * 1024;
const CONNECTION_WINDOW: u32 = 32 * STREAM_WINDOW;

pub async fn connect(args: &IngestArgs) -> Result<GeyserGrpcClient, SourceError> {
    let refused = |e: &dyn std::fmt::Display| SourceError::Connect(args.grpc_url.clone(), e.to_string());
    let mut builder = GeyserGrpcClient::build_from_shared(args.grpc_url.clone())
        .map_err(|e| refused(&e))?
        .x_token(args.grpc_x_token.clone())
        .map_err(|e| refused(&e))?
        .connect_timeout(Duration::from_secs(5))
        .max_decoding_message_size(64 * 1024 * 1024)
        .http2_keep_alive_interval(Duration::from_secs(15))
        // While we apply backpressure (a full `out`), frames wait unread in h2, which charges
        // each one under 256 bytes (slot updates, small accounts) against a budget of half the
        // connection window and closes the connection with GOAWAY "too_many_data_frames" when
        // it runs out. A connection window 32 times the stream window keeps that budget
        // (64 MiB / 256 B = 262,144 frames) above what a full stream window can hold (4 MiB of
        // ≥ 20-byte messages), so a slow moment is only backpressure, never a reconnect.
        .initial_stream_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        .keep_alive_while_idle(true);
    if args.grpc_url.starts_with("https://") {
        builder = builder.tls_config(ClientTlsConfig::new().with_native_roots()).map_err(|e| refused(&e))?;
    }
    builder.connect().await.map_err(|e| refused(&e))
}

/// Streams updates into `out` until the stream fails or `out` closes. Waiting on a full
/// `out` is the backpressure: the gRPC stream is then read more slowly, and a server that
/// gives up on us is just a reconnect from the checkpoint.
pub async fn stream(args: &IngestArgs, from_slot: Option<u64>, out: &mpsc::Sender<Update>) -> Result<(), SourceError> {
    let mut client = connect(args).await?;
    let (mut sink, mut updates) = client
        .subscribe_with_request(Some(request(args.commitment, from_slot)))
        .await
        .map_err(|e| SourceError::Connect(args.grpc_url.clone(), e.to_string()))?;
    let done_status = slot_status(args.commitment) as i32;
    while let Some(next) = updates.next().await {
        let update = match next {
            Ok(u) => u,
            Err(status) => {
                return Err(match (status.code(), from_slot) {
                    (Code::OutOfRange | Code::DataLoss | Code::InvalidArgument, Some(from)) => {
                        SourceError::ReplayUnavailable(from, status.message().to_string())
                    }
                    _ => SourceError::Stream(format!("{}: {}", status.code(), status.message())),
                })
            }
        };
        let streamed_at = update.created_at.map_or_else(now_secs, |t| t.seconds);
        let item = match update.update_oneof {
            Some(UpdateOneof::Account(a)) => {
                let Some(info) = a.account else { continue };
                let (Ok(pubkey), Ok(owner)) =
                    (Pubkey::try_from(info.pubkey.as_slice()), Pubkey::try_from(info.owner.as_slice()))
                else {
                    continue;
                };
                metrics::counter!(m::ACCOUNT_UPDATES, "stage" => "received").increment(1);
                Update::Account(AccountUpdate {
                    pubkey,
                    owner,
                    slot: a.slot,
                    write_version: info.write_version,
                    lamports: info.lamports,
                    data: info.data,
                })
            }
            Some(UpdateOneof::Transaction(t)) => {
                let Some(info) = t.transaction else { continue };
                let Some(meta) = info.meta else { continue };
                if meta.err.is_some() {
                    continue;
                }
                Update::Transaction(TransactionUpdate {
                    signature: bs58::encode(&info.signature).into_string(),
                    slot: t.slot,
                    block_time: streamed_at,
                    logs: meta.log_messages,
                })
            }
            Some(UpdateOneof::Slot(s)) => {
                metrics::gauge!(m::SOURCE_SLOT).set(s.slot as f64);
                super::pipeline::SOURCE_SLOT.fetch_max(s.slot, std::sync::atomic::Ordering::Relaxed);
                if s.status != done_status {
                    continue;
                }
                Update::SlotDone(s.slot)
            }
            Some(UpdateOneof::Ping(_)) => {
                // Hosted endpoints close streams whose clients stop answering pings.
                let pong = SubscribeRequest { ping: Some(SubscribeRequestPing { id: 1 }), ..Default::default() };
                sink.send(pong).await.map_err(|e| SourceError::Stream(format!("answering a ping: {e}")))?;
                continue;
            }
            _ => continue,
        };
        out.send(item).await.map_err(|_| SourceError::Closed)?;
    }
    Err(SourceError::Stream("the server closed the stream".into()))
}

pub fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
