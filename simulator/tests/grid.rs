//! The fleet on a feeder: grid states published to a real Kafka-protocol broker (tansu) that
//! equal a direct `grid` power flow of the meters' injections, PV surplus at noon reversing
//! the flow and raising the voltage, bad feeders refused by field, meter buses kept across a
//! restart. The feeder physics themselves are the grid crate's tests (against pandapower).
mod support;

use std::time::Duration;

use futures_util::StreamExt;
use grid::{BusPower, Feeder, Geo, Options, PowerFlow};
use gridtokenx_simulator::cli::feeder::FeederArgs;
use gridtokenx_simulator::cli::outputs::OutputArgs;
use gridtokenx_simulator::control::{router, App, Simulation};
use gridtokenx_simulator::feeder::LOAD_POWER_FACTOR;
use gridtokenx_simulator::fleet::{Fleet, FleetConfig, Mix};
use gridtokenx_simulator::model::weather::Weather;
use gridtokenx_simulator::sink::kafka::KafkaReport;
use gridtokenx_simulator::telemetry::TOPIC;
use gridtokenx_telemetry::{
    decode_grid, GridEventV1, GridMessage, GridStateV1, GridTopologyV1, GRID_STATE_SCHEMA_V1, GRID_TOPIC,
};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::Message;
use support::{Broker, TempDir};

const LONGITUDE: f64 = 100.5;

/// The interval start at which mean solar time at `LONGITUDE` is `hour` (to the quarter hour)
/// on the day of the simulator's default start.
fn at_solar(hour: f64) -> i64 {
    let day = 1_800_000_000 - 1_800_000_000 % 86_400;
    let utc_s = ((hour - LONGITUDE / 15.0).rem_euclid(24.0) * 3_600.0) as i64;
    day + utc_s - utc_s % 900
}

fn attach(fleet: &mut Fleet, feeder: &str) {
    FeederArgs { feeder: Some(feeder.into()), ..FeederArgs::default() }.attach(fleet).unwrap();
}

/// Each meter's (imported − exported, used) Wh.
fn registers(fleet: &Fleet) -> Vec<(f64, f64)> {
    fleet.meters.iter().map(|m| (m.imported_wh - m.exported_wh, m.used_wh)).collect()
}

/// What docs/grid.md says the power flow is given: at each meter's bus, its mean net import
/// over the interval, and reactive power for its household's use at the load power factor.
fn injections(feeder: &Feeder, before: &[(f64, f64)], fleet: &Fleet) -> Vec<BusPower> {
    let hours = f64::from(fleet.config.interval_s) / 3_600.0;
    let tan_phi = LOAD_POWER_FACTOR.acos().tan();
    let mut load = vec![BusPower::default(); feeder.bus_count()];
    for (meter, (net, used)) in fleet.meters.iter().zip(before) {
        let bus = meter.bus.as_deref().expect("every meter hangs on a bus");
        let b = feeder.spec.buses.iter().position(|x| x.id == bus).expect("a bus of the feeder");
        load[b].p_mw += (meter.imported_wh - meter.exported_wh - net) / hours * 1e-6;
        load[b].q_mvar += (meter.used_wh - used) / hours * 1e-6 * tan_phi;
    }
    load
}

/// `a` and `b` as JSON, equal but for the last bit of a number: the simulator's JSON encoder
/// writes every f64 exactly, but serde_json's default parser may round one 1 ulp off.
fn assert_same_json<T: serde::Serialize>(a: &T, b: &T) {
    fn walk(a: &serde_json::Value, b: &serde_json::Value, at: &str) {
        use serde_json::Value::*;
        match (a, b) {
            (Number(x), Number(y)) => {
                let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
                assert!((x - y).abs() <= 1e-12 * x.abs().max(y.abs()).max(1e-300), "{at}: {x} vs {y}");
            }
            (Array(x), Array(y)) => {
                assert_eq!(x.len(), y.len(), "{at}");
                x.iter().zip(y).enumerate().for_each(|(i, (x, y))| walk(x, y, &format!("{at}[{i}]")));
            }
            (Object(x), Object(y)) => {
                assert_eq!(x.keys().collect::<Vec<_>>(), y.keys().collect::<Vec<_>>(), "{at}");
                x.iter().for_each(|(k, v)| walk(v, &y[k], &format!("{at}.{k}")));
            }
            _ => assert_eq!(a, b, "{at}"),
        }
    }
    walk(&serde_json::to_value(a).unwrap(), &serde_json::to_value(b).unwrap(), "");
}

fn assert_same_flow(published: &GridStateV1, direct: &PowerFlow) {
    let flow = published.flow.as_ref().expect("converged");
    assert_eq!(flow.buses.len(), direct.buses.len());
    for (p, d) in flow.buses.iter().zip(&direct.buses) {
        assert!((p.vm_pu - d.vm_pu).abs() < 1e-12, "bus {}: {} vs {}", p.id, p.vm_pu, d.vm_pu);
        assert!((p.va_degree - d.va_degree).abs() < 1e-9, "bus {} angle", p.id);
    }
    for (p, d) in flow.lines.iter().zip(&direct.lines) {
        assert!((p.loading_percent - d.loading_percent).abs() < 1e-9, "line {}", p.id);
    }
    for (p, d) in flow.transformers.iter().zip(&direct.transformers) {
        assert!((p.loading_percent - d.loading_percent).abs() < 1e-9, "transformer {}", p.id);
        assert!((p.p_hv_mw - d.p_hv_mw).abs() < 1e-12, "transformer {}", p.id);
    }
    assert!((flow.losses_mw - direct.losses_mw).abs() < 1e-12);
    assert!((flow.slack_p_mw - direct.slack_p_mw).abs() < 1e-12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cigre_lv_states_reach_kafka_and_equal_a_direct_power_flow() {
    let broker = Broker::start();
    let args = OutputArgs {
        cluster_tag: "11111111111111111111111111111111".into(),
        kafka_brokers: Some(broker.address.clone()),
        kafka_topic: TOPIC.into(),
        ..OutputArgs::default()
    };
    let config = FleetConfig {
        meters: 40,
        seed: 5,
        longitude_deg: LONGITUDE,
        start_unix_s: at_solar(9.0),
        ..FleetConfig::default()
    };
    let mut opened = args.open(config).await.unwrap();
    attach(&mut opened.fleet, "cigre-lv");
    let fleet = &mut opened.fleet;
    let anchor = Geo { lon: fleet.config.longitude_deg, lat: fleet.config.latitude_deg };
    let direct = Feeder::new(grid::cigre_lv(anchor)).unwrap();

    let mut expected = Vec::new();
    for _ in 0..4 {
        let before = registers(fleet);
        let batch = fleet.advance_interval();
        let load = injections(&direct, &before, fleet);
        expected.push(direct.solve(&load, &Options::default()).unwrap());
        // The injections are the energy the published readings count, to their whole Wh.
        let messages = opened.outputs.emit(fleet, &batch).await.unwrap();
        let hours = 0.25;
        let fed_wh: f64 = load.iter().map(|p| p.p_mw * 1e6 * hours).sum();
        let (consumed, produced): (f64, f64) = messages
            .iter()
            .map(|m| (m.consumed_wh as f64, m.produced_wh as f64))
            .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
        let before_wh: f64 = before.iter().map(|r| r.0).sum();
        assert!(
            ((consumed - produced) - before_wh - fed_wh).abs() <= 40.0 * 2.0,
            "readings and injections agree"
        );
    }
    let report = opened.outputs.finish(fleet).unwrap();
    // One topology, then one state per interval.
    assert_eq!(report.kafka_grid, Some(KafkaReport { sent: 5, delivered: 5, failed: 0, last_error: None }));
    assert_eq!(report.grid.as_ref().map(|g| g.states), Some(4));

    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &broker.address)
        .set("group.id", "grid-test")
        .set("auto.offset.reset", "earliest")
        .create()
        .unwrap();
    consumer.subscribe(&[GRID_TOPIC]).unwrap();
    let mut received = Vec::new();
    while received.len() < 5 {
        let message = tokio::time::timeout(Duration::from_secs(30), consumer.recv())
            .await
            .expect("every grid message arrives")
            .unwrap();
        assert_eq!(message.key(), Some(direct.spec.name.as_bytes()), "keyed by the feeder");
        received.push(decode_grid(message.payload().unwrap()).unwrap());
    }
    let GridMessage::Topology(topology) = &received[0] else {
        panic!("the topology comes first: {:?}", received[0])
    };
    assert_same_json(&topology.feeder, &direct.spec);
    assert_eq!(topology.source, "cigre-lv");
    assert_eq!(topology.meters.len(), 40);
    let customer: Vec<&str> =
        direct.customer_buses.iter().map(|&b| direct.spec.buses[b].id.as_str()).collect();
    for (meter, attached) in fleet.meters.iter().zip(&topology.meters) {
        assert_eq!(Some(&attached.bus), meter.bus.as_ref());
        assert!(customer.contains(&attached.bus.as_str()), "{} is a customer bus", attached.bus);
    }
    for (message, (flow, interval)) in received[1..].iter().zip(expected.iter().zip(0..)) {
        let GridMessage::State(state) = message else { panic!("a state: {message:?}") };
        assert_eq!(state.schema, GRID_STATE_SCHEMA_V1);
        assert_eq!(state.interval_start_ts, at_solar(9.0) + 900 * interval);
        assert_same_flow(state, flow);
        let meters: u32 = state.flow.as_ref().unwrap().buses.iter().map(|b| b.meters).sum();
        assert_eq!(meters, 40);
    }
}

/// A street of prosumers at noon under a clear sky exports through its transformers and
/// lifts the far end of the feeder above the EN 50160 band; the same street draws from the
/// grid in the evening, inside the band.
#[test]
fn noon_pv_surplus_reverses_the_flow_and_raises_an_over_voltage() {
    let fleet_at = |start_unix_s| {
        let mut fleet = Fleet::new(FleetConfig {
            meters: 200,
            seed: 8,
            mix: Mix { prosumer: 1.0, consumer: 0.0, hybrid: 0.0 },
            longitude_deg: LONGITUDE,
            start_unix_s,
            ..FleetConfig::default()
        });
        fleet.weather_override = Some(Weather::Clear);
        attach(&mut fleet, "cigre-lv");
        fleet
    };
    let mut noon = fleet_at(at_solar(12.0));
    let state = noon.advance_interval().grid.expect("a grid state");
    let flow = state.flow.as_ref().expect("converged");
    assert!(flow.slack_p_mw < 0.0, "the feeder exports: {} MW", flow.slack_p_mw);
    assert!(flow.transformers.iter().all(|t| t.p_hv_mw < 0.0), "reverse flow through every transformer");
    let over: Vec<(&str, f64)> = state
        .events
        .iter()
        .filter_map(|e| match e {
            GridEventV1::VoltageOutOfBand { bus, vm_pu, v_max_pu, .. } if vm_pu > v_max_pu => {
                Some((bus.as_str(), *vm_pu))
            }
            _ => None,
        })
        .collect();
    assert!(!over.is_empty(), "an over-voltage event: {:?}", state.events);
    let worst = over.iter().map(|o| o.1).fold(f64::MIN, f64::max);
    eprintln!(
        "noon: feeder exports {:.0} kW, {} buses above the band, worst {worst:.4} p.u.",
        -flow.slack_p_mw * 1e3,
        over.len()
    );
    for (bus, vm) in &over {
        let at = flow.buses.iter().find(|b| b.id == *bus).unwrap();
        assert_eq!(at.vm_pu, *vm);
        assert!(*vm > 1.1);
    }

    let mut evening = fleet_at(at_solar(20.0));
    let state = evening.advance_interval().grid.unwrap();
    let flow = state.flow.as_ref().unwrap();
    assert!(flow.slack_p_mw > 0.0 && flow.transformers.iter().all(|t| t.p_hv_mw > 0.0));
    assert!(!state
        .events
        .iter()
        .any(|e| matches!(e, GridEventV1::VoltageOutOfBand { vm_pu, .. } if *vm_pu > 1.1)));
}

/// A feeder file the grid crate refuses stops the CLI before anything is simulated, naming
/// the field; so do impossible limits.
#[test]
fn a_bad_feeder_file_is_refused_with_the_field_at_fault() {
    let dir = TempDir::new("bad-feeder");
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../grid/feeders/example.json"))
            .unwrap();
    let cases = [
        (
            example.replacen("\"r_ohm_per_km\": 0.208", "\"r_ohm_per_km\": \"0.208\"", 1),
            "lines[0].r_ohm_per_km",
        ),
        (
            example.replacen("\"length_km\": 0.035", "\"length_km\": -0.035", 1),
            "lines[0].length_km: must be > 0",
        ),
        (
            example.replacen("\"to_bus\": \"A2\"", "\"to_bus\": \"A9\"", 1),
            "lines[1].to_bus: unknown bus \"A9\"",
        ),
        (example.replacen("\"vk_percent\": 4.0, ", "", 1), "transformers[0].vk_percent"),
        ("{ \"name\": \"x\", ".to_string(), "EOF while parsing"),
    ];
    for (i, (text, expected)) in cases.iter().enumerate() {
        assert_ne!(text, &example, "case {i} changes the file");
        let file = dir.0.join(format!("bad{i}.json"));
        std::fs::write(&file, text).unwrap();
        let out_file = dir.0.join(format!("out{i}.jsonl"));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gridtokenx-simulator"))
            .args(["run", "--meters", "3", "--duration", "1h", "--feeder"])
            .arg(&file)
            .arg("--jsonl")
            .arg(&out_file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "case {i}: {stderr}");
        assert!(
            stderr.contains(expected) && stderr.contains(&file.display().to_string()),
            "case {i}: {stderr}"
        );
        assert!(!out_file.exists(), "case {i}: refused before anything ran");
    }
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_gridtokenx-simulator"))
            .args(["run", "--meters", "3", "--duration", "1h"])
            .args(extra)
            .output()
            .unwrap()
    };
    let missing = run(&["--feeder", "/nonexistent/feeder.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read the feeder file"));
    let band = run(&["--voltage-band", "1.5"]);
    assert!(String::from_utf8_lossy(&band.stderr).contains("--voltage-band 1.5"));

    // The good file runs, and its summary reports the grid.
    let good = dir.0.join("good.json");
    std::fs::write(&good, &example).unwrap();
    let ok = run(&["--feeder", good.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&ok.stderr);
    assert!(ok.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "grid (example: one transformer, two streets: 5 buses): 4 power flows, 0 not converged"
        ),
        "{stderr}"
    );
}

/// A feeder that cannot carry its load does not converge: the state says so with the
/// residual, carries no half-computed flow, and the simulation goes on.
#[test]
fn a_collapsing_feeder_is_an_event_not_a_panic() {
    let dir = TempDir::new("weak-feeder");
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../grid/feeders/example.json"))
            .unwrap();
    // A 1 km hair-thin service cable (60 Ω) to street A: a household's load collapses it.
    let weak = example.replacen(
        "\"length_km\": 0.035,\n      \"r_ohm_per_km\": 0.208",
        "\"length_km\": 1.0,\n      \"r_ohm_per_km\": 60.0",
        1,
    );
    assert_ne!(weak, example);
    let file = dir.0.join("weak.json");
    std::fs::write(&file, weak).unwrap();
    let mut fleet = Fleet::new(FleetConfig {
        meters: 30,
        mix: Mix { prosumer: 0.0, consumer: 1.0, hybrid: 0.0 },
        longitude_deg: LONGITUDE,
        start_unix_s: at_solar(19.0),
        ..FleetConfig::default()
    });
    attach(&mut fleet, file.to_str().unwrap());
    for _ in 0..2 {
        let batch = fleet.advance_interval();
        assert_eq!(batch.readings.len(), 30, "the meters still report");
        let state = batch.grid.unwrap();
        assert!(state.flow.is_none(), "no half-computed state");
        let [GridEventV1::NotConverged { iterations, residual_pu, reason }] = &state.events[..] else {
            panic!("one not_converged event: {:?}", state.events)
        };
        assert!(*iterations > 0);
        if reason.contains("collapse") {
            assert!(residual_pu.is_none(), "a collapse has no finite residual");
        } else {
            assert!(reason.contains("iteration limit"), "{reason}");
            assert!(residual_pu.is_some_and(|r| r > 1e-9), "the residual it stopped at: {residual_pu:?}");
        }
        // It travels as JSON and decodes back.
        let json = serde_json::to_vec(state.as_ref()).unwrap();
        let GridMessage::State(decoded) = decode_grid(&json).unwrap() else { panic!("a state") };
        assert_same_json(&decoded, state.as_ref());
    }
}

/// Every meter records its bus; a restart (the fleet through its saved JSON) keeps them,
/// refuses another feeder, and meters added later are attached and recorded too.
#[test]
fn meter_buses_survive_a_restart() {
    let mut fleet = Fleet::new(FleetConfig { meters: 25, ..FleetConfig::default() });
    FeederArgs::default().attach(&mut fleet).unwrap();
    assert_eq!(fleet.config.feeder.as_deref(), Some("generated"));
    let buses: Vec<Option<String>> = fleet.meters.iter().map(|m| m.bus.clone()).collect();
    assert!(buses.iter().all(Option::is_some));
    // Four meters per street cabinet, in order.
    assert_eq!(buses[0], buses[3]);
    assert_ne!(buses[3], buses[4]);
    fleet.advance_interval();
    let added = fleet.add_meter();
    assert!(fleet.meters[added].bus.is_some());

    let saved = serde_json::to_string(&fleet).unwrap();
    let mut resumed: Fleet = serde_json::from_str(&saved).unwrap();
    assert!(resumed.grid.is_none());
    let other = FeederArgs { feeder: Some("cigre-lv".into()), ..FeederArgs::default() }.attach(&mut resumed);
    assert!(other.unwrap_err().contains("drop --feeder"));
    FeederArgs::default().attach(&mut resumed).unwrap();
    let kept: Vec<Option<String>> = resumed.meters.iter().map(|m| m.bus.clone()).collect();
    assert_eq!(kept[..25], buses[..]);
    assert_eq!(kept[added], fleet.meters[added].bus);
    assert!(resumed.advance_interval().grid.unwrap().flow.is_some());

    // A saved bus the feeder lacks is refused by name, not moved silently.
    let mut moved: Fleet = serde_json::from_str(&saved).unwrap();
    moved.meters[2].bus = Some("nowhere".into());
    let error = FeederArgs::default().attach(&mut moved).unwrap_err();
    assert!(error.contains("meter 2 hangs on bus \"nowhere\""), "{error}");
}

fn example_feeder() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../grid/feeders/example.json").to_string()
}

async fn serve(app: App) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(app)).await });
    addr.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_control_api_serves_the_grid_state_and_topology() {
    let mut fleet = Fleet::new(FleetConfig { meters: 6, ..FleetConfig::default() });
    attach(&mut fleet, &example_feeder());
    let app = App::new(Simulation::new(fleet), Default::default());
    let addr = serve(app.clone()).await;
    let http = reqwest::Client::new();
    let get = |p: &str| http.get(format!("http://{addr}{p}")).send();

    let early = get("/grid/state").await.unwrap();
    assert_eq!(early.status(), 404);
    assert!(early.text().await.unwrap().contains("no interval simulated yet"));
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/stream")).await.unwrap();
    let step = http.post(format!("http://{addr}/step")).send().await.unwrap();
    assert_eq!(step.status(), 200);

    let state: GridStateV1 = get("/grid/state").await.unwrap().json().await.unwrap();
    let latest = app.sim.lock().await.fleet.grid.as_ref().unwrap().latest.clone().unwrap();
    assert_same_json(&state, latest.as_ref());
    assert_eq!(state.feeder, "example: one transformer, two streets");
    let flow = state.flow.as_ref().unwrap();
    assert_eq!((flow.buses.len(), flow.lines.len(), flow.transformers.len()), (5, 3, 1));
    assert_eq!(flow.buses.iter().map(|b| b.meters).sum::<u32>(), 6);

    // The live stream: the interval's six readings, then its grid state.
    let mut schemas = Vec::new();
    for _ in 0..7 {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.unwrap().unwrap().unwrap();
        let value: serde_json::Value = serde_json::from_str(msg.to_text().unwrap()).unwrap();
        schemas.push(value["schema"].as_str().unwrap().to_string());
        if value["schema"] == GRID_STATE_SCHEMA_V1 {
            assert_same_json(&serde_json::from_value::<GridStateV1>(value).unwrap(), &state);
        }
    }
    assert_eq!(schemas[..6], ["gridtokenx.meter-reading.v1"; 6]);
    assert_eq!(schemas[6], GRID_STATE_SCHEMA_V1);

    let topology: GridTopologyV1 = get("/grid/topology").await.unwrap().json().await.unwrap();
    let file = Feeder::from_json(&std::fs::read_to_string(example_feeder()).unwrap()).unwrap();
    assert_same_json(&topology.feeder, &file.spec);
    assert_eq!(topology.meters.len(), 6);
    assert!(topology.meters.iter().all(|m| m.connected && ["A1", "A2", "B1"].contains(&m.bus.as_str())));

    let status: serde_json::Value = get("/status").await.unwrap().json().await.unwrap();
    assert!(status["feeder"].as_str().unwrap().ends_with("grid/feeders/example.json"), "{status}");
    assert_eq!(status["outputs"]["grid"]["states"], 1);
    let spec: serde_json::Value = get("/openapi.json").await.unwrap().json().await.unwrap();
    assert!(
        spec["paths"]["/grid/state"]["get"].is_object() && spec["paths"]["/grid/topology"]["get"].is_object()
    );
    assert!(spec["components"]["schemas"]["GridStateV1"].is_object());

    // Without a feeder there is nothing to serve, said so.
    let mut bare = Fleet::new(FleetConfig { meters: 2, ..FleetConfig::default() });
    FeederArgs { feeder: Some("none".into()), ..FeederArgs::default() }.attach(&mut bare).unwrap();
    let addr = serve(App::new(Simulation::new(bare), Default::default())).await;
    let none = http.get(format!("http://{addr}/grid/topology")).send().await.unwrap();
    assert_eq!(none.status(), 404);
    assert!(none.text().await.unwrap().contains("--feeder none"));
}

/// A decommissioned meter's household is disconnected: its bus draws nothing from the next
/// interval on, and the topology says so; a meter added later hangs on a bus at once.
#[test]
fn a_decommissioned_household_draws_nothing() {
    let mut fleet = Fleet::new(FleetConfig { meters: 3, longitude_deg: LONGITUDE, ..FleetConfig::default() });
    attach(&mut fleet, &example_feeder());
    let buses: Vec<&str> = fleet.meters.iter().map(|m| m.bus.as_deref().unwrap()).collect();
    assert_eq!(buses, ["A1", "B1", "A2"], "one meter per customer bus, breadth-first from the slack");
    let on = |state: &GridStateV1, bus: &str| {
        let b = state.flow.as_ref().unwrap().buses.iter().find(|b| b.id == bus).unwrap().clone();
        (b.meters, b.p_mw)
    };
    let first = fleet.advance_interval().grid.unwrap();
    assert_eq!(on(&first, "A2").0, 1);
    assert_ne!(on(&first, "A2").1, 0.0);

    fleet.meters[2].online = false;
    let second = fleet.advance_interval().grid.unwrap();
    assert_eq!(on(&second, "A2"), (0, 0.0));
    assert_eq!(on(&second, "A1").0, 1);
    let grid = fleet.grid.as_ref().unwrap();
    let topology = grid.topology(&fleet.meters);
    assert_eq!(topology.meters.iter().map(|m| m.connected).collect::<Vec<_>>(), [true, true, false]);

    let version = grid.topology_version;
    let added = fleet.add_meter();
    assert_eq!(fleet.meters[added].bus.as_deref(), Some("A1"), "index 3 mod 3 customer buses");
    assert_eq!(fleet.grid.as_ref().unwrap().topology_version, version + 1);
    let third = fleet.advance_interval().grid.unwrap();
    assert_eq!(on(&third, "A1").0, 2);
}
