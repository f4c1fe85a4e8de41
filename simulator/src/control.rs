//! The control API: run, pause, step and steer a live simulation over HTTP (axum), with an
//! OpenAPI description at `/openapi.json` and a WebSocket stream of readings (and, when the
//! fleet hangs on a feeder, each interval's grid state) at `/stream`; the feeder's latest
//! state and its topology at `/grid/state` and `/grid/topology`.
//!
//! Faults are injected per meter: `offline` (no readings), `spike` (one reading inflated by
//! the given Wh, which a chain must refuse as implausible), `clock_skew` (readings stamped
//! the given seconds late or early, which a chain must refuse as future or misaligned).
//!
//! Every parameter is bounded (`MIN_SPEED`..`MAX_SPEED`, `MAX_CLOCK_SKEW_S`, `MAX_SPIKE_WH`,
//! `MAX_ADDED_METERS`) and every refusal, including a body or path that does not parse, is
//! a 400 with the `ApiError` JSON body. A step runs in a task of its own, so a panic in it
//! is an error (a 500 from `/step`, `last_error` from the clock) rather than a dead clock.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
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
use crate::Reading;
use gridtokenx_telemetry::{
    BusStateV1, GridEventV1, GridFlowV1, GridStateV1, GridTopologyV1, LineStateV1, MeterAttachmentV1,
    TransformerStateV1,
};

/// Readings kept for slow WebSocket clients; a client further behind is disconnected.
const STREAM_BUFFER: usize = 8_192;
/// Slowest clock: one interval's pace (`interval_s / speed`) must be a sleep the clock can
/// take (900 s at 0.01 is 25 h; at 1e-300 it is no `Duration` at all, and the clock died).
pub const MIN_SPEED: f64 = 0.01;
pub const MAX_SPEED: f64 = 1_000_000.0;
/// A clock skew reaches one day past the longest staleness a council may allow (30 days,
/// `ReadingRules::validate`), so every timing refusal of the chain can be provoked, and
/// keeps a skewed timestamp far inside `i64`.
pub const MAX_CLOCK_SKEW_S: i64 = 31 * 86_400;
/// A spike of 1 TWh is thousands of times what a power station makes in an interval (so
/// above any plausibility limit worth testing) and keeps the production register far inside
/// `i64`, which InfluxDB's integer fields and signed database columns need.
pub const MAX_SPIKE_WH: u64 = 1_000_000_000_000;
/// Meters one `POST /meters` adds.
pub const MAX_ADDED_METERS: usize = 10_000;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    Offline,
    /// Adds `wh` to the next reading's production only.
    Spike {
        /// At most 1,000,000,000,000 (1 TWh).
        wh: u64,
    },
    /// Shifts every reading's interval start by `seconds`.
    ClockSkew {
        /// Within ±2,678,400 (31 days).
        seconds: i64,
    },
}

impl Fault {
    /// Refuses a parameter outside its bound, naming the bound.
    pub fn check(&self) -> Result<(), String> {
        match *self {
            Fault::Spike { wh } if wh > MAX_SPIKE_WH => {
                Err(format!("spike wh must be at most {MAX_SPIKE_WH}"))
            }
            Fault::ClockSkew { seconds } if seconds.unsigned_abs() > MAX_CLOCK_SKEW_S.unsigned_abs() => {
                Err(format!("clock_skew seconds must be within ±{MAX_CLOCK_SKEW_S} (31 days)"))
            }
            _ => Ok(()),
        }
    }

    /// `reading` as this fault makes it, or `None` for no reading; checked arithmetic, so a
    /// fault a library caller set around `check` is an error, never a panic or a wrap.
    fn apply(self, meter: usize, mut reading: Reading) -> Result<Option<Reading>, StepError> {
        match self {
            Fault::Offline => return Ok(None),
            Fault::Spike { wh } => {
                reading.produced_wh = reading.produced_wh.checked_add(wh).ok_or_else(|| {
                    StepError::Fault(format!(
                        "meter {meter}'s spike of {wh} Wh overflows its production register"
                    ))
                })?;
            }
            Fault::ClockSkew { seconds } => {
                reading.interval_start_ts = skewed(meter, reading.interval_start_ts, seconds)?
            }
        }
        Ok(Some(reading))
    }
}

fn skewed(meter: usize, interval_start_ts: i64, seconds: i64) -> Result<i64, StepError> {
    interval_start_ts.checked_add(seconds).ok_or_else(|| {
        StepError::Fault(format!(
            "meter {meter}'s clock_skew of {seconds} s takes the interval starting at {interval_start_ts} \
             out of range: clear the fault"
        ))
    })
}

/// Refuses a speed the clock cannot pace, naming the bounds.
pub fn check_speed(speed: f64) -> Result<(), String> {
    if speed.is_finite() && (MIN_SPEED..=MAX_SPEED).contains(&speed) {
        return Ok(());
    }
    Err(format!("speed must be within [{MIN_SPEED}, {MAX_SPEED}] simulated seconds per second"))
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

    /// Simulates one interval and applies faults; returns the readings. A clock skew that
    /// would take the interval's timestamp out of range is refused before anything is
    /// simulated, so the simulation stays as it was.
    pub fn step(&mut self) -> Result<IntervalReadings, StepError> {
        self.check_skews(self.fleet.now_s)?;
        let mut batch = self.fleet.advance_interval();
        self.intervals += 1;
        let mut kept = Vec::with_capacity(batch.readings.len());
        for (meter, reading) in std::mem::take(&mut batch.readings) {
            let Some(fault) = self.faults.get(&meter).copied() else {
                kept.push((meter, reading));
                continue;
            };
            if let Some(reading) = fault.apply(meter, reading)? {
                kept.push((meter, reading));
            }
            if let Fault::Spike { .. } = fault {
                self.faults.remove(&meter);
            }
        }
        batch.readings = kept;
        Ok(batch)
    }

    fn check_skews(&self, interval_start_ts: i64) -> Result<(), StepError> {
        for (&meter, fault) in &self.faults {
            if let Fault::ClockSkew { seconds } = *fault {
                skewed(meter, interval_start_ts, seconds)?;
            }
        }
        Ok(())
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

    /// Simulates one interval and emits it, in a task of its own: a panic there (a bug) is
    /// `StepError::Panicked` instead of a dead clock or a dropped connection, and the unwind
    /// releases the locks the step held, so the API and the clock go on. The task also
    /// finishes an interval whose HTTP client went away, rather than emit half of it.
    pub async fn step(&self) -> Result<Vec<MeterReadingV1>, StepError> {
        let app = self.clone();
        match tokio::spawn(async move { app.step_in_place().await }).await {
            Ok(result) => result,
            Err(failure) => Err(StepError::Panicked(panic_message(failure))),
        }
    }

    /// The outputs are locked before the simulation, by every caller, so intervals reach
    /// the chain in order.
    async fn step_in_place(&self) -> Result<Vec<MeterReadingV1>, StepError> {
        let mut outputs = self.outputs.lock().await;
        let mut sim = self.sim.lock().await;
        let wait = sim.wait_for_wall_clock();
        if wait > 0 {
            return Err(StepError::AheadOfWallClock(wait));
        }
        let interval = sim.step()?;
        outputs.emit(&sim.fleet, &interval).await.map_err(StepError::Output)
    }

    /// Stops the clock after a failed step and says why in `/status`; `/start` runs it again.
    async fn clock_failed(&self, failure: StepError) {
        let error = match failure {
            StepError::AheadOfWallClock(_) => return,
            StepError::Panicked(_) => format!("clock task failed: {failure}"),
            StepError::Fault(_) | StepError::Output(_) => failure.to_string(),
        };
        eprintln!("simulation stopped: {error}");
        let mut s = self.sim.lock().await;
        s.running = false;
        s.last_error = Some(error);
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
    /// A fault cannot apply to this interval (nothing was simulated).
    #[error("{0}")]
    Fault(String),
    #[error("{0}")]
    Output(String),
    #[error("the step panicked: {0}")]
    Panicked(String),
}

fn panic_message(failure: tokio::task::JoinError) -> String {
    if !failure.is_panic() {
        return failure.to_string();
    }
    let payload = failure.into_panic();
    match (payload.downcast_ref::<&str>(), payload.downcast_ref::<String>()) {
        (Some(message), _) => (*message).to_owned(),
        (_, Some(message)) => message.clone(),
        _ => "a panic without a message".to_owned(),
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
    /// Simulated seconds per real second, within [0.01, 1000000], e.g. 96 runs a day in 15
    /// minutes.
    speed: f64,
}

#[derive(Deserialize, ToSchema)]
pub struct WeatherRequest {
    /// Pin the weather, or `null` to let it evolve.
    weather: Option<Weather>,
}

#[derive(Deserialize, ToSchema)]
pub struct AddMetersRequest {
    /// 1 to 10,000.
    count: usize,
}

#[derive(Serialize, ToSchema)]
pub struct ApiError {
    error: String,
}

/// What every 400 of the API means (the OpenAPI document's description of it).
const REFUSED: &str = "a body or path that does not parse (malformed JSON, a missing or mistyped field, no \
    JSON content type), or a parameter outside its bound; `error` says which";

fn error(status: StatusCode, error: impl Into<String>) -> Response {
    (status, Json(ApiError { error: error.into() })).into_response()
}

fn bad_request(message: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

/// An extractor's refusal as the `ApiError` body with axum's message: a 400 for anything the
/// client sent (axum's own 415 and 422 included, one status for the OpenAPI document to
/// declare), a server error kept as it is.
fn refused(status: StatusCode, message: String) -> Response {
    error(if status.is_server_error() { status } else { StatusCode::BAD_REQUEST }, message)
}

/// `Json` whose refusal (malformed JSON, a missing or mistyped field, no JSON content type)
/// is the `ApiError` body rather than axum's plain text.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(refused(rejection.status(), rejection.body_text())),
        }
    }
}

/// `Path` whose refusal (e.g. `/meters/abc`) is the `ApiError` body.
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    Path<T>: FromRequestParts<S, Rejection = PathRejection>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(refused(rejection.status(), rejection.body_text())),
        }
    }
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
/// never past the wall clock when capped. A failed step (an output, a fault, a panic)
/// stops the clock and is shown in `/status`; the loop itself goes on, so `/start` runs
/// the clock again.
pub async fn run_clock(app: App) {
    loop {
        let (running, pace, wait) = {
            let s = app.sim.lock().await;
            (s.running, pace(s.fleet.config.interval_s, s.speed), s.wait_for_wall_clock())
        };
        if !running || wait > 0 {
            tokio::time::sleep(Duration::from_millis(if running { 1_000 } else { 50 })).await;
            continue;
        }
        let started = std::time::Instant::now();
        if let Err(failure) = app.step().await {
            app.clock_failed(failure).await;
        }
        tokio::time::sleep(pace.saturating_sub(started.elapsed())).await;
    }
}

/// Real time per interval. The API bounds the speed; one set around it (a library caller)
/// that no `Duration` can express runs the clock at real time rather than panic.
fn pace(interval_s: u32, speed: f64) -> Duration {
    let real_time = Duration::from_secs(u64::from(interval_s));
    Duration::try_from_secs_f64(f64::from(interval_s) / speed).unwrap_or(real_time)
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
    (status = 409, body = ApiError, description = "nothing simulated: the interval would end after the wall \
        clock while posting, or a clock_skew fault would take its timestamp out of range"),
    (status = 500, body = ApiError, description = "the step panicked (a bug); the next step may be tried"),
    (status = 502, body = ApiError, description = "an output failed")
))]
async fn step(State(app): State<App>) -> Response {
    match app.step().await {
        Ok(readings) => Json(readings).into_response(),
        Err(e @ (StepError::AheadOfWallClock(_) | StepError::Fault(_))) => {
            error(StatusCode::CONFLICT, e.to_string())
        }
        Err(e @ StepError::Panicked(_)) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(e @ StepError::Output(_)) => error(StatusCode::BAD_GATEWAY, e.to_string()),
    }
}

#[utoipa::path(put, path = "/speed", request_body = SpeedRequest, responses(
    (status = 204),
    (status = 400, body = ApiError, description = REFUSED)
))]
async fn set_speed(State(app): State<App>, ApiJson(req): ApiJson<SpeedRequest>) -> Response {
    if let Err(e) = check_speed(req.speed) {
        return bad_request(e);
    }
    app.sim.lock().await.speed = req.speed;
    StatusCode::NO_CONTENT.into_response()
}

#[utoipa::path(put, path = "/weather", request_body = WeatherRequest, responses(
    (status = 204),
    (status = 400, body = ApiError, description = REFUSED)
))]
async fn set_weather(State(app): State<App>, ApiJson(req): ApiJson<WeatherRequest>) -> StatusCode {
    let mut s = app.sim.lock().await;
    s.fleet.weather_override = req.weather;
    if let Some(w) = req.weather {
        s.fleet.weather = w;
    }
    StatusCode::NO_CONTENT
}

/// Adds meters drawn from the fleet's mix (registered on chain with the next interval).
#[utoipa::path(post, path = "/meters", request_body = AddMetersRequest, responses(
    (status = 200, body = [usize]),
    (status = 400, body = ApiError, description = REFUSED)
))]
async fn add_meters(State(app): State<App>, ApiJson(req): ApiJson<AddMetersRequest>) -> Response {
    if !(1..=MAX_ADDED_METERS).contains(&req.count) {
        return bad_request(format!("count must be within 1..={MAX_ADDED_METERS}"));
    }
    let mut s = app.sim.lock().await;
    let added: Vec<usize> = (0..req.count).map(|_| s.fleet.add_meter()).collect();
    Json(added).into_response()
}

/// Decommissions a meter: it reports no more readings (its index is never reused).
#[utoipa::path(delete, path = "/meters/{meter}", params(("meter" = usize, Path)), responses(
    (status = 204),
    (status = 400, body = ApiError, description = REFUSED)
))]
async fn remove_meter(State(app): State<App>, ApiPath(meter): ApiPath<usize>) -> Response {
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

#[utoipa::path(put, path = "/faults/{meter}", request_body = Fault, params(("meter" = usize, Path)), responses(
    (status = 204),
    (status = 400, body = ApiError, description = REFUSED)
))]
async fn set_fault(
    State(app): State<App>,
    ApiPath(meter): ApiPath<usize>,
    ApiJson(fault): ApiJson<Fault>,
) -> Response {
    if let Err(e) = fault.check() {
        return bad_request(e);
    }
    let mut s = app.sim.lock().await;
    if meter >= s.fleet.meters.len() {
        return bad_request(format!("no meter {meter}; the fleet has {}", s.fleet.meters.len()));
    }
    s.faults.insert(meter, fault);
    StatusCode::NO_CONTENT.into_response()
}

#[utoipa::path(delete, path = "/faults/{meter}", params(("meter" = usize, Path)), responses(
    (status = 204),
    (status = 400, body = ApiError, description = REFUSED)
))]
async fn clear_fault(State(app): State<App>, ApiPath(meter): ApiPath<usize>) -> StatusCode {
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
