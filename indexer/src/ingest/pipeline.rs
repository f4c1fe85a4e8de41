//! Wires source → queue → writer, and restarts the whole chain from the checkpoint when
//! any part fails: a dead database, a dropped stream and a full replay window all end in
//! the same place — resume from the last committed checkpoint, backfilling over RPC when
//! the stream cannot replay that far. What was queued but not committed is simply replayed.
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use sqlx::PgPool;
use tokio::sync::mpsc;

use super::sink::{self, Batch, Prepared};
use super::source::{self, SourceError};
use super::{backfill, Update};
use crate::config::{backoff, IngestArgs};
use crate::fanout::Fanout;
use crate::metrics as m;

/// The newest slot the source reported, for the lag gauge.
pub static SOURCE_SLOT: AtomicU64 = AtomicU64::new(0);

/// Runs ingest forever.
pub async fn run(pool: PgPool, fanout: Fanout, args: IngestArgs) {
    let mut attempt = 0u32;
    loop {
        let (tx, rx) = mpsc::channel(args.queue.max(1));
        let writer = tokio::spawn(writer(pool.clone(), fanout.clone(), rx, args.batch.max(1)));
        let fed = feed(&args, &pool, &tx).await;
        drop(tx);
        let written = writer.await;
        match (&fed, &written) {
            (_, Ok(Err(e))) => {
                metrics::counter!(m::DB_ERRORS).increment(1);
                tracing::error!("database write failed ({e}); resuming from the checkpoint");
            }
            (Err(e), _) => {
                metrics::counter!(m::SOURCE_RECONNECTS).increment(1);
                tracing::warn!("ingest source stopped ({e}); resuming from the checkpoint");
            }
            _ => {}
        }
        tokio::time::sleep(backoff(attempt)).await;
        attempt = attempt.saturating_add(1);
        if matches!(written, Ok(Ok(n)) if n > 0) {
            attempt = 0;
        }
    }
}

/// Feeds the queue from the checkpoint on. Returns when the source fails.
async fn feed(args: &IngestArgs, pool: &PgPool, tx: &mpsc::Sender<Update>) -> anyhow::Result<()> {
    let mut resume = sink::checkpoint(pool).await?;
    loop {
        match resume {
            None => {
                tracing::info!("empty mirror: backfilling the programs' history over JSON-RPC");
                metrics::counter!(m::BACKFILLS).increment(1);
                resume = Some(backfill::run(args, 0, tx).await?);
            }
            Some(from) => match source::stream(args, Some(from), tx).await {
                Err(SourceError::ReplayUnavailable(slot, why)) => {
                    tracing::warn!("the stream cannot replay from slot {slot} ({why}); backfilling over JSON-RPC");
                    metrics::counter!(m::BACKFILLS).increment(1);
                    resume = Some(backfill::run(args, slot, tx).await?);
                }
                Err(e) => return Err(e.into()),
                Ok(()) => return Ok(()),
            },
        }
    }
}

/// Drains the queue into batches and commits them. Returns how many batches it committed,
/// or the first database error (the batches in hand are dropped uncommitted, to be
/// replayed). Two stages: collecting and decoding the next batch overlaps the database
/// transaction of the previous one; one prepared batch waits at most, so memory stays bounded.
pub async fn writer(pool: PgPool, fanout: Fanout, rx: mpsc::Receiver<Update>, max_batch: usize) -> sqlx::Result<u64> {
    let (ready_tx, ready_rx) = mpsc::channel(1);
    let preparer = tokio::spawn(prepare_batches(rx, ready_tx, max_batch));
    let result = commit_batches(pool, fanout, ready_rx).await;
    // On an error the preparer must let go of the queue, so that the feed stops too.
    preparer.abort();
    result
}

async fn prepare_batches(mut rx: mpsc::Receiver<Update>, ready: mpsc::Sender<Prepared>, max_batch: usize) {
    while let Some(first) = rx.recv().await {
        let mut batch = Batch::default();
        add(&mut batch, first);
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(update) => add(&mut batch, update),
                Err(_) => break,
            }
        }
        metrics::gauge!(m::QUEUE_DEPTH).set(rx.len() as f64);
        let prepared = match tokio::task::spawn_blocking(move || sink::prepare(batch)).await {
            Ok(prepared) => prepared,
            Err(e) => {
                tracing::error!("decoding a batch failed ({e}); resuming from the checkpoint");
                return;
            }
        };
        if ready.send(prepared).await.is_err() {
            return;
        }
    }
}

async fn commit_batches(pool: PgPool, fanout: Fanout, mut ready: mpsc::Receiver<Prepared>) -> sqlx::Result<u64> {
    let mut committed = 0;
    let mut sequencer = sink::Sequencer::default();
    while let Some(batch) = ready.recv().await {
        let received = batch.received;
        let started = Instant::now();
        let (written, deltas) = sink::write(&pool, &mut sequencer, batch).await?;
        metrics::histogram!(m::BATCH_SECONDS).record(started.elapsed().as_secs_f64());
        metrics::histogram!(m::BATCH_SIZE).record(received as f64);
        metrics::counter!(m::ACCOUNT_UPDATES, "stage" => "written").increment(written.accounts as u64);
        metrics::counter!(m::EVENTS).increment(written.events as u64);
        metrics::counter!(m::UNDECODABLE).increment(written.undecodable as u64);
        if let Some(slot) = written.checkpoint {
            metrics::gauge!(m::CHECKPOINT_SLOT).set(slot as f64);
            let source = SOURCE_SLOT.load(Ordering::Relaxed);
            metrics::gauge!(m::SLOT_LAG).set(source.saturating_sub(slot) as f64);
        }
        fanout.publish(deltas);
        committed += 1;
    }
    Ok(committed)
}

fn add(batch: &mut Batch, update: Update) {
    match update {
        Update::Account(a) => batch.account(a),
        Update::Transaction(t) => batch.transaction(t),
        Update::SlotDone(slot) => batch.slot_done(slot),
    }
}
