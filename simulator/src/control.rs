//! The control API: run, pause, step and steer a live simulation over HTTP (axum), with an
//! OpenAPI description at `/openapi.json` and a WebSocket stream of readings at `/stream`.
//!
//! Faults are injected per meter: `offline` (no readings), `spike` (one reading inflated by
//! the given Wh, which a chain must refuse as implausible), `clock_skew` (readings stamped
//! the given seconds late or early, which a chain must refuse as future or misaligned).
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, Mutex};
use utoipa::{OpenApi, ToSchema};

use crate::fleet::Fleet;
use crate::model::weather::Weather;
use crate::telemetry::MeterReadingV1;

/// Readings kept for slow WebSocket clients; a client further behind is disconnected.
const STREAM_BUFFER: usize = 8_192;
const MAX_SPEED: f64 = 1_000_000.0;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    Offline,
    /// Adds `wh` to the next reading's production only.
    Spike {
        wh: u64,
    },
    /// Shifts every reading's interval start by `seconds`.
    ClockSkew {
        seconds: i64,
    },
}

pub struct Simulation {
    pub fleet: Fleet,
    pub running: bool,
    /// Simulated seconds per real second.
    pub speed: f64,
    pub intervals: u64,
    faults: HashMap<usize, Fault>,
    stream: broadcast::Sender<MeterReadingV1>,
}

pub type Shared = Arc<Mutex<Simulation>>;

impl Simulation {
    pub fn new(fleet: Fleet) -> Simulation {
        Simulation {
            fleet,
            running: false,
            speed: 96.0,
            intervals: 0,
            faults: HashMap::new(),
            stream: broadcast::channel(STREAM_BUFFER).0,
        }
    }

    /// Simulates one interval, applies faults, publishes the readings and returns them.
    pub fn step(&mut self) -> Vec<MeterReadingV1> {
        let batch = self.fleet.advance_interval();
        self.intervals += 1;
        let interval_s = self.fleet.config.interval_s;
        let mut out = Vec::with_capacity(batch.readings.len());
        for (i, mut reading) in batch.readings {
            match self.faults.get(&i).copied() {
                Some(Fault::Offline) => continue,
                Some(Fault::Spike { wh }) => {
                    reading.produced_wh = reading.produced_wh.saturating_add(wh);
                    self.faults.remove(&i);
                }
                Some(Fault::ClockSkew { seconds }) => reading.interval_start_ts += seconds,
                None => {}
            }
            let meter = &self.fleet.meters[i];
            let address = energy::client::meter_address(&meter.meter_id);
            let message = MeterReadingV1::new(
                &address,
                &meter.meter_id,
                meter.kind,
                &reading,
                interval_s,
                self.fleet.weather,
                None,
            );
            // Nobody listening is fine.
            let _ = self.stream.send(message.clone());
            out.push(message);
        }
        out
    }
}

#[derive(Serialize, ToSchema)]
pub struct Status {
    running: bool,
    speed: f64,
    /// Simulated unix time of the next interval's start.
    now_s: i64,
    intervals: u64,
    meters: usize,
    weather: Weather,
    weather_pinned: bool,
    faults: HashMap<String, Fault>,
}

#[derive(Deserialize, ToSchema)]
pub struct SpeedRequest {
    /// Simulated seconds per real second, e.g. 96 runs a day in 15 minutes.
    speed: f64,
}

#[derive(Deserialize, ToSchema)]
pub struct WeatherRequest {
    /// Pin the weather, or `null` to let it evolve.
    weather: Option<Weather>,
}

#[derive(Deserialize, ToSchema)]
pub struct AddMetersRequest {
    count: usize,
}

#[derive(Serialize, ToSchema)]
pub struct ApiError {
    error: String,
}

fn bad_request(error: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, Json(ApiError { error: error.into() })).into_response()
}

#[derive(OpenApi)]
#[openapi(
    info(title = "GridTokenX simulator control API"),
    paths(status, start, stop, step, set_speed, set_weather, add_meters, set_fault, clear_fault),
    components(schemas(
        Status,
        SpeedRequest,
        WeatherRequest,
        AddMetersRequest,
        Fault,
        ApiError,
        Weather,
        MeterReadingV1
    ))
)]
pub struct ApiDoc;

pub fn router(sim: Shared) -> Router {
    Router::new()
        .route("/status", get(status))
        .route("/start", post(start))
        .route("/stop", post(stop))
        .route("/step", post(step))
        .route("/speed", put(set_speed))
        .route("/weather", put(set_weather))
        .route("/meters", post(add_meters))
        .route("/faults/{meter}", put(set_fault).delete(clear_fault))
        .route("/stream", get(stream))
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .with_state(sim)
}

/// Runs the simulation clock: while running, one interval per `interval_s / speed` seconds.
pub async fn run_clock(sim: Shared) {
    loop {
        let wait = {
            let mut s = sim.lock().await;
            if s.running {
                s.step();
                Duration::from_secs_f64(f64::from(s.fleet.config.interval_s) / s.speed)
            } else {
                Duration::from_millis(50)
            }
        };
        tokio::time::sleep(wait).await;
    }
}

#[utoipa::path(get, path = "/status", responses((status = 200, body = Status)))]
async fn status(State(sim): State<Shared>) -> Json<Status> {
    let s = sim.lock().await;
    Json(Status {
        running: s.running,
        speed: s.speed,
        now_s: s.fleet.now_s,
        intervals: s.intervals,
        meters: s.fleet.meters.len(),
        weather: s.fleet.weather,
        weather_pinned: s.fleet.weather_override.is_some(),
        faults: s.faults.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
    })
}

#[utoipa::path(post, path = "/start", responses((status = 204)))]
async fn start(State(sim): State<Shared>) -> StatusCode {
    sim.lock().await.running = true;
    StatusCode::NO_CONTENT
}

#[utoipa::path(post, path = "/stop", responses((status = 204)))]
async fn stop(State(sim): State<Shared>) -> StatusCode {
    sim.lock().await.running = false;
    StatusCode::NO_CONTENT
}

/// Simulates one interval now and returns its readings.
#[utoipa::path(post, path = "/step", responses((status = 200, body = [MeterReadingV1])))]
async fn step(State(sim): State<Shared>) -> Json<Vec<MeterReadingV1>> {
    Json(sim.lock().await.step())
}

#[utoipa::path(put, path = "/speed", request_body = SpeedRequest, responses((status = 204), (status = 400, body = ApiError)))]
async fn set_speed(State(sim): State<Shared>, Json(req): Json<SpeedRequest>) -> Response {
    if !(req.speed.is_finite() && req.speed > 0.0 && req.speed <= MAX_SPEED) {
        return bad_request(format!("speed must be in (0, {MAX_SPEED}] simulated seconds per second"));
    }
    sim.lock().await.speed = req.speed;
    StatusCode::NO_CONTENT.into_response()
}

#[utoipa::path(put, path = "/weather", request_body = WeatherRequest, responses((status = 204)))]
async fn set_weather(State(sim): State<Shared>, Json(req): Json<WeatherRequest>) -> StatusCode {
    let mut s = sim.lock().await;
    s.fleet.weather_override = req.weather;
    if let Some(w) = req.weather {
        s.fleet.weather = w;
    }
    StatusCode::NO_CONTENT
}

#[utoipa::path(post, path = "/meters", request_body = AddMetersRequest, responses((status = 200, body = [usize]), (status = 400, body = ApiError)))]
async fn add_meters(State(sim): State<Shared>, Json(req): Json<AddMetersRequest>) -> Response {
    if req.count == 0 || req.count > 10_000 {
        return bad_request("count must be 1..=10000");
    }
    let mut s = sim.lock().await;
    let added: Vec<usize> = (0..req.count).map(|_| s.fleet.add_meter()).collect();
    Json(added).into_response()
}

#[utoipa::path(put, path = "/faults/{meter}", request_body = Fault, params(("meter" = usize, Path)), responses((status = 204), (status = 400, body = ApiError)))]
async fn set_fault(
    State(sim): State<Shared>,
    Path(meter): Path<usize>,
    Json(fault): Json<Fault>,
) -> Response {
    let mut s = sim.lock().await;
    if meter >= s.fleet.meters.len() {
        return bad_request(format!("no meter {meter}; the fleet has {}", s.fleet.meters.len()));
    }
    s.faults.insert(meter, fault);
    StatusCode::NO_CONTENT.into_response()
}

#[utoipa::path(delete, path = "/faults/{meter}", params(("meter" = usize, Path)), responses((status = 204)))]
async fn clear_fault(State(sim): State<Shared>, Path(meter): Path<usize>) -> StatusCode {
    sim.lock().await.faults.remove(&meter);
    StatusCode::NO_CONTENT
}

async fn stream(ws: WebSocketUpgrade, State(sim): State<Shared>) -> Response {
    let receiver = sim.lock().await.stream.subscribe();
    ws.on_upgrade(move |socket| forward(socket, receiver))
}

async fn forward(mut socket: WebSocket, mut readings: broadcast::Receiver<MeterReadingV1>) {
    loop {
        match readings.recv().await {
            Ok(reading) => {
                let Ok(text) = serde_json::to_string(&reading) else { continue };
                if socket.send(Message::Text(text.into())).await.is_err() {
                    return;
                }
            }
            // Too slow: drop the client rather than hold the simulation back.
            Err(broadcast::error::RecvError::Lagged(_)) | Err(broadcast::error::RecvError::Closed) => {
                let _ = socket.send(Message::Close(None)).await;
                return;
            }
        }
    }
}
