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
    #[test]
    fn redacts_passwords() {
        assert_eq!(super::redact("postgres://u:secret@h:5432/db"), "postgres://u@h:5432/db");
        assert_eq!(super::redact("postgres://h/db"), "postgres://h/db");
    }
}
