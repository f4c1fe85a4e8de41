//! Delta fan-out. Ingest publishes each committed batch's deltas to this process's
//! broadcast and to Redis (`PUBLISH gtx:delta:<channel>`); every API process follows Redis
//! (`PSUBSCRIBE gtx:delta:*`) into its own broadcast, so any number of API processes serve
//! the same channels. Sequence numbers come from Postgres, so a delta seen twice (local and
//! via Redis) is dropped by its number and a lost one shows up as a gap the client heals
//! with a fresh snapshot. Redis being down never stops ingest or reads.
use std::sync::Arc;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tokio::sync::{broadcast, mpsc};

use crate::config::backoff;
use crate::metrics as m;

/// One channel's change in one committed batch.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Delta {
    pub channel: String,
    /// The number of the batch that committed it (one counter for every channel).
    pub seq: i64,
    /// The batch of this channel's previous delta, or a later batch in which the channel did
    /// not change: a client holding the channel as of `prev` (or newer) may apply this delta.
    pub prev: i64,
    pub data: serde_json::Value,
    /// When its batch committed (unix milliseconds): how fresh the delta is.
    pub at_ms: i64,
    /// The frame every WebSocket session sends, rendered once for all of them.
    #[serde(skip)]
    frame: std::sync::OnceLock<axum::extract::ws::Utf8Bytes>,
}

impl PartialEq for Delta {
    /// Equal in what they say; whether the frame was rendered yet does not matter.
    fn eq(&self, other: &Delta) -> bool {
        (&self.channel, self.seq, self.prev, &self.data, self.at_ms) == (&other.channel, other.seq, other.prev, &other.data, other.at_ms)
    }
}

/// Now, in unix milliseconds: the clock of `Delta::at_ms`.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

impl Delta {
    pub fn new(channel: String, seq: i64, prev: i64, data: serde_json::Value, at_ms: i64) -> Delta {
        Delta { channel, seq, prev, data, at_ms, frame: std::sync::OnceLock::new() }
    }

    /// What a subscriber holding the channel as of batch `have` does with this delta.
    pub fn follows(&self, have: i64) -> wire::Sequence {
        wire::follows(Some(have), self.seq, Some(self.prev))
    }

    /// `{"type":"delta","channel","seq","prev","at_ms","data"}`, serialized on first use.
    pub fn frame(&self) -> axum::extract::ws::Utf8Bytes {
        self.frame
            .get_or_init(|| {
                let frame = wire::Frame::Delta {
                    channel: self.channel.as_str(),
                    seq: self.seq,
                    prev: Some(self.prev),
                    at_ms: Some(self.at_ms),
                    data: &self.data,
                };
                serde_json::to_string(&frame).unwrap_or_default().into()
            })
            .clone()
    }
}

const REDIS_DELTA_PREFIX: &str = "gtx:delta:";
pub const REDIS_BOOK_PREFIX: &str = "gtx:book:";
/// Deltas waiting for Redis; past this they are dropped (clients resync on the gap).
const REDIS_QUEUE: usize = 10_000;
/// Deltas an API process's broadcast holds for its slowest WebSocket session.
const LOCAL_BUFFER: usize = 65_536;

#[derive(Clone)]
pub struct Fanout {
    local: broadcast::Sender<Arc<Delta>>,
    to_redis: Option<mpsc::Sender<Vec<Arc<Delta>>>>,
}

impl Fanout {
    /// A fan-out without Redis: deltas reach only this process's sessions.
    pub fn local() -> Fanout {
        Fanout { local: broadcast::channel(LOCAL_BUFFER).0, to_redis: None }
    }

    /// Publishes to Redis too (from a background task that reconnects on its own). The
    /// book depth of every market a batch touched is cached in Redis with its sequence.
    pub fn with_redis(url: &str, pool: PgPool) -> anyhow::Result<Fanout> {
        let client = redis::Client::open(url).map_err(|e| anyhow::anyhow!("REDIS_URL {url} is invalid: {e}"))?;
        let (tx, rx) = mpsc::channel(REDIS_QUEUE);
        tokio::spawn(publisher(client, pool, rx));
        Ok(Fanout { local: broadcast::channel(LOCAL_BUFFER).0, to_redis: Some(tx) })
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Delta>> {
        self.local.subscribe()
    }

    /// Hands committed deltas on. Never waits: a full Redis queue drops them (counted).
    pub fn publish(&self, deltas: Vec<Delta>) {
        if deltas.is_empty() {
            return;
        }
        let deltas: Vec<Arc<Delta>> = deltas.into_iter().map(Arc::new).collect();
        for d in &deltas {
            let _ = self.local.send(d.clone());
        }
        if let Some(tx) = &self.to_redis {
            if tx.try_send(deltas).is_err() {
                metrics::counter!(m::REDIS_ERRORS, "op" => "queue_full").increment(1);
            }
        } else if deltas.len() > 1_000 {
            // A fleet's batch: freeing 20,000 JSON trees is a fifth of ingest's CPU, and
            // here it would hold up the next batch's commit.
            tokio::task::spawn_blocking(move || drop(deltas));
        }
    }

    /// Deltas from Redis into this process's broadcast (what every API process runs).
    pub fn follow_redis(&self, url: &str) -> anyhow::Result<()> {
        let client = redis::Client::open(url).map_err(|e| anyhow::anyhow!("REDIS_URL {url} is invalid: {e}"))?;
        tokio::spawn(follower(client, self.local.clone()));
        Ok(())
    }
}

async fn publisher(client: redis::Client, pool: PgPool, mut rx: mpsc::Receiver<Vec<Arc<Delta>>>) {
    let mut attempt = 0;
    let mut pending: Option<Vec<Arc<Delta>>> = None;
    loop {
        let mut conn = match client.get_multiplexed_async_connection().await {
            Ok(c) => {
                attempt = 0;
                c
            }
            Err(e) => {
                metrics::counter!(m::REDIS_ERRORS, "op" => "connect").increment(1);
                tracing::warn!("Redis unreachable for publishing ({e}); retrying");
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
                continue;
            }
        };
        loop {
            let deltas = match pending.take() {
                Some(d) => d,
                None => match rx.recv().await {
                    Some(d) => d,
                    None => return,
                },
            };
            if let Err(e) = publish_batch(&mut conn, &pool, &deltas).await {
                metrics::counter!(m::REDIS_ERRORS, "op" => "publish").increment(1);
                tracing::warn!("Redis publish failed ({e}); reconnecting");
                pending = Some(deltas);
                break;
            }
        }
    }
}

async fn publish_batch(
    conn: &mut redis::aio::MultiplexedConnection,
    pool: &PgPool,
    deltas: &[Arc<Delta>],
) -> anyhow::Result<()> {
    let mut pipe = redis::pipe();
    for d in deltas {
        pipe.publish(format!("{REDIS_DELTA_PREFIX}{}", d.channel), serde_json::to_string(&**d)?).ignore();
        if let Some(market) = d.channel.strip_prefix("book:") {
            // Depth and sequence read together, so the cache is exact at its sequence.
            let depth = crate::api::snapshot::depth(pool, market, 1_000).await?;
            pipe.set(format!("{REDIS_BOOK_PREFIX}{market}"), serde_json::to_string(&depth)?).ignore();
        }
    }
    pipe.query_async::<()>(conn).await?;
    Ok(())
}

async fn follower(client: redis::Client, local: broadcast::Sender<Arc<Delta>>) {
    let mut attempt = 0;
    loop {
        let mut pubsub = match client.get_async_pubsub().await {
            Ok(p) => p,
            Err(e) => {
                metrics::counter!(m::REDIS_ERRORS, "op" => "subscribe").increment(1);
                tracing::warn!("Redis unreachable for fan-out ({e}); serving local deltas only, retrying");
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
                continue;
            }
        };
        if let Err(e) = pubsub.psubscribe(format!("{REDIS_DELTA_PREFIX}*")).await {
            metrics::counter!(m::REDIS_ERRORS, "op" => "subscribe").increment(1);
            tracing::warn!("Redis PSUBSCRIBE failed ({e}); retrying");
            tokio::time::sleep(backoff(attempt)).await;
            attempt += 1;
            continue;
        }
        attempt = 0;
        let mut messages = pubsub.on_message();
        while let Some(msg) = messages.next().await {
            let Ok(payload) = msg.get_payload::<String>() else { continue };
            match serde_json::from_str::<Delta>(&payload) {
                Ok(delta) => {
                    let _ = local.send(Arc::new(delta));
                }
                Err(e) => tracing::warn!("ignoring a malformed delta from Redis: {e}"),
            }
        }
        metrics::counter!(m::REDIS_ERRORS, "op" => "disconnected").increment(1);
        tracing::warn!("Redis fan-out connection closed; reconnecting");
    }
}

/// The cached depth of a market, when Redis has it.
pub async fn cached_depth(client: &redis::Client, market: &str) -> Option<crate::model::Depth> {
    let mut conn = tokio::time::timeout(std::time::Duration::from_millis(200), client.get_multiplexed_async_connection())
        .await
        .ok()?
        .ok()?;
    let text: Option<String> = redis::cmd("GET").arg(format!("{REDIS_BOOK_PREFIX}{market}")).query_async(&mut conn).await.ok()?;
    serde_json::from_str(&text?).ok()
}
