//! The control API's refusals over real HTTP: parameters that would overflow, requests that
//! do not parse, and failures inside the clock (issue #11). Every refusal is the `ApiError`
//! JSON body the OpenAPI document declares, never a panic or a plain-text body.
use std::io::{self, Write};
use std::time::Duration;

use gridtokenx_simulator::control::{router, run_clock, App, Simulation};
use gridtokenx_simulator::fleet::{Fleet, FleetConfig};
use gridtokenx_simulator::sink::Outputs;
use serde_json::{json, Value};

/// The bounds the API documents (docs/architecture.md, "Control API"), spelled out rather
/// than imported: they are the contract.
const MAX_CLOCK_SKEW_S: i64 = 31 * 86_400;
const MAX_SPIKE_WH: u64 = 1_000_000_000_000;
const MIN_SPEED: f64 = 0.01;

async fn serve(app: App) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(run_clock(app.clone()));
    tokio::spawn(async move { axum::serve(listener, router(app)).await });
    format!("http://127.0.0.1:{}", addr.port())
}

fn fleet(meters: usize) -> Fleet {
    Fleet::new(FleetConfig { meters, ..FleetConfig::default() })
}

async fn serve_fleet(fleet: Fleet, outputs: Outputs) -> String {
    serve(App::new(Simulation::new(fleet), outputs)).await
}

/// The status and the `error` of an `ApiError` body; fails unless the body is that JSON.
async fn api_error(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    let body = response.text().await.unwrap();
    assert_eq!(content_type.as_deref(), Some("application/json"), "{status}: {body}");
    let value: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{status}: {body}: {e}"));
    let error = value["error"].as_str().unwrap_or_else(|| panic!("{status}: no error field: {body}"));
    assert!(!error.is_empty());
    (status, error.to_owned())
}

async fn status(http: &reqwest::Client, base: &str) -> Value {
    http.get(format!("{base}/status")).send().await.unwrap().json().await.unwrap()
}

/// Polls `/status` until `done` holds (5 s at most); returns the last status.
async fn status_until(http: &reqwest::Client, base: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..100 {
        let s = status(http, base).await;
        if done(&s) {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    status(http, base).await
}

/// An interval every 10 ms, so a restarted clock shows within the polls.
async fn set_fast_speed(http: &reqwest::Client, base: &str) {
    let response = http.put(format!("{base}/speed")).json(&json!({ "speed": 90_000 })).send().await.unwrap();
    assert_eq!(response.status(), 204);
}

fn assert_running_cleanly(status: &Value) {
    let state = (status["running"].as_bool(), status["last_error"].as_str());
    assert_eq!(state, (Some(true), None), "running, the error cleared by /start: {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_parameters_that_would_overflow_are_400_naming_the_bound() {
    let base = serve_fleet(fleet(1), Outputs::default()).await;
    let http = reqwest::Client::new();
    let put = |body: Value| http.put(format!("{base}/faults/0")).json(&body).send();
    let skew = |seconds: i64| put(json!({ "kind": "clock_skew", "seconds": seconds }));
    let spike = |wh: u64| put(json!({ "kind": "spike", "wh": wh }));

    for seconds in [i64::MAX, i64::MIN, MAX_CLOCK_SKEW_S + 1, -MAX_CLOCK_SKEW_S - 1] {
        let (code, error) = api_error(skew(seconds).await.unwrap()).await;
        assert_eq!(code, 400, "skew {seconds}: {error}");
        assert!(error.contains(&MAX_CLOCK_SKEW_S.to_string()), "names the bound: {error}");
    }
    for seconds in [MAX_CLOCK_SKEW_S, -MAX_CLOCK_SKEW_S, 0] {
        assert_eq!(skew(seconds).await.unwrap().status(), 204, "skew {seconds} is within the bound");
    }
    for wh in [u64::MAX, MAX_SPIKE_WH + 1] {
        let (code, error) = api_error(spike(wh).await.unwrap()).await;
        assert_eq!(code, 400, "spike {wh}: {error}");
        assert!(error.contains(&MAX_SPIKE_WH.to_string()), "names the bound: {error}");
    }
    assert_eq!(spike(MAX_SPIKE_WH).await.unwrap().status(), 204);
    // The refused faults left the last accepted one in place.
    assert_eq!(status(&http, &base).await["faults"]["0"], json!({ "kind": "spike", "wh": MAX_SPIKE_WH }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_speed_the_clock_cannot_pace_is_400_naming_the_bound() {
    let base = serve_fleet(fleet(1), Outputs::default()).await;
    let http = reqwest::Client::new();
    let speed = |speed: f64| http.put(format!("{base}/speed")).json(&json!({ "speed": speed })).send();

    // 900 s / 1e-300 is no Duration: before the bound, the clock task died on it.
    for slow in [1e-300, MIN_SPEED / 2.0, 1e300] {
        let (code, error) = api_error(speed(slow).await.unwrap()).await;
        assert_eq!(code, 400, "speed {slow}: {error}");
        assert!(error.contains(&MIN_SPEED.to_string()), "names the bound: {error}");
    }
    assert_eq!(speed(MIN_SPEED).await.unwrap().status(), 204);
    let (code, _) =
        api_error(http.post(format!("{base}/meters")).json(&json!({ "count": 1e30 })).send().await.unwrap())
            .await;
    assert_eq!(code, 400);
}

/// A skew within the bound can still take an interval's timestamp out of `i64` when the
/// simulated clock is at the end of time: the step is refused before anything is simulated,
/// nothing panics, and the clock reports it and stops. (The clock cannot run there without
/// the fault either: the sun's position is modelled for years -2000..6000 only.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_skew_past_the_end_of_time_is_a_refused_step_not_a_panic() {
    let near_the_end = i64::MAX - 20 * 86_400;
    let fleet = Fleet::new(FleetConfig { meters: 1, start_unix_s: near_the_end, ..FleetConfig::default() });
    let base = serve_fleet(fleet, Outputs::default()).await;
    let http = reqwest::Client::new();
    let skew = json!({ "kind": "clock_skew", "seconds": MAX_CLOCK_SKEW_S });
    assert_eq!(http.put(format!("{base}/faults/0")).json(&skew).send().await.unwrap().status(), 204);
    let before = status(&http, &base).await;

    let (code, error) = api_error(http.post(format!("{base}/step")).send().await.unwrap()).await;
    assert_eq!(code, 409, "{error}");
    assert!(error.contains("clock_skew"), "{error}");

    http.post(format!("{base}/start")).send().await.unwrap();
    let stopped = status_until(&http, &base, |s| s["running"] == false).await;
    assert_eq!(stopped["running"], false, "{stopped}");
    assert!(stopped["last_error"].as_str().unwrap_or_default().contains("clock_skew"), "{stopped}");
    assert_eq!(
        (&stopped["intervals"], &stopped["now_s"]),
        (&before["intervals"], &before["now_s"]),
        "a refused step simulates nothing"
    );
}

/// A JSON-lines output that fails its first `failures` writes: by panicking (a bug in an
/// output) or with an I/O error (a full disk).
struct FailingWriter {
    failures: usize,
    panics: bool,
}

impl Write for FailingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.failures == 0 {
            return Ok(buf.len());
        }
        self.failures -= 1;
        if self.panics {
            panic!("the output broke");
        }
        Err(io::Error::other("disk full"))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn failing_outputs(failures: usize, panics: bool) -> Outputs {
    let mut outputs = Outputs::default();
    outputs.jsonl = Some(Box::new(FailingWriter { failures, panics }));
    outputs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_the_clock_shows_in_status_and_start_restarts_it() {
    let base = serve_fleet(fleet(2), failing_outputs(1, true)).await;
    let http = reqwest::Client::new();
    set_fast_speed(&http, &base).await;

    http.post(format!("{base}/start")).send().await.unwrap();
    let failed = status_until(&http, &base, |s| s["running"] == false).await;
    assert_eq!(failed["running"], false, "the clock stopped: {failed}");
    let error = failed["last_error"].as_str().unwrap_or_default();
    assert!(error.starts_with("clock task failed") && error.contains("the output broke"), "{failed}");

    // Neither lock is left held: the clock runs again, the status answers.
    http.post(format!("{base}/start")).send().await.unwrap();
    let after = failed["intervals"].as_u64().unwrap();
    let running = status_until(&http, &base, |s| s["intervals"].as_u64() > Some(after + 2)).await;
    assert_running_cleanly(&running);
    assert!(running["intervals"].as_u64() > Some(after + 2), "{running}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_output_error_stops_the_clock_and_start_restarts_it() {
    let base = serve_fleet(fleet(2), failing_outputs(1, false)).await;
    let http = reqwest::Client::new();
    set_fast_speed(&http, &base).await;
    http.post(format!("{base}/start")).send().await.unwrap();
    let failed = status_until(&http, &base, |s| s["running"] == false).await;
    assert!(failed["last_error"].as_str().unwrap_or_default().contains("disk full"), "{failed}");
    http.post(format!("{base}/start")).send().await.unwrap();
    let after = failed["intervals"].as_u64().unwrap();
    let running = status_until(&http, &base, |s| s["intervals"].as_u64() > Some(after + 2)).await;
    assert_running_cleanly(&running);
    assert!(running["intervals"].as_u64() > Some(after + 2), "{running}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_a_step_is_a_500_and_the_next_step_works() {
    let base = serve_fleet(fleet(2), failing_outputs(1, true)).await;
    let http = reqwest::Client::new();
    let (code, error) = api_error(http.post(format!("{base}/step")).send().await.unwrap()).await;
    assert_eq!(code, 500, "{error}");
    assert!(error.contains("the output broke"), "{error}");
    let next = http.post(format!("{base}/step")).send().await.unwrap();
    assert_eq!(next.status(), 200);
    assert_eq!(next.json::<Vec<Value>>().await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_that_do_not_parse_are_400_with_a_json_error() {
    let base = serve_fleet(fleet(1), Outputs::default()).await;
    let http = reqwest::Client::new();
    let json_body = |method: reqwest::Method, path: &str, body: &str| {
        http.request(method, format!("{base}{path}"))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
    };
    use reqwest::Method;
    let cases = [
        (Method::PUT, "/speed", "{"),
        (Method::PUT, "/speed", r#"{"speed": "fast"}"#),
        (Method::PUT, "/speed", "{}"),
        (Method::PUT, "/weather", r#"{"weather": "snow"}"#),
        (Method::POST, "/meters", r#"{"count": -1}"#),
        (Method::POST, "/meters", "[]"),
        (Method::PUT, "/faults/0", r#"{"kind": "meteor"}"#),
        (Method::PUT, "/faults/0", r#"{"kind": "spike", "wh": -1}"#),
        (Method::PUT, "/faults/0", r#"{"kind": "clock_skew"}"#),
        (Method::PUT, "/faults/0", r#"{"kind": "clock_skew", "seconds": 1.5}"#),
        (Method::PUT, "/faults/abc", r#"{"kind": "offline"}"#),
        (Method::DELETE, "/faults/-1", ""),
        (Method::DELETE, "/meters/abc", ""),
        (Method::DELETE, "/meters/18446744073709551616", ""),
    ];
    for (method, path, body) in cases {
        let (code, error) = api_error(json_body(method.clone(), path, body).await.unwrap()).await;
        assert_eq!(code, 400, "{method} {path} {body}: {error}");
    }
    // No content type at all (axum's own answer is a plain-text 415).
    let bare = http.put(format!("{base}/speed")).body(r#"{"speed": 1}"#).send().await.unwrap();
    let (code, error) = api_error(bare).await;
    assert_eq!(code, 400, "{error}");
    assert!(error.contains("Content-Type"), "axum's message is kept: {error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_declares_every_refusal() {
    let base = serve_fleet(fleet(1), Outputs::default()).await;
    let spec: Value = reqwest::get(format!("{base}/openapi.json")).await.unwrap().json().await.unwrap();
    let declared = |path: &str, method: &str, code: &str| {
        let response = &spec["paths"][path][method]["responses"][code];
        let schema = &response["content"]["application/json"]["schema"]["$ref"];
        assert_eq!(schema, "#/components/schemas/ApiError", "{method} {path} {code}: {response}");
    };
    for (path, method) in [
        ("/speed", "put"),
        ("/weather", "put"),
        ("/meters", "post"),
        ("/meters/{meter}", "delete"),
        ("/faults/{meter}", "put"),
        ("/faults/{meter}", "delete"),
    ] {
        declared(path, method, "400");
    }
    declared("/step", "post", "409");
    declared("/step", "post", "500");
}
