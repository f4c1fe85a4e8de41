//! A meter's u64 counters cross to Postgres as int8 bit patterns and become numeric there
//! (migrations/0007_u64_of_int8.sql): exact at both ends of the range, through the real
//! writer into a real database, and the WebSocket delta says the same as the row.
mod support;

use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountSerialize;
use gridtokenx_indexer::fanout::Fanout;
use gridtokenx_indexer::ingest::{pipeline, AccountUpdate, Update};

fn meter(counter: u64) -> Vec<u8> {
    let meter = energy::state::Meter {
        owner: Pubkey::new_unique(),
        meter_id: [9; 32],
        status: energy::state::MeterStatus::Active,
        registered_at: 1_800_000_000,
        has_reading: true,
        last_interval_start_ts: 1_800_000_000,
        last_produced_wh: counter,
        last_consumed_wh: counter,
        minted_wh: counter,
        certified_wh: counter,
        rec_count: counter,
        bump: 255,
    };
    let mut data = Vec::new();
    meter.try_serialize(&mut data).expect("a meter serializes");
    data
}

#[tokio::test]
async fn counters_are_exact_at_zero_at_2_pow_63_and_at_u64_max() {
    let (_url, pool) = support::fresh_database().await;
    let fanout = Fanout::local();
    let mut deltas = fanout.subscribe();
    let counters = [0, i64::MAX as u64, 1 << 63, u64::MAX];
    let keys: Vec<Pubkey> = counters.iter().map(|_| Pubkey::new_unique()).collect();
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    let writer = tokio::spawn(pipeline::writer(pool.clone(), fanout.clone(), rx, 100));
    for (i, (key, counter)) in keys.iter().zip(counters).enumerate() {
        let update = AccountUpdate {
            pubkey: *key,
            owner: energy::ID,
            slot: 10,
            write_version: i as u64,
            lamports: 1,
            data: meter(counter),
        };
        tx.send(Update::Account(update)).await.unwrap();
    }
    tx.send(Update::SlotDone(10)).await.unwrap();
    drop(tx);
    writer.await.unwrap().expect("the batch commits");

    for (key, counter) in keys.iter().zip(counters) {
        let row: (String, String, String, String, String) = sqlx::query_as(
            "select last_produced_wh::text, last_consumed_wh::text, minted_wh::text, certified_wh::text, rec_count::text
             from meters where pubkey = $1",
        )
        .bind(key.to_string())
        .fetch_one(&pool)
        .await
        .unwrap();
        let want = counter.to_string();
        assert_eq!(row, (want.clone(), want.clone(), want.clone(), want.clone(), want), "meter with {counter}");
    }
    let mut seen = 0;
    while let Ok(delta) = deltas.try_recv() {
        let Some(meter) = delta.data["meter"].as_array().and_then(|a| a.last()) else { continue };
        let key: Pubkey = meter["pubkey"].as_str().unwrap().parse().unwrap();
        let counter = counters[keys.iter().position(|k| *k == key).unwrap()];
        assert_eq!(meter["minted_wh"], serde_json::json!(counter.to_string()), "delta of the meter with {counter}");
        seen += 1;
    }
    assert_eq!(seen, counters.len(), "one delta per meter");
}
