//! The grid map in the browser: a simulated fleet of 20 meters on the CIGRE LV feeder (the
//! simulator's own physics and power flow) is stored by the indexer's grid writer and
//! published on the `grid` channel as the telemetry role does (the Kafka leg is
//! `indexer/tests/grid_live.rs`). The page draws the feeder without any tile service —
//! every line and meter, a summary in words, a legend — and follows a new interval live;
//! a meter reached with the keyboard tells its values. Screenshots at desktop and phone
//! width; no console warning or error.
use gridtokenx_browser_tests::{connected_page, Stack};
use gridtokenx_indexer::telemetry::grid::{GridBatch, StateAt, TopologyAt};
use gridtokenx_simulator::cli::feeder::FeederArgs;
use gridtokenx_simulator::fleet::{Fleet, FleetConfig};

/// Stores what a grid-state batch holds and publishes its delta, as the telemetry role.
async fn publish(stack: &Stack, batch: GridBatch) {
    let delta = gridtokenx_indexer::telemetry::grid_store::write(&stack.pool, "grid-state", &batch)
        .await
        .expect("stored");
    stack.fanout.publish(delta.into_iter().collect());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_map_draws_the_feeder_and_follows_each_new_state() {
    let stack = Stack::start().await;
    let page = connected_page(&stack, &stack.keys.traders[0]).await;
    page.click("[data-testid=nav-map]").await;
    page.text_until("[data-testid=map-empty]", "no feeder yet", |t| t.contains("No feeder")).await;

    // Morning on CIGRE LV, then the state three hours later (the sun has moved).
    let config = FleetConfig { meters: 20, seed: 12, start_unix_s: 1_800_000_000, ..FleetConfig::default() };
    let mut fleet = Fleet::new(config);
    FeederArgs { feeder: Some("cigre-lv".into()), ..FeederArgs::default() }
        .attach(&mut fleet)
        .expect("CIGRE LV");
    let topology = fleet.grid.as_ref().expect("a feeder").topology(&fleet.meters);
    let first = fleet.advance_interval().grid.expect("a power flow");
    publish(
        &stack,
        GridBatch {
            topologies: vec![TopologyAt { partition: 0, offset: 0, topology }],
            states: vec![StateAt { partition: 0, offset: 1, state: (*first).clone() }],
            rejected: vec![],
        },
    )
    .await;
    let summary = page
        .text_until("[data-testid=map-summary]", "the feeder is drawn", |t| t.contains("households produce"))
        .await;
    assert!(
        summary.starts_with("Feeder ") && summary.contains("41 buses, 37 lines, 3 transformers, 20 meters"),
        "{summary}"
    );
    assert_eq!(page.count("[data-testid=map-line]").await, 37);
    assert_eq!(page.count("[data-testid=map-meter]").await, 20);
    assert_eq!(page.count("[data-testid=map-transformer]").await, 3);
    let label =
        page.eval("return document.querySelector('[data-testid=grid-map]').getAttribute('aria-label')").await;
    assert_eq!(label, summary.as_str(), "the drawing is labelled with the summary");
    page.screenshot("map-desktop").await;
    page.phone_width(true).await;
    page.screenshot("map-phone").await;
    page.phone_width(false).await;

    for _ in 0..12 {
        fleet.advance_interval();
    }
    let later = fleet.advance_interval().grid.expect("a power flow");
    publish(
        &stack,
        GridBatch {
            topologies: vec![],
            states: vec![StateAt { partition: 0, offset: 2, state: (*later).clone() }],
            rejected: vec![],
        },
    )
    .await;
    let clock =
        |ts: i64| format!("{:02}:{:02} UTC", ts.rem_euclid(86_400) / 3_600, ts.rem_euclid(3_600) / 60);
    let moved = page
        .text_until("[data-testid=map-summary]", "the new state is drawn", |t| {
            t.contains(&clock(later.interval_start_ts))
        })
        .await;
    assert_ne!(moved, summary);

    // The keyboard reaches a meter and the page tells its values.
    page.eval("document.querySelector('[data-testid=map-meter]').focus()").await;
    let details = page
        .text_until("[data-testid=map-details]", "a focused meter tells its values", |t| {
            t.starts_with("Meter ")
        })
        .await;
    assert!(
        details.contains(" on Bus ") && (details.contains("net") || details.contains("neither")),
        "{details}"
    );
    page.screenshot("map-focused").await;
    let problems = page.console_problems().await;
    assert!(problems.is_empty(), "the page logged: {problems:#?}");
}
