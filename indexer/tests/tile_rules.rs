//! What the grid tiles promise beyond their content (docs/indexer.md, "Grid"): meters are
//! drawn only from zoom 14, below it the buses stand for them (checked on a 10,000-meter
//! feeder's tiles decoded back, and in the TileJSON); and a tile reflects a newly stored
//! state or topology at the next request, although the decoded feeders are cached.
mod support;

use std::collections::{BTreeMap, BTreeSet};

use gridtokenx_indexer::telemetry::grid::{GridBatch, StateAt, TopologyAt};
use gridtokenx_indexer::telemetry::grid_store::{self, StoredFeeder};
use gridtokenx_indexer::tiles::draw::{self, METERS_MIN_ZOOM};
use gridtokenx_indexer::tiles::mercator::TileId;
use gridtokenx_indexer::tiles::vector_tile::Tile;
use gridtokenx_indexer::tiles::{self, TileJson};
use gridtokenx_telemetry::GridTopologyV1;
use prost::Message;
use support::grid_fixture as fx;
use support::tile_client::{features, num, tile_of, Served, V};

/// The tile at zoom z holding the middle of the feeder's buses.
fn middle(topology: &GridTopologyV1, z: u8) -> TileId {
    let buses = &topology.feeder.buses;
    let lon = buses.iter().map(|b| b.lon.unwrap()).sum::<f64>() / buses.len() as f64;
    let lat = buses.iter().map(|b| b.lat.unwrap()).sum::<f64>() / buses.len() as f64;
    let (x, y, _, _) = tile_of(lon, lat, z);
    TileId { z, x, y }
}

#[test]
fn meters_are_drawn_from_zoom_14_and_their_buses_stand_for_them_below() {
    let topology = fx::topology(fx::generated(10_000), "generated", 10_000);
    let state = fx::state(&topology, 1_800_000_000, 0.0);
    let connected = topology.meters.iter().filter(|m| m.connected).count();
    let feeders = [StoredFeeder {
        topology: topology.clone(),
        interval_start_ts: Some(state.interval_start_ts),
        flow: state.flow.clone(),
        events: state.events.clone(),
    }];
    let whole_feeder = 10; // the generated 10,000-meter feeder spans ~10 km
    let mut sizes = BTreeMap::new();
    for z in [whole_feeder, 12, 13, METERS_MIN_ZOOM, 15, 16] {
        let encoded = draw::draw(&feeders, middle(&topology, z)).encode_to_vec();
        sizes.insert(z, encoded.len());
        let tile = Tile::decode(encoded.as_slice()).expect("a valid tile");
        let buses = features(&tile, "buses", "id");
        let meters = features(&tile, "meters", "meter_id");
        assert!(!buses.is_empty(), "zoom {z}: the middle tile has buses");
        let counted: f64 = buses.values().map(|(_, p)| num(p, "meters")).sum();
        if z < METERS_MIN_ZOOM {
            assert!(
                meters.is_empty(),
                "zoom {z}: {} meters drawn below zoom {METERS_MIN_ZOOM}",
                meters.len()
            );
            if z == whole_feeder {
                assert_eq!(buses.len(), topology.feeder.buses.len(), "the whole feeder in one tile");
                assert_eq!(counted as usize, connected, "the buses count every connected meter");
            }
            continue;
        }
        // From the rule's zoom on: each meter at its bus, every meter of a drawn bus drawn,
        // and the bus's `meters` is its connected ones.
        assert!(!meters.is_empty(), "zoom {z}: meters drawn");
        let mut per_bus: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for (geometry, p) in meters.values() {
            let V::S(bus) = &p["bus"] else { panic!("bus is a string") };
            let (bus_geometry, _) =
                buses.get(bus).unwrap_or_else(|| panic!("zoom {z}: meter on bus {bus} not drawn"));
            assert_eq!(geometry, bus_geometry, "zoom {z}: a meter is drawn at its bus");
            let entry = per_bus.entry(bus.as_str()).or_default();
            entry.0 += 1;
            entry.1 += usize::from(p["connected"] == V::B(true));
        }
        for (id, (_, p)) in &buses {
            let all = topology.meters.iter().filter(|m| &m.bus == id).count();
            let (drawn, drawn_connected) = per_bus.get(id.as_str()).copied().unwrap_or_default();
            assert_eq!(drawn, all, "zoom {z}: bus {id}'s meters");
            assert_eq!(drawn_connected as f64, num(p, "meters"), "zoom {z}: bus {id}'s connected meters");
        }
    }
    // What the rule is for: the whole-feeder tile no longer carries 10,000 meter ids.
    assert!(sizes[&whole_feeder] < 600_000, "whole-feeder tile {} bytes", sizes[&whole_feeder]);

    // The TileJSON says so.
    let doc: TileJson = tiles::document("http://x", [0.0, 0.0, 1.0, 1.0]);
    let minzooms: Vec<(&str, u8)> = doc.vector_layers.iter().map(|l| (l.id.as_str(), l.minzoom)).collect();
    assert_eq!(minzooms, [("buses", 0), ("lines", 0), ("transformers", 0), ("meters", METERS_MIN_ZOOM)]);
    assert!(doc.description.contains("meters from zoom 14"), "{}", doc.description);
}

fn topology_at(offset: i64, topology: &GridTopologyV1) -> GridBatch {
    GridBatch {
        topologies: vec![TopologyAt { partition: 0, offset, topology: topology.clone() }],
        ..GridBatch::default()
    }
}

fn state_at(offset: i64, state: gridtokenx_telemetry::GridStateV1) -> GridBatch {
    GridBatch { states: vec![StateAt { partition: 0, offset, state }], ..GridBatch::default() }
}

/// The deepest tile holding every bus of the feeder.
fn whole(topology: &GridTopologyV1) -> TileId {
    (0..=22u8)
        .rev()
        .find_map(|z| {
            let tiles: BTreeSet<(u32, u32)> = topology
                .feeder
                .buses
                .iter()
                .map(|b| {
                    let (x, y, _, _) = tile_of(b.lon.unwrap(), b.lat.unwrap(), z);
                    (x, y)
                })
                .collect();
            (tiles.len() == 1).then(|| TileId { z, x: tiles.first().unwrap().0, y: tiles.first().unwrap().1 })
        })
        .expect("zoom 0 holds the world")
}

/// Each bus's (position, vm_pu) in the tile holding the whole feeder.
async fn buses_drawn(served: &Served, topology: &GridTopologyV1) -> BTreeMap<String, ((i32, i32), f64)> {
    let tile = whole(topology);
    let drawn = served.tile(tile.z, tile.x, tile.y).await;
    features(&drawn, "buses", "id").into_iter().map(|(id, (g, p))| (id, (g[0], num(&p, "vm_pu")))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_state_or_topology_is_drawn_at_the_next_request() {
    let (_url, pool) = support::fresh_database().await;
    let served = Served::start(pool.clone()).await;
    let topology = fx::topology(fx::cigre(), "cigre-lv", 60);
    grid_store::write(&pool, "grid-state", &topology_at(1, &topology)).await.unwrap();
    grid_store::write(&pool, "grid-state", &state_at(2, fx::state(&topology, 1_800_000_000, 0.0)))
        .await
        .unwrap();

    let first = buses_drawn(&served, &topology).await;
    assert_eq!(first.len(), topology.feeder.buses.len());
    assert!(first.values().any(|(_, vm)| *vm == 0.95));
    // Asked again with nothing new: the same tile (from the cache).
    assert_eq!(buses_drawn(&served, &topology).await, first);

    // A newer state: every voltage moves by the shift.
    grid_store::write(&pool, "grid-state", &state_at(3, fx::state(&topology, 1_800_000_900, 0.02)))
        .await
        .unwrap();
    let second = buses_drawn(&served, &topology).await;
    for (id, (at, vm)) in &second {
        assert_eq!(*at, first[id].0, "bus {id} stays put");
        assert!((vm - first[id].1 - 0.02).abs() < 1e-9, "bus {id}: {vm} after {}", first[id].1);
    }

    // A newer topology of the same feeder, 500 m east: the buses are drawn where it puts them.
    let moved_anchor = fx::ANCHOR.offset_m(500.0, 0.0);
    let moved = fx::topology(grid::cigre_lv(moved_anchor), "cigre-lv", 60);
    assert_eq!(moved.feeder.name, topology.feeder.name);
    grid_store::write(&pool, "grid-state", &topology_at(4, &moved)).await.unwrap();
    let third = buses_drawn(&served, &moved).await;
    let tile = whole(&moved);
    for b in &moved.feeder.buses {
        let (_, _, px, py) = tile_of(b.lon.unwrap(), b.lat.unwrap(), tile.z);
        let (at, _) = third[&b.id];
        assert!(
            (f64::from(at.0) - px).abs() <= 1.0 && (f64::from(at.1) - py).abs() <= 1.0,
            "bus {} at {at:?}",
            b.id
        );
    }
    // The first tile again: no bus left where the old topology put it.
    let old_tile_now = buses_drawn(&served, &topology).await;
    assert!(old_tile_now.iter().all(|(id, (at, _))| *at != first[id].0), "{old_tile_now:?}");
}
