//! The prosumer's view: their meters as the indexer mirrors them, one meter's accepted
//! readings (and what each minted) live from the `meter:<meter>` channel, drawn as a chart
//! of energy minted over time, and their renewable energy certificates with each one's
//! history. Registering a meter and issuing, transferring and retiring certificates are
//! `tx::Action`s built by the energy program's own instruction builders.
use std::collections::BTreeMap;

use serde::Deserialize;

use crate::indexer::{u64_str, Frame};
use crate::trader::Applied;

/// A certificate is issued for whole MWh of minted, not yet certified energy.
pub const WH_PER_MWH: u64 = energy::state::WH_PER_MWH;

/// A meter as `/api/v1/meters` and the `meter:<meter>` channel carry it.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct MeterRow {
    pub pubkey: String,
    pub owner: String,
    /// The 32-byte meter id, hex.
    pub meter_id: String,
    /// `active` or `suspended`.
    pub status: String,
    pub has_reading: bool,
    pub last_interval_start_ts: i64,
    #[serde(deserialize_with = "u64_str")]
    pub minted_wh: u64,
    #[serde(deserialize_with = "u64_str")]
    pub certified_wh: u64,
    #[serde(deserialize_with = "u64_str")]
    pub rec_count: u64,
}

impl MeterRow {
    /// Whole MWh that may still be certified.
    pub fn certifiable_mwh(&self) -> u64 {
        self.minted_wh.saturating_sub(self.certified_wh) / WH_PER_MWH
    }

    /// The id as people read it: the text it encodes when it is printable, else hex.
    pub fn id_text(&self) -> String {
        let Ok(bytes) = hex_bytes(&self.meter_id) else { return self.meter_id.clone() };
        let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
        match std::str::from_utf8(&bytes[..end]) {
            Ok(text) if !text.is_empty() && text.chars().all(|c| c.is_ascii_graphic() || c == ' ') => text.to_string(),
            _ => self.meter_id.clone(),
        }
    }
}

/// An accepted reading and what it minted.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct ReadingRow {
    pub interval_start_ts: i64,
    #[serde(deserialize_with = "u64_str")]
    pub produced_wh: u64,
    #[serde(deserialize_with = "u64_str")]
    pub consumed_wh: u64,
    #[serde(deserialize_with = "u64_str")]
    pub minted_wh: u64,
    #[serde(deserialize_with = "u64_str")]
    pub meter_minted_wh_total: u64,
    pub signature: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct CertificateEvent {
    pub signature: String,
    /// `issued`, `transferred` or `retired`.
    pub kind: String,
    pub from_owner: Option<String>,
    pub to_owner: Option<String>,
    pub beneficiary: Option<String>,
}

/// A certificate with its history (`/api/v1/certificates?owner=`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct CertificateRow {
    pub pubkey: String,
    pub meter: String,
    pub owner: String,
    #[serde(deserialize_with = "u64_str")]
    pub serial: u64,
    #[serde(deserialize_with = "u64_str")]
    pub wh_start: u64,
    #[serde(deserialize_with = "u64_str")]
    pub wh_end: u64,
    /// `active` or `retired`.
    pub status: String,
    pub beneficiary: String,
    #[serde(default)]
    pub history: Vec<CertificateEvent>,
}

impl CertificateRow {
    pub fn mwh(&self) -> u64 {
        self.wh_end.saturating_sub(self.wh_start) / WH_PER_MWH
    }
}

/// A meter id typed by a person: 64 hex digits (the raw id), or the text printed on the
/// meter (at most 32 bytes, zero-padded), which is how ids are laid out on chain.
pub fn parse_meter_id(text: &str) -> Result<[u8; 32], String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("enter the meter's id".into());
    }
    if text.len() == 64 {
        if let Ok(bytes) = hex_bytes(text) {
            return Ok(bytes.try_into().expect("64 hex digits are 32 bytes"));
        }
    }
    if text.len() > 32 {
        return Err(format!("{} bytes: a meter id is at most 32 (or 64 hex digits)", text.len()));
    }
    let mut id = [0u8; 32];
    id[..text.len()].copy_from_slice(text.as_bytes());
    Ok(id)
}

fn hex_bytes(text: &str) -> Result<Vec<u8>, ()> {
    if text.len() % 2 != 0 {
        return Err(());
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2).ok_or(())?, 16).map_err(|_| ())).collect()
}

/// One meter's state, kept from the `meter:<meter>` channel: a snapshot replaces it, a delta
/// adds readings and replaces the meter row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeterState {
    pub meter: Option<MeterRow>,
    /// By interval start.
    pub readings: BTreeMap<i64, ReadingRow>,
    pub loaded: bool,
    seq: Option<i64>,
}

#[derive(Deserialize, Default)]
struct Changes {
    #[serde(default)]
    readings: Vec<ReadingRow>,
    /// An object (or null) in a snapshot, a list in a delta.
    #[serde(default)]
    meter: Option<serde_json::Value>,
}

/// Readings kept for the chart (a day at 15-minute intervals, twice).
const READINGS_KEPT: usize = 192;

impl MeterState {
    pub fn apply_frame(&mut self, frame: &Frame) -> Result<Applied, serde_json::Error> {
        let (snapshot, seq, data) = match crate::indexer::frame_to_apply(self.seq, frame) {
            Ok(apply) => apply,
            Err(not) => return Ok(not),
        };
        let changes = Changes::deserialize(data)?;
        if snapshot {
            *self = MeterState::default();
        }
        for r in changes.readings {
            self.readings.insert(r.interval_start_ts, r);
        }
        while self.readings.len() > READINGS_KEPT {
            self.readings.pop_first();
        }
        if let Some(m) = crate::indexer::one_row(changes.meter) {
            self.meter = Some(MeterRow::deserialize(m)?);
        }
        self.loaded = true;
        self.seq = Some(seq);
        Ok(Applied::Applied)
    }
}

/// Energy minted over time as an SVG polyline in a `width` × `height` box (y grows down),
/// with the scale's top in kWh; `None` with fewer than two readings.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    pub points: String,
    pub max_kwh: f64,
    pub from_ts: i64,
    pub to_ts: i64,
}

pub fn minted_chart(readings: &BTreeMap<i64, ReadingRow>, width: f64, height: f64) -> Option<Chart> {
    let (first, last) = (readings.first_key_value()?.1, readings.last_key_value()?.1);
    if readings.len() < 2 {
        return None;
    }
    let base = first.meter_minted_wh_total.saturating_sub(first.minted_wh);
    let top = last.meter_minted_wh_total.saturating_sub(base).max(1) as f64;
    let span = (last.interval_start_ts - first.interval_start_ts).max(1) as f64;
    let points = readings
        .values()
        .map(|r| {
            let x = (r.interval_start_ts - first.interval_start_ts) as f64 / span * width;
            let y = height - r.meter_minted_wh_total.saturating_sub(base) as f64 / top * height;
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ");
    Some(Chart { points, max_kwh: top / 1_000.0, from_ts: first.interval_start_ts, to_ts: last.interval_start_ts })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reading(ts: i64, minted: u64, total: u64) -> serde_json::Value {
        json!({"meter": "M", "interval_start_ts": ts, "oracle": "O", "produced_wh": "0", "consumed_wh": "0",
            "minted_wh": minted.to_string(), "meter_minted_wh_total": total.to_string(), "slot": 1, "signature": "S"})
    }

    fn meter(minted: u64, certified: u64) -> serde_json::Value {
        let mut id = [0u8; 32];
        id[..7].copy_from_slice(b"ROOF-42");
        let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
        json!({"pubkey": "M", "owner": "A", "meter_id": hex, "status": "active", "registered_at": 0, "has_reading": true,
            "last_interval_start_ts": 0, "last_produced_wh": "0", "last_consumed_wh": "0", "minted_wh": minted.to_string(),
            "certified_wh": certified.to_string(), "rec_count": "1", "slot": 1})
    }

    #[test]
    fn meter_ids_are_printed_text_or_raw_hex() {
        let id = parse_meter_id(" ROOF-42 ").unwrap();
        assert_eq!(&id[..7], b"ROOF-42");
        assert!(id[7..].iter().all(|b| *b == 0));
        let hex = "ab".repeat(32);
        assert_eq!(parse_meter_id(&hex).unwrap(), [0xab; 32]);
        assert!(parse_meter_id(&"x".repeat(33)).unwrap_err().contains("at most 32"));
        assert!(parse_meter_id("").is_err());
        let m: MeterRow = serde_json::from_value(meter(0, 0)).unwrap();
        assert_eq!(m.id_text(), "ROOF-42", "shown as printed");
    }

    #[test]
    fn only_whole_uncertified_mwh_can_be_certified() {
        let m: MeterRow = serde_json::from_value(meter(2_500_000, 1_000_000)).unwrap();
        assert_eq!(m.certifiable_mwh(), 1);
        let m: MeterRow = serde_json::from_value(meter(999_999, 0)).unwrap();
        assert_eq!(m.certifiable_mwh(), 0);
    }

    #[test]
    fn the_meter_channel_keeps_readings_in_order_and_in_sequence() {
        let mut s = MeterState::default();
        let snap = Frame::Snapshot { channel: "meter:M".into(), seq: 3, data: json!({"meter": meter(0, 0), "readings": [reading(1800, 10, 30), reading(900, 20, 20)]}) };
        assert_eq!(s.apply_frame(&snap).unwrap(), Applied::Applied);
        assert_eq!(s.readings.keys().copied().collect::<Vec<_>>(), [900, 1800]);
        let delta = Frame::Delta { channel: "meter:M".into(), seq: 4, prev: None, at_ms: None, data: json!({"readings": [reading(2700, 5, 35)], "meter": [meter(35, 0)]}) };
        assert_eq!(s.apply_frame(&delta).unwrap(), Applied::Applied);
        assert_eq!(s.meter.as_ref().unwrap().minted_wh, 35);
        assert_eq!(s.apply_frame(&delta).unwrap(), Applied::Stale);
        let gap = Frame::Delta { channel: "meter:M".into(), seq: 6, prev: None, at_ms: None, data: json!({}) };
        assert_eq!(s.apply_frame(&gap).unwrap(), Applied::Gap);
        let empty = Frame::Snapshot { channel: "meter:M".into(), seq: 9, data: json!({"meter": null, "readings": []}) };
        s.apply_frame(&empty).unwrap();
        assert!(s.meter.is_none() && s.readings.is_empty() && s.loaded);
    }

    #[test]
    fn the_chart_rises_with_what_was_minted() {
        let mut readings = BTreeMap::new();
        for (ts, minted, total) in [(0, 0, 1_000), (900, 1_000, 2_000), (1_800, 3_000, 5_000)] {
            readings.insert(ts, serde_json::from_value::<ReadingRow>(reading(ts, minted, total)).unwrap());
        }
        let c = minted_chart(&readings, 300.0, 100.0).unwrap();
        // The baseline is what was minted before the first reading shown (1,000 Wh), so the
        // line starts at the bottom and tops out at the 4 kWh minted since.
        assert_eq!(c.points, "0.0,100.0 150.0,75.0 300.0,0.0");
        assert_eq!(c.max_kwh, 4.0);
        readings.remove(&900);
        readings.remove(&1_800);
        assert_eq!(minted_chart(&readings, 300.0, 100.0), None, "one reading draws no line");
    }
}
