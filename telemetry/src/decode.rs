//! Decoding with validation: the consumer's single gate. Anything it rejects is a message no
//! meter could have meant, and goes to the dead-letter table with [`Rejection`]'s text.
//!
//! What is *not* checked here: cumulative counters going backwards. That is a property of a
//! meter's series, not of one message (redelivery and replays reorder messages), and the
//! energy program already refuses such readings on chain; telemetry records what the meter
//! said.
use serde_json::Value;

use crate::{MeterReadingV1, SCHEMA_V1};

/// How far ahead of the consumer's clock an interval may start: a day absorbs any clock
/// skew and timezone mistake; beyond that the timestamp is wrong, not early.
pub const MAX_FUTURE_SECS: i64 = 86_400;

/// Why a message was refused. `code()` is the stable short name (metrics label, the
/// dead-letter table's `code` column); `Display` says what exactly was wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// Not JSON, not an object, or fields of the wrong type for the named schema.
    #[error("unparseable: {0}")]
    Unparseable(String),
    /// A `schema` this consumer does not read (or none).
    #[error("unknown schema {0:?} (this consumer reads {SCHEMA_V1:?})")]
    UnknownSchema(String),
    /// `produced_wh` or `consumed_wh` below zero.
    #[error("negative energy: {field} is {value}")]
    NegativeEnergy { field: &'static str, value: String },
    /// `interval_start_ts` more than the allowed skew ahead of now.
    #[error("timestamp in the future: interval_start_ts {ts} is {ahead_secs} s ahead of now (limit {limit_secs} s)")]
    FutureTimestamp { ts: i64, ahead_secs: i64, limit_secs: i64 },
    /// A well-typed field with a value no meter produces.
    #[error("invalid {field}: {detail}")]
    Invalid { field: &'static str, detail: String },
}

impl Rejection {
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::Unparseable(_) => "unparseable",
            Rejection::UnknownSchema(_) => "unknown_schema",
            Rejection::NegativeEnergy { .. } => "negative_energy",
            Rejection::FutureTimestamp { .. } => "future_timestamp",
            Rejection::Invalid { .. } => "invalid",
        }
    }
}

/// Decodes and validates one message payload against the clock `now_unix` (unix seconds).
pub fn decode(payload: &[u8], now_unix: i64) -> Result<MeterReadingV1, Rejection> {
    decode_with_limit(payload, now_unix, MAX_FUTURE_SECS)
}

/// [`decode`] with another future-timestamp limit (a simulator running faster than the wall
/// clock produces intervals ahead of it on purpose).
pub fn decode_with_limit(payload: &[u8], now_unix: i64, max_future_secs: i64) -> Result<MeterReadingV1, Rejection> {
    // Through `Value` first: the schema is checked before the fields it defines, and a
    // negative counter is reported as such instead of as serde's "expected u64".
    let value: Value = serde_json::from_slice(payload).map_err(|e| Rejection::Unparseable(e.to_string()))?;
    let Value::Object(fields) = &value else {
        return Err(Rejection::Unparseable(format!("expected a JSON object, got {}", kind_of(&value))));
    };
    match fields.get("schema") {
        Some(Value::String(s)) if s == SCHEMA_V1 => {}
        Some(Value::String(s)) => return Err(Rejection::UnknownSchema(s.clone())),
        Some(other) => return Err(Rejection::UnknownSchema(other.to_string())),
        None => return Err(Rejection::UnknownSchema("(no schema field)".into())),
    }
    for field in ["produced_wh", "consumed_wh"] {
        if let Some(Value::Number(n)) = fields.get(field) {
            if n.as_f64().is_some_and(|v| v < 0.0) {
                return Err(Rejection::NegativeEnergy { field, value: n.to_string() });
            }
        }
    }
    let reading: MeterReadingV1 = serde_json::from_value(value).map_err(|e| Rejection::Unparseable(e.to_string()))?;
    validate(&reading, now_unix, max_future_secs)?;
    Ok(reading)
}

/// The value checks on an already typed reading.
pub fn validate(r: &MeterReadingV1, now_unix: i64, max_future_secs: i64) -> Result<(), Rejection> {
    let invalid = |field, detail: String| Err(Rejection::Invalid { field, detail });
    if r.interval_secs == 0 {
        return invalid("interval_secs", "0: an interval has a length".into());
    }
    if r.interval_start_ts < 0 {
        return invalid("interval_start_ts", format!("{} is before 1970", r.interval_start_ts));
    }
    let ahead_secs = r.interval_start_ts.saturating_sub(now_unix);
    if ahead_secs > max_future_secs {
        return Err(Rejection::FutureTimestamp { ts: r.interval_start_ts, ahead_secs, limit_secs: max_future_secs });
    }
    if decoded_len(&r.meter) != Some(32) {
        return invalid("meter", format!("{:?} is not a base58 32-byte address", r.meter));
    }
    if r.meter_id.len() != 64 || !r.meter_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return invalid("meter_id", format!("{:?} is not 64 hex digits", r.meter_id));
    }
    if let Some(owner) = &r.owner {
        if decoded_len(owner) != Some(32) {
            return invalid("owner", format!("{owner:?} is not a base58 32-byte key"));
        }
    }
    if let Some(oracle) = &r.oracle {
        if decoded_len(oracle) != Some(32) {
            return invalid("oracle", format!("{oracle:?} is not a base58 32-byte key"));
        }
    }
    if let Some(signature) = &r.signature {
        if decoded_len(signature) != Some(64) {
            return invalid("signature", format!("{signature:?} is not a base58 64-byte signature"));
        }
    }
    if r.oracle.is_some() != r.signature.is_some() {
        return invalid("signature", "oracle and signature come together or not at all".into());
    }
    Ok(())
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The number of bytes base58 text `s` decodes to, or `None` when it is not base58.
fn decoded_len(s: &str) -> Option<usize> {
    bs58::decode(s).into_vec().ok().map(|bytes| bytes.len())
}

#[cfg(test)]
mod tests;
