//! `/api/v1/ws`: subscribe to channels, get a snapshot and then deltas. Each delta carries
//! its batch's number (`seq`) and the batch of its channel's previous delta (`prev`); the
//! server forwards it only when it continues what the client holds (`prev` ≤ held < `seq`).
//! A duplicate (it came both locally and through Redis) is dropped, and a gap (a delta lost
//! while Redis was down, or this session lagged) is healed by a fresh snapshot. Each client has a bounded
//! queue: when it fills the client is disconnected with a close reason, so a client that
//! does not read never slows ingest or anyone else.
//!
//! Client → server: `{"op":"subscribe","channel":"book:<market>"}`, `{"op":"unsubscribe",…}`,
//! `{"op":"ping"}`. Server → client: `{"type":"snapshot","channel","seq","data"}`,
//! `{"type":"delta","channel","seq","prev","at_ms","data"}`, `{"type":"error","message"}`, `{"type":"pong"}`.
use std::collections::HashMap;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use wire::{Frame, Request, Sequence};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{mpsc, oneshot};

use super::snapshot::{self, Channel};
use crate::fanout::Delta;
use super::AppState;
use crate::metrics as m;

/// Channels one connection may follow at once.
const MAX_SUBSCRIPTIONS: usize = 64;
/// Close code 1008 (policy violation) with this reason when a client's queue fills.
pub const SLOW_CLIENT_REASON: &str = "client too slow: its send buffer filled; reconnect and resubscribe";

pub async fn upgrade(ws: WebSocketUpgrade, State(s): State<AppState>) -> Response {
    ws.max_message_size(64 * 1024).on_upgrade(move |socket| session(socket, s))
}

enum Overflow {
    Full,
}

struct Session {
    out: mpsc::Sender<Message>,
    subs: HashMap<String, (Channel, i64)>,
}

impl Session {
    fn send(&self, frame: Frame<&str, &serde_json::Value>) -> Result<(), Overflow> {
        let text = serde_json::to_string(&frame).unwrap_or_default();
        self.out.try_send(Message::Text(Utf8Bytes::from(text))).map_err(|_| Overflow::Full)
    }

    fn error(&self, message: impl Into<String>) -> Result<(), Overflow> {
        self.send(Frame::Error { message: &message.into() })
    }

    async fn subscribe(&mut self, s: &AppState, channel: Channel) -> Result<(), Overflow> {
        match snapshot::snapshot(&s.pool, &channel).await {
            Ok((seq, data)) => {
                let name = channel.name();
                self.send(Frame::Snapshot { channel: &name, seq, data: &data })?;
                self.subs.insert(name, (channel, seq));
                Ok(())
            }
            Err(e) => {
                tracing::warn!("snapshot of {} failed: {e}", channel.name());
                self.error(format!("{}: the database is unavailable; subscribe again shortly", channel.name()))
            }
        }
    }

    async fn handle(&mut self, s: &AppState, text: &str) -> Result<(), Overflow> {
        let request = match serde_json::from_str::<Request>(text) {
            Ok(request) => request,
            Err(e) => {
                return self.error(format!(
                    "{e}: expected {{\"op\":\"subscribe\",\"channel\":\"book:<market>\"}}, unsubscribe (with its channel) or ping"
                ))
            }
        };
        match request {
            Request::Ping => self.send(Frame::Pong),
            Request::Subscribe { channel: name } => match Channel::parse(&name) {
                Err(why) => self.error(why),
                Ok(_) if self.subs.len() >= MAX_SUBSCRIPTIONS && !self.subs.contains_key(&name) => {
                    self.error(format!("at most {MAX_SUBSCRIPTIONS} channels per connection"))
                }
                Ok(channel) => self.subscribe(s, channel).await,
            },
            Request::Unsubscribe { channel } => {
                self.subs.remove(&channel);
                Ok(())
            }
        }
    }

    async fn delta(&mut self, s: &AppState, delta: &Delta) -> Result<(), Overflow> {
        let Some((channel, held)) = self.subs.get_mut(&delta.channel) else { return Ok(()) };
        match delta.follows(*held) {
            Sequence::Stale => Ok(()),
            Sequence::Apply => {
                *held = delta.seq;
                // The frame is shared by every session: sending it copies no bytes.
                self.out.try_send(Message::Text(delta.frame())).map_err(|_| Overflow::Full)
            }
            Sequence::Gap => {
                let channel = channel.clone();
                metrics::counter!(m::WS_RESYNCS).increment(1);
                self.subscribe(s, channel).await
            }
        }
    }

    async fn resync_all(&mut self, s: &AppState) -> Result<(), Overflow> {
        let channels: Vec<Channel> = self.subs.values().map(|(c, _)| c.clone()).collect();
        for channel in channels {
            metrics::counter!(m::WS_RESYNCS).increment(1);
            self.subscribe(s, channel).await?;
        }
        Ok(())
    }
}

async fn session(socket: WebSocket, s: AppState) {
    metrics::gauge!(m::WS_CLIENTS).increment(1.0);
    let (mut sink, mut incoming) = socket.split();
    let (out, mut queue) = mpsc::channel::<Message>(s.args.ws_buffer.max(1));
    let (close_tx, mut close_rx) = oneshot::channel::<()>();
    let writer = tokio::spawn(async move {
        loop {
            tokio::select! {
                biased;
                slow = &mut close_rx => {
                    if slow.is_err() {
                        // The session ended normally.
                        let _ = sink.close().await;
                        return;
                    }
                    let frame = CloseFrame { code: 1008, reason: Utf8Bytes::from_static(SLOW_CLIENT_REASON) };
                    // A client that reads nothing may never take the frame: do not wait for it.
                    let _ = tokio::time::timeout(Duration::from_secs(1), sink.send(Message::Close(Some(frame)))).await;
                    return;
                }
                next = queue.recv() => {
                    let Some(msg) = next else { let _ = sink.close().await; return };
                    tokio::select! {
                        biased;
                        _ = &mut close_rx => return,
                        sent = sink.send(msg) => if sent.is_err() { return },
                    }
                }
            }
        }
    });
    let mut session = Session { out, subs: HashMap::new() };
    let mut deltas = s.fanout.subscribe();
    let overflowed = loop {
        let step = tokio::select! {
            msg = incoming.next() => match msg {
                Some(Ok(Message::Text(text))) => session.handle(&s, text.as_str()).await,
                Some(Ok(Message::Binary(_))) => session.error("send text frames with JSON"),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break false,
                Some(Ok(_)) => Ok(()),
            },
            delta = deltas.recv() => match delta {
                Ok(d) => session.delta(&s, &d).await,
                Err(RecvError::Lagged(_)) => session.resync_all(&s).await,
                Err(RecvError::Closed) => break false,
            },
        };
        if let Err(Overflow::Full) = step {
            break true;
        }
    };
    if overflowed {
        metrics::counter!(m::WS_DROPPED).increment(1);
        tracing::info!("dropping a WebSocket client whose buffer filled");
        let _ = close_tx.send(());
    }
    drop(session);
    let _ = writer.await;
    metrics::gauge!(m::WS_CLIENTS).decrement(1.0);
}
