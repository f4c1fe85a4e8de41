//! WebSocket sequence numbers, bumped in the batch's transaction so that a snapshot read
//! with its channel's number is exact.
//!
//! Most channels are sequenced eagerly: every batch that changes one bumps its number.
//! Meter channels are sequenced lazily, because there is one per household and a fleet's
//! catch-up touches tens of thousands of them per batch while almost nobody follows any:
//! a meter channel gets a number (a `channel_seq` row) when a client first subscribes to
//! it, and from then on every batch that changes it bumps it. A meter channel nobody ever
//! followed costs an index probe per batch: no row, no JSON, no delta.
//!
//! The race this has to close: a subscriber creating a channel's row while a batch that
//! changes the channel is in flight. If the batch missed the row (not yet committed) and
//! the subscriber's snapshot missed the batch (not yet committed), the change would be in
//! neither. So the two are serialized by an advisory lock: a batch holds it shared from
//! the moment it looks for rows until it commits; creating a row takes it exclusively. The
//! batch either sees the row (and sequences the change) or commits before the row exists
//! (and the snapshot, read after, contains the change).
use std::collections::HashMap;

use sqlx::{PgExecutor, PgPool, Postgres, Transaction};

/// The advisory lock key of lazy channel creation ("gtx-seq" in ASCII).
const LAZY_CHANNEL_LOCK: i64 = 0x6774_782d_7365_71;

/// Whether a channel is sequenced only once someone subscribed to it.
pub fn is_lazy(channel: &str) -> bool {
    channel.starts_with("meter:")
}

/// Bumps the lazy `channels` that have a number and returns their new numbers; the others
/// are followed by nobody and must not produce deltas.
pub async fn bump_lazy(tx: &mut Transaction<'_, Postgres>, channels: Vec<String>) -> sqlx::Result<HashMap<String, i64>> {
    if channels.is_empty() {
        return Ok(HashMap::new());
    }
    // (The lock functions return void, which sqlx cannot type; called from FROM they do not.)
    sqlx::query!(r#"select 1 as "locked!" from pg_advisory_xact_lock_shared($1)"#, LAZY_CHANNEL_LOCK).fetch_one(&mut **tx).await?;
    let rows = sqlx::query!(
        "update channel_seq set seq = seq + 1 where channel = any($1) returning channel, seq",
        &channels
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|r| (r.channel, r.seq)).collect())
}

/// Bumps eager `channels`, creating their rows as needed, and returns their new numbers.
pub async fn bump_eager(tx: &mut Transaction<'_, Postgres>, channels: Vec<String>) -> sqlx::Result<HashMap<String, i64>> {
    if channels.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = sqlx::query!(
        r#"insert into channel_seq (channel, seq) select unnest($1::text[]), 1
           on conflict (channel) do update set seq = channel_seq.seq + 1
           returning channel, seq"#,
        &channels
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|r| (r.channel, r.seq)).collect())
}

/// Makes sure a subscriber's channel is sequenced before its snapshot is read (a no-op
/// for eager channels and for lazy ones that already have a number).
pub async fn ensure(pool: &PgPool, channel: &str) -> sqlx::Result<()> {
    if !is_lazy(channel) || exists(pool, channel).await? {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    sqlx::query!(r#"select 1 as "locked!" from pg_advisory_xact_lock($1)"#, LAZY_CHANNEL_LOCK).fetch_one(&mut *tx).await?;
    sqlx::query!("insert into channel_seq (channel, seq) values ($1, 0) on conflict (channel) do nothing", channel)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

async fn exists<'e>(db: impl PgExecutor<'e>, channel: &str) -> sqlx::Result<bool> {
    Ok(sqlx::query_scalar!("select 1 as \"one!\" from channel_seq where channel = $1", channel)
        .fetch_optional(db)
        .await?
        .is_some())
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_meter_channels_are_lazy() {
        assert!(super::is_lazy("meter:8qbHbw2BbbTHBW1sbeqakYXVKRQM8Ne7pLK7m6CVfeR"));
        for eager in ["book:x", "trades:x", "trader:x", "proposals"] {
            assert!(!super::is_lazy(eager), "{eager}");
        }
    }
}
