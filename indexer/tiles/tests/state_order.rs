//! A state whose results are not in its topology's order is drawn exactly as one that is:
//! the drawing takes states by position only when the ids agree there
//! (`draw::in_order`), and matches them by id otherwise.
#[path = "../../tests/support/grid_fixture.rs"]
#[allow(dead_code)] // shared with the indexer's tests and the benchmark
mod grid_fixture;

use grid_tiles::mercator::TileId;
use grid_tiles::{draw, StoredFeeder};
use prost::Message;

fn feeder(
    state: gridtokenx_telemetry::GridStateV1,
    topology: &gridtokenx_telemetry::GridTopologyV1,
) -> StoredFeeder {
    StoredFeeder {
        topology: topology.clone(),
        interval_start_ts: Some(state.interval_start_ts),
        flow: state.flow,
        events: state.events,
    }
}

#[test]
fn a_state_in_another_order_is_drawn_the_same() {
    let topology = grid_fixture::topology(grid_fixture::cigre(), "cigre-lv", 60);
    let in_order = grid_fixture::state(&topology, 1_800_000_000, 0.0);
    let mut shuffled = in_order.clone();
    let flow = shuffled.flow.as_mut().unwrap();
    flow.buses.reverse();
    flow.lines.rotate_left(5);
    flow.transformers.swap(0, 2);
    // One line's result missing: that line is drawn without state, the rest matched by id.
    let dropped = flow.lines.pop().unwrap().id;
    let mut expected = in_order.clone();
    expected.flow.as_mut().unwrap().lines.retain(|l| l.id != dropped);

    // The whole feeder (zoom 12), and zoom 16 at its middle, where meters are drawn too
    // (their share comes from the bus state).
    let buses = &topology.feeder.buses;
    let lon = buses.iter().map(|b| b.lon.unwrap()).sum::<f64>() / buses.len() as f64;
    let lat = buses.iter().map(|b| b.lat.unwrap()).sum::<f64>() / buses.len() as f64;
    for z in [12u8, 16] {
        let (x, y) = TileId { z, x: 0, y: 0 }.project(lon, lat);
        let tile = TileId { z, x: (x / 4096.0) as u32, y: (y / 4096.0) as u32 };
        let drawn = |f: StoredFeeder| draw::draw(&[f], tile).encode_to_vec();
        let reference = drawn(feeder(expected.clone(), &topology));
        assert!(reference.len() > 1000, "zoom {z}: the tile holds the feeder");
        assert_eq!(drawn(feeder(shuffled.clone(), &topology)), reference, "zoom {z}");
        if z == 12 {
            assert_ne!(
                drawn(feeder(in_order.clone(), &topology)),
                reference,
                "the dropped line's state shows"
            );
        }
    }
}
