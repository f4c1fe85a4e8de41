//! `gridtokenx-simulator serve`: a live simulation steered over the control API, emitting
//! each interval to the chosen outputs as the clock runs.
use super::feeder::FeederArgs;
use super::outputs::OutputArgs;
use super::run::parse_mix;
use crate::control::{check_speed, router, run_clock, App, Simulation};
use crate::fleet::FleetConfig;

#[derive(clap::Args)]
pub struct ServeArgs {
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub addr: std::net::SocketAddr,
    /// Number of meters (ignored when resuming from --state).
    #[arg(long, default_value_t = 10)]
    pub meters: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[arg(long, default_value = "0.5,0.3,0.2")]
    pub mix: String,
    #[arg(long, default_value_t = 13.75)]
    pub latitude: f64,
    #[arg(long, default_value_t = 100.5)]
    pub longitude: f64,
    /// Simulated seconds per real second.
    #[arg(long, default_value_t = 96.0)]
    pub speed: f64,
    /// Start the simulated clock this far in the past (it catches up at --speed; when
    /// posting it then follows the wall clock), e.g. 6h.
    #[arg(long, default_value = "0s", value_parser = humantime::parse_duration)]
    pub backfill: std::time::Duration,
    /// Start running immediately instead of waiting for POST /start.
    #[arg(long)]
    pub start: bool,
    #[command(flatten)]
    pub feeder: FeederArgs,
    #[command(flatten)]
    pub outputs: OutputArgs,
}

pub async fn serve(args: ServeArgs) -> Result<(), String> {
    check_speed(args.speed).map_err(|e| format!("--{e}"))?;
    let config = FleetConfig {
        meters: args.meters,
        seed: args.seed,
        mix: parse_mix(&args.mix)?,
        latitude_deg: args.latitude,
        longitude_deg: args.longitude,
        start_unix_s: backfilled_start(args.backfill)?,
        ..FleetConfig::default()
    };
    args.feeder.check()?;
    let mut opened = args.outputs.open(config).await?;
    args.feeder.attach(&mut opened.fleet)?;
    let mut simulation = Simulation::new(opened.fleet);
    simulation.running = args.start;
    simulation.speed = args.speed;
    simulation.wall_clock_cap = args.outputs.posting();
    let app = App::new(simulation, opened.outputs);
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e} (pick another --addr)", args.addr))?;
    let addr = args.addr;
    eprintln!("control API on http://{addr} (OpenAPI: /openapi.json, readings: ws://{addr}/stream)");
    tokio::spawn(run_clock(app.clone()));
    let stopping = app.clone();
    axum::serve(listener, router(app))
        .with_graceful_shutdown(async move {
            let _ = tokio::signal::ctrl_c().await;
            eprintln!("stopping: saving state and flushing outputs");
            if let Err(e) = stopping.stop().await {
                eprintln!("error: {e}");
            }
            let mut outputs = stopping.outputs.lock().await;
            let sim = stopping.sim.lock().await;
            match outputs.finish(&sim.fleet) {
                Ok(report) => eprintln!("{}", serde_json::to_string(&report).unwrap_or_default()),
                Err(e) => eprintln!("error: {e}"),
            }
        })
        .await
        .map_err(|e| e.to_string())
}

/// Longest `--backfill`: a chain refuses readings older than 30 days at the most
/// (`ReadingRules`), so a year is ample, and the start stays within the sun model's years.
const MAX_BACKFILL: std::time::Duration = std::time::Duration::from_secs(366 * 86_400);

/// The simulated clock's start, `backfill` before now.
fn backfilled_start(backfill: std::time::Duration) -> Result<i64, String> {
    if backfill > MAX_BACKFILL {
        return Err(format!("--backfill must be at most {} days", MAX_BACKFILL.as_secs() / 86_400));
    }
    // At most a year of seconds: no cast or subtraction here can overflow.
    Ok(crate::unix_now() - backfill.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{backfilled_start, MAX_BACKFILL};

    #[test]
    fn a_backfill_beyond_a_year_is_refused_not_wrapped() {
        let six_hours = backfilled_start(Duration::from_secs(6 * 3_600)).unwrap();
        assert!((crate::unix_now() - 6 * 3_600 - six_hours).abs() <= 1);
        assert!(backfilled_start(MAX_BACKFILL).is_ok());
        let refused = backfilled_start(MAX_BACKFILL + Duration::from_secs(1)).unwrap_err();
        assert!(refused.contains("--backfill must be at most 366 days"), "{refused}");
        assert!(backfilled_start(Duration::from_secs(u64::MAX)).is_err());
    }
}
