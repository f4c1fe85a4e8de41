//! The writer: one database transaction per batch, holding the batch's accounts, its
//! events, the number of the deltas it produces (see [`Sequencer`]) and — when the batch
//! ends on a completed slot — the checkpoint. So the checkpoint never covers a slot whose
//! data is not committed, and a crash anywhere replays into idempotent writes.
mod accounts;
mod events;

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use sqlx::PgPool;

use super::{decode, logs, AccountUpdate, TransactionUpdate, CHECKPOINT_SOURCE};
use crate::fanout::Delta;

pub(crate) fn dec(v: u64) -> Decimal {
    Decimal::from(v)
}

/// u64 counters stored as bigint (slots, write versions, proposal indices): they stay far
/// below 2^63 on any real chain; clamp rather than wrap if one ever did not.
pub(crate) fn i64_of(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Updates collected between two writes. Account updates are coalesced by address: only
/// the newest version of an account matters to a mirror.
#[derive(Default)]
pub struct Batch {
    accounts: HashMap<anchor_lang::prelude::Pubkey, AccountUpdate>,
    transactions: Vec<TransactionUpdate>,
    /// The highest slot known complete in this batch.
    pub done_slot: Option<u64>,
    /// Updates received, before coalescing.
    pub received: usize,
}

impl Batch {
    pub fn account(&mut self, update: AccountUpdate) {
        self.received += 1;
        match self.accounts.get(&update.pubkey) {
            Some(old) if (old.slot, old.write_version) >= (update.slot, update.write_version) => {}
            _ => {
                self.accounts.insert(update.pubkey, update);
            }
        }
    }

    pub fn transaction(&mut self, update: TransactionUpdate) {
        self.received += 1;
        self.transactions.push(update);
    }

    pub fn slot_done(&mut self, slot: u64) {
        self.done_slot = Some(self.done_slot.map_or(slot, |s| s.max(slot)));
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty() && self.transactions.is_empty() && self.done_slot.is_none()
    }

    pub fn len(&self) -> usize {
        self.accounts.len() + self.transactions.len()
    }
}

/// What one write did, for metrics.
#[derive(Debug, Default)]
pub struct Written {
    pub accounts: usize,
    pub events: usize,
    pub undecodable: usize,
    pub checkpoint: Option<u64>,
}

/// A batch decoded and ready to write. Decoding is CPU work with no database in sight, so
/// the pipeline prepares the next batch while the previous one's transaction is in flight.
pub struct Prepared {
    decoded: Vec<accounts::Decoded>,
    meters: accounts::Meters,
    found: Vec<events::Found>,
    done_slot: Option<u64>,
    written: Written,
    /// Updates received, before coalescing.
    pub received: usize,
}

/// Decodes `batch`'s accounts and events with the programs' own types.
pub fn prepare(batch: Batch) -> Prepared {
    let mut written = Written { checkpoint: batch.done_slot, ..Written::default() };
    let mut decoded = Vec::with_capacity(batch.accounts.len());
    for (_, update) in batch.accounts {
        match decode::account(&update.owner, &update.data) {
            Ok(account) => decoded.push(accounts::Decoded { update, account }),
            Err(e) => {
                // Not ours to interpret (e.g. a program upgrade added a type): counted and
                // logged, never allowed to stop the mirror.
                written.undecodable += 1;
                tracing::warn!(account = %update.pubkey, "account skipped: {e}");
            }
        }
    }
    written.accounts = decoded.len();
    let mut found = Vec::new();
    for t in &batch.transactions {
        for e in logs::events(&t.logs) {
            match decode::event(&e.program, &e.data) {
                Ok(Some((name, event))) => found.push(events::Found {
                    signature: t.signature.clone(),
                    ix_index: e.ix_index as i32,
                    event_index: e.event_index as i32,
                    slot: i64_of(t.slot),
                    block_time: t.block_time,
                    program: e.program.to_string(),
                    name,
                    data: e.data,
                    event,
                }),
                Ok(None) => {}
                Err(err) => {
                    written.undecodable += 1;
                    tracing::warn!(signature = %t.signature, "event skipped: {err}");
                }
            }
        }
    }
    written.events = found.len();
    let meters = accounts::Meters::of(&decoded);
    Prepared { decoded, meters, found, done_slot: batch.done_slot, written, received: batch.received }
}

/// Writes a prepared batch in one transaction and returns the deltas to publish once it
/// committed.
pub async fn write(pool: &PgPool, seqr: &mut Sequencer, batch: Prepared) -> sqlx::Result<(Written, Vec<Delta>)> {
    let Prepared { decoded, meters, found, done_slot, written, .. } = batch;
    let mut tx = pool.begin().await?;
    let account_changes = accounts::write(&mut tx, &decoded, meters).await?;
    let event_changes = events::write(&mut tx, found).await?;
    let data = channel_data(&mut tx, account_changes, event_changes).await?;
    let mut deltas = sequence(&mut tx, seqr, data).await?;
    if let Some(slot) = done_slot {
        sqlx::query!(
            r#"insert into ingest_checkpoint (source, slot) values ($1, $2)
               on conflict (source) do update set slot = greatest(ingest_checkpoint.slot, excluded.slot), updated_at = now()"#,
            CHECKPOINT_SOURCE,
            i64_of(slot)
        )
        .execute(&mut *tx)
        .await?;
    }
    crash_point();
    tx.commit().await?;
    let committed_ms = crate::fanout::now_ms();
    for d in &mut deltas {
        d.at_ms = committed_ms;
    }
    seqr.committed(&deltas);
    Ok((written, deltas))
}

/// Fault injection for the crash tests: with `GRIDTOKENX_INDEXER_CRASH_BEFORE_COMMIT=N`
/// the process aborts (no unwinding, no cleanup: what SIGKILL does) on its N-th batch,
/// after every statement of the batch ran and before its transaction commits.
fn crash_point() {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;
    static AT: OnceLock<Option<u64>> = OnceLock::new();
    static BATCHES: AtomicU64 = AtomicU64::new(0);
    let at = AT.get_or_init(|| std::env::var("GRIDTOKENX_INDEXER_CRASH_BEFORE_COMMIT").ok().and_then(|v| v.parse().ok()));
    if let Some(n) = at {
        if BATCHES.fetch_add(1, Ordering::Relaxed) + 1 == *n {
            eprintln!("crash point reached before commit (GRIDTOKENX_INDEXER_CRASH_BEFORE_COMMIT={n})");
            std::process::abort();
        }
    }
}

/// The slot to resume from: every slot below it is complete. `None` on a fresh database.
pub async fn checkpoint(pool: &PgPool) -> sqlx::Result<Option<u64>> {
    let slot = sqlx::query_scalar!("select slot from ingest_checkpoint where source = $1", CHECKPOINT_SOURCE)
        .fetch_optional(pool)
        .await?;
    Ok(slot.map(|s| s.max(0) as u64))
}

type ChannelData = BTreeMap<String, Map<String, Value>>;

fn push(data: &mut ChannelData, channel: String, field: &str, value: Value) {
    let entry = data.entry(channel).or_default().entry(field).or_insert_with(|| Value::Array(vec![]));
    if let Value::Array(items) = entry {
        items.push(value);
    }
}

/// Groups what changed by WebSocket channel.
async fn channel_data(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    a: accounts::MarketChanges,
    e: events::EventChanges,
) -> sqlx::Result<ChannelData> {
    let mut data = ChannelData::new();
    for (market, after) in &a.levels_after {
        let empty = BTreeMap::new();
        let before = a.levels_before.get(market).unwrap_or(&empty);
        let keys: std::collections::BTreeSet<_> = before.keys().chain(after.keys()).collect();
        for k in keys {
            let (b, n) = (before.get(k), after.get(k));
            if b != n {
                let (lots, orders) = n.copied().unwrap_or((Decimal::ZERO, 0));
                push(&mut data, format!("book:{market}"), "levels", json!({"side": k.0, "price_ticks": k.1, "lots": lots, "orders": orders}));
            }
        }
    }
    for (market, after) in &a.seats_after {
        let empty = BTreeMap::new();
        let before = a.seats_before.get(market).unwrap_or(&empty);
        for (seat, row) in after {
            if before.get(seat) != Some(row) {
                push(&mut data, format!("trader:{}", row.trader), "seats", json!({"market": market, "released": false, "seat": row}));
            }
        }
        for (seat, row) in before {
            if !after.contains_key(seat) {
                push(&mut data, format!("trader:{}", row.trader), "seats", json!({"market": market, "released": true, "seat": row}));
            }
        }
    }
    for fill in e.fills {
        let market = fill["market"].as_str().unwrap_or_default().to_string();
        for party in ["maker", "taker"] {
            let trader = fill[party].as_str().unwrap_or_default().to_string();
            push(&mut data, format!("trader:{trader}"), "fills", fill.clone());
        }
        push(&mut data, format!("trades:{market}"), "fills", fill);
    }
    for m in e.movements {
        let trader = m["trader"].as_str().unwrap_or_default().to_string();
        push(&mut data, format!("trader:{trader}"), "movements", m);
    }
    if !e.orders.is_empty() {
        let markets: Vec<String> = e.orders.iter().map(|o| o.0.clone()).collect();
        let ids: Vec<Decimal> = e.orders.iter().map(|o| o.1).collect();
        let rows = sqlx::query_as!(
            crate::model::OrderRecord,
            r#"select h.market, h.order_id, h.trader, h.side, h.client_order_id, h.price_ticks, h.placed_lots,
                 h.filled_lots, h.canceled_lots, h.cancel_reason, h.placed_slot, h.last_slot, h.status
               from order_history h join unnest($1::text[], $2::numeric[]) as k(market, order_id)
                 on h.market = k.market and h.order_id = k.order_id"#,
            &markets,
            &ids
        )
        .fetch_all(&mut **tx)
        .await?;
        for row in rows {
            let trader = row.trader.clone().unwrap_or_default();
            push(&mut data, format!("trader:{trader}"), "orders", json!(row));
        }
    }
    for r in e.readings {
        let meter = r["meter"].as_str().unwrap_or_default().to_string();
        push(&mut data, format!("meter:{meter}"), "readings", r);
    }
    for (pubkey, fields) in a.meters {
        // Readings of the same batch may already be on the channel.
        data.entry(format!("meter:{pubkey}")).or_default().extend(fields);
    }
    if !a.proposals.is_empty() || !e.proposals.is_empty() || a.council {
        for p in crate::store::proposals(&mut **tx, None).await?.into_iter().filter(|p| {
            a.proposals.contains(&p.pubkey) || e.proposals.contains(&p.index)
        }) {
            push(&mut data, "proposals".into(), "proposals", json!(p));
        }
        if a.council {
            if let Some(c) = crate::store::council(&mut **tx).await? {
                push(&mut data, "proposals".into(), "council", json!(c));
            }
        }
    }
    Ok(data)
}

/// Channels a writer remembers the last delta of; past this it forgets them all and moves
/// its floor up (about 100 bytes each: 200,000 channels is ~20 MB).
const REMEMBERED_CHANNELS: usize = 200_000;

/// Numbers deltas: every delta of a batch carries the batch's number (`seq`, one counter
/// for all channels, bumped once per batch), and the batch of its channel's previous delta
/// (`prev`). The writer knows `prev` from memory, with no row per channel to update; for a
/// channel it does not remember it uses `floor`, a batch after which it saw every change.
/// Such a channel last changed at or before `floor`, so `prev` is never below the truth: a
/// client may take one snapshot it did not need (after an ingest restart), never miss a gap.
#[derive(Default)]
pub struct Sequencer {
    last: HashMap<String, i64>,
    floor: i64,
    /// The number this writer's previous batch got; anything else means the counter moved
    /// under it (its first batch, or another writer), and what it remembers is void.
    previous: Option<i64>,
}

impl Sequencer {
    fn number(&mut self, seq: i64, data: ChannelData) -> Vec<Delta> {
        if self.previous != Some(seq - 1) {
            self.last.clear();
            self.floor = seq - 1;
        }
        data.into_iter()
            .map(|(channel, fields)| {
                let prev = self.last.get(&channel).copied().unwrap_or(self.floor);
                // Stamped once the batch committed (`write`).
                Delta::new(channel, seq, prev, Value::Object(fields), 0)
            })
            .collect()
    }

    /// Remembers a committed batch's deltas (only once committed: a batch that rolled back
    /// must not become anyone's `prev`).
    pub fn committed(&mut self, deltas: &[Delta]) {
        let Some(seq) = deltas.first().map(|d| d.seq) else { return };
        if self.last.len() + deltas.len() > REMEMBERED_CHANNELS {
            self.last.clear();
            self.floor = seq;
        } else {
            for d in deltas {
                self.last.insert(d.channel.clone(), seq);
            }
        }
        self.previous = Some(seq);
    }
}

/// Takes the batch's number in its transaction and turns the data into deltas.
async fn sequence(tx: &mut sqlx::Transaction<'_, sqlx::Postgres>, seqr: &mut Sequencer, data: ChannelData) -> sqlx::Result<Vec<Delta>> {
    if data.is_empty() {
        return Ok(Vec::new());
    }
    let seq = sqlx::query_scalar!(
        r#"insert into delta_seq (seq) values (1) on conflict (only_row) do update set seq = delta_seq.seq + 1
           returning seq"#
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(seqr.number(seq, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(channels: &[&str]) -> ChannelData {
        channels.iter().map(|c| (c.to_string(), Map::new())).collect()
    }

    fn prevs(deltas: &[Delta]) -> Vec<(String, i64, i64)> {
        deltas.iter().map(|d| (d.channel.clone(), d.seq, d.prev)).collect()
    }

    #[test]
    fn prev_is_the_channels_last_batch_and_never_below_it() {
        let mut s = Sequencer::default();
        // First batch of a writer: it knows nothing, so every prev is the batch before.
        let d = s.number(10, data(&["a", "b"]));
        assert_eq!(prevs(&d), [("a".into(), 10, 9), ("b".into(), 10, 9)]);
        s.committed(&d);
        let d = s.number(11, data(&["b", "c"]));
        assert_eq!(prevs(&d), [("b".into(), 11, 10), ("c".into(), 11, 9)]);
        s.committed(&d);
        let d = s.number(12, data(&["a"]));
        assert_eq!(prevs(&d), [("a".into(), 12, 10)]);
        s.committed(&d);
    }

    #[test]
    fn a_batch_that_did_not_commit_is_nobodys_prev() {
        let mut s = Sequencer::default();
        let d = s.number(1, data(&["a"]));
        s.committed(&d);
        let _rolled_back = s.number(2, data(&["a"]));
        // The counter rolled back with it, so the next batch gets 2 again.
        assert_eq!(prevs(&s.number(2, data(&["a"]))), [("a".into(), 2, 1)]);
    }

    #[test]
    fn a_counter_moved_by_someone_else_voids_what_the_writer_remembers() {
        let mut s = Sequencer::default();
        let d = s.number(1, data(&["a"]));
        s.committed(&d);
        // Batches 2..=4 were another writer's: "a" may have changed in any of them.
        assert_eq!(prevs(&s.number(5, data(&["a"]))), [("a".into(), 5, 4)]);
    }

    #[test]
    fn past_its_memory_the_writer_forgets_everything_and_raises_its_floor() {
        let mut s = Sequencer::default();
        let many: Vec<String> = (0..REMEMBERED_CHANNELS).map(|i| format!("meter:{i}")).collect();
        let d = s.number(1, many.iter().map(|c| (c.clone(), Map::new())).collect());
        s.committed(&d);
        let d = s.number(2, data(&["x"]));
        s.committed(&d);
        assert!(s.last.is_empty());
        assert_eq!(prevs(&s.number(3, data(&["meter:7"]))), [("meter:7".into(), 3, 2)]);
    }

    #[test]
    fn a_client_applies_only_what_continues_its_state() {
        use wire::Sequence;
        let d = Delta::new("a".into(), 12, 10, Value::Null, 0);
        assert_eq!(d.follows(9), Sequence::Gap);
        assert_eq!(d.follows(10), Sequence::Apply);
        assert_eq!(d.follows(11), Sequence::Apply);
        assert_eq!(d.follows(12), Sequence::Stale);
        assert_eq!(d.follows(13), Sequence::Stale);
    }
}
