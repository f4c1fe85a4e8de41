//! The control API over real HTTP and WebSocket.
use std::time::Duration;

use futures_util::StreamExt;
mod support;

use gridtokenx_simulator::cli::outputs::OutputArgs;
use gridtokenx_simulator::control::{router, run_clock, App, Simulation};
use gridtokenx_simulator::fleet::{Fleet, FleetConfig};
use gridtokenx_simulator::telemetry::MeterReadingV1;
use localnet::keys::DeploymentKeys;
use localnet::node::{Node, Options};
use serde_json::{json, Value};
use support::{afternoon_longitude, now_aligned, TempDir};

async fn serve(app: App) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(run_clock(app.clone()));
    tokio::spawn(async move { axum::serve(listener, router(app)).await });
    format!("127.0.0.1:{}", addr.port())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steer_a_simulation_and_watch_its_readings() {
    let fleet = Fleet::new(FleetConfig { meters: 3, ..FleetConfig::default() });
    let addr = serve(App::new(Simulation::new(fleet), Default::default())).await;
    let http = reqwest::Client::new();
    let url = |p: &str| format!("http://{addr}{p}");
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/stream")).await.unwrap();

    let readings: Vec<MeterReadingV1> = http.post(url("/step")).send().await.unwrap().json().await.unwrap();
    assert_eq!(readings.len(), 3);
    for _ in 0..3 {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.unwrap().unwrap().unwrap();
        let streamed: MeterReadingV1 = serde_json::from_str(msg.to_text().unwrap()).unwrap();
        assert!(readings.contains(&streamed));
    }

    // Faults: an offline meter sends nothing; a spike inflates one reading once.
    let put = |p: &str, body: Value| http.put(url(p)).json(&body).send();
    assert_eq!(put("/faults/0", json!({ "kind": "offline" })).await.unwrap().status(), 204);
    assert_eq!(put("/faults/1", json!({ "kind": "spike", "wh": 1_000_000 })).await.unwrap().status(), 204);
    let before = readings.iter().find(|r| r.meter == readings[1].meter).unwrap().produced_wh;
    let step: Vec<MeterReadingV1> = http.post(url("/step")).send().await.unwrap().json().await.unwrap();
    assert_eq!(step.len(), 2, "meter 0 is offline");
    let spiked = step.iter().find(|r| r.meter == readings[1].meter).unwrap();
    assert!(spiked.produced_wh >= before + 1_000_000);
    let bad = put("/faults/99", json!({ "kind": "offline" })).await.unwrap();
    assert_eq!(bad.status(), 400);

    // Weather, speed, meters and the run switch.
    assert_eq!(put("/weather", json!({ "weather": "rain" })).await.unwrap().status(), 204);
    assert_eq!(put("/speed", json!({ "speed": 0 })).await.unwrap().status(), 400);
    assert_eq!(put("/speed", json!({ "speed": 90000 })).await.unwrap().status(), 204);
    let added: Vec<usize> =
        http.post(url("/meters")).json(&json!({ "count": 2 })).send().await.unwrap().json().await.unwrap();
    assert_eq!(added, vec![3, 4]);
    assert_eq!(http.delete(url("/meters/2")).send().await.unwrap().status(), 204);
    assert_eq!(http.delete(url("/meters/9")).send().await.unwrap().status(), 400);
    http.post(url("/start")).send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    http.post(url("/pause")).send().await.unwrap();
    let status = || async { http.get(url("/status")).send().await.unwrap().json::<Value>().await.unwrap() };
    let paused = status().await;
    assert_eq!(
        (paused["meters"].as_u64(), paused["active_meters"].as_u64(), paused["weather"].as_str()),
        (Some(5), Some(4), Some("rain"))
    );
    assert_eq!(paused["running"].as_bool(), Some(false));
    assert!(paused["intervals"].as_u64().unwrap() > 2, "the clock ran while started: {paused}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(status().await["intervals"], paused["intervals"], "a paused clock stands still");
    http.post(url("/resume")).send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    http.post(url("/stop")).send().await.unwrap();
    let stopped = status().await;
    assert!(stopped["intervals"].as_u64() > paused["intervals"].as_u64());
    assert!(stopped["outputs"]["readings"].as_u64() > Some(5), "{stopped}");

    let spec: Value = http.get(url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(spec["paths"]["/faults/{meter}"]["put"].is_object());
}

/// `serve` posting to localnet: readings are signed and land, injected faults are refused by
/// the chain with the right errors, and the clock never passes the wall clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_injected_over_the_api_are_refused_by_the_chain() {
    let keys = DeploymentKeys::random();
    let node = Node::start(&keys, Options::ephemeral(Duration::from_millis(100))).await.expect("localnet");
    let dir = TempDir::new("control");
    let args = OutputArgs {
        oracle_key: Some(dir.key_file("oracle.json", &keys.oracle)),
        payer_key: Some(dir.key_file("payer.json", &keys.traders[0])),
        rpc_url: Some(node.rpc_url.clone()),
        concurrency: 4,
        ..OutputArgs::default()
    };
    let aligned = now_aligned();
    let config = FleetConfig {
        meters: 2,
        seed: 21,
        start_unix_s: aligned - 4 * 900,
        latitude_deg: 0.0,
        longitude_deg: afternoon_longitude(now_aligned()),
        ..FleetConfig::default()
    };
    let opened = args.open(config).await.unwrap();
    let mut simulation = Simulation::new(opened.fleet);
    simulation.wall_clock_cap = true;
    let addr = serve(App::new(simulation, opened.outputs)).await;
    let http = reqwest::Client::new();
    let url = |p: &str| format!("http://{addr}{p}");
    let step = || async { http.post(url("/step")).send().await.unwrap() };

    let first: Vec<MeterReadingV1> = step().await.json().await.unwrap();
    assert!(first.iter().all(|r| r.signature.is_some()), "published readings are signed");
    let put = |p: &str, body: Value| http.put(url(p)).json(&body).send();
    assert_eq!(put("/faults/0", json!({ "kind": "spike", "wh": 10_000_000 })).await.unwrap().status(), 204);
    assert_eq!(
        put("/faults/1", json!({ "kind": "clock_skew", "seconds": 120 })).await.unwrap().status(),
        204
    );
    assert_eq!(step().await.status(), 200);
    let status: Value = http.get(url("/status")).send().await.unwrap().json().await.unwrap();
    let chain = &status["outputs"]["chain"];
    assert_eq!(chain["landed"].as_u64(), Some(2), "{status}");
    assert_eq!(chain["rejected"], json!({ "ImplausibleProduction": 1, "MisalignedInterval": 1 }));

    // The spike was one reading; the skew stays until cleared. Two more intervals reach
    // the wall clock; the next would end in the future and is refused before simulating.
    assert_eq!(http.delete(url("/faults/1")).send().await.unwrap().status(), 204);
    assert_eq!(step().await.status(), 200);
    assert_eq!(step().await.status(), 200);
    let mut landed = 6;
    if now_aligned() != aligned {
        // The wall clock crossed an interval boundary during the test: one more is allowed.
        assert_eq!(step().await.status(), 200);
        landed += 2;
    }
    let ahead = step().await;
    assert_eq!(ahead.status(), 409);
    assert!(ahead.text().await.unwrap().contains("future"));
    let status: Value = http.get(url("/status")).send().await.unwrap().json().await.unwrap();
    assert_eq!(status["outputs"]["chain"]["landed"].as_u64(), Some(landed), "{status}");
    drop(node);
}
