//! Shared by the latency examples: p50 and p99 of a set of durations.
use std::time::Duration;

pub fn percentiles(mut v: Vec<Duration>) -> String {
    v.sort();
    let p = |q: f64| v[((v.len() as f64 * q) as usize).min(v.len() - 1)];
    format!("p50 {:?}, p99 {:?} ({} samples)", p(0.5), p(0.99), v.len())
}
