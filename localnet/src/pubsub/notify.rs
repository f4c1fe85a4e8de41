//! Chain events → the notifications a connection's subscriptions are owed. A notification
//! at `confirmed` or `finalized` is built when its transaction lands (the state it reports
//! is the state right after that transaction) and held until its slot is that old.
use std::collections::HashMap;

use anchor_lang::prelude::Pubkey;
use serde_json::{json, Value};
use solana_account::Account;
use solana_transaction_status_client_types::UiTransactionError;

use super::subscribe::Sub;
use super::Subscriptions;
use crate::chain::Committed;
use crate::events::ChainEvent;
use crate::rpc::methods::{encode_account, filter_allows};
use crate::rpc::SharedChain;

/// Notifications waiting for their commitment, in the order they were made.
#[derive(Default)]
pub struct Held(Vec<Waiting>);

struct Waiting {
    /// The slot of the transaction it reports, and how many slots it waits after it.
    slot: u64,
    age: u64,
    subscription: u64,
    message: Value,
}

impl Held {
    fn hold(&mut self, slot: u64, age: u64, subscription: u64, message: Value) {
        self.0.push(Waiting { slot, age, subscription, message });
    }

    /// Those old enough at `slot` whose subscription still exists, in order; the rest stay.
    fn release(&mut self, slot: u64, subs: &HashMap<u64, Sub>) -> Vec<Value> {
        let (due, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.0)
            .into_iter()
            .filter(|w| subs.contains_key(&w.subscription))
            .partition(|w| slot.saturating_sub(w.slot) >= w.age);
        self.0 = waiting;
        due.into_iter().map(|w| w.message).collect()
    }
}

fn notification(method: &str, subscription: u64, result: Value) -> Value {
    json!({ "jsonrpc": "2.0", "method": method, "params": { "result": result, "subscription": subscription } })
}

fn with_slot(slot: u64, value: Value) -> Value {
    json!({ "context": { "slot": slot }, "value": value })
}

pub async fn notifications(chain: &SharedChain, state: &mut Subscriptions, event: ChainEvent) -> Vec<Value> {
    match &event {
        ChainEvent::Slot { slot, parent } => {
            let root = slot.saturating_sub(chain.lock().await.finalize_after);
            let mut out = Vec::new();
            let mut done = Vec::new();
            for (id, sub) in state.subs.iter() {
                match sub {
                    Sub::Slot => out.push(notification(
                        "slotNotification",
                        *id,
                        json!({ "parent": parent, "root": root, "slot": slot }),
                    )),
                    Sub::Root => out.push(notification("rootNotification", *id, json!(root))),
                    Sub::Signature { age, landed: Some((at, err)), .. } if slot.saturating_sub(*at) >= *age => {
                        let result = with_slot(*slot, json!({ "err": err }));
                        out.push(notification("signatureNotification", *id, result));
                        done.push(*id);
                    }
                    _ => {}
                }
            }
            out.extend(state.held.release(*slot, &state.subs));
            for id in done {
                state.subs.remove(&id);
            }
            out
        }
        ChainEvent::Transaction { signature, slot, err, accounts, committed, .. } => {
            let ui_err = json!(err.clone().map(UiTransactionError::from));
            let mut now = Vec::new();
            let mut done = Vec::new();
            for (id, sub) in state.subs.iter_mut() {
                let (age, messages) = match sub {
                    Sub::Signature { signature: s, age, landed } if s == signature => {
                        if *age > 0 {
                            *landed = Some((*slot, ui_err.clone()));
                            continue;
                        }
                        done.push(*id);
                        let result = with_slot(*slot, json!({ "err": ui_err }));
                        (0, vec![notification("signatureNotification", *id, result)])
                    }
                    Sub::Account { key, encoding, age } => {
                        let Some((_, account)) = committed.writes.iter().find(|(k, _)| k == key) else {
                            continue;
                        };
                        let messages = match encode(chain, account, encoding).await {
                            Some(value) => vec![notification("accountNotification", *id, with_slot(*slot, value))],
                            None => vec![],
                        };
                        (*age, messages)
                    }
                    Sub::Program { program, encoding, filters, age } => {
                        let mut messages = Vec::new();
                        for (key, account) in owned_by(committed, program) {
                            if !filters.iter().all(|f| filter_allows(f, &account.data)) {
                                continue;
                            }
                            if let Some(value) = encode(chain, account, encoding).await {
                                let value = json!({ "pubkey": key.to_string(), "account": value });
                                messages.push(notification("programNotification", *id, with_slot(*slot, value)));
                            }
                        }
                        (*age, messages)
                    }
                    Sub::Logs { mentions, age } if mentions.is_none_or(|m| accounts.contains(&m)) => {
                        let value = json!({
                            "signature": signature.to_string(),
                            "err": ui_err,
                            "logs": committed.record.logs,
                        });
                        (*age, vec![notification("logsNotification", *id, with_slot(*slot, value))])
                    }
                    _ => continue,
                };
                for message in messages {
                    if age == 0 {
                        now.push(message);
                    } else {
                        state.held.hold(*slot, age, *id, message);
                    }
                }
            }
            for id in done {
                state.subs.remove(&id);
            }
            now
        }
        // PubSub has no block notifications (blockSubscribe is not served).
        ChainEvent::Block { .. } => Vec::new(),
    }
}

fn owned_by<'a>(committed: &'a Committed, program: &'a Pubkey) -> impl Iterator<Item = &'a (Pubkey, Account)> {
    committed.writes.iter().filter(move |(_, account)| account.owner == *program)
}

/// The account in the subscription's encoding; `None` when it has none (base58 of more than
/// 128 bytes), as agave then sends nothing.
async fn encode(chain: &SharedChain, account: &Account, encoding: &str) -> Option<Value> {
    let mut c = chain.lock().await;
    encode_account(&mut c, account, encoding).await.ok()
}
