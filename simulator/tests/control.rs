//! The control API over real HTTP and WebSocket.
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use gridtokenx_simulator::control::{router, run_clock, Simulation};
use gridtokenx_simulator::fleet::{Fleet, FleetConfig};
use gridtokenx_simulator::telemetry::MeterReadingV1;
use serde_json::{json, Value};
use tokio::sync::Mutex;

async fn serve() -> String {
    let fleet = Fleet::new(FleetConfig { meters: 3, ..FleetConfig::default() });
    let sim = Arc::new(Mutex::new(Simulation::new(fleet)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(run_clock(sim.clone()));
    tokio::spawn(async move { axum::serve(listener, router(sim)).await });
    format!("127.0.0.1:{}", addr.port())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steer_a_simulation_and_watch_its_readings() {
    let addr = serve().await;
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
    http.post(url("/start")).send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    http.post(url("/stop")).send().await.unwrap();
    let status: Value = http.get(url("/status")).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (status["meters"].as_u64(), status["weather"].as_str(), status["running"].as_bool()),
        (Some(5), Some("rain"), Some(false))
    );
    assert!(status["intervals"].as_u64().unwrap() > 2, "the clock ran while started: {status}");

    let spec: Value = http.get(url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(spec["paths"]["/faults/{meter}"]["put"].is_object());
}
