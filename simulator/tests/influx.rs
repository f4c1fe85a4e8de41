//! InfluxDB line protocol from the CLI: to a file, and to a real InfluxDB 1.x over HTTP,
//! where every reading becomes one queryable point with the reading's values.
mod support;

use std::process::Command;

use gridtokenx_simulator::telemetry::MeterReadingV1;
use serde_json::Value;
use support::{Influx, TempDir};

fn simulator() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gridtokenx-simulator"))
}

fn run(args: &[&str]) -> String {
    let out = simulator()
        .args(["run", "--meters", "4", "--duration", "3h", "--seed", "9"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    stderr
}

fn readings(path: &std::path::Path) -> Vec<MeterReadingV1> {
    std::fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn line_protocol_file_has_one_point_per_reading() {
    let dir = TempDir::new("influx-file");
    let (lines, jsonl) = (dir.0.join("points.lp"), dir.0.join("readings.jsonl"));
    run(&["--influx", lines.to_str().unwrap(), "--jsonl", jsonl.to_str().unwrap()]);
    let readings = readings(&jsonl);
    let points: Vec<String> = std::fs::read_to_string(&lines).unwrap().lines().map(str::to_owned).collect();
    assert_eq!(points.len(), readings.len());
    assert_eq!(readings.len(), 4 * 12);
    for (point, r) in points.iter().zip(&readings) {
        let end_ns = (r.interval_start_ts + 900) as i128 * 1_000_000_000;
        assert!(point.starts_with(&format!("meter_reading,meter={},kind=", r.meter)), "{point}");
        assert!(point.contains(&format!(" produced_wh={}i,consumed_wh={}i,", r.produced_wh, r.consumed_wh)));
        assert!(point.ends_with(&format!(" {end_ns}")), "{point}");
    }
}

#[test]
fn points_reach_a_real_influxdb() {
    let influx = Influx::start();
    let http = reqwest::blocking::Client::new();
    let query = |q: &str| -> Value {
        http.post(format!("{}/query", influx.url))
            .form(&[("db", "gridtokenx"), ("q", q)])
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    query("CREATE DATABASE gridtokenx");
    let dir = TempDir::new("influx-http");
    let jsonl = dir.0.join("readings.jsonl");
    let stderr = run(&[
        "--influx",
        &format!("{}/write?db=gridtokenx", influx.url),
        "--jsonl",
        jsonl.to_str().unwrap(),
    ]);
    assert!(stderr.contains("influx: 48 points written, 0 failed"), "{stderr}");

    let count = query("SELECT count(produced_wh) FROM meter_reading");
    assert_eq!(count["results"][0]["series"][0]["values"][0][1], 48, "{count}");
    // The last reading of one meter, as stored.
    let last = readings(&jsonl).pop().unwrap();
    let stored = query(&format!(
        "SELECT last(produced_wh), last(consumed_wh) FROM meter_reading WHERE meter = '{}'",
        last.meter
    ));
    let row = &stored["results"][0]["series"][0]["values"][0];
    assert_eq!(
        (row[1].as_u64(), row[2].as_u64()),
        (Some(last.produced_wh), Some(last.consumed_wh)),
        "{stored}"
    );

    // A wrong endpoint is reported, not fatal, and loses the run nothing else.
    let stderr = run(&["--influx", &format!("{}/write?db=missing", influx.url)]);
    assert!(stderr.contains("influx: 0 points written, 48 failed"), "{stderr}");
}
