//! Pipeline-alone throughput: a generated feed of meter account updates (distinct
//! accounts, so nothing coalesces) through the same queue and writer ingest uses, into a
//! fresh database. Prints updates/s written.
//!
//! cargo run --release -p gridtokenx-indexer --example ingest_throughput -- [updates] [per_slot]
//! (DATABASE_URL's server is used; a database `gtx_bench_<pid>` is created and dropped.)
use std::time::Instant;

use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountSerialize;
use gridtokenx_indexer::config::DatabaseArgs;
use gridtokenx_indexer::fanout::Fanout;
use gridtokenx_indexer::ingest::{pipeline, AccountUpdate, Update};
use sqlx::migrate::MigrateDatabase;

// The indexer binary's allocator (src/main.rs), so the pipeline is measured as it runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn meter_data(i: u64) -> Vec<u8> {
    let meter = energy::state::Meter {
        owner: Pubkey::new_from_array([(i % 251) as u8; 32]),
        meter_id: {
            let mut id = [0u8; 32];
            id[..8].copy_from_slice(&i.to_le_bytes());
            id
        },
        status: energy::state::MeterStatus::Active,
        registered_at: 1_800_000_000,
        has_reading: true,
        last_interval_start_ts: 1_800_000_000 + 900 * (i as i64 % 96),
        last_produced_wh: 10_000 + i,
        last_consumed_wh: 5_000 + i,
        minted_wh: i,
        certified_wh: 0,
        rec_count: 0,
        bump: 255,
    };
    let mut data = Vec::with_capacity(200);
    meter.try_serialize(&mut data).expect("a meter serializes");
    data
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let updates: u64 = args.next().map_or(Ok(200_000), |a| a.parse())?;
    let per_slot: u64 = args.next().map_or(Ok(5_000), |a| a.parse())?;
    let server = std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b).to_string();
    let url = format!("{base}/gtx_bench_{}", std::process::id());
    let pool = gridtokenx_indexer::db::connect(&DatabaseArgs { database_url: url.clone(), db_pool: 4 }).await?;

    eprintln!("generating {updates} meter updates ({per_slot} per slot)…");
    let feed: Vec<Update> = (0..updates)
        .flat_map(|i| {
            let slot = 1_000 + i / per_slot;
            let update = Update::Account(AccountUpdate {
                pubkey: Pubkey::new_from_array({
                    let mut k = [7u8; 32];
                    k[..8].copy_from_slice(&i.to_le_bytes());
                    k
                }),
                owner: energy::ID,
                slot,
                write_version: i,
                lamports: 2_000_000,
                data: meter_data(i),
            });
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
        "ingest pipeline: {updates} account updates in {secs:.2} s = {:.0} updates/s ({batches} batches)",
        updates as f64 / secs
    );
    pool.close().await;
    sqlx::Postgres::drop_database(&url).await?;
    Ok(())
}
