//! Prometheus metrics (`/metrics`). Names are constants so that every seam reports under
//! the same name the dashboards use.
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

pub const SLOT_LAG: &str = "indexer_slot_lag";
pub const SOURCE_SLOT: &str = "indexer_source_slot";
pub const CHECKPOINT_SLOT: &str = "indexer_checkpoint_slot";
pub const ACCOUNT_UPDATES: &str = "indexer_account_updates_total";
pub const EVENTS: &str = "indexer_events_total";
pub const UNDECODABLE: &str = "indexer_undecodable_total";
pub const QUEUE_DEPTH: &str = "indexer_queue_depth";
pub const BATCH_SECONDS: &str = "indexer_db_batch_seconds";
pub const BATCH_SIZE: &str = "indexer_db_batch_updates";
pub const SOURCE_RECONNECTS: &str = "indexer_source_reconnects_total";
pub const BACKFILLS: &str = "indexer_backfills_total";
pub const DB_ERRORS: &str = "indexer_db_errors_total";
pub const KAFKA_LAG: &str = "indexer_kafka_consumer_lag";
pub const TELEMETRY_ROWS: &str = "indexer_telemetry_rows_total";
pub const DEAD_LETTERS: &str = "indexer_dead_letters_total";
pub const WS_CLIENTS: &str = "indexer_ws_clients";
pub const WS_DROPPED: &str = "indexer_ws_dropped_total";
pub const WS_RESYNCS: &str = "indexer_ws_resyncs_total";
pub const REDIS_ERRORS: &str = "indexer_redis_errors_total";
pub const HTTP_REQUESTS: &str = "indexer_http_requests_total";

static HANDLE: std::sync::OnceLock<PrometheusHandle> = std::sync::OnceLock::new();

/// Installs the process-wide recorder once; the handle renders `/metrics`.
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets(&[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5])
                .and_then(|b| b.install_recorder())
                .expect("the Prometheus recorder is installed once per process")
        })
        .clone()
}

// Telemetry consumer (indexer/src/telemetry): messages by outcome (stored | duplicate |
// dead_letter), and the time to write one batch.
pub const TELEMETRY_MESSAGES: &str = "indexer_telemetry_messages_total";
pub const TELEMETRY_BATCH_SECONDS: &str = "indexer_telemetry_batch_seconds";
