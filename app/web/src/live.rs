//! One WebSocket to the indexer for the whole page. Views follow channels with a handler;
//! the socket (re)subscribes every followed channel whenever it (re)opens, so a dropped
//! connection heals with fresh snapshots and views need no reconnect logic of their own.
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use gridtokenx_app_logic::indexer::{self, Frame};
use gridtokenx_app_logic::trader::Applied;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, WebSocket};

type Handler = Rc<dyn Fn(&Frame)>;

#[derive(Default)]
struct State {
    url: String,
    socket: Option<WebSocket>,
    handlers: HashMap<String, Vec<Handler>>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// Connection state, shown in the header.
#[derive(Clone, Copy)]
pub struct LiveStatus(pub RwSignal<bool>);

pub fn provide(config: &crate::config::Config) {
    let status = LiveStatus(RwSignal::new(false));
    provide_context(status);
    STATE.with(|s| s.borrow_mut().url = config.ws_url.clone());
    connect(status);
}

fn send(text: &str) {
    STATE.with(|s| {
        if let Some(ws) = &s.borrow().socket {
            if ws.ready_state() == WebSocket::OPEN {
                let _ = ws.send_with_str(text);
            }
        }
    });
}

fn connect(status: LiveStatus) {
    let url = STATE.with(|s| s.borrow().url.clone());
    let Ok(ws) = WebSocket::new(&url) else { return };
    let onopen = Closure::<dyn Fn()>::new(move || {
        status.0.set(true);
        let channels: Vec<String> = STATE.with(|s| s.borrow().handlers.keys().cloned().collect());
        for c in channels {
            send(&indexer::subscribe(&c));
        }
    });
    let onmessage = Closure::<dyn Fn(MessageEvent)>::new(|e: MessageEvent| {
        let Some(text) = e.data().as_string() else { return };
        let Ok(frame) = serde_json::from_str::<Frame>(&text) else { return };
        let channel = match &frame {
            Frame::Snapshot { channel, .. } | Frame::Delta { channel, .. } => channel.clone(),
            _ => return,
        };
        // Handlers are cloned out first: one may follow or resubscribe while it runs.
        let handlers = STATE.with(|s| s.borrow().handlers.get(&channel).cloned().unwrap_or_default());
        for h in handlers {
            h(&frame);
        }
    });
    let onclose = Closure::<dyn Fn()>::new(move || {
        status.0.set(false);
        STATE.with(|s| s.borrow_mut().socket = None);
        // Retry after a second; the reopen resubscribes everything.
        leptos::task::spawn_local(async move {
            crate::net::sleep_ms(1_000).await;
            connect(status);
        });
    });
    ws.set_onopen(Some(onopen.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    ws.set_onclose(Some(onclose.as_ref().unchecked_ref()));
    // The socket owns its callbacks for the page's lifetime.
    onopen.forget();
    onmessage.forget();
    onclose.forget();
    STATE.with(|s| s.borrow_mut().socket = Some(ws));
}

/// Calls `handler` with every frame of `channel` (a snapshot first).
pub fn follow(channel: &str, handler: impl Fn(&Frame) + 'static) {
    let first = STATE.with(|s| {
        let mut s = s.borrow_mut();
        let list = s.handlers.entry(channel.to_string()).or_default();
        list.push(Rc::new(handler));
        list.len() == 1
    });
    if first {
        send(&indexer::subscribe(channel));
    } else {
        resubscribe(channel);
    }
}

pub fn unfollow(channel: &str) {
    STATE.with(|s| s.borrow_mut().handlers.remove(channel));
    send(&indexer::unsubscribe(channel));
}

/// Asks for a fresh snapshot (after a sequence gap).
/// Follows `channel` into a state: `apply` updates `state` with each frame, and a gap or a
/// frame that does not parse resubscribes for a fresh snapshot.
pub fn follow_into<S: Send + Sync + 'static>(
    channel: &str,
    state: RwSignal<S>,
    apply: impl Fn(&mut S, &Frame) -> Result<Applied, serde_json::Error> + 'static,
) {
    let name = channel.to_string();
    follow(channel, move |frame: &Frame| {
        let mut applied = Ok(Applied::Stale);
        state.update(|s| applied = apply(s, frame));
        if matches!(applied, Ok(Applied::Gap) | Err(_)) {
            resubscribe(&name);
        }
    });
}

pub fn resubscribe(channel: &str) {
    send(&indexer::unsubscribe(channel));
    send(&indexer::subscribe(channel));
}
