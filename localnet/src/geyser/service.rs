use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::Stream;
use tonic::{Request, Response, Status, Streaming};
use yellowstone_grpc_proto::geyser::geyser_server::{Geyser, GeyserServer};
use yellowstone_grpc_proto::geyser::subscribe_update::UpdateOneof;
use yellowstone_grpc_proto::geyser::*;

use super::feed::{Feed, Read};
use super::filters::Filters;
use crate::rpc::SharedChain;

/// Updates a subscriber may have in flight before its own task waits (ingest never does).
const SUBSCRIBER_BUFFER: usize = 1_024;

type UpdateStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

pub struct Service {
    chain: SharedChain,
    feed: Arc<Feed>,
}

/// Serves Geyser gRPC on `listener` until the future is dropped.
pub async fn serve(
    listener: tokio::net::TcpListener,
    chain: SharedChain,
    feed: Arc<Feed>,
) -> Result<(), tonic::transport::Error> {
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    tonic::transport::Server::builder()
        .add_service(GeyserServer::new(Service { chain, feed }))
        .serve_with_incoming(incoming)
        .await
}

#[tonic::async_trait]
impl Geyser for Service {
    type SubscribeStream = UpdateStream<SubscribeUpdate>;

    async fn subscribe(
        &self,
        request: Request<Streaming<SubscribeRequest>>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let (tx, rx) = mpsc::channel(SUBSCRIBER_BUFFER);
        let feed = self.feed.clone();
        tokio::spawn(subscriber(feed, request.into_inner(), tx));
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    type SubscribeDeshredStream = UpdateStream<SubscribeUpdateDeshred>;

    async fn subscribe_deshred(
        &self,
        _: Request<Streaming<SubscribeDeshredRequest>>,
    ) -> Result<Response<Self::SubscribeDeshredStream>, Status> {
        Err(Status::unimplemented("localnet has no shreds: use Subscribe"))
    }

    type SubscribeGossipStream = UpdateStream<SubscribeUpdateGossip>;

    async fn subscribe_gossip(
        &self,
        _: Request<SubscribeGossipRequest>,
    ) -> Result<Response<Self::SubscribeGossipStream>, Status> {
        Err(Status::unimplemented("localnet has no gossip"))
    }

    async fn subscribe_replay_info(
        &self,
        _: Request<SubscribeReplayInfoRequest>,
    ) -> Result<Response<SubscribeReplayInfoResponse>, Status> {
        Ok(Response::new(SubscribeReplayInfoResponse { first_available: Some(self.feed.first_available_slot()) }))
    }

    async fn ping(&self, request: Request<PingRequest>) -> Result<Response<PongResponse>, Status> {
        Ok(Response::new(PongResponse { count: request.into_inner().count }))
    }

    async fn get_latest_blockhash(
        &self,
        _: Request<GetLatestBlockhashRequest>,
    ) -> Result<Response<GetLatestBlockhashResponse>, Status> {
        let mut c = self.chain.lock().await;
        let blockhash = c.latest_blockhash().await.map_err(|e| Status::unavailable(e.to_string()))?;
        Ok(Response::new(GetLatestBlockhashResponse {
            slot: c.slot,
            blockhash: blockhash.to_string(),
            last_valid_block_height: c.slot + 150,
        }))
    }

    async fn get_block_height(
        &self,
        _: Request<GetBlockHeightRequest>,
    ) -> Result<Response<GetBlockHeightResponse>, Status> {
        Ok(Response::new(GetBlockHeightResponse { block_height: self.chain.lock().await.slot }))
    }

    async fn get_slot(&self, _: Request<GetSlotRequest>) -> Result<Response<GetSlotResponse>, Status> {
        Ok(Response::new(GetSlotResponse { slot: self.chain.lock().await.slot }))
    }

    async fn is_blockhash_valid(
        &self,
        request: Request<IsBlockhashValidRequest>,
    ) -> Result<Response<IsBlockhashValidResponse>, Status> {
        let text = request.into_inner().blockhash;
        let hash = solana_hash::Hash::from_str(&text)
            .map_err(|_| Status::invalid_argument("blockhash is not base58"))?;
        let mut c = self.chain.lock().await;
        let valid = c.is_blockhash_valid(hash).await;
        Ok(Response::new(IsBlockhashValidResponse { slot: c.slot, valid }))
    }

    async fn get_version(
        &self,
        _: Request<GetVersionRequest>,
    ) -> Result<Response<GetVersionResponse>, Status> {
        let version = serde_json::json!({
            "version": { "package": "gridtokenx-localnet", "version": env!("CARGO_PKG_VERSION") },
            "solana": crate::rpc::methods::CORE_VERSION,
        });
        Ok(Response::new(GetVersionResponse { version: version.to_string() }))
    }
}

/// One subscriber: applies its latest filters to the feed from its cursor on, answers its
/// pings, and ends when the client goes away or falls out of the retained window.
async fn subscriber(
    feed: Arc<Feed>,
    mut requests: Streaming<SubscribeRequest>,
    tx: mpsc::Sender<Result<SubscribeUpdate, Status>>,
) {
    let mut filters: Option<Filters> = None;
    let mut cursor = feed.next_seq();
    let mut slots = feed.watch_slot();
    let mut stopped = feed.watch_stopped();
    loop {
        tokio::select! {
            // A stopped node ends its streams, as a process exit would: the server task
            // is gone, but tonic keeps established connections alive on their own tasks.
            _ = stopped.changed() => {
                let _ = tx.send(Err(Status::unavailable("localnet stopped"))).await;
                return;
            }
            message = requests.message() => {
                let request = match message {
                    Ok(Some(r)) => r,
                    _ => return,
                };
                if let Some(ping) = request.ping {
                    let pong = SubscribeUpdate { filters: vec![], update_oneof: Some(UpdateOneof::Pong(SubscribeUpdatePong { id: ping.id })), created_at: None };
                    if tx.send(Ok(pong)).await.is_err() {
                        return;
                    }
                    if request.accounts.is_empty() && request.transactions.is_empty() && request.slots.is_empty() {
                        continue;
                    }
                }
                match Filters::parse(&request, feed.confirm_after, feed.finalize_after) {
                    Ok(parsed) => filters = Some(parsed),
                    Err(status) => {
                        let _ = tx.send(Err(status)).await;
                        return;
                    }
                }
                if let Some(from_slot) = request.from_slot {
                    match feed.seq_from_slot(from_slot) {
                        Ok(seq) => cursor = seq,
                        Err(oldest) => {
                            let status = Status::out_of_range(format!("from_slot {from_slot} is no longer retained; the oldest available slot is {oldest}"));
                            let _ = tx.send(Err(status)).await;
                            return;
                        }
                    }
                }
            }
            changed = slots.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
        let Some(active) = filters.as_ref() else { continue };
        match feed.read(cursor, active.age) {
            Read::Lost { oldest_slot } => {
                let status = Status::data_loss(format!("subscriber fell behind the retained window (oldest slot {oldest_slot}); resubscribe with from_slot"));
                let _ = tx.send(Err(status)).await;
                return;
            }
            Read::Entries(entries) => {
                for entry in entries {
                    cursor = entry.seq + 1;
                    if let Some(update) = active.apply(&entry) {
                        if tx.send(Ok(update)).await.is_err() {
                            return;
                        }
                    }
                }
            }
        }
    }
}
