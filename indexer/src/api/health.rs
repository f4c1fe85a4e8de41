//! Liveness, readiness and Prometheus metrics.
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;

use super::AppState;

pub async fn live() -> impl IntoResponse {
    Json(json!({"status": "live"}))
}

/// Ready when Postgres answers, the ingest checkpoint moved within the configured bound,
/// and — where this process consumes telemetry — a Kafka broker is reachable.
pub async fn ready(State(s): State<AppState>) -> impl IntoResponse {
    let max = s.args.max_lag_secs as f64;
    if crate::telemetry::consumer::broker_reachable() == Some(false) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unready", "reason": "telemetry: no Kafka broker reachable (check INDEXER_KAFKA_BROKERS; the consumer keeps retrying)"})),
        );
    }
    match crate::store::checkpoint_age(&s.pool).await {
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "unready", "reason": format!("database: {e}")}))),
        Ok(None) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unready", "reason": "ingest has not completed a slot yet"})),
        ),
        Ok(Some((slot, age))) if age > max => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unready", "reason": format!("ingest checkpoint (slot {slot}) is {age:.0} s old, over {max} s"), "checkpoint_slot": slot})),
        ),
        Ok(Some((slot, age))) => {
            (StatusCode::OK, Json(json!({"status": "ready", "checkpoint_slot": slot, "checkpoint_age_secs": age})))
        }
    }
}

pub async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    ([("content-type", "text/plain; version=0.0.4")], s.metrics.render())
}
