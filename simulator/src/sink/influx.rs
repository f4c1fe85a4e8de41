//! Readings as InfluxDB line protocol, to a file or to a write endpoint over HTTP (InfluxDB
//! 1.x `/write?db=...` or 2.x `/api/v2/write?org=...&bucket=...`; a token in `INFLUX_TOKEN`
//! is sent as `Authorization: Token ...`). One point per reading, measurement
//! `meter_reading`, tags `meter` and `kind`, timestamped at the interval's end in
//! nanoseconds (the protocol's default precision, so the URL needs no `precision`).
use std::io::Write;
use std::time::Duration;

use serde::Serialize;

use crate::telemetry::MeterReadingV1;

const HTTP_ATTEMPTS: u32 = 3;

pub enum InfluxTarget {
    File(std::io::BufWriter<std::fs::File>),
    Http { client: reqwest::Client, url: String, token: Option<String> },
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct InfluxReport {
    pub written: u64,
    pub failed: u64,
    pub last_error: Option<String>,
}

pub struct InfluxSink {
    target: InfluxTarget,
    report: InfluxReport,
}

impl InfluxSink {
    /// `destination` is an `http://` or `https://` write URL, or a file path (appended to).
    pub fn open(destination: &str) -> Result<InfluxSink, String> {
        let target = if destination.starts_with("http://") || destination.starts_with("https://") {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .map_err(|e| format!("HTTP client: {e}"))?;
            InfluxTarget::Http {
                client,
                url: destination.to_string(),
                token: std::env::var("INFLUX_TOKEN").ok().filter(|t| !t.is_empty()),
            }
        } else {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(destination)
                .map_err(|e| format!("cannot open {destination} for line protocol: {e}"))?;
            InfluxTarget::File(std::io::BufWriter::new(file))
        };
        Ok(InfluxSink { target, report: InfluxReport::default() })
    }

    /// Writes one interval's readings as one batch. HTTP failures are retried, then counted.
    pub async fn write(&mut self, readings: &[MeterReadingV1]) -> Result<(), String> {
        if readings.is_empty() {
            return Ok(());
        }
        let body: String = readings.iter().map(line).collect();
        let count = readings.len() as u64;
        match &mut self.target {
            InfluxTarget::File(file) => {
                file.write_all(body.as_bytes()).map_err(|e| format!("writing line protocol: {e}"))?;
                self.report.written += count;
            }
            InfluxTarget::Http { client, url, token } => {
                let mut error = None;
                for attempt in 0..HTTP_ATTEMPTS {
                    let mut request = client.post(url.as_str()).body(body.clone());
                    if let Some(token) = token {
                        request = request.header("Authorization", format!("Token {token}"));
                    }
                    match request.send().await {
                        Ok(r) if r.status().is_success() => {
                            error = None;
                            break;
                        }
                        Ok(r) => {
                            let status = r.status();
                            let text = r.text().await.unwrap_or_default();
                            error = Some(format!("{url}: HTTP {status}: {}", text.trim()));
                            // A client error will not heal by retrying.
                            if status.is_client_error() {
                                break;
                            }
                        }
                        Err(e) => error = Some(format!("{url}: {e}")),
                    }
                    tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                }
                match error {
                    None => self.report.written += count,
                    Some(e) => {
                        self.report.failed += count;
                        self.report.last_error = Some(e);
                    }
                }
            }
        }
        Ok(())
    }

    pub fn finish(&mut self) -> Result<InfluxReport, String> {
        if let InfluxTarget::File(file) = &mut self.target {
            file.flush().map_err(|e| format!("writing line protocol: {e}"))?;
        }
        Ok(self.report.clone())
    }
}

/// One reading as a line-protocol point (tag values are base58 and snake_case words, which
/// need no escaping).
pub fn line(r: &MeterReadingV1) -> String {
    let end_ns = (r.interval_start_ts + i64::from(r.interval_secs)).saturating_mul(1_000_000_000);
    let kind =
        serde_json::to_value(r.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    let weather =
        serde_json::to_value(r.weather).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    format!(
        "meter_reading,meter={},kind={kind} produced_wh={}i,consumed_wh={}i,weather=\"{weather}\" {end_ns}\n",
        r.meter, r.produced_wh, r.consumed_wh
    )
}
