use serde_json::{json, Value};

use super::*;
use crate::{MeterKind, Weather};

const NOW: i64 = 1_750_000_000;

fn good() -> MeterReadingV1 {
    MeterReadingV1 {
        schema: SCHEMA_V1.into(),
        meter: "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA".into(),
        meter_id: "ab".repeat(32),
        owner: Some("So11111111111111111111111111111111111111112".into()),
        kind: MeterKind::Hybrid,
        interval_start_ts: NOW - 900,
        interval_secs: 900,
        produced_wh: 1_234,
        consumed_wh: 567,
        weather: Weather::PartlyCloudy,
        oracle: Some("1".repeat(32)),
        signature: Some("1".repeat(64)),
    }
}

/// `good()` as JSON with one field replaced.
fn with(field: &str, value: Value) -> Vec<u8> {
    let mut v = serde_json::to_value(good()).unwrap();
    v[field] = value;
    serde_json::to_vec(&v).unwrap()
}

fn rejected(payload: &[u8]) -> Rejection {
    decode(payload, NOW).expect_err("should be rejected")
}

#[test]
fn accepts_what_the_producer_writes() {
    let payload = serde_json::to_vec(&good()).unwrap();
    assert_eq!(decode(&payload, NOW).unwrap(), good());
    let unsigned = MeterReadingV1 { oracle: None, signature: None, ..good() };
    assert_eq!(decode(&serde_json::to_vec(&unsigned).unwrap(), NOW).unwrap(), unsigned);
    // A producer from before `owner` existed.
    let mut old = serde_json::to_value(good()).unwrap();
    old.as_object_mut().unwrap().remove("owner");
    assert_eq!(
        decode(&serde_json::to_vec(&old).unwrap(), NOW).unwrap(),
        MeterReadingV1 { owner: None, ..good() }
    );
    // u64 counters beyond i64 are valid (numeric(20,0) downstream).
    assert_eq!(decode(&with("produced_wh", json!(u64::MAX)), NOW).unwrap().produced_wh, u64::MAX);
}

#[test]
fn wire_names_are_stable() {
    let v = serde_json::to_value(good()).unwrap();
    assert_eq!(v["kind"], "hybrid");
    assert_eq!(v["weather"], "partly_cloudy");
    assert_eq!(v["schema"], "gridtokenx.meter-reading.v1");
}

#[test]
fn garbage_is_unparseable() {
    for payload in [&b"\xff\x00garbage"[..], b"", b"{\"schema\":", b"[1,2]", b"42"] {
        assert_eq!(rejected(payload).code(), "unparseable", "{payload:?}");
    }
    assert!(rejected(b"[1,2]").to_string().contains("expected a JSON object, got an array"));
}

#[test]
fn wrong_field_types_are_unparseable() {
    let r = rejected(&with("interval_secs", json!("900")));
    assert_eq!(r.code(), "unparseable");
    assert!(r.to_string().contains("interval_secs") || r.to_string().contains("u32"), "{r}");
    assert_eq!(rejected(&with("kind", json!("windmill"))).code(), "unparseable");
    assert_eq!(rejected(&with("produced_wh", json!(1.5))).code(), "unparseable");
}

#[test]
fn unknown_schema_is_named() {
    let r = rejected(&with("schema", json!("gridtokenx.meter-reading.v2")));
    assert_eq!(r, Rejection::UnknownSchema("gridtokenx.meter-reading.v2".into()));
    assert!(r.to_string().contains("\"gridtokenx.meter-reading.v2\""), "{r}");
    assert_eq!(rejected(&with("schema", json!(1))).code(), "unknown_schema");
    let mut v = serde_json::to_value(good()).unwrap();
    v.as_object_mut().unwrap().remove("schema");
    assert!(rejected(&serde_json::to_vec(&v).unwrap()).to_string().contains("no schema field"));
}

#[test]
fn unknown_schema_wins_over_its_fields() {
    // A v2 message's fields are not ours to judge.
    let mut v = serde_json::to_value(good()).unwrap();
    v["schema"] = json!("gridtokenx.meter-reading.v2");
    v["produced_wh"] = json!(-1);
    assert_eq!(rejected(&serde_json::to_vec(&v).unwrap()).code(), "unknown_schema");
}

#[test]
fn negative_energy_says_negative() {
    let r = rejected(&with("produced_wh", json!(-5)));
    assert_eq!(r, Rejection::NegativeEnergy { field: "produced_wh", value: "-5".into() });
    assert_eq!(r.to_string(), "negative energy: produced_wh is -5");
    assert_eq!(rejected(&with("consumed_wh", json!(-0.5))).code(), "negative_energy");
}

#[test]
fn far_future_is_refused_near_future_is_not() {
    let r = rejected(&with("interval_start_ts", json!(NOW + MAX_FUTURE_SECS + 1)));
    assert_eq!(r.code(), "future_timestamp");
    assert!(r.to_string().contains(&format!("{} s ahead", MAX_FUTURE_SECS + 1)), "{r}");
    assert!(decode(&with("interval_start_ts", json!(NOW + MAX_FUTURE_SECS)), NOW).is_ok());
    // A wider limit for a simulator running ahead of the wall clock.
    assert!(decode_with_limit(&with("interval_start_ts", json!(NOW + 10 * 86_400)), NOW, 30 * 86_400).is_ok());
}

#[test]
fn impossible_values_are_invalid() {
    let cases = [
        ("interval_secs", json!(0), "interval_secs"),
        ("interval_start_ts", json!(-1), "interval_start_ts"),
        ("meter", json!("not-a-key"), "meter"),
        ("meter", json!("1111"), "meter"),
        ("meter_id", json!("abcd"), "meter_id"),
        ("meter_id", json!("zz".repeat(32)), "meter_id"),
        ("owner", json!("1111"), "owner"),
        ("oracle", json!("0OIl"), "oracle"),
        ("signature", json!("1".repeat(32)), "signature"),
        ("signature", json!(null), "signature"),
    ];
    for (field, value, named) in cases {
        let r = rejected(&with(field, value.clone()));
        assert_eq!(r.code(), "invalid", "{field} = {value}");
        assert!(r.to_string().starts_with(&format!("invalid {named}:")), "{r}");
    }
}

#[test]
fn base58_lengths() {
    use super::decoded_len;
    // The system program (32 zero bytes) and a typical key.
    assert_eq!(decoded_len("11111111111111111111111111111111"), Some(32));
    assert_eq!(decoded_len("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"), Some(32));
    assert_eq!(decoded_len("2g"), Some(1)); // 0x61
    assert_eq!(decoded_len(""), Some(0));
    assert_eq!(decoded_len("0OIl"), None);
}
