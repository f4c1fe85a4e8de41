//! Distribution feeders and their power flow (issue #13, grid half): a radial feeder
//! (external grid at an MV bus, MV/LV transformers, LV lines, buses with geographic
//! coordinates), built in (CIGRE European LV benchmark, generated for N meters) or read from
//! a JSON file, and a radial AC power flow by backward/forward sweep with the events a grid
//! operator watches. Validated against pandapower (`tests/pandapower.rs`); docs/grid.md.

mod cigre;
mod file;
mod generated;
mod powerflow;
mod topology;

use serde::{Deserialize, Serialize};

pub use cigre::cigre_lv;
pub use file::{BusSpec, FeederSpec, LineSpec, PowerSpec, SlackSpec, TransformerSpec};
pub use generated::{generated, METERS_PER_BUS};
pub use powerflow::{
    BusPower, BusResult, GridEvent, GridState, Limits, LineResult, NotConverged, Options, PowerFlow, TransformerResult, Workspace,
};
pub use topology::{Branch, Feeder, FeederError, BASE_MVA};

/// WGS84 degrees.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Geo {
    pub lon: f64,
    pub lat: f64,
}

/// Where the built-in feeders are drawn unless told otherwise: Bangkok, the simulator's
/// default location.
pub const DEFAULT_ANCHOR: Geo = Geo { lon: 100.5018, lat: 13.7563 };

impl Geo {
    /// The point `east_m` metres east and `north_m` metres north (local flat-earth
    /// approximation, fine at feeder scale).
    pub fn offset_m(self, east_m: f64, north_m: f64) -> Geo {
        const M_PER_DEG: f64 = 111_320.0;
        Geo {
            lon: self.lon + east_m / (M_PER_DEG * self.lat.to_radians().cos()),
            lat: self.lat + north_m / M_PER_DEG,
        }
    }
}
