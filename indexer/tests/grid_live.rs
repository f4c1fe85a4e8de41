//! The grid map live: grid messages through a real Kafka-protocol broker (tansu) into a
//! real Postgres by the telemetry role, whose `grid` deltas reach a separate API's
//! WebSocket through a real Redis (as `telemetry` and `api` processes do). A stored state
//! is served by `GET /api/v1/grid` and as the channel's snapshot; a newer one arrives as a
//! delta numbered right after it; an older one changes nothing and sends nothing.
mod support;

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use gridtokenx_indexer::api::{self, AppState};
use gridtokenx_indexer::config::{ApiArgs, KafkaArgs};
use gridtokenx_indexer::fanout::Fanout;
use gridtokenx_indexer::telemetry;
use gridtokenx_telemetry::{GridStateV1, GridTopologyV1, MAX_FUTURE_SECS};
use serde_json::{json, Value};
use support::broker::{producer_with_topic, Broker};
use support::grid_fixture as fx;
use tokio_tungstenite::tungstenite::Message;

const TOPIC: &str = "grid-live-test";
const REDIS: &str = "redis://127.0.0.1:6379";

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next frame of the `grid` channel (other channels' and pongs skipped).
async fn next_grid_frame(ws: &mut Ws, within: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next()).await.ok()??.expect("a frame");
        let Message::Text(text) = msg else { continue };
        let frame: Value = serde_json::from_str(&text).unwrap();
        if frame["channel"] == "grid" {
            return Some(frame);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_grid_state_is_served_over_rest_and_arrives_over_the_websocket() {
    let broker = Broker::start();
    let (_url, pool) = support::fresh_database().await;
    let producer = producer_with_topic(&broker, TOPIC).await;

    // An API process that follows Redis, and a telemetry role that publishes to it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let api_fanout = Fanout::local();
    api_fanout.follow_redis(REDIS).expect("a Redis URL");
    let state = AppState {
        pool: pool.clone(),
        fanout: api_fanout,
        redis: None,
        metrics: gridtokenx_indexer::metrics::install(),
        args: Arc::new(ApiArgs { listen: addr, app_dir: None, max_lag_secs: 30, ws_buffer: 1024 }),
    };
    tokio::spawn(api::serve(state, listener, std::future::pending()));
    let args = KafkaArgs {
        kafka_brokers: broker.address.clone(),
        kafka_topic: gridtokenx_telemetry::TOPIC.into(),
        kafka_grid_topic: TOPIC.into(),
        kafka_group: "grid-live".into(),
        kafka_batch: 100,
        kafka_linger_ms: 20,
        telemetry_max_future_secs: MAX_FUTURE_SECS,
    };
    tokio::spawn(telemetry::run(pool.clone(), args, Fanout::with_redis(REDIS, pool.clone()).unwrap()));
    let base = format!("http://{addr}/api/v1");
    let http = reqwest::Client::new();
    let get = |path: &str| {
        let url = format!("{base}{path}");
        let http = http.clone();
        async move { http.get(url).send().await.unwrap() }
    };

    // Nothing yet: an empty map, and an unknown feeder is a 404 that says where to look.
    assert_eq!(get("/grid").await.json::<Value>().await.unwrap(), json!({"feeders": []}));
    let r = get("/grid/nowhere").await;
    assert_eq!(r.status(), 404);
    assert!(r.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("GET /api/v1/grid"));

    let topology: GridTopologyV1 = fx::topology(fx::cigre(), "cigre-lv", 60);
    let feeder = topology.feeder.name.clone();
    let first: GridStateV1 = fx::state(&topology, 1_800_000_900, 0.0);
    producer.send(&feeder, &serde_json::to_vec(&topology).unwrap()).await;
    producer.send(&feeder, &serde_json::to_vec(&first).unwrap()).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let map = loop {
        let map: Value = get("/grid").await.json().await.unwrap();
        if map["feeders"][0]["state"]["interval_start_ts"] == 1_800_000_900 {
            break map;
        }
        assert!(tokio::time::Instant::now() < deadline, "the state was not served: {map}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    // The REST answer: the topology by index, the state in columns, rounded, in kW.
    let f = &map["feeders"][0];
    let (t, s) = (&f["topology"], &f["state"]);
    assert_eq!(f["feeder"], feeder.as_str());
    assert_eq!(t["buses"]["id"].as_array().unwrap().len(), 41);
    assert_eq!(t["lines"]["id"].as_array().unwrap().len(), 37);
    assert_eq!(t["meters"]["id"].as_array().unwrap().len(), 60);
    let bus_index = |id: &str| topology.feeder.buses.iter().position(|b| b.id == id).unwrap();
    let line = &topology.feeder.lines[3];
    assert_eq!(t["lines"]["from_bus"][3], bus_index(&line.from_bus));
    assert_eq!(t["lines"]["to_bus"][3], bus_index(&line.to_bus));
    assert_eq!(t["lines"]["max_i_a"][3], 1000.0, "CIGRE's lines are rated 1 kA");
    assert_eq!(t["slack_bus"], bus_index(&topology.feeder.slack.bus));
    assert_eq!(t["meters"]["bus"][0], bus_index(&topology.meters[0].bus));
    assert_eq!(t["meters"]["connected"][4], false, "every fifth is decommissioned");
    let b0 = &topology.feeder.buses[5];
    assert_eq!(t["buses"]["lon"][5].as_f64().unwrap(), (b0.lon.unwrap() * 1e6).round() / 1e6);
    let flow = first.flow.as_ref().unwrap();
    for i in [0, 7, 40] {
        assert_eq!(s["bus_vm_pu"][i].as_f64().unwrap(), (flow.buses[i].vm_pu * 1e4).round() / 1e4);
        assert_eq!(
            s["bus_net_production_kw"][i].as_f64().unwrap(),
            (-flow.buses[i].p_mw * 1e5).round() / 100.0
        );
        assert_eq!(s["bus_meters"][i], flow.buses[i].meters);
    }
    assert_eq!(
        s["line_loading_percent"][2].as_f64().unwrap(),
        (flow.lines[2].loading_percent * 10.0).round() / 10.0
    );
    assert_eq!(s["line_p_from_kw"][2].as_f64().unwrap(), 2.0);
    assert_eq!(s["transformer_p_hv_kw"][0].as_f64().unwrap(), -10.0, "reverse flow");
    assert_eq!(s["voltage_out_of_band"], json!([40]), "the event's bus, by index");
    assert_eq!(s["overloaded_lines"], json!([0]));
    assert_eq!(get(&format!("/grid/{}", urlencode(&feeder))).await.json::<Value>().await.unwrap(), *f);
    let size = serde_json::to_vec(s).unwrap().len();
    let published = serde_json::to_vec(&first).unwrap().len();
    assert!(size * 4 < published, "the map's state ({size} B) is a fraction of the message ({published} B)");

    // The channel: the same map as its snapshot, then each newer state as the next delta.
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/api/v1/ws")).await.unwrap();
    ws.send(Message::text(json!({"op": "subscribe", "channel": "grid"}).to_string())).await.unwrap();
    let snapshot = next_grid_frame(&mut ws, Duration::from_secs(10)).await.expect("a snapshot");
    assert_eq!(snapshot["type"], "snapshot");
    assert_eq!(snapshot["data"], map);
    let held = snapshot["seq"].as_i64().unwrap();
    assert!(held >= 1, "the stored state was numbered");

    // An older state changes nothing and is not sent (sent before the newer one, so once
    // the newer one's delta is here, the older one was processed).
    let older = fx::state(&topology, 1_800_000_000, 0.02);
    let newer = fx::state(&topology, 1_800_001_800, 0.01);
    producer.send(&feeder, &serde_json::to_vec(&older).unwrap()).await;
    producer.send(&feeder, &serde_json::to_vec(&newer).unwrap()).await;
    let delta = next_grid_frame(&mut ws, Duration::from_secs(60)).await.expect("the newer state arrives");
    assert_eq!(delta["type"], "delta");
    assert_eq!(
        (delta["seq"].as_i64().unwrap(), delta["prev"].as_i64().unwrap()),
        (held + 1, held),
        "{delta}"
    );
    let changed = &delta["data"]["feeders"];
    assert_eq!(changed.as_array().unwrap().len(), 1);
    assert_eq!(changed[0]["feeder"], feeder.as_str());
    assert!(changed[0].get("topology").is_none(), "the topology did not change, so it is not resent");
    assert_eq!(changed[0]["state"]["interval_start_ts"], 1_800_001_800);
    assert_eq!(changed[0]["state"]["bus_vm_pu"][0].as_f64().unwrap(), 0.96);
    assert!(next_grid_frame(&mut ws, Duration::from_secs(2)).await.is_none(), "nothing for the older state");
    let now: Value = get("/grid").await.json().await.unwrap();
    assert_eq!(now["feeders"][0]["state"], changed[0]["state"], "REST agrees with the delta");

    // The endpoints and their types are in the OpenAPI document.
    let doc: Value = get("/openapi.json").await.json().await.unwrap();
    assert!(doc["paths"]["/grid"]["get"].is_object() && doc["paths"]["/grid/{feeder}"]["get"].is_object());
    assert!(doc["components"]["schemas"]["MapState"]["properties"]["bus_vm_pu"].is_object());
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What a browser receives per interval for a 10,000-meter feeder (2,669 buses): a small
/// fraction of the `grid-state` message, well under 100 kB. Prints the sizes.
#[test]
fn a_ten_thousand_meter_feeders_state_stays_small() {
    let topology = fx::topology(fx::generated(10_000), "generated", 10_000);
    let state = fx::state(&topology, 1_800_000_900, 0.0);
    let map_topology = gridtokenx_indexer::grid_map::topology(&topology);
    let map_state = gridtokenx_indexer::grid_map::state(
        state.interval_start_ts,
        state.interval_secs,
        state.flow.as_ref(),
        &state.events,
    );
    map_topology.check().unwrap();
    map_state.check(&map_topology).unwrap();
    let (message, per_step, snapshot_topology) = (
        serde_json::to_vec(&state).unwrap().len(),
        serde_json::to_vec(&map_state).unwrap().len(),
        serde_json::to_vec(&map_topology).unwrap().len(),
    );
    println!("10,000 meters, {} buses: grid-state message {message} B, map state {per_step} B, map topology {snapshot_topology} B",
        topology.feeder.buses.len());
    assert!(per_step < 100_000, "{per_step} B per step");
    assert!(per_step * 8 < message, "{per_step} B against the message's {message} B");
}
