//! GridTokenX simulator: smart meters with physical profiles, driven by a simulated clock,
//! producing cumulative interval readings that an oracle signs exactly as the energy
//! program verifies them.
//!
//! - `model/`: the physics — sun position, weather, PV arrays, household load, batteries,
//!   EV chargers. Deterministic under a seed; floats are fine here, nothing runs on chain.
//! - `meter`: one bidirectional grid meter (export and import registers) behind which a
//!   household's devices run.
//! - `fleet`: many meters with a configurable mix, advanced one interval at a time.
//! - `oracle`: signing readings with an operator-provided key, through the energy crate's
//!   single definition of the signed message.
pub mod control;
pub mod fleet;
pub mod meter;
pub mod model;
pub mod oracle;
pub mod post;
pub mod telemetry;

pub use energy::reading::Reading;
