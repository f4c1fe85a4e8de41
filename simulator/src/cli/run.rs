//! `gridtokenx-simulator run`: simulate a fleet as fast as possible over a span of simulated
//! time, emit every reading to the chosen outputs, and print a summary.
use energy::reading::{surplus_to_mint, Cursor};
use energy::state::ReadingRules;

use super::feeder::FeederArgs;
use super::outputs::OutputArgs;
use crate::fleet::{FleetConfig, Mix};
use crate::meter::MeterKind;

/// A cluster accepts readings at most this old (the energy program's default staleness).
const MAX_POST_AGE_S: u64 = 23 * 3_600;

#[derive(clap::Args)]
pub struct RunArgs {
    /// Number of meters (ignored when resuming from --state).
    #[arg(long, default_value_t = 10)]
    pub meters: usize,
    /// Simulated time to cover, e.g. 24h, 90m, 7d. When posting, the run covers the last
    /// `--duration` up to now (or, resuming, from the saved clock up to now).
    #[arg(long, default_value = "24h", value_parser = humantime::parse_duration)]
    pub duration: std::time::Duration,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Simulated start (unix seconds), aligned down to the interval.
    #[arg(long, default_value_t = 1_800_000_000)]
    pub start: i64,
    #[arg(long, default_value_t = 13.75)]
    pub latitude: f64,
    #[arg(long, default_value_t = 100.5)]
    pub longitude: f64,
    /// Meter mix as prosumer,consumer,hybrid weights.
    #[arg(long, default_value = "0.5,0.3,0.2")]
    pub mix: String,
    /// The chain's production ceiling per meter and interval (Wh), for the summary.
    #[arg(long, default_value_t = 50_000)]
    pub max_wh_per_interval: u64,
    #[command(flatten)]
    pub feeder: FeederArgs,
    #[command(flatten)]
    pub outputs: OutputArgs,
}

pub fn parse_mix(mix: &str) -> Result<Mix, String> {
    let weights: Vec<f64> = mix
        .split(',')
        .map(|w| w.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("--mix {mix:?}: expected three numbers like 0.5,0.3,0.2"))?;
    let [prosumer, consumer, hybrid] = weights[..] else {
        return Err(format!("--mix {mix:?}: expected three weights (prosumer,consumer,hybrid)"));
    };
    if weights.iter().any(|w| !w.is_finite() || *w < 0.0) || prosumer + consumer + hybrid <= 0.0 {
        return Err(format!("--mix {mix:?}: weights must be non-negative with a positive sum"));
    }
    Ok(Mix { prosumer, consumer, hybrid })
}

pub async fn run(args: RunArgs) -> Result<(), String> {
    let posting = args.outputs.posting();
    if posting && args.duration.as_secs() > MAX_POST_AGE_S {
        return Err(
            "a cluster accepts readings at most a day old: use --duration 23h or less when posting".into()
        );
    }
    args.feeder.check()?;
    let now = crate::unix_now();
    let now_aligned = now - now.rem_euclid(i64::from(FleetConfig::default().interval_s));
    let config = FleetConfig {
        meters: args.meters,
        mix: parse_mix(&args.mix)?,
        latitude_deg: args.latitude,
        longitude_deg: args.longitude,
        start_unix_s: if posting { now_aligned - args.duration.as_secs() as i64 } else { args.start },
        seed: args.seed,
        ..FleetConfig::default()
    };
    let opened = args.outputs.open(config).await?;
    let (mut fleet, mut outputs) = (opened.fleet, opened.outputs);
    args.feeder.attach(&mut fleet)?;
    let interval_s = i64::from(fleet.config.interval_s);
    let end = match (opened.resumed, posting) {
        (_, true) => now_aligned.min(fleet.now_s + args.duration.as_secs() as i64),
        (true, false) => fleet.now_s + args.duration.as_secs() as i64,
        (false, false) => fleet.now_s + (args.duration.as_secs() as i64).max(interval_s),
    };
    if opened.resumed && posting && now_aligned - fleet.now_s > MAX_POST_AGE_S as i64 {
        eprintln!(
            "warning: the saved clock is over a day old; the chain will refuse the oldest readings as stale"
        );
    }
    let rules = ReadingRules {
        interval_secs: fleet.config.interval_s,
        max_future_secs: 60,
        max_staleness_secs: 86_400,
        max_wh_per_interval: args.max_wh_per_interval,
    };
    // The summary's "would mint" continues from the meters' current registers.
    let started_before =
        fleet.now_s > fleet.config.start_unix_s - fleet.config.start_unix_s.rem_euclid(interval_s);
    let mut cursors: Vec<Option<Cursor>> = fleet
        .meters
        .iter()
        .map(|m| started_before.then(|| Cursor::advanced(&m.reading(fleet.now_s - interval_s))))
        .collect();

    let intervals = u64::try_from((end - fleet.now_s) / interval_s).unwrap_or(0);
    let (mut mintable_wh, mut rejected) = (0u64, 0u64);
    let started = std::time::Instant::now();
    for n in 1..=intervals {
        let batch = fleet.advance_interval();
        cursors.resize(fleet.meters.len(), None);
        // The chain checks readings against its clock: here, just after the interval ends.
        let now = batch.interval_start_ts + interval_s + 5;
        for (i, reading) in &batch.readings {
            let cursor = cursors[*i].unwrap_or(Cursor::NONE);
            match surplus_to_mint(&rules, &cursor, reading, now) {
                Ok(wh) => {
                    mintable_wh += wh;
                    cursors[*i] = Some(Cursor::advanced(reading));
                }
                Err(_) => rejected += 1,
            }
        }
        outputs.emit(&fleet, &batch).await?;
        if n % (intervals / 10).max(1) == 0 || n == intervals {
            let report = outputs.report.lock().unwrap_or_else(|p| p.into_inner()).clone();
            let landed = report.chain.map(|c| format!(", {} landed", c.landed)).unwrap_or_default();
            eprintln!(
                "[{:>3}%] simulated {} of {}, {} readings{landed}",
                n * 100 / intervals,
                humantime::format_duration(std::time::Duration::from_secs(n * interval_s as u64)),
                humantime::format_duration(std::time::Duration::from_secs(intervals * interval_s as u64)),
                report.readings,
            );
        }
    }
    let report = outputs.finish(&fleet)?;
    let count = |k: MeterKind| fleet.meters.iter().filter(|m| m.kind == k).count();
    let exported: f64 = fleet.meters.iter().map(|m| m.exported_wh).sum();
    let imported: f64 = fleet.meters.iter().map(|m| m.imported_wh).sum();
    let signed = if outputs.oracle.is_some() { report.readings } else { 0 };
    eprintln!(
        "\nmeters: {} ({} prosumer, {} consumer, {} hybrid)\nintervals: {intervals}, readings: {} ({signed} signed)\nmeter registers: exported {:.1} kWh, imported {:.1} kWh\nthe chain would mint {:.3} kWh; {rejected} readings would be rejected\nwall time {:.2?}",
        fleet.meters.len(),
        count(MeterKind::Prosumer),
        count(MeterKind::Consumer),
        count(MeterKind::Hybrid),
        report.readings,
        exported / 1_000.0,
        imported / 1_000.0,
        mintable_wh as f64 / 1_000.0,
        started.elapsed(),
    );
    if let Some(chain) = &report.chain {
        eprintln!(
            "posted: {} landed, rejected {:?}, failed {:?} ({:.0} readings/s landed)",
            chain.landed,
            chain.rejected,
            chain.failed,
            chain.landed as f64 / started.elapsed().as_secs_f64()
        );
    }
    if let Some(kafka) = &report.kafka {
        eprintln!(
            "kafka: {} sent, {} delivered, {} failed{}",
            kafka.sent,
            kafka.delivered,
            kafka.failed,
            kafka.last_error.as_ref().map(|e| format!(" (last error: {e})")).unwrap_or_default()
        );
    }
    if let Some(influx) = &report.influx {
        eprintln!("influx: {} points written, {} failed", influx.written, influx.failed);
    }
    if let (Some(grid), Some(feeder)) = (&report.grid, &fleet.grid) {
        let show = |v: Option<f64>, digits: usize| v.map_or("-".into(), |v| format!("{v:.digits$}"));
        eprintln!(
            "grid ({}: {} buses): {} power flows, {} not converged; voltage {}–{} p.u., {} intervals outside ±{:.0} %; \
             max loading {} %, {} intervals overloaded; {} intervals of reverse flow; losses {:.1} kWh",
            feeder.feeder.spec.name,
            feeder.feeder.bus_count(),
            grid.states,
            grid.not_converged,
            show(grid.v_min_pu, 3),
            show(grid.v_max_pu, 3),
            grid.voltage_intervals,
            (feeder.limits.v_max_pu - 1.0) * 100.0,
            show(grid.max_loading_percent, 1),
            grid.overload_intervals,
            grid.reverse_flow_intervals,
            grid.losses_kwh,
        );
    }
    if let Some(kafka) = &report.kafka_grid {
        eprintln!(
            "kafka grid-state: {} sent, {} delivered, {} failed",
            kafka.sent, kafka.delivered, kafka.failed
        );
    }
    Ok(())
}
