//! Solana PubSub over WebSocket: the subscriptions wallets, web3.js and Anchor clients use —
//! slot, root, signature, account, program and logs (and their unsubscribes). Notifications
//! honour the requested commitment (agave's default: finalized); a subscriber that cannot
//! keep up is disconnected.
mod notify;
mod subscribe;

use std::collections::HashMap;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;

use crate::rpc::SharedChain;
use notify::Held;
use subscribe::Sub;

pub fn router(chain: SharedChain) -> Router {
    Router::new().route("/", get(upgrade)).with_state(chain)
}

pub async fn serve(listener: tokio::net::TcpListener, chain: SharedChain) -> std::io::Result<()> {
    axum::serve(listener, router(chain)).await
}

async fn upgrade(ws: WebSocketUpgrade, State(chain): State<SharedChain>) -> Response {
    ws.on_upgrade(move |socket| connection(socket, chain))
}

/// One connection's subscriptions, by id, and the notifications waiting for their commitment.
#[derive(Default)]
struct Subscriptions {
    subs: HashMap<u64, Sub>,
    held: Held,
    next_id: u64,
}

async fn connection(mut socket: WebSocket, chain: SharedChain) {
    let mut events = chain.lock().await.subscribe();
    let mut state = Subscriptions::default();
    loop {
        let outgoing: Vec<Value> = tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => vec![subscribe::request(&chain, &mut state, &text).await],
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                _ => break,
            },
            event = events.recv() => match event {
                Ok(event) => notify::notifications(&chain, &mut state, event).await,
                Err(RecvError::Lagged(_)) => {
                    let _ = socket.send(Message::Close(None)).await;
                    break;
                }
                Err(RecvError::Closed) => break,
            },
        };
        for message in outgoing {
            if socket.send(Message::Text(message.to_string().into())).await.is_err() {
                return;
            }
        }
    }
}
