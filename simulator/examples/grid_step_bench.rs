//! The power flow's cost per simulated interval inside the simulator (docs/benchmarks.md):
//! `cargo run --release -p gridtokenx-simulator --example grid_step_bench [meters] [intervals]`
//! A fleet (default 10,000 meters, half a day from 06:00 solar time, clear sky) on its
//! generated feeder. Per interval it times the fleet's physics, then the grid step on its
//! own (`FleetGrid::step`: each meter's mean power to its bus, the power flow, the limit
//! checks and the `grid-state` message), the solver alone on the same injections, then the
//! message's JSON encoding (what Kafka and the live stream send). One thread.
use std::time::Instant;

use gridtokenx_simulator::cli::feeder::FeederArgs;
use gridtokenx_simulator::fleet::{Fleet, FleetConfig};
use gridtokenx_simulator::model::weather::Weather;

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().expect("numbers: meters intervals"));
    let meters = args.next().unwrap_or(10_000);
    let intervals = args.next().unwrap_or(48);
    let longitude = 100.5;
    let day = 1_800_000_000 - 1_800_000_000 % 86_400;
    let start = day + (((6.0 - longitude / 15.0) as f64).rem_euclid(24.0) * 3_600.0) as i64;
    let mut fleet = Fleet::new(FleetConfig {
        meters,
        longitude_deg: longitude,
        start_unix_s: start,
        ..FleetConfig::default()
    });
    fleet.weather_override = Some(Weather::Clear);
    let built = Instant::now();
    FeederArgs::default().attach(&mut fleet).expect("the generated feeder");
    let attach_ms = built.elapsed().as_secs_f64() * 1e3;
    // Driven by hand, so that the physics and the grid step are timed apart.
    let mut grid = fleet.grid.take().expect("attached");

    let (mut physics, mut step, mut solve, mut encode) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut work = grid::Workspace::default();
    let (mut sweeps, mut bytes, mut events) = (0u64, 0usize, 0usize);
    for _ in 0..intervals {
        let t = Instant::now();
        let batch = fleet.advance_interval();
        physics.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let state = grid.step(&fleet.meters, batch.interval_start_ts, fleet.config.interval_s);
        step.push(t.elapsed().as_secs_f64() * 1e3);
        // The solver alone on the same injections, for the share of the step it takes.
        let t = Instant::now();
        let again = grid.feeder.step(grid.injections(), &grid::Options::default(), &grid.limits, &mut work);
        solve.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(again.events.len(), state.events.len());
        let t = Instant::now();
        let json = serde_json::to_vec(state.as_ref()).expect("serializes");
        encode.push(t.elapsed().as_secs_f64() * 1e3);
        sweeps += state.flow.as_ref().map_or(0, |f| u64::from(f.iterations));
        bytes = bytes.max(json.len());
        events += state.events.len();
    }
    let show = |name: &str, times: &mut Vec<f64>| {
        times.sort_by(f64::total_cmp);
        let pct = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
        println!(
            "{name:<34} median {:>8.3} ms  p99 {:>8.3} ms  max {:>8.3} ms",
            pct(0.5),
            pct(0.99),
            pct(1.0)
        );
    };
    println!(
        "{meters} meters on {} buses, {intervals} intervals; attach {attach_ms:.1} ms; {:.1} sweeps/step; {events} events; grid-state message up to {:.0} kB",
        grid.feeder.bus_count(),
        sweeps as f64 / intervals as f64,
        bytes as f64 / 1e3
    );
    show("fleet physics per interval", &mut physics);
    show("grid step per interval", &mut step);
    show("  of which the solver (Feeder::step)", &mut solve);
    show("grid-state JSON encoding", &mut encode);
}
