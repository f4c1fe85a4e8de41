//! Feeders built in and read from files, bad input refused with its cause, and the events
//! of a solved (or unsolvable) feeder.

use grid::{
    cigre_lv, generated, BusPower, Feeder, FeederError, FeederSpec, GridEvent, Limits, LineSpec, Options, Workspace,
    DEFAULT_ANCHOR, METERS_PER_BUS,
};

fn cigre() -> Feeder {
    Feeder::new(cigre_lv(DEFAULT_ANCHOR)).unwrap()
}

fn scaled(feeder: &Feeder, k: f64) -> Vec<BusPower> {
    feeder.base_case().iter().map(|p| BusPower { p_mw: p.p_mw * k, q_mvar: p.q_mvar * k }).collect()
}

fn field_of(e: FeederError) -> String {
    match e {
        FeederError::Field { field, .. } => field,
        other => panic!("expected a field error, got {other}"),
    }
}

#[test]
fn cigre_lv_is_the_published_network() {
    let f = cigre();
    assert_eq!((f.spec.buses.len(), f.spec.lines.len(), f.spec.transformers.len()), (41, 37, 3));
    assert_eq!(f.customer_buses.len(), 15);
    let total: f64 = f.base_case().iter().map(|p| p.p_mw).sum();
    assert!((total - 0.6866).abs() < 1e-9, "CIGRE LV peak load is 686.6 kW, got {total}");
    // Every bus drawn, within a kilometre of Bus 0.
    for b in &f.spec.buses {
        let (lon, lat) = (b.lon.unwrap(), b.lat.unwrap());
        assert!((lon - DEFAULT_ANCHOR.lon).abs() < 0.01 && (lat - DEFAULT_ANCHOR.lat).abs() < 0.01, "{}", b.id);
    }
}

#[test]
fn generated_feeder_holds_its_meters() {
    for meters in [1, 7, 120, 121, 10_000] {
        let f = Feeder::new(generated(meters, DEFAULT_ANCHOR)).unwrap();
        let attached = f.attach_meters(meters);
        assert_eq!(attached.len(), meters);
        let mut per_bus = vec![0usize; f.bus_count()];
        for &b in &attached {
            per_bus[b] += 1;
        }
        assert!(per_bus.iter().all(|&n| n <= METERS_PER_BUS), "{meters} meters: a bus holds more than {METERS_PER_BUS}");
        assert!(attached.iter().all(|b| f.customer_buses.contains(b)));
        // Typical household demand (1.5 kW, cos φ 0.95 each) is carried within the band.
        let mut load = vec![BusPower::default(); f.bus_count()];
        for &b in &attached {
            load[b].p_mw += 0.0015;
            load[b].q_mvar += 0.0005;
        }
        let state = f.step(&load, &Options::default(), &Limits::default(), &mut Workspace::default());
        assert!(state.events.is_empty(), "{meters} meters: {:?}", &state.events[..state.events.len().min(3)]);
    }
}

#[test]
fn a_file_round_trips_and_the_example_loads() {
    let spec = cigre_lv(DEFAULT_ANCHOR);
    // Exact but for the last bit of a coordinate (serde_json's default float parsing).
    let back = Feeder::new(FeederSpec::from_json(&spec.to_json()).unwrap()).unwrap();
    assert_eq!((back.spec.lines.clone(), back.spec.transformers.clone(), back.spec.loads.clone()), (spec.lines.clone(), spec.transformers.clone(), spec.loads.clone()));
    let (a, b) = (Feeder::new(spec).unwrap(), back);
    assert_eq!(a.solve(&a.base_case(), &Options::default()).unwrap(), b.solve(&b.base_case(), &Options::default()).unwrap());
    let example = Feeder::from_json(include_str!("../feeders/example.json")).unwrap();
    assert_eq!(example.customer_buses.len(), 3);
    let flow = example.solve(&example.base_case(), &Options::default()).unwrap();
    assert!(flow.losses_mw > 0.0 && flow.buses.iter().all(|b| b.vm_pu > 0.95));
}

#[test]
fn a_malformed_file_names_the_field_at_fault() {
    let good = cigre_lv(DEFAULT_ANCHOR).to_json();
    let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();

    let mut bad = v.clone();
    bad["lines"][3]["r_ohm_per_km"] = "0.2".into();
    assert_eq!(field_of(Feeder::from_json(&bad.to_string()).unwrap_err()), "lines[3].r_ohm_per_km");

    let mut bad = v.clone();
    bad["transformers"][1].as_object_mut().unwrap().remove("vk_percent");
    let e = Feeder::from_json(&bad.to_string()).unwrap_err();
    assert!(e.to_string().contains("missing field `vk_percent`"), "{e}");
    assert_eq!(field_of(e), "transformers[1].vk_percent");

    let mut bad = v.clone();
    bad["buses"][2]["voltage"] = 0.4.into();
    assert_eq!(field_of(Feeder::from_json(&bad.to_string()).unwrap_err()), "buses[2].voltage");

    let mut bad = v.clone();
    bad["lines"][5]["length_km"] = (-0.03).into();
    assert_eq!(field_of(Feeder::from_json(&bad.to_string()).unwrap_err()), "lines[5].length_km");

    let mut bad = v.clone();
    bad["lines"][0]["to_bus"] = "Bus R99".into();
    let e = Feeder::from_json(&bad.to_string()).unwrap_err();
    assert!(e.to_string().contains("unknown bus \"Bus R99\""), "{e}");
    assert_eq!(field_of(e), "lines[0].to_bus");

    let mut bad = v.clone();
    bad["buses"][4].as_object_mut().unwrap().remove("lat");
    assert_eq!(field_of(Feeder::from_json(&bad.to_string()).unwrap_err()), "buses[4].lat");

    let mut bad = v.clone();
    bad["transformers"][0]["vkr_percent"] = 9.0.into();
    assert_eq!(field_of(Feeder::from_json(&bad.to_string()).unwrap_err()), "transformers[0].vkr_percent");

    // A line between 20 kV and 0.4 kV.
    let mut bad = v.clone();
    bad["lines"][0]["from_bus"] = "Bus 0".into();
    assert_eq!(field_of(Feeder::from_json(&bad.to_string()).unwrap_err()), "lines[0].to_bus");

    assert!(matches!(Feeder::from_json("{ not json"), Err(FeederError::Field { .. })));
    v["slack"]["bus"] = "nowhere".into();
    assert_eq!(field_of(Feeder::from_json(&v.to_string()).unwrap_err()), "slack.bus");
}

#[test]
fn a_meshed_feeder_is_refused_with_its_loop() {
    let mut spec = cigre_lv(DEFAULT_ANCHOR);
    let mut tie = spec.lines[0].clone();
    tie.id = "Tie R10-R15".into();
    tie.from_bus = "Bus R10".into();
    tie.to_bus = "Bus R15".into();
    spec.lines.push(tie);
    let e = Feeder::new(spec).unwrap_err();
    let FeederError::Meshed { buses, branches } = &e else { panic!("expected a loop, got {e}") };
    // R4 is where the two paths meet: R4-R5-…-R10, the tie, R15-R14-R13-R12-R4.
    let want: Vec<String> = ["R4", "R5", "R6", "R7", "R8", "R9", "R10", "R15", "R14", "R13", "R12"]
        .iter()
        .map(|b| format!("Bus {b}"))
        .collect();
    assert_eq!(buses, &want, "{e}");
    assert!(branches.contains(&"Tie R10-R15".to_string()) && branches.len() == buses.len());
    assert!(e.to_string().contains("Bus R10 -[Tie R10-R15]- Bus R15"), "{e}");

    // Two lines in parallel are a loop too.
    let mut spec = cigre_lv(DEFAULT_ANCHOR);
    let mut twin: LineSpec = spec.lines[0].clone();
    twin.id = "Twin R1-R2".into();
    spec.lines.push(twin);
    let e = Feeder::new(spec).unwrap_err();
    assert!(matches!(&e, FeederError::Meshed { buses, .. } if buses.len() == 2), "{e}");
}

#[test]
fn an_island_is_refused() {
    let mut spec = cigre_lv(DEFAULT_ANCHOR);
    spec.lines.retain(|l| l.id != "Line R9-R10");
    let e = Feeder::new(spec).unwrap_err();
    assert_eq!(e, FeederError::Disconnected { buses: vec!["Bus R10".into(), "Bus R18".into()] });
}

#[test]
fn events_name_the_bus_and_the_branch() {
    let f = cigre();
    let mut work = Workspace::default();
    let state = f.step(&f.base_case(), &Options::default(), &Limits::default(), &mut work);
    // At peak, the far commercial buses sit just above 0.9 p.u.: no event in the EN 50160 band…
    assert!(state.events.is_empty(), "{:?}", state.events);
    // …but a ±5 % band flags them.
    let tight = f.step(&f.base_case(), &Options::default(), &Limits::band(0.05), &mut work);
    assert!(tight.events.iter().any(|e| matches!(e, GridEvent::VoltageOutOfBand { bus, .. } if bus == "Bus C12")));

    let stressed = f.step(&scaled(&f, 2.0), &Options::default(), &Limits::default(), &mut work);
    let overloaded: Vec<&str> = stressed
        .events
        .iter()
        .filter_map(|e| match e {
            GridEvent::TransformerOverloaded { transformer, .. } => Some(transformer.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(overloaded, ["Trafo R0-R1", "Trafo I0-I1", "Trafo C0-C1"]);
    assert!(stressed.events.iter().any(|e| matches!(e, GridEvent::VoltageOutOfBand { bus, vm_pu, .. } if bus == "Bus C17" && *vm_pu < 0.9)));

    // A line rated below its current.
    let mut spec = cigre_lv(DEFAULT_ANCHOR);
    spec.lines[0].max_i_ka = 0.2;
    let f = Feeder::new(spec).unwrap();
    let state = f.step(&f.base_case(), &Options::default(), &Limits::default(), &mut work);
    assert!(state.events.iter().any(|e| matches!(e, GridEvent::LineOverloaded { line, loading_percent, .. } if line == "Line R1-R2" && *loading_percent > 150.0)));
}

#[test]
fn an_unsolvable_feeder_is_an_event_with_its_residual() {
    let f = cigre();
    let err = f.solve(&scaled(&f, 30.0), &Options::default()).unwrap_err();
    assert!(err.residual_pu > 1e-3, "{err}");
    let state = f.step(&scaled(&f, 30.0), &Options::default(), &Limits::default(), &mut Workspace::default());
    assert!(state.flow.is_none());
    assert!(matches!(state.events[..], [GridEvent::NotConverged { residual_pu, .. }] if residual_pu > 1e-3), "{:?}", state.events);

    // Too few iterations allowed: reported the same way, with the residual reached.
    let err = f.solve(&f.base_case(), &Options { max_iterations: 2, ..Options::default() }).unwrap_err();
    assert!(err.iterations == 2 && err.residual_pu.is_finite() && err.residual_pu > 1e-9, "{err}");

    // A non-number never reaches the sweep.
    let mut load = f.base_case();
    load[5].p_mw = f64::NAN;
    assert!(f.solve(&load, &Options::default()).is_err());
}
