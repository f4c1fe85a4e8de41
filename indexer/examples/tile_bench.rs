//! MVT encode time of the grid tiles (docs/benchmarks.md, "Grid vector tiles"): the CIGRE LV
//! feeder and a generated 10,000-meter feeder, each drawn into the one tile at the deepest
//! zoom that holds it whole, with every element's state. Times separately what a request
//! does: decoding the stored topology and state from JSON (as they come out of Postgres)
//! and drawing + protobuf-encoding the tile.
//! Usage: tile_bench [iterations=200]
#[path = "../tests/support/grid_fixture.rs"]
mod grid_fixture;

use std::time::Instant;

use gridtokenx_indexer::telemetry::grid_store::StoredFeeder;
use gridtokenx_indexer::tiles::{draw, mercator::TileId};
use prost::Message;

fn main() {
    let iterations: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    println!("| feeder | buses | lines | meters | zoom | tile | decode JSON (median) | draw + encode (median) | p99 |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (name, spec, meters) in [
        ("CIGRE LV", grid_fixture::cigre(), 60),
        ("generated, 10,000 meters", grid_fixture::generated(10_000), 10_000),
    ] {
        let topology = grid_fixture::topology(spec, name, meters);
        let state = grid_fixture::state(&topology, 1_800_000_000, 0.0);
        let (topology_json, flow_json) =
            (serde_json::to_vec(&topology).unwrap(), serde_json::to_vec(&state.flow).unwrap());
        let tile = whole(&topology);
        let mut decode = Vec::new();
        let mut encode = Vec::new();
        let mut bytes = 0;
        for _ in 0..iterations {
            let t = Instant::now();
            let feeder = StoredFeeder {
                topology: serde_json::from_slice(&topology_json).unwrap(),
                interval_start_ts: Some(state.interval_start_ts),
                flow: serde_json::from_slice(&flow_json).unwrap(),
                events: state.events.clone(),
            };
            decode.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            let encoded = draw::draw(std::slice::from_ref(&feeder), tile).encode_to_vec();
            encode.push(t.elapsed().as_secs_f64() * 1e3);
            bytes = encoded.len();
        }
        let (d, e, p99) = (median(&mut decode), median(&mut encode), percentile(&encode, 0.99));
        let f = &topology.feeder;
        println!(
            "| {name} | {} | {} | {} | {} | {:.0} kB | {d:.2} ms | {e:.2} ms | {p99:.2} ms |",
            f.buses.len(),
            f.lines.len(),
            topology.meters.len(),
            tile.z,
            bytes as f64 / 1e3
        );
    }
}

/// The deepest tile holding every bus of the feeder.
fn whole(topology: &gridtokenx_telemetry::GridTopologyV1) -> TileId {
    for z in (0..=gridtokenx_indexer::tiles::mercator::MAX_ZOOM).rev() {
        let n = f64::from(1u32 << z);
        let tiles: std::collections::BTreeSet<(u32, u32)> = topology
            .feeder
            .buses
            .iter()
            .map(|b| {
                let t = TileId { z, x: 0, y: 0 };
                let (x, y) = t.project(b.lon.unwrap(), b.lat.unwrap());
                (
                    (x / 4096.0).floor().clamp(0.0, n - 1.0) as u32,
                    (y / 4096.0).floor().clamp(0.0, n - 1.0) as u32,
                )
            })
            .collect();
        if tiles.len() == 1 {
            let (x, y) = *tiles.first().unwrap();
            return TileId { z, x, y };
        }
    }
    unreachable!("zoom 0 holds the world")
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}
