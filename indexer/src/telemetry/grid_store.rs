//! The grid in Postgres (migrations/0005_grid.sql): writes guarded so that an older message
//! never replaces a newer one, and the read the tiles are drawn from.
use gridtokenx_telemetry::{GridEventV1, GridFlowV1, GridTopologyV1};
use sqlx::types::Json;
use sqlx::PgPool;

use super::grid::GridBatch;

/// Writes a batch (topologies, states, dead letters) in one transaction. Idempotent: a
/// redelivered message writes nothing newer than what is there. Returns the `grid`
/// channel's delta when a feeder changed, numbered in the same transaction; publish it
/// only once this returned (a rolled-back batch must reach no one).
pub async fn write(pool: &PgPool, topic: &str, batch: &GridBatch) -> sqlx::Result<Option<crate::fanout::Delta>> {
    let mut tx = pool.begin().await?;
    let mut changed: std::collections::BTreeMap<String, wire::grid::FeederMap> = Default::default();
    for t in &batch.topologies {
        let spec = &t.topology.feeder;
        // Newer = a later offset on the feeder's partition (or any offset after the topic
        // was repartitioned and the feeder moved).
        let replaced = sqlx::query(
            "insert into grid_topologies (feeder, source, topology, buses, lines, transformers, kafka_partition, kafka_offset)
             values ($1, $2, $3, $4, $5, $6, $7, $8)
             on conflict (feeder) do update set source = excluded.source, topology = excluded.topology,
                 buses = excluded.buses, lines = excluded.lines, transformers = excluded.transformers,
                 kafka_partition = excluded.kafka_partition, kafka_offset = excluded.kafka_offset, received_at = now()
             where grid_topologies.kafka_partition <> excluded.kafka_partition
                or grid_topologies.kafka_offset < excluded.kafka_offset",
        )
        .bind(&spec.name)
        .bind(&t.topology.source)
        .bind(Json(&t.topology))
        .bind(spec.buses.len() as i32)
        .bind(spec.lines.len() as i32)
        .bind(spec.transformers.len() as i32)
        .bind(t.partition)
        .bind(t.offset)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if replaced == 1 {
            replace_meters(&mut tx, &t.topology).await?;
            let entry = changed.entry(spec.name.clone()).or_default();
            entry.feeder = spec.name.clone();
            entry.topology = Some(crate::grid_map::topology(&t.topology));
        }
    }
    for s in &batch.states {
        let st = &s.state;
        let stored = sqlx::query(
            "insert into grid_states (feeder, interval_start_ts, interval_secs, flow, events, losses_mw, kafka_partition, kafka_offset)
             values ($1, $2, $3, $4, $5, $6, $7, $8)
             on conflict (feeder) do update set interval_start_ts = excluded.interval_start_ts,
                 interval_secs = excluded.interval_secs, flow = excluded.flow, events = excluded.events,
                 losses_mw = excluded.losses_mw, kafka_partition = excluded.kafka_partition,
                 kafka_offset = excluded.kafka_offset, received_at = now()
             where grid_states.interval_start_ts < excluded.interval_start_ts",
        )
        .bind(&st.feeder)
        .bind(st.interval_start_ts)
        .bind(i64::from(st.interval_secs))
        .bind(st.flow.as_ref().map(Json))
        .bind(Json(&st.events))
        .bind(st.flow.as_ref().map(|f| f.losses_mw))
        .bind(s.partition)
        .bind(s.offset)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if stored == 1 {
            let entry = changed.entry(st.feeder.clone()).or_default();
            entry.feeder = st.feeder.clone();
            entry.state = Some(crate::grid_map::state(st.interval_start_ts, st.interval_secs, st.flow.as_ref(), &st.events));
        }
    }
    super::store::insert_dead_letters(&mut *tx, topic, &batch.rejected).await?;
    let delta = if changed.is_empty() {
        None
    } else {
        let seq = crate::grid_map::next_seq(&mut tx).await?;
        let data = wire::grid::GridMap { feeders: changed.into_values().collect() };
        let data = serde_json::to_value(&data).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        Some(crate::fanout::Delta::new(crate::grid_map::CHANNEL.into(), seq, seq - 1, data, crate::fanout::now_ms()))
    };
    tx.commit().await?;
    Ok(delta)
}

async fn replace_meters(tx: &mut sqlx::PgConnection, topology: &GridTopologyV1) -> sqlx::Result<()> {
    let feeder = &topology.feeder.name;
    sqlx::query("delete from grid_meters where feeder = $1").bind(feeder).execute(&mut *tx).await?;
    // A fleet lists each meter once; should a producer repeat one, the last entry wins.
    let mut latest = std::collections::BTreeMap::new();
    for m in &topology.meters {
        latest.insert(m.meter_id.clone(), (m.bus.clone(), m.connected));
    }
    let ids: Vec<String> = latest.keys().cloned().collect();
    let buses: Vec<String> = latest.values().map(|v| v.0.clone()).collect();
    let connected: Vec<bool> = latest.values().map(|v| v.1).collect();
    sqlx::query(
        "insert into grid_meters (feeder, meter_id, bus, connected)
         select $1, * from unnest($2::text[], $3::text[], $4::bool[])",
    )
    .bind(feeder)
    .bind(&ids)
    .bind(&buses)
    .bind(&connected)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A feeder as the tiles draw it (defined beside the drawing, in the grid-tiles crate).
pub use grid_tiles::StoredFeeder;

/// What identifies the stored version of a feeder: its topology's Kafka position and its
/// state's interval. The upserts above replace a row only with a later offset or interval,
/// so an equal list means the same topologies and states (what the tiles' cache keys on).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeederVersion {
    pub feeder: String,
    pub topology_partition: i32,
    pub topology_offset: i64,
    pub interval_start_ts: Option<i64>,
}

/// Every feeder's version, ordered as `feeders` orders them: a cheap read (no jsonb).
pub async fn versions(pool: &PgPool) -> sqlx::Result<Vec<FeederVersion>> {
    let rows: Vec<(String, i32, i64, Option<i64>)> = sqlx::query_as(
        "select t.feeder, t.kafka_partition, t.kafka_offset, s.interval_start_ts
         from grid_topologies t left join grid_states s using (feeder) order by t.feeder",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(version).collect())
}

fn version(
    (feeder, topology_partition, topology_offset, interval_start_ts): (String, i32, i64, Option<i64>),
) -> FeederVersion {
    FeederVersion { feeder, topology_partition, topology_offset, interval_start_ts }
}

/// Every feeder with its latest state.
pub async fn feeders(pool: &PgPool) -> sqlx::Result<Vec<StoredFeeder>> {
    Ok(versioned_feeders(pool).await?.1)
}

/// Every feeder with its latest state, and their versions read in the same statement (so
/// the versions describe exactly these feeders).
pub async fn versioned_feeders(pool: &PgPool) -> sqlx::Result<(Vec<FeederVersion>, Vec<StoredFeeder>)> {
    type Row = (
        String,
        i32,
        i64,
        Option<i64>,
        Json<GridTopologyV1>,
        Option<Json<GridFlowV1>>,
        Option<Json<Vec<GridEventV1>>>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "select t.feeder, t.kafka_partition, t.kafka_offset, s.interval_start_ts, t.topology, s.flow, s.events
         from grid_topologies t left join grid_states s using (feeder) order by t.feeder",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(feeder, partition, offset, interval_start_ts, topology, flow, events)| {
            (
                version((feeder, partition, offset, interval_start_ts)),
                StoredFeeder {
                    topology: topology.0,
                    interval_start_ts,
                    flow: flow.map(|f| f.0),
                    events: events.map(|e| e.0).unwrap_or_default(),
                },
            )
        })
        .unzip())
}
