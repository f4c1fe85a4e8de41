//! Solana JSON-RPC 2.0 over HTTP: the subset clients and wallets use, with the error codes
//! and shapes of a real validator, so `solana-rpc-client` and browser wallets cannot tell
//! localnet from a cluster.
mod accounts;
mod basics;
mod blocks;
mod cluster;
mod encoding;
pub mod known;
pub(crate) mod methods;
pub use methods::SERVED;
mod params;
mod tokens;
mod transactions;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::Mutex;

use crate::chain::Chain;

/// The largest request body served: agave's default (`--rpc-max-request-body-size`, 50 KiB,
/// `MAX_REQUEST_BODY_SIZE` in agave's rpc), so a request that works here works on a validator.
/// A larger one is answered as agave's HTTP server answers it: status 413 — here with a
/// JSON-RPC error as the body.
pub const MAX_REQUEST_BYTES: usize = 50 * 1024;

/// An oversized body is still read to its end, and thrown away, up to this many bytes: a
/// client still sending when the reply comes would otherwise be cut off (a broken pipe)
/// before it reads it. Beyond this the connection is closed after the reply.
const MAX_DRAINED_BYTES: usize = 64 << 20;

pub type SharedChain = Arc<Mutex<Chain>>;

/// JSON-RPC error codes, as agave's RPC uses them.
pub mod code {
    pub const PARSE_ERROR: i64 = -32700;
    pub const INVALID_REQUEST: i64 = -32600;
    pub const METHOD_NOT_FOUND: i64 = -32601;
    pub const INVALID_PARAMS: i64 = -32602;
    pub const INTERNAL_ERROR: i64 = -32603;
    pub const SEND_TRANSACTION_PREFLIGHT_FAILURE: i64 = -32002;
    pub const MIN_CONTEXT_SLOT_NOT_REACHED: i64 = -32016;
}

#[derive(Debug)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl RpcError {
    pub fn invalid_params(message: impl Into<String>) -> RpcError {
        RpcError { code: code::INVALID_PARAMS, message: message.into(), data: None }
    }

    /// jsonrpc-core's -32600 "Invalid request", which agave answers for a few out-of-range
    /// parameters (an account size over 10 MiB).
    pub fn invalid_request() -> RpcError {
        RpcError { code: code::INVALID_REQUEST, message: "Invalid request".into(), data: None }
    }

    pub fn internal(message: impl std::fmt::Display) -> RpcError {
        RpcError { code: code::INTERNAL_ERROR, message: format!("Internal error: {message}"), data: None }
    }
}

impl From<crate::chain::ChainError> for RpcError {
    fn from(e: crate::chain::ChainError) -> RpcError {
        match e {
            crate::chain::ChainError::LookupTablesUnsupported | crate::chain::ChainError::Invalid(_) => {
                RpcError::invalid_params(e.to_string())
            }
            other => RpcError::internal(other),
        }
    }
}

/// JSON-RPC at `/`. Like agave's RPC, any origin may call it (a browser app on its own
/// origin and its wallet), with the preflight answered for `content-type: application/json`.
pub fn router(chain: SharedChain) -> Router {
    let cors = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([axum::http::Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::HeaderName::from_static("solana-client")])
        .max_age(std::time::Duration::from_secs(86_400));
    Router::new().route("/", post(handle)).with_state(chain).layer(cors)
}

/// Serves JSON-RPC on `addr` until the future is dropped.
pub async fn serve(listener: tokio::net::TcpListener, chain: SharedChain) -> std::io::Result<()> {
    axum::serve(listener, router(chain)).await
}

pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}

async fn handle(State(chain): State<SharedChain>, body: Body) -> Response {
    let bytes = match read_body(body).await {
        Some(b) => b,
        None => {
            let message = format!("request body size exceeds allowed maximum ({MAX_REQUEST_BYTES} bytes)");
            let body =
                error_response(Value::Null, RpcError { code: code::INVALID_REQUEST, message, data: None });
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                [(header::CONTENT_TYPE, "application/json")],
                body.to_string(),
            )
                .into_response();
        }
    };
    let request: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(_) => {
            let e = RpcError { code: code::PARSE_ERROR, message: "Parse error".into(), data: None };
            return reply(error_response(Value::Null, e));
        }
    };
    match request {
        Value::Array(batch) if !batch.is_empty() => {
            let mut out = Vec::with_capacity(batch.len());
            for call in batch {
                out.push(dispatch(&chain, call).await);
            }
            reply(Value::Array(out))
        }
        call => reply(dispatch(&chain, call).await),
    }
}

/// The request body, or `None` when it is larger than `MAX_REQUEST_BYTES` (read to its end
/// anyway, up to `MAX_DRAINED_BYTES`, and dropped).
async fn read_body(body: Body) -> Option<Vec<u8>> {
    use futures_util::StreamExt;
    let mut chunks = body.into_data_stream();
    let mut bytes = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = chunks.next().await {
        // A client that went away mid-body reads no reply either.
        let Ok(chunk) = chunk else { break };
        seen = seen.saturating_add(chunk.len());
        if seen <= MAX_REQUEST_BYTES {
            bytes.extend_from_slice(&chunk);
        } else if seen > MAX_DRAINED_BYTES {
            break;
        }
    }
    (seen <= MAX_REQUEST_BYTES).then_some(bytes)
}

fn reply(body: Value) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

fn error_response(id: Value, e: RpcError) -> Value {
    let mut error = json!({ "code": e.code, "message": e.message });
    if let Some(data) = e.data {
        error["data"] = data;
    }
    json!({ "jsonrpc": "2.0", "error": error, "id": id })
}

async fn dispatch(chain: &SharedChain, call: Value) -> Value {
    let id = call.get("id").cloned().unwrap_or(Value::Null);
    let (Some("2.0"), Some(method)) =
        (call.get("jsonrpc").and_then(Value::as_str), call.get("method").and_then(Value::as_str))
    else {
        let e = RpcError { code: code::INVALID_REQUEST, message: "Invalid request".into(), data: None };
        return error_response(id, e);
    };
    let params = match call.get("params") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(p)) => p.clone(),
        Some(_) => return error_response(id, RpcError::invalid_params("params must be an array")),
    };
    match methods::call(chain, method, params).await {
        Ok(result) => json!({ "jsonrpc": "2.0", "result": result, "id": id }),
        Err(e) => error_response(id, e),
    }
}
