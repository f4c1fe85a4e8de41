//! Where a simulated interval's readings go — the chain (signed, through `post`), Kafka,
//! InfluxDB line protocol, a JSON-lines file and the control API's live stream — and the
//! run's state file. `run` and `serve` share this one path, so a reading is encoded, signed
//! and published the same way whichever drives the clock. The interval's grid state (when
//! the fleet hangs on a feeder) goes the same way: Kafka topic `grid-state` (after the
//! feeder's topology, whenever that changed) and the live stream.
pub mod grid_report;
pub mod influx;
pub mod kafka;

use std::io::Write;
use std::sync::{Arc, Mutex};

use anchor_lang::prelude::Pubkey;
use serde::Serialize;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tokio::sync::broadcast;

use crate::fleet::{Fleet, IntervalReadings};
use crate::oracle::{Oracle, SignedReading};
use crate::post::{ChainMeter, PostReport, Poster};
use crate::state::StateFile;
use crate::telemetry::MeterReadingV1;
use grid_report::GridReport;
use gridtokenx_telemetry::GridStateV1;
use influx::{InfluxReport, InfluxSink};
use kafka::{KafkaReport, KafkaSink};

/// The chain side: who posts, and the fleet's meters as registered there (by fleet index).
pub struct ChainOutput {
    pub poster: Poster,
    pub meters: Vec<ChainMeter>,
}

/// Counts over the whole run, per output.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct OutputReport {
    pub readings: u64,
    pub chain: Option<PostReport>,
    pub kafka: Option<KafkaReport>,
    pub influx: Option<InfluxReport>,
    /// The feeder's power flows so far, when the fleet hangs on one.
    pub grid: Option<GridReport>,
    /// `grid-state` topic messages (states and topologies), when publishing to Kafka.
    pub kafka_grid: Option<KafkaReport>,
}

/// What the live stream (`/stream`) carries: readings, and each interval's grid state after
/// its readings. Both are JSON objects naming their `schema`.
#[derive(Clone, Debug)]
pub enum Streamed {
    Reading(MeterReadingV1),
    Grid(Arc<GridStateV1>),
}

impl Serialize for Streamed {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Streamed::Reading(reading) => reading.serialize(serializer),
            Streamed::Grid(state) => state.as_ref().serialize(serializer),
        }
    }
}

#[derive(Default)]
pub struct Outputs {
    /// Signs the published telemetry (and is the chain poster's oracle when posting).
    pub oracle: Option<Oracle>,
    pub chain: Option<ChainOutput>,
    pub kafka: Option<KafkaSink>,
    pub influx: Option<InfluxSink>,
    pub jsonl: Option<Box<dyn Write + Send>>,
    pub stream: Option<broadcast::Sender<Streamed>>,
    pub state: Option<StateFile>,
    /// Shared so that a status endpoint can read it while an interval is being posted.
    pub report: Arc<Mutex<OutputReport>>,
    /// Without a chain, the owners on the customer record by fleet index: wallets made for
    /// this run only (nothing is registered anywhere, so there is nothing to keep).
    pub unposted_owners: Vec<Pubkey>,
    /// The topology last published to Kafka: (`FleetGrid::topology_version`, connected meters).
    published_topology: Option<(u64, usize)>,
}

impl Outputs {
    /// Onboards the fleet's meters that have no owner on the customer record yet (new or
    /// added) and registers them on chain; true when it registered any. The caller saves the
    /// state right after (a lost owner key would orphan a registered meter).
    pub async fn register_new_meters(&mut self, fleet: &Fleet) -> Result<bool, String> {
        let Some(chain) = self.chain.as_mut() else {
            let fresh = fleet.meters.len().saturating_sub(self.unposted_owners.len());
            self.unposted_owners.extend((0..fresh).map(|_| Keypair::new().pubkey()));
            return Ok(false);
        };
        let fresh: Vec<[u8; 32]> =
            fleet.meters[chain.meters.len().min(fleet.meters.len())..].iter().map(|m| m.meter_id).collect();
        if !fresh.is_empty() {
            let registered = chain.poster.register_meters(&fresh).await.map_err(|e| e.to_string())?;
            chain.meters.extend(registered);
        }
        Ok(!fresh.is_empty())
    }

    /// The owner of each fleet meter on the customer record, by fleet index.
    fn owners(&self) -> Vec<Pubkey> {
        match &self.chain {
            Some(chain) => chain.meters.iter().map(|m| m.owner.pubkey()).collect(),
            None => self.unposted_owners.clone(),
        }
    }

    /// Publishes one interval everywhere, then saves the state; returns the messages as
    /// published (signed when there is an oracle), `messages[i]` describing
    /// `interval.readings[i]`.
    pub async fn emit(
        &mut self,
        fleet: &Fleet,
        interval: &IntervalReadings,
    ) -> Result<Vec<MeterReadingV1>, String> {
        // Meters added since the last interval; their keys are saved with this interval.
        let registered = self.register_new_meters(fleet).await?;
        let owners = self.owners();
        let mut messages = crate::telemetry::for_interval(fleet, interval, &owners);
        // Each reading is signed once, for the telemetry and the chain alike, for the owner
        // on the customer record.
        let oracle = self.chain.as_ref().map(|c| &c.poster.oracle).or(self.oracle.as_ref());
        let signed: Vec<(usize, SignedReading)> = match oracle {
            Some(oracle) => interval
                .readings
                .iter()
                .map(|(i, reading)| (*i, oracle.sign(&fleet.meters[*i].meter_id, &owners[*i], *reading)))
                .collect(),
            None => Vec::new(),
        };
        for (message, (_, signed)) in messages.iter_mut().zip(&signed) {
            message.oracle = Some(signed.oracle.to_string());
            message.signature = Some(signed.signature.to_string());
        }
        if let Some(out) = self.jsonl.as_mut() {
            for message in &messages {
                let line = serde_json::to_string(message).map_err(|e| e.to_string())?;
                writeln!(out, "{line}").map_err(|e| format!("writing readings: {e}"))?;
            }
        }
        if let Some(stream) = &self.stream {
            for message in &messages {
                // Nobody listening is fine.
                let _ = stream.send(Streamed::Reading(message.clone()));
            }
        }
        if let Some(kafka) = self.kafka.as_mut() {
            for message in &messages {
                kafka.publish(message).await.map_err(|e| e.to_string())?;
            }
        }
        if let Some(influx) = self.influx.as_mut() {
            influx.write(&messages).await?;
        }
        if let Some(state) = &interval.grid {
            self.publish_grid(fleet, state).await?;
        }
        let posted = match &self.chain {
            Some(chain) => Some(chain.poster.post_signed(&chain.meters, &signed).await),
            None => None,
        };
        {
            let mut report = self.report.lock().unwrap_or_else(|p| p.into_inner());
            report.readings += messages.len() as u64;
            if let Some(posted) = posted {
                report.chain.get_or_insert_with(PostReport::default).merge(posted);
            }
            report.kafka = self.kafka.as_ref().map(KafkaSink::report);
            if let Some(state) = &interval.grid {
                report.grid.get_or_insert_with(GridReport::default).add(state);
                report.kafka_grid = self.kafka.as_ref().map(KafkaSink::grid_report);
            }
        }
        self.save(fleet, registered)?;
        Ok(messages)
    }

    /// An interval's grid state to the live stream and to Kafka, preceded on Kafka by the
    /// feeder's topology when it is new to this run or changed (a meter was attached).
    async fn publish_grid(&mut self, fleet: &Fleet, state: &Arc<GridStateV1>) -> Result<(), String> {
        if let Some(stream) = &self.stream {
            let _ = stream.send(Streamed::Grid(state.clone()));
        }
        let (Some(kafka), Some(grid)) = (self.kafka.as_mut(), fleet.grid.as_ref()) else { return Ok(()) };
        // Attaching a meter bumps the version; decommissioning one changes the count.
        let current = (grid.topology_version, fleet.meters.iter().filter(|m| m.online).count());
        if self.published_topology != Some(current) {
            let topology = grid.topology(&fleet.meters);
            let payload = serde_json::to_vec(&topology).map_err(|e| e.to_string())?;
            kafka.publish_grid(&topology.feeder.name, &payload).await.map_err(|e| e.to_string())?;
            self.published_topology = Some(current);
        }
        let payload = serde_json::to_vec(state.as_ref()).map_err(|e| e.to_string())?;
        kafka.publish_grid(&state.feeder, &payload).await.map_err(|e| e.to_string())
    }

    /// Writes the state file (throttled unless `force`).
    pub fn save(&mut self, fleet: &Fleet, force: bool) -> Result<(), String> {
        let Some(state) = self.state.as_mut() else { return Ok(()) };
        let (tag, meters) = match &self.chain {
            Some(chain) => (Some(&chain.poster.oracle.cluster_tag), chain.meters.as_slice()),
            None => (None, &[][..]),
        };
        state.save(fleet, tag, meters, force).map_err(|e| e.to_string())
    }

    /// Flushes every output and returns the run's totals.
    pub fn finish(&mut self, fleet: &Fleet) -> Result<OutputReport, String> {
        if let Some(out) = self.jsonl.as_mut() {
            out.flush().map_err(|e| format!("writing readings: {e}"))?;
        }
        self.save(fleet, true)?;
        let mut report = self.report.lock().unwrap_or_else(|p| p.into_inner()).clone();
        report.kafka = self.kafka.as_ref().map(|k| k.finish(std::time::Duration::from_secs(30)));
        if report.grid.is_some() {
            report.kafka_grid = self.kafka.as_ref().map(KafkaSink::grid_report);
        }
        report.influx = self.influx.as_mut().map(InfluxSink::finish).transpose()?;
        Ok(report)
    }
}
