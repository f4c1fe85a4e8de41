//! Pipeline-alone throughput: a generated feed of meter account updates (distinct
//! accounts, so nothing coalesces) through the same queue and writer ingest uses, into a
//! fresh database. Prints updates/s written.
//!
//! cargo run --release -p gridtokenx-indexer --example ingest_throughput -- [updates] [per_slot] [followed]
//! (DATABASE_URL's server is used; a database `gtx_bench_<pid>` is created and dropped.)
use std::time::Instant;

use gridtokenx_indexer::config::DatabaseArgs;
use gridtokenx_indexer::fanout::Fanout;
use gridtokenx_indexer::ingest::sink::sequence;
use gridtokenx_indexer::ingest::{pipeline, Update};
use sqlx::migrate::MigrateDatabase;

#[path = "../tests/support/feed.rs"]
mod feed;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let updates: u64 = args.next().map_or(Ok(200_000), |a| a.parse())?;
    let per_slot: u64 = args.next().map_or(Ok(5_000), |a| a.parse())?;
    // Meter channels a WebSocket client follows (numbered and streamed; the rest are not).
    let followed: u64 = args.next().map_or(Ok(0), |a| a.parse())?;
    let server = std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b).to_string();
    let url = format!("{base}/gtx_bench_{}", std::process::id());
    let pool = gridtokenx_indexer::db::connect(&DatabaseArgs { database_url: url.clone(), db_pool: 4 }).await?;

    for i in 0..followed.min(updates) {
        sequence::ensure(&pool, &format!("meter:{}", feed::meter_key(i))).await?;
    }
    eprintln!("generating {updates} meter updates ({per_slot} per slot, {followed} meter channels followed)…");
    let feed: Vec<Update> = (0..updates)
        .flat_map(|i| {
            let slot = 1_000 + i / per_slot;
            let update = feed::meter_update(i, slot, i, i);
            let done = (i % per_slot == per_slot - 1).then_some(Update::SlotDone(slot));
            std::iter::once(update).chain(done)
        })
        .collect();

    let (tx, rx) = tokio::sync::mpsc::channel(50_000);
    let writer = tokio::spawn(pipeline::writer(pool.clone(), Fanout::local(), rx, 20_000));
    let started = Instant::now();
    for update in feed {
        tx.send(update).await?;
    }
    drop(tx);
    let batches = writer.await??;
    let secs = started.elapsed().as_secs_f64();
    let rows: i64 = sqlx::query_scalar("select count(*) from meters").fetch_one(&pool).await?;
    assert_eq!(rows as u64, updates, "every update became a row");
    println!(
        "ingest pipeline: {updates} account updates in {secs:.2} s = {:.0} updates/s ({batches} batches); peak RSS {} MB",
        updates as f64 / secs,
        peak_rss_mb()
    );
    pool.close().await;
    sqlx::Postgres::drop_database(&url).await?;
    Ok(())
}

/// The process's peak resident set (VmHWM), including the generated feed held in memory.
fn peak_rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok()))
        .map_or(0, |kb| kb / 1024)
}
