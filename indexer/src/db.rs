//! PostgreSQL: connect (creating the database when it is missing), migrate, retry.
use std::time::Duration;

use anyhow::Context;
use sqlx::migrate::MigrateDatabase;
use sqlx::postgres::{PgPool, PgPoolOptions};

use crate::config::{backoff, DatabaseArgs};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Connects, creates the database if needed and applies the migrations. Waits for a
/// database that is still starting (about a minute), then fails naming the fix.
pub async fn connect(args: &DatabaseArgs) -> anyhow::Result<PgPool> {
    let url = &args.database_url;
    let mut attempt = 0;
    loop {
        match sqlx::Postgres::database_exists(url).await {
            Ok(true) => break,
            Ok(false) => {
                sqlx::Postgres::create_database(url)
                    .await
                    .with_context(|| format!("creating the database at {}", redact(url)))?;
                break;
            }
            Err(e) if attempt < 8 => {
                tracing::warn!("PostgreSQL at {} not reachable yet ({e}); retrying", redact(url));
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
            Err(e) => anyhow::bail!(
                "PostgreSQL at {} is not reachable ({e}): start PostgreSQL or set DATABASE_URL / --database-url",
                redact(url)
            ),
        }
    }
    let pool = PgPoolOptions::new()
        .max_connections(args.db_pool)
        .acquire_timeout(Duration::from_secs(5))
        .connect(url)
        .await
        .with_context(|| format!("connecting to {}", redact(url)))?;
    MIGRATOR.run(&pool).await.map_err(|e| {
        anyhow::anyhow!("migrating {} failed: {e}; if this database belongs to another program, point DATABASE_URL at a fresh one", redact(url))
    })?;
    Ok(pool)
}

/// How long a throwaway database outlives its test run: a failed run's databases stay for
/// inspection until then, and are dropped by the next run that makes one.
const SCRATCH_MAX_AGE: Duration = Duration::from_secs(3 * 3600);

/// A new, migrated throwaway database on `server_url` (`postgres://…:5432`, no database)
/// for tests and benchmarks, named `{prefix}_{unix seconds}_{random}`. It first drops the
/// databases of the same prefix older than `SCRATCH_MAX_AGE` (and those named before the
/// creation time was part of the name), so runs do not pile databases up on a developer's
/// PostgreSQL while parallel runs keep theirs.
pub async fn scratch(server_url: &str, prefix: &str, db_pool: u32) -> anyhow::Result<(String, PgPool)> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    if let Err(e) = drop_stale_scratch(server_url, prefix, now).await {
        tracing::warn!("could not drop old {prefix}_* databases on {}: {e:#}", redact(server_url));
    }
    let suffix: String = (0..8).map(|_| char::from(b'a' + rand::random_range(0..26u8))).collect();
    let url = format!("{server_url}/{prefix}_{}_{suffix}", now.as_secs());
    let pool = connect(&DatabaseArgs { database_url: url.clone(), db_pool }).await?;
    Ok((url, pool))
}

async fn drop_stale_scratch(server_url: &str, prefix: &str, now: Duration) -> anyhow::Result<()> {
    let admin = PgPoolOptions::new().max_connections(1).connect(&format!("{server_url}/postgres")).await?;
    let names: Vec<String> =
        sqlx::query_scalar("select datname::text from pg_database where starts_with(datname, $1)")
            .bind(format!("{prefix}_"))
            .fetch_all(&admin)
            .await?;
    for name in names.iter().filter(|n| scratch_is_stale(n, prefix, now)) {
        // Names come from pg_database and match our own pattern; quoting keeps them literal.
        let sql = format!("drop database if exists \"{}\" with (force)", name.replace('"', "\"\""));
        if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&admin).await {
            tracing::warn!("could not drop {name}: {e}");
        }
    }
    admin.close().await;
    Ok(())
}

/// `{prefix}_{secs}_{random}` older than the limit, or a name without the creation time.
fn scratch_is_stale(name: &str, prefix: &str, now: Duration) -> bool {
    let Some(rest) = name.strip_prefix(prefix).and_then(|r| r.strip_prefix('_')) else { return false };
    match rest.split_once('_').map(|(secs, _)| secs.parse::<u64>()) {
        Some(Ok(created)) => now.as_secs().saturating_sub(created) > SCRATCH_MAX_AGE.as_secs(),
        _ => true,
    }
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}@{}", &url[..scheme + 3], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn scratch_databases_expire_by_the_time_in_their_name() {
        let now = Duration::from_secs(1_800_000_000);
        let stale = |name| super::scratch_is_stale(name, "gtx_test", now);
        assert!(!stale("gtx_test_1800000000_abcdefgh"), "just made");
        assert!(!stale("gtx_test_1799990000_abcdefgh"), "under three hours old");
        assert!(stale("gtx_test_1799980000_abcdefgh"), "over three hours old");
        assert!(stale("gtx_test_4fz9k2abq"), "named before the time was in the name");
        assert!(!stale("gtx_testing_1_a"), "another prefix");
        assert!(!stale("gtx_browser_1_a"), "another prefix");
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(super::redact("postgres://u:secret@h:5432/db"), "postgres://u@h:5432/db");
        assert_eq!(super::redact("postgres://h/db"), "postgres://h/db");
    }
}
