//! Power-flow solve time per simulation step (docs/benchmarks.md):
//! `cargo run --release -p gridtokenx-grid --example powerflow_bench`
//! Each step solves from a flat start with loads that change from step to step, and
//! includes building the result and checking the limits (`Feeder::step`), on one thread.

use std::time::Instant;

use grid::{cigre_lv, generated, BusPower, Feeder, Limits, Options, Workspace, DEFAULT_ANCHOR};

fn bench(name: &str, feeder: &Feeder, load_at: impl Fn(usize) -> Vec<BusPower>) {
    let steps = 2_000;
    let loads: Vec<Vec<BusPower>> = (0..64).map(&load_at).collect();
    let mut work = Workspace::default();
    let (options, limits) = (Options::default(), Limits::default());
    let mut times = Vec::with_capacity(steps);
    let mut iterations = 0;
    for s in 0..steps {
        let load = &loads[s % loads.len()];
        let t = Instant::now();
        let state = feeder.step(load, &options, &limits, &mut work);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        iterations += state.flow.as_ref().map_or(0, |f| f.iterations);
    }
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    println!(
        "{name:<38} {:>6} buses {:>6} branches  median {:>7.3} ms  p99 {:>7.3} ms  max {:>7.3} ms  {:.1} sweeps/step",
        feeder.bus_count(),
        feeder.spec.lines.len() + feeder.spec.transformers.len(),
        pct(0.5),
        pct(0.99),
        pct(1.0),
        iterations as f64 / steps as f64
    );
}

/// A day-like swing: the step's share of peak load, and of PV peak at customer buses.
fn shares(step: usize) -> (f64, f64) {
    let phase = step as f64 / 64.0 * std::f64::consts::TAU;
    (0.6 + 0.4 * phase.cos(), (phase.sin()).max(0.0))
}

fn main() {
    let cigre = Feeder::new(cigre_lv(DEFAULT_ANCHOR)).unwrap();
    let base = cigre.base_case();
    bench("CIGRE LV (3 feeders)", &cigre, |s| {
        let (load, pv) = shares(s);
        base.iter()
            .enumerate()
            .map(|(b, p)| {
                let gen = if cigre.customer_buses.contains(&b) { 0.06 * pv } else { 0.0 };
                BusPower { p_mw: p.p_mw * load - gen, q_mvar: p.q_mvar * load }
            })
            .collect()
    });
    for meters in [1_000, 10_000] {
        let feeder = Feeder::new(generated(meters, DEFAULT_ANCHOR)).unwrap();
        let attached = feeder.attach_meters(meters);
        bench(&format!("generated, {meters} meters"), &feeder, |s| {
            let (load, pv) = shares(s);
            let mut power = vec![BusPower::default(); feeder.bus_count()];
            for (m, &b) in attached.iter().enumerate() {
                // 1.5 kW per household at peak; every third one has 5 kW of PV.
                let gen = if m % 3 == 0 { 0.005 * pv } else { 0.0 };
                power[b].p_mw += 0.0015 * load - gen;
                power[b].q_mvar += 0.0005 * load;
            }
            power
        });
    }
}
