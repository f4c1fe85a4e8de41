//! A fleet of meters under one sky, advanced one metering interval at a time.
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use std::sync::Arc;

use crate::feeder::{FeederSource, FleetGrid};
use crate::meter::{MeterKind, SimMeter};
use crate::model::battery::Battery;
use crate::model::ev::EvCharger;
use crate::model::load::Household;
use crate::model::pv::PvArray;
use crate::model::sun::Outdoor;
use crate::model::weather::{Weather, WeatherModel};
use crate::model::Instant;
use crate::Reading;
use gridtokenx_telemetry::GridStateV1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FleetConfig {
    pub meters: usize,
    /// Relative weights of prosumers, consumers and hybrids.
    pub mix: Mix,
    pub latitude_deg: f64,
    pub longitude_deg: f64,
    /// Simulated start, aligned down to `interval_s`.
    pub start_unix_s: i64,
    pub interval_s: u32,
    /// Physics step inside an interval.
    pub step_s: u32,
    pub seed: u64,
    /// The feeder the meters hang on (`FeederSource::label`, or `none`), recorded so that a
    /// restart rebuilds the same one; absent in fleets saved before feeders existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feeder: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mix {
    pub prosumer: f64,
    pub consumer: f64,
    pub hybrid: f64,
}

impl Default for FleetConfig {
    fn default() -> Self {
        FleetConfig {
            meters: 10,
            mix: Mix { prosumer: 0.5, consumer: 0.3, hybrid: 0.2 },
            // Bangkok: the public GridTokenX pilot's home.
            latitude_deg: 13.75,
            longitude_deg: 100.5,
            start_unix_s: 1_800_000_000,
            interval_s: 900,
            step_s: 60,
            seed: 42,
            feeder: None,
        }
    }
}

/// Serializable whole (generators included), so a saved fleet continues exactly.
#[derive(Serialize, Deserialize)]
pub struct Fleet {
    pub config: FleetConfig,
    pub meters: Vec<SimMeter>,
    meter_rngs: Vec<ChaCha8Rng>,
    sky_rng: ChaCha8Rng,
    setup_rng: ChaCha8Rng,
    pub weather: Weather,
    /// Weather that an operator pinned; `None` lets the Markov chain run.
    pub weather_override: Option<Weather>,
    /// Start of the next interval to simulate.
    pub now_s: i64,
    /// The feeder and its power flow, when one is attached (`attach_feeder`); rebuilt, not
    /// saved: the meters record their buses.
    #[serde(skip)]
    pub grid: Option<FleetGrid>,
}

/// One interval's output: every online meter's registers at the interval's end, and the
/// feeder's power flow over the interval when a feeder is attached.
#[derive(Clone, Debug, PartialEq)]
pub struct IntervalReadings {
    pub interval_start_ts: i64,
    pub readings: Vec<(usize, Reading)>,
    pub grid: Option<Arc<GridStateV1>>,
}

impl Fleet {
    pub fn new(config: FleetConfig) -> Fleet {
        let mut setup_rng = ChaCha8Rng::seed_from_u64(config.seed);
        let meters: Vec<SimMeter> =
            (0..config.meters).map(|i| make_meter(&config, i, &mut setup_rng)).collect();
        let meter_rngs = (0..config.meters)
            .map(|i| {
                ChaCha8Rng::seed_from_u64(config.seed ^ (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15))
            })
            .collect();
        let interval = i64::from(config.interval_s.max(1));
        Fleet {
            now_s: config.start_unix_s - config.start_unix_s.rem_euclid(interval),
            sky_rng: ChaCha8Rng::seed_from_u64(config.seed.rotate_left(17)),
            weather: Weather::Clear,
            weather_override: None,
            meters,
            meter_rngs,
            setup_rng,
            config,
            grid: None,
        }
    }

    /// Hangs the meters on `source`'s feeder (built-in ones drawn at the fleet's location,
    /// `generated` sized by the fleet's initial meter count), records the choice, and runs
    /// its power flow every interval from now on.
    pub fn attach_feeder(&mut self, source: FeederSource, limits: grid::Limits) -> Result<(), String> {
        let anchor = grid::Geo { lon: self.config.longitude_deg, lat: self.config.latitude_deg };
        let feeder = source.load(self.config.meters, anchor)?;
        let label = source.label();
        self.grid = Some(FleetGrid::attach(source, feeder, limits, &mut self.meters)?);
        self.config.feeder = Some(label);
        Ok(())
    }

    /// Adds one meter drawn from the configured mix; returns its index.
    pub fn add_meter(&mut self) -> usize {
        let index = self.meters.len();
        let mut meter = make_meter(&self.config, index, &mut self.setup_rng);
        if let Some(grid) = self.grid.as_mut() {
            grid.attach_added(&mut meter, index);
        }
        self.meters.push(meter);
        self.meter_rngs.push(meter_rng(self.config.seed, index));
        index
    }

    /// Simulates one interval and returns the readings at its end.
    pub fn advance_interval(&mut self) -> IntervalReadings {
        let interval_start_ts = self.now_s;
        let step = self.config.step_s.clamp(1, self.config.interval_s.max(1));
        let mut t = interval_start_ts;
        let end = interval_start_ts + i64::from(self.config.interval_s);
        while t < end {
            if t.rem_euclid(3_600) == 0 {
                self.weather = self.weather_override.unwrap_or_else(|| self.weather.next(&mut self.sky_rng));
            }
            let dt = (end - t).min(i64::from(step));
            let at = Instant {
                unix_s: t,
                latitude_deg: self.config.latitude_deg,
                longitude_deg: self.config.longitude_deg,
            };
            // One sun and clear sky for the whole fleet (one location); each meter's clouds
            // vary a little around the regional weather.
            let clear = Outdoor::clear(&at);
            for (meter, rng) in self.meters.iter_mut().zip(&mut self.meter_rngs) {
                let clearness = (self.weather.clearness() * (0.9 + 0.2 * rng.random::<f64>())).min(1.0);
                let outdoor = if meter.pv.is_some() { clear.for_clearness(clearness) } else { clear };
                meter.step(&at, dt as f64, &outdoor, rng);
            }
            t += dt;
        }
        self.now_s = end;
        let readings = self
            .meters
            .iter()
            .enumerate()
            .filter(|(_, m)| m.online)
            .map(|(i, m)| (i, m.reading(interval_start_ts)))
            .collect();
        let interval_s = self.config.interval_s;
        let grid = self.grid.as_mut().map(|g| g.step(&self.meters, interval_start_ts, interval_s));
        IntervalReadings { interval_start_ts, readings, grid }
    }
}

fn meter_rng(seed: u64, index: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ (index as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// A stable 32-byte meter id from the fleet seed and the meter's index.
pub fn meter_id(seed: u64, index: usize) -> [u8; 32] {
    let mut id = [0u8; 32];
    id[..14].copy_from_slice(b"gridtokenx-sim");
    id[16..24].copy_from_slice(&seed.to_le_bytes());
    id[24..].copy_from_slice(&(index as u64).to_le_bytes());
    id
}

/// A rooftop array: 3–10 kW on a roof of 5–35° facing anywhere from east through the
/// equator to west (the equator-facing side is the one people cover), DC/AC 1.1–1.3.
fn pv_array(config: &FleetConfig, rng: &mut ChaCha8Rng) -> PvArray {
    let equator = if config.latitude_deg >= 0.0 { 180.0 } else { 0.0 };
    PvArray {
        peak_w: rng.random_range(3_000.0..10_000.0),
        tilt_deg: rng.random_range(5.0..35.0),
        azimuth_deg: (equator + rng.random_range(-90.0..90.0_f64)).rem_euclid(360.0),
        dc_ac_ratio: rng.random_range(1.1..1.3),
    }
}

fn make_meter(config: &FleetConfig, index: usize, rng: &mut ChaCha8Rng) -> SimMeter {
    let Mix { prosumer, consumer, hybrid } = config.mix;
    let total = (prosumer + consumer + hybrid).max(f64::MIN_POSITIVE);
    let draw = rng.random::<f64>() * total;
    let kind = if draw < prosumer {
        MeterKind::Prosumer
    } else if draw < prosumer + consumer {
        MeterKind::Consumer
    } else {
        MeterKind::Hybrid
    };
    let household = Household { daily_wh: rng.random_range(6_000.0..14_000.0), noise: 0.15 };
    let pv = (kind != MeterKind::Consumer).then(|| pv_array(config, rng));
    let battery = (kind == MeterKind::Hybrid).then(|| {
        let capacity_wh = rng.random_range(5_000.0..13_500.0);
        Battery {
            capacity_wh,
            max_charge_w: 5_000.0,
            max_discharge_w: 5_000.0,
            round_trip_efficiency: 0.9,
            soc_wh: capacity_wh * 0.5,
        }
    });
    let ev = (kind == MeterKind::Hybrid)
        .then(|| EvCharger::new(7_400.0, rng.random_range(5_000.0..15_000.0), rng.random_range(17.0..20.0)));
    SimMeter {
        meter_id: meter_id(config.seed, index),
        kind,
        household,
        pv,
        battery,
        ev,
        exported_wh: 0.0,
        imported_wh: 0.0,
        generated_wh: 0.0,
        used_wh: 0.0,
        online: true,
        bus: None,
    }
}
