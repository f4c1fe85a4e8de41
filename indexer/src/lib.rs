//! GridTokenX indexer: a gap-free Postgres mirror of the three programs, served over REST
//! and a sequenced WebSocket, with meter telemetry from Kafka. The chain is the source of
//! truth; this process holds no keys and signs nothing. See docs/indexer.md.
pub mod api;
pub mod config;
pub mod db;
pub mod fanout;
pub mod grid_map;
pub mod ingest;
pub mod metrics;
pub mod model;
pub mod store;
pub mod telemetry;
pub mod tiles;
pub mod users;
