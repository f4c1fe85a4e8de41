//! Raw JSON-RPC and PubSub: the request as a client sends it, the whole reply (result or
//! error) as the server wrote it.
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::chains::Endpoint;

/// One JSON-RPC call; the reply object without its `jsonrpc` and `id`.
pub async fn call(endpoint: &Endpoint, method: &str, params: Value) -> Value {
    let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
    post(endpoint, &body.to_string()).await.1
}

/// A body as is (malformed JSON, batches, oversized requests): the HTTP status and the reply
/// without `jsonrpc` and `id` (a batch: each element's).
pub async fn post(endpoint: &Endpoint, body: &str) -> (u16, Value) {
    let client = reqwest::Client::new();
    let reply = client
        .post(&endpoint.rpc_url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", endpoint.name));
    let status = reply.status().as_u16();
    let text = reply.text().await.unwrap_or_default();
    let mut value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    strip_envelope(&mut value);
    (status, value)
}

fn strip_envelope(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("jsonrpc");
            map.remove("id");
        }
        Value::Array(items) => items.iter_mut().for_each(strip_envelope),
        _ => {}
    }
}

/// The `result` of a call that must succeed.
pub async fn result(endpoint: &Endpoint, method: &str, params: Value) -> Value {
    let reply = call(endpoint, method, params.clone()).await;
    match reply.get("result") {
        Some(result) => result.clone(),
        None => panic!("{}: {method} {params} failed: {reply}", endpoint.name),
    }
}

/// Polls `getSignatureStatuses` until `signature` reaches `commitment` (90 s at most: the
/// reference finalizes ~32 slots after a block, longer on a loaded machine).
pub async fn wait_for(endpoint: &Endpoint, signature: &str, commitment: &str) -> Value {
    let rank = |c: &str| ["processed", "confirmed", "finalized"].iter().position(|x| *x == c);
    for _ in 0..900 {
        let statuses = result(endpoint, "getSignatureStatuses", json!([[signature]])).await;
        let status = &statuses["value"][0];
        if let Some(reached) = status["confirmationStatus"].as_str() {
            if rank(reached) >= rank(commitment) {
                return status.clone();
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{}: {signature} not {commitment} after 90 s", endpoint.name)
}

/// A PubSub connection.
pub struct PubSub {
    chain: &'static str,
    /// Notifications read while waiting for something else, oldest first.
    pending: Vec<Value>,
    socket: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    next_id: u64,
}

impl PubSub {
    pub async fn connect(endpoint: &Endpoint) -> PubSub {
        let (socket, _) = tokio_tungstenite::connect_async(&endpoint.pubsub_url)
            .await
            .unwrap_or_else(|e| panic!("{} PubSub: {e}", endpoint.name));
        PubSub { chain: endpoint.name, pending: Vec::new(), socket, next_id: 1 }
    }

    /// Sends a request and returns the reply to it (notifications that arrive first are
    /// skipped).
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let body = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        self.socket.send(Message::text(body.to_string())).await.expect("PubSub send");
        loop {
            let message = self.next().await.unwrap_or_else(|| panic!("{}: no reply to {method}", self.chain));
            if message["id"] == json!(id) {
                let mut message = message;
                strip_envelope(&mut message);
                return message;
            }
            self.pending.push(message);
        }
    }

    /// The next message (reply or notification), `None` after 20 s of silence.
    pub async fn next(&mut self) -> Option<Value> {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(20), self.socket.next()).await.ok()??;
            match message.ok()? {
                Message::Text(text) => return serde_json::from_str(&text).ok(),
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }

    /// The next notification of `method` (e.g. `accountNotification`), without `jsonrpc`;
    /// others that arrive first are kept for their turn.
    pub async fn notification(&mut self, method: &str) -> Value {
        if let Some(i) = self.pending.iter().position(|m| m["method"] == json!(method)) {
            let mut message = self.pending.remove(i);
            strip_envelope(&mut message);
            return message;
        }
        loop {
            let mut message =
                self.next().await.unwrap_or_else(|| panic!("{}: no {method} within 20 s", self.chain));
            if message["method"] == json!(method) {
                strip_envelope(&mut message);
                return message;
            }
            self.pending.push(message);
        }
    }
}
