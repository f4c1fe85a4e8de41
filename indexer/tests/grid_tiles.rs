//! The grid end to end against a real Kafka-protocol broker (tansu) and a real Postgres:
//! a CIGRE LV topology and states published on `grid-state`, stored (an older state never
//! replacing a newer one), malformed messages dead-lettered with their reason; then the
//! tiles fetched over HTTP and decoded back — features, positions, properties — the
//! TileJSON, an empty tile and refused coordinates.
mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use gridtokenx_indexer::config::KafkaArgs;
use gridtokenx_indexer::telemetry;
use gridtokenx_indexer::tiles::draw::METERS_MIN_ZOOM;
use gridtokenx_indexer::tiles::TileJson;
use gridtokenx_telemetry::{GridStateV1, GridTopologyV1, MAX_FUTURE_SECS};
use sqlx::PgPool;
use support::broker::{producer_with_topic, Broker};
use support::grid_fixture as fx;
use support::tile_client::{features, num, tile_of, vertices, Served, V};

const TOPIC: &str = "grid-state-test";

async fn wait_until(what: &str, pool: &PgPool, sql: &str, want: i64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let got: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(pool).await.unwrap();
        if got == want {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what}: {got}, expected {want}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Equal but for the last bit or so: Postgres's jsonb keeps the decimal text exactly, but
/// serde_json's default (fast) float parser is not always correctly rounded.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
}

macro_rules! assert_close {
    ($a:expr, $b:expr) => {{
        let (a, b): (f64, f64) = ($a, $b);
        assert!(close(a, b), "{a} != {b}");
    }};
    ($a:expr, $b:expr, $($msg:tt)+) => {{
        let (a, b): (f64, f64) = ($a, $b);
        assert!(close(a, b), "{a} != {b}: {}", format!($($msg)+));
    }};
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grid_messages_stored_and_served_as_vector_tiles() {
    let broker = Broker::start();
    let (_url, pool) = support::fresh_database().await;
    let producer = producer_with_topic(&broker, TOPIC).await;
    let args = KafkaArgs {
        kafka_brokers: broker.address.clone(),
        kafka_topic: gridtokenx_telemetry::TOPIC.into(),
        kafka_grid_topic: TOPIC.into(),
        kafka_group: "grid-tiles".into(),
        kafka_batch: 100,
        kafka_linger_ms: 20,
        telemetry_max_future_secs: MAX_FUTURE_SECS,
    };
    // The telemetry role as `gridtokenx-indexer telemetry` runs it: readings and grid consumers.
    tokio::spawn(telemetry::run(pool.clone(), args, gridtokenx_indexer::fanout::Fanout::local()));

    // The topology, then a newer state, then (after it is stored) an older one and bad input.
    let topology: GridTopologyV1 = fx::topology(fx::cigre(), "cigre-lv", 60);
    let feeder = topology.feeder.name.clone();
    let newer: GridStateV1 = fx::state(&topology, 1_800_000_900, 0.0);
    let older: GridStateV1 = fx::state(&topology, 1_800_000_000, 0.02);
    producer.send(&feeder, &serde_json::to_vec(&topology).unwrap()).await;
    producer.send(&feeder, &serde_json::to_vec(&newer).unwrap()).await;
    wait_until(
        "stored state",
        &pool,
        "select coalesce(max(interval_start_ts), 0) from grid_states",
        1_800_000_900,
    )
    .await;
    producer.send(&feeder, &serde_json::to_vec(&older).unwrap()).await;
    producer.send(&feeder, b"{not json").await;
    producer.send(&feeder, br#"{"schema":"gridtokenx.grid-state.v9","feeder":"x"}"#).await;
    let mut missing = serde_json::to_value(&newer).unwrap();
    missing.as_object_mut().unwrap().remove("interval_start_ts");
    producer.send(&feeder, &serde_json::to_vec(&missing).unwrap()).await;
    wait_until("dead letters", &pool, "select count(*) from telemetry_dead_letters", 3).await;

    let dead: Vec<(String, String, String)> =
        sqlx::query_as("select topic, code, reason from telemetry_dead_letters order by kafka_offset")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        dead.iter().map(|d| d.1.as_str()).collect::<Vec<_>>(),
        ["unparseable", "unknown_schema", "unparseable"]
    );
    assert!(dead.iter().all(|d| d.0 == TOPIC));
    assert!(dead[1].2.contains("gridtokenx.grid-state.v9"), "{}", dead[1].2);
    assert!(dead[2].2.contains("interval_start_ts"), "{}", dead[2].2);
    // The older state (offset before the dead letters, so it was processed) changed nothing.
    let (ts, vm): (i64, f64) =
        sqlx::query_as("select interval_start_ts, (flow->'buses'->0->>'vm_pu')::float8 from grid_states")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((ts, vm), (1_800_000_900, 0.95));
    let (meters, connected): (i64, i64) =
        sqlx::query_as("select count(*), count(*) filter (where connected) from grid_meters")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((meters, connected), (60, 48));

    let served = Served::start(pool.clone()).await;

    // TileJSON: shape, bounds from the feeder's buses, layers and fields.
    let r = served.get("/tiles/grid.json").await;
    assert_eq!(r.status(), 200);
    let doc: TileJson = r.json().await.unwrap();
    assert_eq!(doc.tilejson, "3.0.0");
    assert_eq!(doc.tiles, [format!("{}/tiles/grid/{{z}}/{{x}}/{{y}}.mvt", served.base)]);
    let lons = topology.feeder.buses.iter().map(|b| b.lon.unwrap());
    let lats = topology.feeder.buses.iter().map(|b| b.lat.unwrap());
    let bounds = [
        lons.clone().fold(f64::MAX, f64::min),
        lats.clone().fold(f64::MAX, f64::min),
        lons.fold(f64::MIN, f64::max),
        lats.fold(f64::MIN, f64::max),
    ];
    assert!(doc.bounds.iter().zip(bounds).all(|(a, b)| close(*a, b)), "{:?} vs {bounds:?}", doc.bounds);
    assert_eq!((doc.minzoom, doc.maxzoom), (0, 22));
    assert_eq!(doc.vector_layers[3].minzoom, METERS_MIN_ZOOM);
    let layer_ids: Vec<&str> = doc.vector_layers.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(layer_ids, ["buses", "lines", "transformers", "meters"]);
    assert_eq!(doc.vector_layers[0].fields["vm_pu"], "Number");
    assert_eq!(doc.vector_layers[1].fields["loading_percent"], "Number");
    assert_eq!(doc.vector_layers[3].fields["net_production_kw"], "Number");

    // The deepest zoom whose one tile holds the whole feeder.
    let z = (0..=22u8)
        .rev()
        .find(|&z| {
            let a = tile_of(bounds[0], bounds[3], z);
            let b = tile_of(bounds[2], bounds[1], z);
            (a.0, a.1) == (b.0, b.1)
        })
        .unwrap();
    assert!(z >= 12, "CIGRE LV spans a few hundred metres (zoom {z})");
    let (tx, ty, _, _) = tile_of(bounds[0], bounds[3], z);
    let tile = served.tile(z, tx, ty).await;
    let buses = features(&tile, "buses", "id");
    let lines = features(&tile, "lines", "id");
    let trafos = features(&tile, "transformers", "id");
    let meters = features(&tile, "meters", "meter_id");
    let meters_here = if z >= METERS_MIN_ZOOM { 60 } else { 0 };
    assert_eq!((buses.len(), lines.len(), trafos.len(), meters.len()), (41, 37, 3, meters_here));
    let flow = newer.flow.as_ref().unwrap();
    let at = |bus: &str| {
        let b = topology.feeder.buses.iter().find(|b| b.id == bus).unwrap();
        let (_, _, px, py) = tile_of(b.lon.unwrap(), b.lat.unwrap(), z);
        (px, py)
    };
    let near = |v: (i32, i32), want: (f64, f64)| {
        (f64::from(v.0) - want.0).abs() <= 1.0 && (f64::from(v.1) - want.1).abs() <= 1.0
    };
    for (i, b) in topology.feeder.buses.iter().enumerate() {
        let (geometry, p) = &buses[&b.id];
        assert!(
            geometry.len() == 1 && near(geometry[0], at(&b.id)),
            "bus {} at {geometry:?}, expected {:?}",
            b.id,
            at(&b.id)
        );
        assert_close!(num(p, "vm_pu"), flow.buses[i].vm_pu, "bus {}", b.id);
        assert_close!(num(p, "net_production_kw"), -flow.buses[i].p_mw * 1000.0);
        assert_close!(num(p, "meters"), f64::from(fx::meters_at(&topology, &b.id)));
        assert_eq!(p["feeder"], V::S(feeder.clone()));
        assert_eq!(p["slack"], V::B(b.id == topology.feeder.slack.bus));
        assert_eq!(p["out_of_band"], V::B(i == topology.feeder.buses.len() - 1));
    }
    for (j, l) in topology.feeder.lines.iter().enumerate() {
        let (geometry, p) = &lines[&l.id];
        assert_eq!(geometry.len(), 2, "line {}", l.id);
        assert!(
            near(geometry[0], at(&l.from_bus)) && near(geometry[1], at(&l.to_bus)),
            "line {} at {geometry:?}",
            l.id
        );
        assert_close!(num(p, "loading_percent"), flow.lines[j].loading_percent);
        assert_close!(num(p, "i_ka"), flow.lines[j].i_to_ka);
        assert_eq!(p["overloaded"], V::B(j == 0));
    }
    for (k, t) in topology.feeder.transformers.iter().enumerate() {
        let (geometry, p) = &trafos[&t.id];
        assert!(near(geometry[0], at(&t.lv_bus)));
        assert_close!(num(p, "loading_percent"), flow.transformers[k].loading_percent);
        assert_eq!(p["reverse_flow"], V::B(k == 0));
    }
    // Meters from zoom 14 on (tile_rules.rs checks the rule): each in the tile holding its bus.
    let zm = z.max(METERS_MIN_ZOOM);
    let mut meter_tiles = BTreeMap::new();
    for m in &topology.meters {
        let b = topology.feeder.buses.iter().find(|b| b.id == m.bus).unwrap();
        let (mx, my, px, py) = tile_of(b.lon.unwrap(), b.lat.unwrap(), zm);
        if !meter_tiles.contains_key(&(mx, my)) {
            meter_tiles.insert((mx, my), features(&served.tile(zm, mx, my).await, "meters", "meter_id"));
        }
        let (geometry, p) = &meter_tiles[&(mx, my)][&m.meter_id];
        assert!(near(geometry[0], (px, py)), "meter on {} at {geometry:?}", m.bus);
        assert_eq!(p["connected"], V::B(m.connected));
        let bus = flow.buses.iter().find(|b| b.id == m.bus).unwrap();
        if m.connected {
            assert_close!(num(p, "net_production_kw"), -bus.p_mw * 1000.0 / f64::from(bus.meters));
        } else {
            assert!(!p.contains_key("net_production_kw"), "a decommissioned meter produces nothing");
        }
    }

    // Deeper in: only what lies in (or within the buffer of) the tile, lines clipped to it.
    let z2 = 18; // ~150 m a side: a few of the feeder's buses
    let b0 = topology.feeder.buses.iter().find(|b| b.id == "Bus R1").unwrap_or(&topology.feeder.buses[1]);
    let (x2, y2, _, _) = tile_of(b0.lon.unwrap(), b0.lat.unwrap(), z2);
    let deep = served.tile(z2, x2, y2).await;
    let deep_buses = features(&deep, "buses", "id");
    assert!(
        deep_buses.contains_key(&b0.id) && deep_buses.len() < 41,
        "{} buses at {z2}/{x2}/{y2}: {:?}",
        deep_buses.len(),
        deep_buses.values().map(|v| v.0[0]).collect::<Vec<_>>()
    );
    for layer in &deep.layers {
        for f in &layer.features {
            for (x, y) in vertices(&f.geometry) {
                assert!(
                    (-64..=4160).contains(&x) && (-64..=4160).contains(&y),
                    "{} vertex {x},{y} outside the buffer",
                    layer.name
                );
            }
        }
    }

    // Nothing there: a valid empty tile.
    let empty = served.tile(z, tx ^ 1 << 3, ty).await;
    assert!(empty.layers.is_empty());

    // Bad coordinates: 400 with a JSON error naming the fault.
    for (path, fault) in [
        ("/tiles/grid/23/0/0.mvt", "z must be"),
        ("/tiles/grid/2/4/0.mvt", "x must be"),
        ("/tiles/grid/2/0/4.mvt", "y must be"),
        ("/tiles/grid/a/0/0.mvt", "z must be"),
        ("/tiles/grid/1/0/-1.mvt", "y must be"),
        ("/tiles/grid/1/0/0.png", ".mvt"),
    ] {
        let r = served.get(path).await;
        assert_eq!(r.status(), 400, "{path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains(fault), "{path}: {body}");
    }

    // Both endpoints in the OpenAPI document, served from the root.
    let doc: serde_json::Value = served.get("/api/v1/openapi.json").await.json().await.unwrap();
    for path in ["/tiles/grid/{z}/{x}/{y}.mvt", "/tiles/grid.json"] {
        assert_eq!(doc["paths"][path]["servers"][0]["url"], "/", "{path}");
    }
}
