//! GridTokenX simulator: smart meters with physical profiles, driven by a simulated clock,
//! producing cumulative interval readings that an oracle signs exactly as the energy
//! program verifies them.
//!
//! - `model/`: the physics — sun position, weather, PV arrays, household load, batteries,
//!   EV chargers. Deterministic under a seed; floats are fine here, nothing runs on chain.
//! - `meter`: one bidirectional grid meter (export and import registers) behind which a
//!   household's devices run.
//! - `fleet`: many meters with a configurable mix, advanced one interval at a time.
//! - `feeder`: the feeder the meters hang on (the `grid` crate) and its power flow each
//!   interval, published as `gridtokenx.grid-state.v1`.
//! - `oracle`: signing readings with an operator-provided key, through the energy crate's
//!   single definition of the signed message.
//! - `post`: signed readings to a cluster's JSON-RPC; `sink`: every output of an interval
//!   (chain, Kafka, InfluxDB, JSON lines, live stream); `state`: resuming a run from disk.
//! - `control`: the HTTP control API; `cli`: the command line.
pub mod cli;
pub mod control;
pub mod feeder;
pub mod fleet;
pub mod meter;
pub mod model;
pub mod oracle;
pub mod post;
pub mod sink;
pub mod state;
pub mod telemetry;

pub use energy::reading::Reading;

/// Wall-clock unix seconds.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
