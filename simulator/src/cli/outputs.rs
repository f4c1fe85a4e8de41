//! The output flags `run` and `serve` share, and turning them into `Outputs` plus the fleet
//! to drive (a saved one when `--state` names an existing file).
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;

use crate::fleet::{Fleet, FleetConfig};
use crate::oracle::{read_keypair, Oracle};
use crate::post::{cluster_tag, ChainMeter, Poster};
use crate::sink::influx::InfluxSink;
use crate::sink::kafka::KafkaSink;
use crate::sink::{ChainOutput, Outputs};
use crate::state::StateFile;
use crate::telemetry::TOPIC;
use gridtokenx_telemetry::GRID_TOPIC;

#[derive(clap::Args, Clone, Debug, Default)]
pub struct OutputArgs {
    /// The oracle's Solana keypair JSON file; without it readings are not signed.
    #[arg(long)]
    pub oracle_key: Option<PathBuf>,
    /// Genesis hash (base58) of the cluster the readings are for (read from the chain when
    /// posting).
    #[arg(long, default_value = "11111111111111111111111111111111")]
    pub cluster_tag: String,
    /// Post signed readings to this cluster's JSON-RPC (e.g. localnet's
    /// http://127.0.0.1:8899); needs --oracle-key and --payer-key.
    #[arg(long)]
    pub rpc_url: Option<String>,
    /// Keypair JSON file paying fees and the meters' registration (with --rpc-url).
    #[arg(long)]
    pub payer_key: Option<PathBuf>,
    /// Transactions in flight at once when posting.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Publish every reading to Kafka at these bootstrap servers (e.g. 127.0.0.1:9092).
    #[arg(long)]
    pub kafka_brokers: Option<String>,
    #[arg(long, default_value = TOPIC)]
    pub kafka_topic: String,
    /// The topic of the feeder's grid states and topology (with --kafka-brokers; default
    /// grid-state).
    #[arg(long)]
    pub kafka_grid_topic: Option<String>,
    /// Extra librdkafka producer settings, repeatable: --kafka-option message.timeout.ms=600000
    #[arg(long = "kafka-option", value_parser = key_value)]
    pub kafka_options: Vec<(String, String)>,
    /// InfluxDB line protocol to a file, or to an http(s) write URL (token: $INFLUX_TOKEN).
    #[arg(long)]
    pub influx: Option<String>,
    /// Every reading as a JSON line (schema gridtokenx.meter-reading.v1); `-` for stdout.
    #[arg(long)]
    pub jsonl: Option<PathBuf>,
    /// Keep the run's state (fleet, meter keys, clock) in this file and resume from it.
    #[arg(long)]
    pub state: Option<PathBuf>,
}

fn key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .ok_or_else(|| format!("{s:?}: expected key=value"))
}

/// A fleet and where its readings go.
pub struct Opened {
    pub fleet: Fleet,
    pub outputs: Outputs,
    /// True when the fleet came from the state file.
    pub resumed: bool,
    pub cluster_tag: [u8; 32],
}

impl OutputArgs {
    pub fn posting(&self) -> bool {
        self.rpc_url.is_some()
    }

    /// Opens every requested output; `new_fleet` is used unless the state file has one.
    pub async fn open(&self, new_fleet: FleetConfig) -> Result<Opened, String> {
        let rpc = self
            .rpc_url
            .as_ref()
            .map(|url| Arc::new(RpcClient::new_with_commitment(url.clone(), CommitmentConfig::confirmed())));
        let tag = match &rpc {
            Some(rpc) => cluster_tag(rpc).await.map_err(|e| format!("{e} (is --rpc-url right?)"))?,
            None => Pubkey::from_str(&self.cluster_tag)
                .map_err(|_| format!("--cluster-tag {:?} is not a base58 genesis hash", self.cluster_tag))?
                .to_bytes(),
        };
        let oracle = self
            .oracle_key
            .as_deref()
            .map(|path| Oracle::from_file(path, energy::ID, tag))
            .transpose()
            .map_err(|e| e.to_string())?;

        let state = self.state.as_ref().map(StateFile::new);
        let saved = match &state {
            Some(state) => state.load().map_err(|e| e.to_string())?,
            None => None,
        };
        if let (Some(saved), Some(state), None) = (&saved, &state, &rpc) {
            if !saved.chain_meters.is_empty() {
                return Err(format!(
                    "state file {} holds meters registered on cluster {}: pass --rpc-url to continue it, or use another --state",
                    state.path().display(),
                    saved.cluster_tag.as_deref().unwrap_or("?")
                ));
            }
        }
        let mut outputs = Outputs::default();
        if let Some(rpc) = rpc {
            let (Some(oracle), Some(payer)) = (oracle.as_ref(), self.payer_key.as_deref()) else {
                return Err("posting (--rpc-url) needs --oracle-key and --payer-key".into());
            };
            let owners = match (&saved, &state) {
                (Some(saved), Some(state)) => {
                    saved.owners_for(state.path(), &tag).map_err(|e| e.to_string())?
                }
                _ => Vec::new(),
            };
            let fleet_meters = saved.as_ref().map(|s| &s.fleet.meters);
            let meters = owners
                .into_iter()
                .enumerate()
                .map(|(i, owner)| {
                    let meter_id =
                        fleet_meters.and_then(|m| m.get(i)).map(|m| m.meter_id).ok_or_else(|| {
                            "state file lists more chain meters than fleet meters; move it away".to_string()
                        })?;
                    Ok(ChainMeter::new(meter_id, owner))
                })
                .collect::<Result<Vec<_>, String>>()?;
            let poster = Poster {
                rpc,
                oracle: Oracle::new(oracle.keypair_clone(), energy::ID, tag),
                payer: read_keypair(payer).map_err(|e| e.to_string())?,
                concurrency: self.concurrency,
            };
            outputs.chain = Some(ChainOutput { poster, meters });
        }
        outputs.oracle = oracle;
        if let Some(brokers) = &self.kafka_brokers {
            let grid_topic = self.kafka_grid_topic.as_deref().unwrap_or(GRID_TOPIC);
            outputs.kafka = Some(
                KafkaSink::connect(brokers, &self.kafka_topic, grid_topic, &self.kafka_options)
                    .await
                    .map_err(|e| e.to_string())?,
            );
        }
        outputs.influx = self.influx.as_deref().map(InfluxSink::open).transpose()?;
        outputs.jsonl = match self.jsonl.as_deref() {
            None => None,
            Some(p) if p.as_os_str() == "-" => Some(Box::new(std::io::stdout())),
            Some(p) => Some(Box::new(std::io::BufWriter::new(
                std::fs::File::create(p).map_err(|e| format!("cannot create {}: {e}", p.display()))?,
            ))),
        };
        outputs.state = state;
        let resumed = saved.is_some();
        let fleet = match saved {
            Some(saved) => saved.fleet,
            None => Fleet::new(new_fleet),
        };
        if let (true, Some(path)) = (resumed, &self.state) {
            eprintln!(
                "resuming {} meters from {} at simulated {}",
                fleet.meters.len(),
                path.display(),
                fleet.now_s
            );
        }
        // Meters of the state file the chain does not hold are registered again, with their
        // owners from the state file: otherwise every reading of theirs is refused forever.
        if let Some(chain) = &outputs.chain {
            let url = self.rpc_url.as_deref().unwrap_or_default();
            let missing = chain
                .poster
                .missing_on_chain(&chain.meters)
                .await
                .map_err(|e| format!("cannot check the state file's meters on {url}: {e}"))?;
            if !missing.is_empty() {
                eprintln!(
                    "{} of the state file's {} meters are missing on {url}: registering them again",
                    missing.len(),
                    chain.meters.len()
                );
                chain
                    .poster
                    .register(missing.iter().map(|&i| &chain.meters[i]))
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
        if outputs.chain.as_ref().is_some_and(|c| c.meters.len() < fleet.meters.len()) {
            let missing = fleet.meters.len() - outputs.chain.as_ref().map_or(0, |c| c.meters.len());
            eprintln!("registering {missing} meters on {}", self.rpc_url.as_deref().unwrap_or_default());
            outputs.register_new_meters(&fleet).await?;
            // The owners' keys are on disk before any reading is posted.
            outputs.save(&fleet, true)?;
        }
        Ok(Opened { fleet, outputs, resumed, cluster_tag: tag })
    }
}
