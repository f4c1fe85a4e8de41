use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;

use std::future::Future;

use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::Stream;
use tonic::{Request, Response, Status, Streaming};
use yellowstone_grpc_proto::geyser::geyser_server::{Geyser, GeyserServer};
use yellowstone_grpc_proto::geyser::subscribe_update::UpdateOneof;
use yellowstone_grpc_proto::geyser::*;

use super::feed::{Feed, Read};
use super::filters::Filters;
use crate::rpc::SharedChain;

/// Updates queued for a subscriber beyond what HTTP/2 flow control already holds in flight.
const SUBSCRIBER_QUEUE: usize = 1_024;
/// How long a subscriber's queue may stay full before the subscriber is dropped. A client
/// that reads, however slowly, frees room well within it; one that stopped reading does not.
/// (yellowstone-grpc drops a subscriber the moment its queue is full; its queue is larger
/// and fed only live updates, where localnet's is also fed `from_slot` replays in bursts.)
pub const QUEUE_FULL_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

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
        let (tx, rx) = mpsc::channel(SUBSCRIBER_QUEUE);
        let (end_tx, end_rx) = oneshot::channel();
        let out = Outbox { queue: tx, end: Some(end_tx) };
        tokio::spawn(subscriber(self.feed.clone(), self.chain.clone(), request.into_inner(), out));
        Ok(Response::new(Box::pin(ended_by(ReceiverStream::new(rx), end_rx))))
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
        request: Request<GetLatestBlockhashRequest>,
    ) -> Result<Response<GetLatestBlockhashResponse>, Status> {
        let mut c = self.chain.lock().await;
        let at = slot_at(&c, request.into_inner().commitment)?;
        let (slot, blockhash, last_valid_block_height) =
            c.latest_blockhash_at(at).await.map_err(|e| Status::unavailable(e.to_string()))?;
        Ok(Response::new(GetLatestBlockhashResponse {
            slot,
            blockhash: blockhash.to_string(),
            last_valid_block_height,
        }))
    }

    async fn get_block_height(
        &self,
        request: Request<GetBlockHeightRequest>,
    ) -> Result<Response<GetBlockHeightResponse>, Status> {
        // One block per slot: the block height is the slot.
        let block_height = slot_at(&*self.chain.lock().await, request.into_inner().commitment)?;
        Ok(Response::new(GetBlockHeightResponse { block_height }))
    }

    async fn get_slot(&self, request: Request<GetSlotRequest>) -> Result<Response<GetSlotResponse>, Status> {
        let slot = slot_at(&*self.chain.lock().await, request.into_inner().commitment)?;
        Ok(Response::new(GetSlotResponse { slot }))
    }

    async fn is_blockhash_valid(
        &self,
        request: Request<IsBlockhashValidRequest>,
    ) -> Result<Response<IsBlockhashValidResponse>, Status> {
        let request = request.into_inner();
        let hash = solana_hash::Hash::from_str(&request.blockhash)
            .map_err(|_| Status::invalid_argument("blockhash is not base58"))?;
        let c = self.chain.lock().await;
        // The bank at the request's commitment (processed by default, as yellowstone-grpc).
        let slot = slot_at(&c, request.commitment)?;
        Ok(Response::new(IsBlockhashValidResponse { slot, valid: c.is_blockhash_valid_at(&hash, slot) }))
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

/// The newest slot at `commitment`, processed when none is given (yellowstone-grpc's
/// default for its unary calls); an unknown level is refused with yellowstone's status.
fn slot_at(c: &crate::chain::Chain, commitment: Option<i32>) -> Result<u64, Status> {
    let level = commitment.unwrap_or(CommitmentLevel::Processed as i32);
    match CommitmentLevel::try_from(level) {
        Ok(CommitmentLevel::Processed) => Ok(c.slot),
        Ok(CommitmentLevel::Confirmed) => Ok(c.slot.saturating_sub(c.confirm_after)),
        Ok(CommitmentLevel::Finalized) => Ok(c.slot.saturating_sub(c.finalize_after)),
        Err(_) => Err(Status::unknown(format!("failed to create CommitmentLevel from {level:?}"))),
    }
}

/// The stream a subscriber's client reads: its queue, unless its task ends the subscription
/// with a status, which then comes next (ahead of whatever is still queued) and closes it.
fn ended_by(
    mut queue: ReceiverStream<Result<SubscribeUpdate, Status>>,
    end: oneshot::Receiver<Status>,
) -> impl Stream<Item = Result<SubscribeUpdate, Status>> + Send {
    let mut end = Some(end);
    let mut ended = false;
    futures_util::stream::poll_fn(move |cx| {
        if ended {
            return std::task::Poll::Ready(None);
        }
        if let Some(receiver) = end.as_mut() {
            match std::pin::Pin::new(receiver).poll(cx) {
                std::task::Poll::Ready(Ok(status)) => {
                    ended = true;
                    return std::task::Poll::Ready(Some(Err(status)));
                }
                // The task ended without a status: the queue says the rest.
                std::task::Poll::Ready(Err(_)) => end = None,
                std::task::Poll::Pending => {}
            }
        }
        std::pin::Pin::new(&mut queue).poll_next(cx)
    })
}

/// Where a subscriber's task sends: updates into the bounded queue, and at most one final
/// status.
struct Outbox {
    queue: mpsc::Sender<Result<SubscribeUpdate, Status>>,
    end: Option<oneshot::Sender<Status>>,
}

/// Why a subscriber stops.
enum Stop {
    /// The client went away.
    Gone,
    /// The subscription ends with this status.
    Status(Status),
}

impl Outbox {
    /// Queues `update`, waiting at most `QUEUE_FULL_GRACE` for room.
    async fn send(&self, update: SubscribeUpdate) -> Result<(), Stop> {
        match self.queue.try_send(Ok(update)) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(Stop::Gone),
            Err(mpsc::error::TrySendError::Full(item)) => {
                match tokio::time::timeout(QUEUE_FULL_GRACE, self.queue.reserve()).await {
                    Ok(Ok(permit)) => {
                        permit.send(item);
                        Ok(())
                    }
                    Ok(Err(_)) => Err(Stop::Gone),
                    Err(_) => Err(Stop::Status(Status::internal(format!(
                        "lagged to send an update: the subscriber's queue of {SUBSCRIBER_QUEUE} updates stayed full for {} s (the client stopped reading); the subscription is dropped, resubscribe with from_slot",
                        QUEUE_FULL_GRACE.as_secs()
                    )))),
                }
            }
        }
    }

    /// Ends the subscription with `status`: after the queued updates if there is room for
    /// it, else right away.
    fn finish(mut self, status: Status) {
        match self.queue.try_send(Err(status)) {
            Ok(()) | Err(mpsc::error::TrySendError::Closed(_)) => {}
            Err(mpsc::error::TrySendError::Full(Err(status))) => {
                if let Some(end) = self.end.take() {
                    let _ = end.send(status);
                }
            }
            Err(mpsc::error::TrySendError::Full(Ok(_))) => {}
        }
    }
}

/// One subscriber: applies its latest filters to the feed from its cursor on, answers its
/// pings, and ends when the client goes away, falls out of the retained window, or stops
/// reading (its queue stays full).
async fn subscriber(feed: Arc<Feed>, chain: SharedChain, requests: Streaming<SubscribeRequest>, out: Outbox) {
    match follow(&feed, &chain, requests, &out).await {
        Stop::Gone => {}
        Stop::Status(status) => out.finish(status),
    }
}

async fn follow(
    feed: &Feed,
    chain: &SharedChain,
    mut requests: Streaming<SubscribeRequest>,
    out: &Outbox,
) -> Stop {
    let mut filters: Option<Filters> = None;
    let mut cursor = feed.next_seq();
    let mut slots = feed.watch_slot();
    let mut stopped = feed.watch_stopped();
    loop {
        tokio::select! {
            // A stopped node ends its streams, as a process exit would: the server task
            // is gone, but tonic keeps established connections alive on their own tasks.
            _ = stopped.changed() => return Stop::Status(Status::unavailable("localnet stopped")),
            message = requests.message() => {
                let request = match message {
                    Ok(Some(r)) => r,
                    _ => return Stop::Gone,
                };
                if let Some(ping) = request.ping {
                    let pong = SubscribeUpdate { filters: vec![], update_oneof: Some(UpdateOneof::Pong(SubscribeUpdatePong { id: ping.id })), created_at: None };
                    if let Err(stop) = out.send(pong).await {
                        return stop;
                    }
                    if !Filters::any_in(&request) {
                        continue;
                    }
                }
                match Filters::parse(&request, feed.confirm_after, feed.finalize_after) {
                    Ok(parsed) => filters = Some(parsed),
                    Err(status) => return Stop::Status(status),
                }
                if let Some(from_slot) = request.from_slot {
                    // Up to the slot after the current one: a client resuming right after
                    // the last slot it saw. Further is a slot that does not exist yet.
                    let current = chain.lock().await.slot.max(feed.current_slot());
                    if from_slot > current.saturating_add(1) {
                        return Stop::Status(Status::out_of_range(format!(
                            "from_slot {from_slot} is in the future: the current slot is {current}"
                        )));
                    }
                    match feed.seq_from_slot(from_slot) {
                        Ok(seq) => cursor = seq,
                        Err(oldest) => {
                            return Stop::Status(Status::out_of_range(format!(
                                "from_slot {from_slot} is no longer retained; the oldest available slot is {oldest}"
                            )));
                        }
                    }
                }
            }
            changed = slots.changed() => {
                if changed.is_err() {
                    return Stop::Gone;
                }
            }
        }
        let Some(active) = filters.as_ref() else { continue };
        match feed.read(cursor, active.age) {
            Read::Lost { oldest_slot } => {
                return Stop::Status(Status::data_loss(format!("subscriber fell behind the retained window (oldest slot {oldest_slot}); resubscribe with from_slot")));
            }
            Read::Entries(entries) => {
                for entry in entries {
                    cursor = entry.seq + 1;
                    for update in active.apply(&entry) {
                        if let Err(stop) = out.send(update).await {
                            return stop;
                        }
                    }
                }
            }
        }
    }
}
