//! Configuration: flags, each with an environment variable and a default that matches the
//! local stack (localnet, PostgreSQL on 5432, Redis on 6379, a Kafka broker on 9092).
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

#[derive(Args, Clone, Debug)]
pub struct DatabaseArgs {
    /// PostgreSQL URL; the database is created when missing and migrated on start.
    #[arg(long, env = "DATABASE_URL", default_value = "postgres://postgres@127.0.0.1:5432/gridtokenx")]
    pub database_url: String,
    /// Connections in the pool.
    #[arg(long, env = "INDEXER_DB_POOL", default_value_t = 8)]
    pub db_pool: u32,
}

#[derive(Args, Clone, Debug)]
pub struct RedisArgs {
    /// Redis URL: WebSocket fan-out between API processes and the book cache. Empty: none
    /// (a single process serves its own clients).
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Commitment {
    Processed,
    Confirmed,
    Finalized,
}

#[derive(Args, Clone, Debug)]
pub struct IngestArgs {
    /// Yellowstone gRPC endpoint (localnet's by default; https://… for a hosted provider).
    #[arg(long, env = "INDEXER_GRPC_URL", default_value = "http://127.0.0.1:10000")]
    pub grpc_url: String,
    /// Yellowstone x-token, for hosted providers.
    #[arg(long, env = "INDEXER_GRPC_X_TOKEN", hide_env_values = true)]
    pub grpc_x_token: Option<String>,
    /// Solana JSON-RPC endpoint, used to backfill when the stream cannot replay far enough.
    #[arg(long, env = "INDEXER_RPC_URL", default_value = "http://127.0.0.1:8899")]
    pub rpc_url: String,
    /// Commitment the mirror follows. `processed` may show writes a fork later drops.
    #[arg(long, env = "INDEXER_COMMITMENT", value_enum, default_value = "confirmed")]
    pub commitment: Commitment,
    /// Largest number of updates written in one database transaction.
    #[arg(long, env = "INDEXER_BATCH", default_value_t = 20_000)]
    pub batch: usize,
    /// Capacity of the queue between the stream and the writer: when the database falls
    /// behind, the stream is read more slowly instead of buffering without bound.
    #[arg(long, env = "INDEXER_QUEUE", default_value_t = 50_000)]
    pub queue: usize,
}

#[derive(Args, Clone, Debug)]
pub struct ApiArgs {
    /// Address the REST / WebSocket API listens on.
    #[arg(long, env = "INDEXER_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// A built web app to serve at `/` (app/dist), so the whole system is one URL.
    #[arg(long, env = "INDEXER_APP_DIR")]
    pub app_dir: Option<PathBuf>,
    /// `/health/ready` fails when ingest's checkpoint is this many seconds old.
    #[arg(long, env = "INDEXER_MAX_LAG_SECS", default_value_t = 30)]
    pub max_lag_secs: u64,
    /// Messages a WebSocket client may have queued before it is disconnected.
    #[arg(long, env = "INDEXER_WS_BUFFER", default_value_t = 1_024)]
    pub ws_buffer: usize,
}

#[derive(Args, Clone, Debug)]
pub struct KafkaArgs {
    /// Kafka bootstrap servers for meter telemetry.
    #[arg(long, env = "INDEXER_KAFKA_BROKERS", default_value = "127.0.0.1:9092")]
    pub kafka_brokers: String,
    #[arg(long, env = "INDEXER_KAFKA_TOPIC", default_value = "meter-readings")]
    pub kafka_topic: String,
    /// The simulator's grid topology and power-flow states (`grid-state`); empty = not consumed.
    #[arg(long, env = "INDEXER_KAFKA_GRID_TOPIC", default_value = gridtokenx_telemetry::GRID_TOPIC)]
    pub kafka_grid_topic: String,
    /// Consumer group: several `telemetry` processes in one group share the partitions.
    #[arg(long, env = "INDEXER_KAFKA_GROUP", default_value = "gridtokenx-indexer")]
    pub kafka_group: String,
    /// Most messages written (and offsets committed) per database transaction.
    #[arg(long, env = "INDEXER_KAFKA_BATCH", default_value_t = 5_000)]
    pub kafka_batch: usize,
    /// How long a batch waits for more messages after its first, in milliseconds.
    #[arg(long, env = "INDEXER_KAFKA_LINGER_MS", default_value_t = 100)]
    pub kafka_linger_ms: u64,
    /// Readings whose interval starts further ahead of the wall clock are dead-lettered.
    /// Raise it for a simulator running faster than real time without posting.
    #[arg(long, env = "INDEXER_TELEMETRY_MAX_FUTURE_SECS", default_value_t = gridtokenx_telemetry::MAX_FUTURE_SECS)]
    pub telemetry_max_future_secs: i64,
}

/// Retry delays for a dependency that is down: doubling from 200 ms to 10 s.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(200u64.saturating_mul(1 << attempt.min(6))).min(Duration::from_secs(10))
}
