//! `gridtokenx-simulator run`: simulate a fleet offline, sign and emit its readings, and
//! report what the chain would mint. (Posting to a cluster and Kafka join with localnet.)
use std::io::Write;
use std::path::PathBuf;
use std::str::FromStr;

use anchor_lang::prelude::Pubkey;
use clap::{Parser, Subcommand};
use energy::reading::{surplus_to_mint, Cursor};
use energy::state::ReadingRules;
use gridtokenx_simulator::fleet::{Fleet, FleetConfig, Mix};
use gridtokenx_simulator::meter::MeterKind;
use gridtokenx_simulator::oracle::Oracle;
use gridtokenx_simulator::post::{PostReport, Poster};
use gridtokenx_simulator::telemetry::MeterReadingV1;

#[derive(Parser)]
#[command(version, about = "GridTokenX smart-meter fleet simulator")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a fleet for a while and print a summary.
    Run(RunArgs),
    /// Serve the control API (OpenAPI at /openapi.json, live readings at /stream).
    Serve {
        #[arg(long, default_value = "127.0.0.1:8090")]
        addr: std::net::SocketAddr,
        #[arg(long, default_value_t = 10)]
        meters: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Start running immediately instead of waiting for POST /start.
        #[arg(long)]
        start: bool,
    },
    /// Write a new oracle keypair file (Solana JSON format) and print its public key.
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Parser)]
struct RunArgs {
    /// Number of meters.
    #[arg(long, default_value_t = 10)]
    meters: usize,
    /// Simulated time to cover, e.g. 24h, 90m, 7d.
    #[arg(long, default_value = "24h", value_parser = humantime::parse_duration)]
    duration: std::time::Duration,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Simulated start (unix seconds), aligned down to the interval.
    #[arg(long, default_value_t = 1_800_000_000)]
    start: i64,
    #[arg(long, default_value_t = 13.75)]
    latitude: f64,
    #[arg(long, default_value_t = 100.5)]
    longitude: f64,
    /// Meter mix as prosumer,consumer,hybrid weights.
    #[arg(long, default_value = "0.5,0.3,0.2")]
    mix: String,
    /// The oracle's Solana keypair JSON file; without it readings are not signed.
    #[arg(long)]
    oracle_key: Option<PathBuf>,
    /// Genesis hash (base58) of the cluster the readings are for.
    #[arg(long, default_value = "11111111111111111111111111111111")]
    cluster_tag: String,
    /// The chain's production ceiling per meter and interval (Wh).
    #[arg(long, default_value_t = 50_000)]
    max_wh_per_interval: u64,
    /// Write every reading as a JSON line (schema gridtokenx.meter-reading.v1); `-` for stdout.
    #[arg(long)]
    jsonl: Option<PathBuf>,
    /// Post signed readings to this cluster's JSON-RPC (e.g. localnet's http://127.0.0.1:8899).
    /// The simulation then covers the last `--duration` up to now; needs --oracle-key and
    /// --payer-key. The cluster tag is read from the chain.
    #[arg(long)]
    rpc_url: Option<String>,
    /// Keypair JSON file paying fees and the meters' registration (with --rpc-url).
    #[arg(long)]
    payer_key: Option<PathBuf>,
    /// Transactions in flight at once when posting.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
}

#[tokio::main]
async fn main() {
    let result = match Cli::parse().command {
        Command::Run(args) => run(args).await,
        Command::Keygen { out } => keygen(&out),
        Command::Serve { addr, meters, seed, start } => serve(addr, meters, seed, start).await,
    };
    if let Err(message) = result {
        eprintln!("error: {message}");
        std::process::exit(2);
    }
}

async fn serve(addr: std::net::SocketAddr, meters: usize, seed: u64, start: bool) -> Result<(), String> {
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string())?;
    let fleet = Fleet::new(FleetConfig {
        meters,
        seed,
        start_unix_s: now.as_secs() as i64,
        ..FleetConfig::default()
    });
    let mut simulation = gridtokenx_simulator::control::Simulation::new(fleet);
    simulation.running = start;
    let sim = std::sync::Arc::new(tokio::sync::Mutex::new(simulation));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e} (pick another --addr)"))?;
    eprintln!("control API on http://{addr} (OpenAPI: /openapi.json, readings: ws://{addr}/stream)");
    tokio::spawn(gridtokenx_simulator::control::run_clock(sim.clone()));
    axum::serve(listener, gridtokenx_simulator::control::router(sim)).await.map_err(|e| e.to_string())
}

fn keygen(out: &std::path::Path) -> Result<(), String> {
    if out.exists() {
        return Err(format!("{} exists; refusing to overwrite a key", out.display()));
    }
    let keypair = solana_keypair::Keypair::new();
    let json = serde_json::to_string(&keypair.to_bytes().to_vec()).map_err(|e| e.to_string())?;
    std::fs::write(out, json).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!("{}", solana_signer::Signer::pubkey(&keypair));
    Ok(())
}

async fn run(args: RunArgs) -> Result<(), String> {
    let weights: Vec<f64> = args
        .mix
        .split(',')
        .map(|w| w.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("--mix {:?}: expected three numbers like 0.5,0.3,0.2", args.mix))?;
    let [prosumer, consumer, hybrid] = weights[..] else {
        return Err(format!("--mix {:?}: expected three weights (prosumer,consumer,hybrid)", args.mix));
    };
    let rpc = args.rpc_url.as_ref().map(|url| {
        std::sync::Arc::new(solana_rpc_client::nonblocking::rpc_client::RpcClient::new_with_commitment(
            url.clone(),
            solana_commitment_config::CommitmentConfig::confirmed(),
        ))
    });
    let cluster_tag = match &rpc {
        Some(rpc) => gridtokenx_simulator::post::cluster_tag(rpc)
            .await
            .map_err(|e| format!("{e} (is --rpc-url right?)"))?,
        None => Pubkey::from_str(&args.cluster_tag)
            .map_err(|_| format!("--cluster-tag {:?} is not a base58 genesis hash", args.cluster_tag))?
            .to_bytes(),
    };
    let oracle = args
        .oracle_key
        .as_deref()
        .map(|path| Oracle::from_file(path, energy::ID, cluster_tag))
        .transpose()
        .map_err(|e| e.to_string())?;
    let mut start_unix_s = args.start;
    if rpc.is_some() {
        if oracle.is_none() || args.payer_key.is_none() {
            return Err("posting (--rpc-url) needs --oracle-key and --payer-key".into());
        }
        if args.duration.as_secs() > 23 * 3_600 {
            return Err(
                "a cluster accepts readings at most a day old: use --duration 23h or less when posting"
                    .into(),
            );
        }
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string())?;
        let end = now.as_secs() as i64 - now.as_secs() as i64 % 900;
        start_unix_s = end - args.duration.as_secs() as i64;
    }
    let config = FleetConfig {
        meters: args.meters,
        mix: Mix { prosumer, consumer, hybrid },
        latitude_deg: args.latitude,
        longitude_deg: args.longitude,
        start_unix_s,
        seed: args.seed,
        ..FleetConfig::default()
    };
    let rules = ReadingRules {
        interval_secs: config.interval_s,
        max_future_secs: 60,
        max_staleness_secs: 86_400,
        max_wh_per_interval: args.max_wh_per_interval,
    };
    let mut out: Option<Box<dyn Write>> = match args.jsonl.as_deref() {
        None => None,
        Some(p) if p.as_os_str() == "-" => Some(Box::new(std::io::stdout().lock())),
        Some(p) => Some(Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).map_err(|e| format!("cannot create {}: {e}", p.display()))?,
        ))),
    };

    let mut fleet = Fleet::new(config.clone());
    let meter_addresses: Vec<Pubkey> =
        fleet.meters.iter().map(|m| energy::client::meter_address(&m.meter_id)).collect();
    let mut poster_state = None;
    if let (Some(rpc), Some(oracle), Some(payer)) = (rpc.clone(), oracle.as_ref(), args.payer_key.as_deref())
    {
        let payer = gridtokenx_simulator::oracle::read_keypair(payer).map_err(|e| e.to_string())?;
        let poster = Poster {
            rpc,
            oracle: Oracle::new(oracle.keypair_clone(), energy::ID, cluster_tag),
            payer,
            concurrency: args.concurrency,
        };
        let ids: Vec<[u8; 32]> = fleet.meters.iter().map(|m| m.meter_id).collect();
        eprintln!("registering {} meters on {}", ids.len(), args.rpc_url.as_deref().unwrap_or_default());
        let meters = poster.register_meters(&ids).await.map_err(|e| e.to_string())?;
        poster_state = Some((poster, meters, PostReport::default()));
    }
    let mut cursors = vec![None::<Cursor>; fleet.meters.len()];
    let intervals = (args.duration.as_secs() / u64::from(config.interval_s)).max(1);
    let (mut readings, mut mintable_wh, mut rejected) = (0u64, 0u64, 0u64);
    let started = std::time::Instant::now();
    for n in 1..=intervals {
        let batch = fleet.advance_interval();
        // The chain checks readings against its clock: here, just after the interval ends.
        let now = batch.interval_start_ts + i64::from(config.interval_s) + 5;
        for (i, reading) in &batch.readings {
            readings += 1;
            let cursor = cursors[*i].unwrap_or(Cursor {
                has_reading: false,
                last_interval_start_ts: 0,
                last_produced_wh: 0,
                last_consumed_wh: 0,
            });
            match surplus_to_mint(&rules, &cursor, reading, now) {
                Ok(wh) => {
                    mintable_wh += wh;
                    cursors[*i] = Some(Cursor::advanced(reading));
                }
                Err(_) => rejected += 1,
            }
            if let Some(out) = out.as_mut() {
                let meter = &fleet.meters[*i];
                let signed = oracle.as_ref().map(|o| o.sign(&meter_addresses[*i], *reading));
                let message = MeterReadingV1::new(
                    &meter_addresses[*i],
                    &meter.meter_id,
                    meter.kind,
                    reading,
                    config.interval_s,
                    fleet.weather,
                    signed.as_ref(),
                );
                let line = serde_json::to_string(&message).map_err(|e| e.to_string())?;
                writeln!(out, "{line}").map_err(|e| format!("writing readings: {e}"))?;
            }
        }
        if let Some((poster, meters, report)) = poster_state.as_mut() {
            report.merge(poster.post(meters, &batch.readings).await);
        }
        if n % (intervals / 10).max(1) == 0 || n == intervals {
            eprintln!(
                "[{:>3}%] simulated {} of {}, {readings} readings",
                n * 100 / intervals,
                humantime::format_duration(std::time::Duration::from_secs(n * u64::from(config.interval_s))),
                humantime::format_duration(args.duration),
            );
        }
    }
    if let Some((_, _, report)) = &poster_state {
        eprintln!(
            "posted: {} landed, rejected {:?}, failed {:?} ({:.0} readings/s landed)",
            report.landed,
            report.rejected,
            report.failed,
            report.landed as f64 / started.elapsed().as_secs_f64()
        );
    }
    if let Some(mut out) = out {
        out.flush().map_err(|e| format!("writing readings: {e}"))?;
    }
    let count = |k: MeterKind| fleet.meters.iter().filter(|m| m.kind == k).count();
    let exported: f64 = fleet.meters.iter().map(|m| m.exported_wh).sum();
    let imported: f64 = fleet.meters.iter().map(|m| m.imported_wh).sum();
    eprintln!(
        "\nmeters: {} ({} prosumer, {} consumer, {} hybrid)\nintervals: {intervals}, readings: {readings} ({} signed)\nexported {:.1} kWh, imported {:.1} kWh\nthe chain would mint {:.3} kWh; {rejected} readings would be rejected\nwall time {:.2?}",
        fleet.meters.len(),
        count(MeterKind::Prosumer),
        count(MeterKind::Consumer),
        count(MeterKind::Hybrid),
        if oracle.is_some() { readings } else { 0 },
        exported / 1_000.0,
        imported / 1_000.0,
        mintable_wh as f64 / 1_000.0,
        started.elapsed(),
    );
    Ok(())
}
