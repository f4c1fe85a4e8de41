//! Time per array-step of the PV chain, as the simulator runs it: per step, SPA's
//! time-dependent part and the clear sky once (shared by the fleet), then per array its
//! clouds (Erbs), plane of array, cell temperature, PVWatts DC and inverter.
//! `cargo run --release -p gridtokenx-solar --example pv_bench`
use std::hint::black_box;
use std::time::Instant;

use solar::position::Sun;
use solar::site::LINKE_BANGKOK;
use solar::{Array, Conditions, Site, Sky};

fn main() {
    let site = Site::new(13.7563, 100.5018, 5.0, LINKE_BANGKOK);
    let arrays: Vec<Array> =
        (0..1_000).map(|i| Array::rooftop(5_000.0, 5.0 + (i % 30) as f64, 90.0 + (i % 180) as f64)).collect();
    // 2025-03-21 daytime, one-minute steps (the simulator's default physics step).
    let start = 1_742_522_400_i64;
    let steps = 2_000;
    let (mut shared, mut per_array) = (Vec::with_capacity(steps), Vec::with_capacity(steps));
    let mut total = 0.0;
    for s in 0..steps {
        let t = start + 60 * (s as i64 % 600);
        let cond = Conditions { clearness: 1.0, temp_air_c: 30.0, wind_m_s: 1.0 };
        let t0 = Instant::now();
        let clear = Sky::clear(&Sun::at(t as f64), t, &site, cond.temp_air_c);
        let t1 = Instant::now();
        for (i, a) in arrays.iter().enumerate() {
            let sky = clear.with_clearness(0.5 + 0.5 * ((i + s) % 7) as f64 / 7.0);
            total += a.output(black_box(&sky), &cond).ac_w;
        }
        let t2 = Instant::now();
        shared.push((t1 - t0).as_secs_f64() * 1e6);
        per_array.push((t2 - t1).as_secs_f64() * 1e9 / arrays.len() as f64);
    }
    black_box(total);
    let stats = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[v.len() * 99 / 100])
    };
    let (s50, s99) = stats(&mut shared);
    let (a50, a99) = stats(&mut per_array);
    println!("per step, shared (SPA + Ineichen): median {s50:.2} µs, p99 {s99:.2} µs");
    println!("per array-step (Erbs, Hay-Davies, SAPM, PVWatts): median {a50:.0} ns, p99 {a99:.0} ns");
    println!("10,000 arrays per step: {:.2} ms", (s50 + a50 * 10_000.0 / 1e3) / 1e3);
}
