//! Solana PubSub over WebSocket: slotSubscribe, signatureSubscribe and accountSubscribe
//! (and their unsubscribes), the subset wallets and the app use. Notifications honour the
//! requested commitment; a subscriber that cannot keep up is disconnected.
use std::collections::HashMap;
use std::str::FromStr;

use anchor_lang::prelude::Pubkey;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use solana_signature::Signature;
use solana_transaction_status_client_types::UiTransactionError;
use tokio::sync::broadcast::error::RecvError;

use crate::events::ChainEvent;
use crate::rpc::{code, SharedChain};

pub fn router(chain: SharedChain) -> Router {
    Router::new().route("/", get(upgrade)).with_state(chain)
}

pub async fn serve(listener: tokio::net::TcpListener, chain: SharedChain) -> std::io::Result<()> {
    axum::serve(listener, router(chain)).await
}

async fn upgrade(ws: WebSocketUpgrade, State(chain): State<SharedChain>) -> Response {
    ws.on_upgrade(move |socket| connection(socket, chain))
}

enum Sub {
    Slot,
    /// Waits for the transaction, then for `age` more slots (the commitment).
    Signature {
        signature: Signature,
        age: u64,
        landed: Option<(u64, Value)>,
    },
    Account {
        key: Pubkey,
        encoding: String,
    },
}

async fn connection(mut socket: WebSocket, chain: SharedChain) {
    let mut events = chain.lock().await.subscribe();
    let mut subs: HashMap<u64, Sub> = HashMap::new();
    let mut next_id = 0u64;
    loop {
        let outgoing: Vec<Value> = tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => vec![request(&chain, &mut subs, &mut next_id, &text).await],
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                _ => break,
            },
            event = events.recv() => match event {
                Ok(event) => notifications(&chain, &mut subs, event).await,
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

fn commitment_age(chain_confirm: u64, chain_finalize: u64, params: &[Value], at: usize) -> u64 {
    match params.get(at).and_then(|c| c.get("commitment")).and_then(Value::as_str) {
        Some("processed") => 0,
        Some("confirmed") => chain_confirm,
        _ => chain_finalize,
    }
}

async fn request(chain: &SharedChain, subs: &mut HashMap<u64, Sub>, next_id: &mut u64, text: &str) -> Value {
    let Ok(call) = serde_json::from_str::<Value>(text) else {
        return json!({ "jsonrpc": "2.0", "error": { "code": code::PARSE_ERROR, "message": "Parse error" }, "id": null });
    };
    let id = call.get("id").cloned().unwrap_or(Value::Null);
    let params: Vec<Value> = call.get("params").and_then(Value::as_array).cloned().unwrap_or_default();
    let error = |code: i64, message: String| json!({ "jsonrpc": "2.0", "error": { "code": code, "message": message }, "id": id });
    let method = call.get("method").and_then(Value::as_str).unwrap_or_default();
    let sub = match method {
        "slotSubscribe" => Sub::Slot,
        "signatureSubscribe" => {
            let Some(signature) =
                params.first().and_then(Value::as_str).and_then(|s| Signature::from_str(s).ok())
            else {
                return error(code::INVALID_PARAMS, "Invalid param: signature".into());
            };
            let c = chain.lock().await;
            let age = commitment_age(c.confirm_after, c.finalize_after, &params, 1);
            let landed =
                c.record(&signature).map(|r| (r.slot, json!(r.err.clone().map(UiTransactionError::from))));
            Sub::Signature { signature, age, landed }
        }
        "accountSubscribe" => {
            let Some(key) = params.first().and_then(Value::as_str).and_then(|s| Pubkey::from_str(s).ok())
            else {
                return error(code::INVALID_PARAMS, "Invalid param: public key".into());
            };
            let encoding =
                params.get(1).and_then(|c| c.get("encoding")).and_then(Value::as_str).unwrap_or("base58");
            Sub::Account { key, encoding: encoding.to_string() }
        }
        "slotUnsubscribe" | "signatureUnsubscribe" | "accountUnsubscribe" => {
            let removed = params.first().and_then(Value::as_u64).and_then(|n| subs.remove(&n)).is_some();
            return json!({ "jsonrpc": "2.0", "result": removed, "id": id });
        }
        other => return error(code::METHOD_NOT_FOUND, format!("Method not found: {other}")),
    };
    *next_id += 1;
    subs.insert(*next_id, sub);
    json!({ "jsonrpc": "2.0", "result": *next_id, "id": id })
}

fn notification(method: &str, subscription: u64, result: Value) -> Value {
    json!({ "jsonrpc": "2.0", "method": method, "params": { "result": result, "subscription": subscription } })
}

async fn notifications(chain: &SharedChain, subs: &mut HashMap<u64, Sub>, event: ChainEvent) -> Vec<Value> {
    let mut out = Vec::new();
    let mut done = Vec::new();
    match &event {
        ChainEvent::Slot { slot, parent } => {
            for (id, sub) in subs.iter_mut() {
                match sub {
                    Sub::Slot => out.push(notification(
                        "slotNotification",
                        *id,
                        json!({ "parent": parent, "root": parent, "slot": slot }),
                    )),
                    Sub::Signature { age, landed: Some((at, err)), .. }
                        if slot.saturating_sub(*at) >= *age =>
                    {
                        let result = json!({ "context": { "slot": slot }, "value": { "err": err } });
                        out.push(notification("signatureNotification", *id, result));
                        done.push(*id);
                    }
                    _ => {}
                }
            }
        }
        ChainEvent::Transaction { signature, slot, err, accounts, .. } => {
            for (id, sub) in subs.iter_mut() {
                match sub {
                    Sub::Signature { signature: s, age, landed } if s == signature => {
                        let ui_err = json!(err.clone().map(UiTransactionError::from));
                        if *age == 0 {
                            let result = json!({ "context": { "slot": slot }, "value": { "err": ui_err } });
                            out.push(notification("signatureNotification", *id, result));
                            done.push(*id);
                        } else {
                            *landed = Some((*slot, ui_err));
                        }
                    }
                    Sub::Account { key, encoding } if accounts.contains(key) => {
                        let mut c = chain.lock().await;
                        let value = match c.account(key).await {
                            Ok(Some(account)) => {
                                crate::rpc::methods::encode_account(&mut c, &account, encoding).await.ok()
                            }
                            _ => None,
                        };
                        let slot = c.slot;
                        drop(c);
                        if let Some(value) = value {
                            out.push(notification(
                                "accountNotification",
                                *id,
                                json!({ "context": { "slot": slot }, "value": value }),
                            ));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    for id in done {
        subs.remove(&id);
    }
    out
}
