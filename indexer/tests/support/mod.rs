//! Helpers shared by the indexer's integration tests: a fresh database per test, the chain
//! and an in-process indexer (`stack`), a scenario touching every account and event type
//! (`scenario`), and the mirror-versus-chain comparison (`verify`).
#![allow(dead_code)]
pub mod broker;
pub mod scenario;
pub mod stack;
pub mod verify;

use gridtokenx_indexer::config::DatabaseArgs;
use sqlx::PgPool;

/// The PostgreSQL server tests create their databases on: `scripts/test.sh` makes sure one
/// answers there (`ensure_postgres`); `GRIDTOKENX_TEST_PG` points elsewhere.
pub fn server_url() -> String {
    std::env::var("GRIDTOKENX_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_string())
}

/// A new, migrated database with a random name, and its URL (for a second process).
pub async fn fresh_database() -> (String, PgPool) {
    let name = format!("gtx_test_{}", bs58::encode(rand::random::<[u8; 8]>()).into_string().to_lowercase());
    let url = format!("{}/{name}", server_url());
    let pool = gridtokenx_indexer::db::connect(&DatabaseArgs { database_url: url.clone(), db_pool: 8 })
        .await
        .expect("PostgreSQL on 127.0.0.1:5432 (scripts/test.sh starts one: source scripts/env.sh; ensure_postgres)");
    (url, pool)
}
