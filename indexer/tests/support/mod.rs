//! Helpers shared by the indexer's integration tests: a fresh database per test, the chain
//! and an in-process indexer (`stack`), a scenario touching every account and event type
//! (`scenario`), the mirror-versus-chain comparison (`verify`), and the grid tiles read back
//! as a map client reads them (`tile_client`).
#![allow(dead_code)]
pub mod broker;
pub mod grid_fixture;
pub mod scenario;
pub mod stack;
pub mod tile_client;
pub mod verify;

use sqlx::PgPool;

/// The PostgreSQL server tests create their databases on: `scripts/test.sh` makes sure one
/// answers there (`ensure_postgres`); `GRIDTOKENX_TEST_PG` points elsewhere.
pub fn server_url() -> String {
    std::env::var("GRIDTOKENX_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_string())
}

/// A new, migrated database with a random name, and its URL (for a second process).
pub async fn fresh_database() -> (String, PgPool) {
    gridtokenx_indexer::db::scratch(&server_url(), "gtx_test", 8)
        .await
        .expect("PostgreSQL on 127.0.0.1:5432 (scripts/test.sh starts one: source scripts/env.sh; ensure_postgres)")
}
