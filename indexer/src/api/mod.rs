//! The read API: REST under `/api/v1` (OpenAPI at `/api/v1/openapi.json`), the sequenced
//! WebSocket at `/api/v1/ws`, `/metrics`, `/health/live` and `/health/ready`, and the web
//! app's files at `/` when configured. Holds no keys; every answer comes from the mirror.
pub mod grid;
pub mod health;
pub mod rest;
pub mod snapshot;
pub mod ws;

use std::str::FromStr;
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use metrics_exporter_prometheus::PrometheusHandle;
use sqlx::PgPool;
use utoipa::OpenApi;

use crate::config::ApiArgs;
use crate::fanout::Fanout;

#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub fanout: Fanout,
    pub redis: Option<redis::Client>,
    pub metrics: PrometheusHandle,
    pub args: Arc<ApiArgs>,
}

/// A 4xx/5xx with a JSON body `{"error": "..."}`.
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(crate::model::ApiError { error: self.1 })).into_response()
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> ApiError {
        tracing::warn!("query failed: {e}");
        ApiError(StatusCode::SERVICE_UNAVAILABLE, "the database is unavailable; retry shortly".into())
    }
}

pub fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, message.into())
}

pub fn not_found(message: impl Into<String>) -> ApiError {
    ApiError(StatusCode::NOT_FOUND, message.into())
}

/// A path or query value that must be a base58 public key.
pub fn pubkey(name: &str, value: &str) -> Result<String, ApiError> {
    Pubkey::from_str(value)
        .map(|k| k.to_string())
        .map_err(|_| bad_request(format!("{name} must be a base58 public key, got {value:?}")))
}

/// `limit` within 1..=max, `default` when absent.
pub fn limit(value: Option<i64>, default: i64, max: i64) -> Result<i64, ApiError> {
    match value {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(bad_request(format!("limit must be between 1 and {max}, got {n}"))),
    }
}

pub fn router(state: AppState) -> Router {
    let api = rest::routes()
        .merge(grid::routes())
        .merge(crate::users::routes())
        .route("/ws", get(ws::upgrade))
        .route("/openapi.json", get(|| async { Json(openapi()) }));
    let mut app = Router::new()
        .nest("/api/v1", api)
        .merge(crate::tiles::routes())
        .route("/metrics", get(health::metrics))
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .fallback(|| async { not_found("no such endpoint; see /api/v1/openapi.json") });
    if let Some(dir) = &state.args.app_dir {
        // The single-page app: unknown paths fall back to index.html (client-side routes).
        let index = dir.join("index.html");
        app = app.fallback_service(tower_http::services::ServeDir::new(dir).fallback(tower_http::services::ServeFile::new(index)));
    }
    app.layer(tower_http::cors::CorsLayer::permissive()).with_state(state)
}

/// The REST document with the grid tiles' paths, which live at the root (`/tiles/…`, where
/// map clients expect them) and so name their own server.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = rest::ApiDoc::openapi();
    doc.merge(grid::GridDoc::openapi());
    let mut tiles = crate::tiles::TilesDoc::openapi();
    for item in tiles.paths.paths.values_mut() {
        item.servers = Some(vec![utoipa::openapi::Server::new("/")]);
    }
    doc.merge(tiles);
    doc
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}

pub(crate) type ApiResult<T> = Result<Json<T>, ApiError>;

pub(crate) fn ok<T>(value: T) -> ApiResult<T> {
    Ok(Json(value))
}

pub use snapshot::Channel;
