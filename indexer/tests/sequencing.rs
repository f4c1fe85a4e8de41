//! Meter channels are numbered only once followed (indexer/src/ingest/sink/sequence.rs):
//! a meter nobody follows produces no delta and no counter row; a followed one gets
//! consecutive numbers; and creating a channel's row waits for a batch in flight, so a
//! change is never in neither the snapshot nor a numbered delta.
mod support;

use std::time::Duration;

use gridtokenx_indexer::api::snapshot::{self, Channel};
use gridtokenx_indexer::fanout::Fanout;
use gridtokenx_indexer::ingest::sink::sequence;
use gridtokenx_indexer::ingest::{pipeline, Update};
use support::feed::{meter_key, meter_update};

async fn meter_rows(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("select count(*) from channel_seq where channel like 'meter:%'").fetch_one(pool).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_followed_meter_channels_get_numbered_deltas() {
    let (_url, pool) = support::fresh_database().await;
    let fanout = Fanout::local();
    let mut deltas = fanout.subscribe();
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let writer = tokio::spawn(pipeline::writer(pool.clone(), fanout, rx, 1_000));
    let send = |updates: Vec<Update>| {
        let tx = tx.clone();
        async move {
            for u in updates {
                tx.send(u).await.unwrap();
            }
        }
    };

    // Nobody follows meters 0 and 1: mirrored, but neither numbered nor streamed.
    send(vec![meter_update(0, 10, 1, 100), meter_update(1, 10, 2, 100), Update::SlotDone(10)]).await;
    support::stack::wait_for_checkpoint(&pool, 9).await;
    assert_eq!(meter_rows(&pool).await, 0);

    // A client subscribes to meter 0: its snapshot is numbered 0 and holds the row.
    let channel = format!("meter:{}", meter_key(0));
    let (seq, data) = snapshot::snapshot(&pool, &Channel::parse(&channel).unwrap()).await.unwrap();
    assert_eq!(seq, 0);
    assert_eq!(data["meter"]["minted_wh"], "100");

    send(vec![meter_update(0, 11, 3, 150), meter_update(1, 11, 4, 150), Update::SlotDone(11)]).await;
    send(vec![meter_update(0, 12, 5, 175), Update::SlotDone(12)]).await;
    let mut got = Vec::new();
    while got.len() < 2 {
        let d = tokio::time::timeout(Duration::from_secs(30), deltas.recv()).await.expect("deltas arrive").unwrap();
        assert_ne!(d.channel, format!("meter:{}", meter_key(1)), "an unfollowed meter streamed: {d:?}");
        if d.channel == channel {
            got.push((d.seq, d.data["meter"][0]["minted_wh"].clone()));
        }
    }
    assert_eq!(got, vec![(1, "150".into()), (2, "175".into())]);
    assert_eq!(meter_rows(&pool).await, 1, "only the followed meter has a counter");
    drop(tx);
    writer.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_follower_waits_for_the_batch_in_flight() {
    let (_url, pool) = support::fresh_database().await;
    let channel = format!("meter:{}", meter_key(0));
    // A batch that has looked for followed meter channels and not yet committed.
    let mut batch = pool.begin().await.unwrap();
    let numbered = sequence::bump_lazy(&mut batch, vec![channel.clone()]).await.unwrap();
    assert!(numbered.is_empty(), "nobody followed it when the batch looked");

    let follower = tokio::spawn({
        let (pool, channel) = (pool.clone(), channel.clone());
        async move { sequence::ensure(&pool, &channel).await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!follower.is_finished(), "the counter row was created while a batch that missed it was in flight");
    batch.commit().await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), follower).await.expect("the follower proceeds after the commit").unwrap().unwrap();
    assert_eq!(meter_rows(&pool).await, 1);

    // The next batch sees the row and numbers the change.
    let mut batch = pool.begin().await.unwrap();
    let numbered = sequence::bump_lazy(&mut batch, vec![channel.clone()]).await.unwrap();
    batch.commit().await.unwrap();
    assert_eq!(numbered.get(&channel), Some(&1));
}
