//! The grid as Mapbox Vector Tiles, without the server: Web-Mercator tiling (`mercator`),
//! the MVT 2.1 messages (`vector_tile`) and layer encoding (`mvt`), and the grid's layers
//! drawn from a feeder's topology and latest state (`draw`). The indexer serves them
//! (`indexer/src/tiles`: routes, TileJSON, the decoded-feeder cache); docs/indexer.md, "Grid".
pub mod draw;
pub mod mercator;
pub mod mvt;
pub mod vector_tile;

use gridtokenx_telemetry::{GridEventV1, GridFlowV1, GridTopologyV1};

/// A feeder as the tiles draw it: its topology and latest state (none before the first).
pub struct StoredFeeder {
    pub topology: GridTopologyV1,
    pub interval_start_ts: Option<i64>,
    pub flow: Option<GridFlowV1>,
    pub events: Vec<GridEventV1>,
}
