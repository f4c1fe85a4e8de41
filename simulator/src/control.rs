//! The control API: run, pause, step and steer a live simulation over HTTP (axum), with an
//! OpenAPI description at `/openapi.json` and a WebSocket stream of readings (and, when the
//! fleet hangs on a feeder, each interval's grid state) at `/stream`; the feeder's latest
//! state and its topology at `/grid/state` and `/grid/topology`.
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
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, Mutex};
use utoipa::{OpenApi, ToSchema};

use crate::fleet::{Fleet, IntervalReadings};
use crate::model::weather::Weather;
use crate::sink::grid_report::GridReport;
use crate::sink::kafka::KafkaReport;
use crate::sink::{OutputReport, Outputs, Streamed};
use crate::telemetry::MeterReadingV1;
use gridtokenx_telemetry::{
    BusStateV1, GridEventV1, GridFlowV1, GridStateV1, GridTopologyV1, LineStateV1, MeterAttachmentV1,
    TransformerStateV1,
};

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
    /// Never simulate an interval that ends after the wall clock (set when posting: a chain
    /// refuses readings from the future).
    pub wall_clock_cap: bool,
    /// Why the clock stopped by itself, if it did.
    pub last_error: Option<String>,
    faults: HashMap<usize, Fault>,
}

impl Simulation {
    pub fn new(fleet: Fleet) -> Simulation {
        Simulation {
            fleet,
            running: false,
            speed: 96.0,
            intervals: 0,
            wall_clock_cap: false,
            last_error: None,
            faults: HashMap::new(),
        }
    }

    /// Seconds until the next interval may be simulated under the wall-clock cap (0 = now).
    pub fn wait_for_wall_clock(&self) -> u64 {
        if !self.wall_clock_cap {
            return 0;
        }
        let next_end = self.fleet.now_s + i64::from(self.fleet.config.interval_s);
        u64::try_from(next_end - crate::unix_now()).unwrap_or(0)
    }

    /// Simulates one interval and applies faults; returns the readings.
    pub fn step(&mut self) -> IntervalReadings {
        let mut batch = self.fleet.advance_interval();
        self.intervals += 1;
        batch.readings.retain_mut(|(i, reading)| {
            match self.faults.get(i).copied() {
                Some(Fault::Offline) => return false,
                Some(Fault::Spike { wh }) => {
                    reading.produced_wh = reading.produced_wh.saturating_add(wh);
                    self.faults.remove(i);
                }
                Some(Fault::ClockSkew { seconds }) => reading.interval_start_ts += seconds,
                None => {}
            }
            true
        });
        batch
    }
}

/// Everything the API serves: the simulation, its outputs, and the live stream.
#[derive(Clone)]
pub struct App {
    pub sim: Arc<Mutex<Simulation>>,
    pub outputs: Arc<Mutex<Outputs>>,
    report: Arc<std::sync::Mutex<OutputReport>>,
    stream: broadcast::Sender<Streamed>,
}

impl App {
    pub fn new(sim: Simulation, mut outputs: Outputs) -> App {
        let stream = broadcast::channel(STREAM_BUFFER).0;
        outputs.stream = Some(stream.clone());
        App {
            sim: Arc::new(Mutex::new(sim)),
            report: outputs.report.clone(),
            outputs: Arc::new(Mutex::new(outputs)),
            stream,
        }
    }

    /// Simulates one interval and emits it. The outputs are locked before the simulation,
    /// by every caller, so intervals reach the chain in order.
    pub async fn step(&self) -> Result<Vec<MeterReadingV1>, StepError> {
        let mut outputs = self.outputs.lock().await;
        let mut sim = self.sim.lock().await;
        let wait = sim.wait_for_wall_clock();
        if wait > 0 {
            return Err(StepError::AheadOfWallClock(wait));
        }
        let interval = sim.step();
        outputs.emit(&sim.fleet, &interval).await.map_err(StepError::Output)
    }

    /// Stops the clock and flushes the state file.
    pub async fn stop(&self) -> Result<(), String> {
        let mut outputs = self.outputs.lock().await;
        let mut sim = self.sim.lock().await;
        sim.running = false;
        outputs.save(&sim.fleet, true)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error("the next interval ends {0} s from now: a chain refuses readings from the future")]
    AheadOfWallClock(u64),
    #[error("{0}")]
    Output(String),
}

#[derive(Serialize, ToSchema)]
pub struct Status {
    running: bool,
    speed: f64,
    /// Simulated unix time of the next interval's start.
    now_s: i64,
    intervals: u64,
    meters: usize,
    /// Meters still reporting (not removed).
    active_meters: usize,
    weather: Weather,
    weather_pinned: bool,
    wall_clock_cap: bool,
    faults: HashMap<String, Fault>,
    /// Why the clock stopped by itself, if it did.
    last_error: Option<String>,
    /// The feeder the meters hang on (`generated`, `cigre-lv`, a file), if any.
    feeder: Option<String>,
    outputs: OutputReport,
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

fn error(status: StatusCode, error: impl Into<String>) -> Response {
    (status, Json(ApiError { error: error.into() })).into_response()
}

fn bad_request(message: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

#[derive(OpenApi)]
#[openapi(
    info(title = "GridTokenX simulator control API"),
    paths(
        status,
        start,
        stop,
        pause,
        resume,
        step,
        set_speed,
        set_weather,
        add_meters,
        remove_meter,
        set_fault,
        clear_fault,
        grid_state,
        grid_topology
    ),
    components(schemas(
        Status,
        SpeedRequest,
        WeatherRequest,
        AddMetersRequest,
        Fault,
        ApiError,
        Weather,
        MeterReadingV1,
        OutputReport,
        KafkaReport,
        GridReport,
        GridStateV1,
        GridFlowV1,
        BusStateV1,
        LineStateV1,
        TransformerStateV1,
        GridEventV1,
        GridTopologyV1,
        MeterAttachmentV1
    ))
)]
pub struct ApiDoc;

pub fn router(app: App) -> Router {
    Router::new()
        .route("/status", get(status))
        .route("/start", post(start))
        .route("/stop", post(stop))
        .route("/pause", post(pause))
        .route("/resume", post(resume))
        .route("/step", post(step))
        .route("/speed", put(set_speed))
        .route("/weather", put(set_weather))
        .route("/meters", post(add_meters))
        .route("/meters/{meter}", delete(remove_meter))
        .route("/faults/{meter}", put(set_fault).delete(clear_fault))
        .route("/grid/state", get(grid_state))
        .route("/grid/topology", get(grid_topology))
        .route("/stream", get(stream))
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .with_state(app)
}

/// Runs the simulation clock: while running, one interval per `interval_s / speed` seconds,
/// never past the wall clock when capped. An output failure stops the clock and is shown
/// in `/status`.
pub async fn run_clock(app: App) {
    loop {
        let (running, pace, wait) = {
            let s = app.sim.lock().await;
            (s.running, f64::from(s.fleet.config.interval_s) / s.speed, s.wait_for_wall_clock())
        };
        if !running || wait > 0 {
            tokio::time::sleep(Duration::from_millis(if running { 1_000 } else { 50 })).await;
            continue;
        }
        let started = std::time::Instant::now();
        match app.step().await {
            Ok(_) | Err(StepError::AheadOfWallClock(_)) => {}
            Err(StepError::Output(e)) => {
                eprintln!("simulation stopped: {e}");
                let mut s = app.sim.lock().await;
                s.running = false;
                s.last_error = Some(e);
            }
        }
        tokio::time::sleep(Duration::from_secs_f64(pace).saturating_sub(started.elapsed())).await;
    }
}

#[utoipa::path(get, path = "/status", responses((status = 200, body = Status)))]
async fn status(State(app): State<App>) -> Json<Status> {
    let s = app.sim.lock().await;
    Json(Status {
        running: s.running,
        speed: s.speed,
        now_s: s.fleet.now_s,
        intervals: s.intervals,
        meters: s.fleet.meters.len(),
        active_meters: s.fleet.meters.iter().filter(|m| m.online).count(),
        weather: s.fleet.weather,
        weather_pinned: s.fleet.weather_override.is_some(),
        wall_clock_cap: s.wall_clock_cap,
        faults: s.faults.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        last_error: s.last_error.clone(),
        feeder: s.fleet.grid.as_ref().map(|g| g.source.label()),
        outputs: app.report.lock().unwrap_or_else(|p| p.into_inner()).clone(),
    })
}

/// Starts (or restarts after an error) the clock.
#[utoipa::path(post, path = "/start", responses((status = 204)))]
async fn start(State(app): State<App>) -> StatusCode {
    let mut s = app.sim.lock().await;
    s.running = true;
    s.last_error = None;
    StatusCode::NO_CONTENT
}

/// Stops the clock and writes the state file, so the process can be ended safely.
#[utoipa::path(post, path = "/stop", responses((status = 204), (status = 500, body = ApiError)))]
async fn stop(State(app): State<App>) -> Response {
    match app.stop().await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

/// Holds the clock where it is.
#[utoipa::path(post, path = "/pause", responses((status = 204)))]
async fn pause(State(app): State<App>) -> StatusCode {
    app.sim.lock().await.running = false;
    StatusCode::NO_CONTENT
}

/// Lets a paused clock run again.
#[utoipa::path(post, path = "/resume", responses((status = 204)))]
async fn resume(State(app): State<App>) -> StatusCode {
    app.sim.lock().await.running = true;
    StatusCode::NO_CONTENT
}

/// Simulates one interval now, emits it, and returns its readings as published.
#[utoipa::path(post, path = "/step", responses(
    (status = 200, body = [MeterReadingV1]),
    (status = 409, body = ApiError, description = "the interval would end after the wall clock while posting"),
    (status = 502, body = ApiError, description = "an output failed")
))]
async fn step(State(app): State<App>) -> Response {
    match app.step().await {
        Ok(readings) => Json(readings).into_response(),
        Err(e @ StepError::AheadOfWallClock(_)) => error(StatusCode::CONFLICT, e.to_string()),
        Err(e) => error(StatusCode::BAD_GATEWAY, e.to_string()),
    }
}

#[utoipa::path(put, path = "/speed", request_body = SpeedRequest, responses((status = 204), (status = 400, body = ApiError)))]
async fn set_speed(State(app): State<App>, Json(req): Json<SpeedRequest>) -> Response {
    if !(req.speed.is_finite() && req.speed > 0.0 && req.speed <= MAX_SPEED) {
        return bad_request(format!("speed must be in (0, {MAX_SPEED}] simulated seconds per second"));
    }
    app.sim.lock().await.speed = req.speed;
    StatusCode::NO_CONTENT.into_response()
}

#[utoipa::path(put, path = "/weather", request_body = WeatherRequest, responses((status = 204)))]
async fn set_weather(State(app): State<App>, Json(req): Json<WeatherRequest>) -> StatusCode {
    let mut s = app.sim.lock().await;
    s.fleet.weather_override = req.weather;
    if let Some(w) = req.weather {
        s.fleet.weather = w;
    }
    StatusCode::NO_CONTENT
}

/// Adds meters drawn from the fleet's mix (registered on chain with the next interval).
#[utoipa::path(post, path = "/meters", request_body = AddMetersRequest, responses((status = 200, body = [usize]), (status = 400, body = ApiError)))]
async fn add_meters(State(app): State<App>, Json(req): Json<AddMetersRequest>) -> Response {
    if req.count == 0 || req.count > 10_000 {
        return bad_request("count must be 1..=10000");
    }
    let mut s = app.sim.lock().await;
    let added: Vec<usize> = (0..req.count).map(|_| s.fleet.add_meter()).collect();
    Json(added).into_response()
}

/// Decommissions a meter: it reports no more readings (its index is never reused).
#[utoipa::path(delete, path = "/meters/{meter}", params(("meter" = usize, Path)), responses((status = 204), (status = 400, body = ApiError)))]
async fn remove_meter(State(app): State<App>, Path(meter): Path<usize>) -> Response {
    let mut s = app.sim.lock().await;
    let count = s.fleet.meters.len();
    match s.fleet.meters.get_mut(meter) {
        Some(m) => {
            m.online = false;
            StatusCode::NO_CONTENT.into_response()
        }
        None => bad_request(format!("no meter {meter}; the fleet has {count}")),
    }
}

#[utoipa::path(put, path = "/faults/{meter}", request_body = Fault, params(("meter" = usize, Path)), responses((status = 204), (status = 400, body = ApiError)))]
async fn set_fault(State(app): State<App>, Path(meter): Path<usize>, Json(fault): Json<Fault>) -> Response {
    let mut s = app.sim.lock().await;
    if meter >= s.fleet.meters.len() {
        return bad_request(format!("no meter {meter}; the fleet has {}", s.fleet.meters.len()));
    }
    s.faults.insert(meter, fault);
    StatusCode::NO_CONTENT.into_response()
}

#[utoipa::path(delete, path = "/faults/{meter}", params(("meter" = usize, Path)), responses((status = 204)))]
async fn clear_fault(State(app): State<App>, Path(meter): Path<usize>) -> StatusCode {
    app.sim.lock().await.faults.remove(&meter);
    StatusCode::NO_CONTENT
}

/// The power flow of the last simulated interval on the fleet's feeder: every bus's voltage,
/// every line's and transformer's flow, current and loading, losses, and the events.
#[utoipa::path(get, path = "/grid/state", responses(
    (status = 200, body = GridStateV1),
    (status = 404, body = ApiError, description = "no feeder (`--feeder none`), or no interval simulated yet")
))]
async fn grid_state(State(app): State<App>) -> Response {
    let latest = {
        let s = app.sim.lock().await;
        match &s.fleet.grid {
            None => return error(StatusCode::NOT_FOUND, "the fleet hangs on no feeder (--feeder none)"),
            Some(grid) => grid.latest.clone(),
        }
    };
    match latest {
        Some(state) => Json(state.as_ref()).into_response(),
        None => error(StatusCode::NOT_FOUND, "no interval simulated yet: POST /step or /start"),
    }
}

/// The feeder (buses with coordinates, lines, transformers; the grid crate's file format)
/// and the bus of every meter.
#[utoipa::path(get, path = "/grid/topology", responses(
    (status = 200, body = GridTopologyV1),
    (status = 404, body = ApiError, description = "no feeder (`--feeder none`)")
))]
async fn grid_topology(State(app): State<App>) -> Response {
    let s = app.sim.lock().await;
    match &s.fleet.grid {
        Some(grid) => Json(grid.topology(&s.fleet.meters)).into_response(),
        None => error(StatusCode::NOT_FOUND, "the fleet hangs on no feeder (--feeder none)"),
    }
}

async fn stream(ws: WebSocketUpgrade, State(app): State<App>) -> Response {
    let receiver = app.stream.subscribe();
    ws.on_upgrade(move |socket| forward(socket, receiver))
}

async fn forward(mut socket: WebSocket, mut readings: broadcast::Receiver<Streamed>) {
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
