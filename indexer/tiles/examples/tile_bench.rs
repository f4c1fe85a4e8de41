//! MVT encode time of the grid tiles (docs/benchmarks.md, "Grid vector tiles"): the CIGRE LV
//! feeder and a generated 10,000-meter feeder, with every element's state, drawn into the
//! tile at the middle of the feeder at the deepest zoom that holds the feeder whole and at
//! a few deeper ones (meters appear from `draw::METERS_MIN_ZOOM`). Times separately the two
//! things a request can do: decoding the stored topology and state from JSON (as they come
//! out of Postgres; since the feeder cache, once per new state, not per request) and
//! drawing + protobuf-encoding the tile (every request).
//! Usage: tile_bench [iterations=200]
#[path = "../../tests/support/grid_fixture.rs"]
mod grid_fixture;

use std::time::Instant;

use grid_tiles::mercator::{TileId, MAX_ZOOM};
use grid_tiles::vector_tile::Tile;
use grid_tiles::{draw, StoredFeeder};
use gridtokenx_telemetry::GridTopologyV1;
use prost::Message;

fn main() {
    let iterations: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    println!("| feeder | zoom | buses | lines | meters | tile | draw + encode (median) | p99 |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut decoded = Vec::new();
    for (name, spec, meters, deeper) in [
        ("CIGRE LV", grid_fixture::cigre(), 60, &[16u8, 18][..]),
        ("generated, 10,000 meters", grid_fixture::generated(10_000), 10_000, &[12, 13, 14, 16][..]),
    ] {
        let topology = grid_fixture::topology(spec, name, meters);
        let state = grid_fixture::state(&topology, 1_800_000_000, 0.0);
        let (topology_json, flow_json) =
            (serde_json::to_vec(&topology).unwrap(), serde_json::to_vec(&state.flow).unwrap());
        let mut decode = Vec::new();
        let mut feeder = None;
        for _ in 0..iterations.div_ceil(10) {
            let t = Instant::now();
            feeder = Some(StoredFeeder {
                topology: serde_json::from_slice(&topology_json).unwrap(),
                interval_start_ts: Some(state.interval_start_ts),
                flow: serde_json::from_slice(&flow_json).unwrap(),
                events: state.events.clone(),
            });
            decode.push(t.elapsed().as_secs_f64() * 1e3);
        }
        decoded.push((name, median(&mut decode), (topology_json.len() + flow_json.len()) as f64 / 1e3));
        let feeders = [feeder.unwrap()];
        let whole = whole_zoom(&topology);
        for z in std::iter::once(whole).chain(deeper.iter().copied()) {
            let tile = middle(&topology, z);
            let mut times = Vec::with_capacity(iterations);
            let mut encoded = Vec::new();
            for _ in 0..iterations {
                let t = Instant::now();
                encoded = draw::draw(&feeders, tile).encode_to_vec();
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
            let drawn = Tile::decode(encoded.as_slice()).expect("a valid tile");
            let count =
                |layer: &str| drawn.layers.iter().find(|l| l.name == layer).map_or(0, |l| l.features.len());
            let (m, p99) = (median(&mut times), percentile(&times, 0.99));
            println!(
                "| {name} | {z}{} | {} | {} | {} | {:.1} kB | {m:.3} ms | {p99:.3} ms |",
                if z == whole { " (whole feeder)" } else { "" },
                count("buses"),
                count("lines"),
                count("meters"),
                encoded.len() as f64 / 1e3
            );
        }
    }
    println!();
    println!("| feeder | stored JSON (topology + flow) | decode (median) |");
    println!("|---|---:|---:|");
    for (name, decode, kb) in decoded {
        println!("| {name} | {kb:.0} kB | {decode:.2} ms |");
    }
}

/// The deepest zoom at which one tile holds every bus of the feeder.
fn whole_zoom(topology: &GridTopologyV1) -> u8 {
    (0..=MAX_ZOOM)
        .rev()
        .find(|&z| {
            let tiles: std::collections::BTreeSet<(u32, u32)> =
                topology.feeder.buses.iter().map(|b| tile_at(b.lon.unwrap(), b.lat.unwrap(), z)).collect();
            tiles.len() == 1
        })
        .expect("zoom 0 holds the world")
}

/// The tile at zoom z holding the middle of the feeder's box (its busiest part).
fn middle(topology: &GridTopologyV1, z: u8) -> TileId {
    let buses = &topology.feeder.buses;
    let (lons, lats) = (buses.iter().map(|b| b.lon.unwrap()), buses.iter().map(|b| b.lat.unwrap()));
    let lon = (lons.clone().fold(f64::MAX, f64::min) + lons.fold(f64::MIN, f64::max)) / 2.0;
    let lat = (lats.clone().fold(f64::MAX, f64::min) + lats.fold(f64::MIN, f64::max)) / 2.0;
    let (x, y) = tile_at(lon, lat, z);
    TileId { z, x, y }
}

fn tile_at(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let (x, y) = TileId { z, x: 0, y: 0 }.project(lon, lat);
    ((x / 4096.0).floor().clamp(0.0, n - 1.0) as u32, (y / 4096.0).floor().clamp(0.0, n - 1.0) as u32)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}
