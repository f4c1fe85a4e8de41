//! The grid as the map draws it (`wire::grid`): a stored topology and state turned into the
//! compact encoding served by `GET /api/v1/grid` and the `grid` WebSocket channel. The
//! `grid` channel is numbered by its own counter (`grid_delta_seq`): the telemetry writer
//! is not ingest, and bumping ingest's counter would void what ingest remembers of every
//! other channel's last batch, so each of their subscribers would take a needless
//! snapshot once per interval. Every bump publishes one delta on `grid`, so a delta's
//! `prev` is exactly `seq - 1`.
use std::collections::HashMap;

use gridtokenx_telemetry::{GridEventV1, GridFlowV1, GridTopologyV1};
use sqlx::types::Json;
use sqlx::PgExecutor;
use wire::grid::{
    round, FeederMap, GridMap, MapBuses, MapLines, MapMeters, MapState, MapTopology, MapTransformers,
};

pub const CHANNEL: &str = "grid";

pub fn topology(t: &GridTopologyV1) -> MapTopology {
    let spec = &t.feeder;
    let index: HashMap<&str, u32> =
        spec.buses.iter().enumerate().map(|(i, b)| (b.id.as_str(), i as u32)).collect();
    // The grid crate refused any feeder naming an unknown bus before it was published;
    // should one get here anyway, it points at the slack rather than out of range.
    let at = |id: &str| index.get(id).copied().unwrap_or(0);
    MapTopology {
        source: t.source.clone(),
        slack_bus: at(&spec.slack.bus),
        buses: MapBuses {
            id: spec.buses.iter().map(|b| b.id.clone()).collect(),
            lon: spec.buses.iter().map(|b| b.lon.map(|v| round(v, 6))).collect(),
            lat: spec.buses.iter().map(|b| b.lat.map(|v| round(v, 6))).collect(),
            vn_kv: spec.buses.iter().map(|b| b.vn_kv).collect(),
        },
        lines: MapLines {
            id: spec.lines.iter().map(|l| l.id.clone()).collect(),
            from_bus: spec.lines.iter().map(|l| at(&l.from_bus)).collect(),
            to_bus: spec.lines.iter().map(|l| at(&l.to_bus)).collect(),
            max_i_a: spec.lines.iter().map(|l| round(l.max_i_ka * 1_000.0, 1)).collect(),
        },
        transformers: MapTransformers {
            id: spec.transformers.iter().map(|t| t.id.clone()).collect(),
            hv_bus: spec.transformers.iter().map(|t| at(&t.hv_bus)).collect(),
            lv_bus: spec.transformers.iter().map(|t| at(&t.lv_bus)).collect(),
            sn_kva: spec.transformers.iter().map(|t| round(t.sn_mva * 1_000.0, 1)).collect(),
        },
        meters: MapMeters {
            id: t.meters.iter().map(|m| m.meter_id.clone()).collect(),
            bus: t.meters.iter().map(|m| at(&m.bus)).collect(),
            connected: t.meters.iter().map(|m| m.connected).collect(),
        },
    }
}

/// A state's columns follow the topology's order (the schema says so); events name their
/// element by id, found in the state's own lists.
pub fn state(
    interval_start_ts: i64,
    interval_secs: u32,
    flow: Option<&GridFlowV1>,
    events: &[GridEventV1],
) -> MapState {
    let not_converged = events.iter().find_map(|e| match e {
        GridEventV1::NotConverged { reason, .. } => Some(reason.clone()),
        _ => None,
    });
    let Some(flow) = flow else {
        return MapState {
            interval_start_ts,
            interval_secs,
            not_converged: Some(not_converged.unwrap_or_else(|| "the power flow did not converge".into())),
            ..MapState::default()
        };
    };
    let position = |ids: Vec<&str>, wanted: &str| ids.iter().position(|id| *id == wanted).map(|i| i as u32);
    let (mut voltage, mut lines, mut trafos) = (Vec::new(), Vec::new(), Vec::new());
    for e in events {
        match e {
            GridEventV1::VoltageOutOfBand { bus, .. } => {
                voltage.extend(position(flow.buses.iter().map(|b| b.id.as_str()).collect(), bus))
            }
            GridEventV1::LineOverloaded { line, .. } => {
                lines.extend(position(flow.lines.iter().map(|l| l.id.as_str()).collect(), line))
            }
            GridEventV1::TransformerOverloaded { transformer, .. } => trafos
                .extend(position(flow.transformers.iter().map(|t| t.id.as_str()).collect(), transformer)),
            GridEventV1::NotConverged { .. } => {}
        }
    }
    let kw = |mw: f64| round(mw * 1_000.0, 2);
    MapState {
        interval_start_ts,
        interval_secs,
        not_converged,
        slack_p_kw: kw(flow.slack_p_mw),
        losses_kw: kw(flow.losses_mw),
        bus_vm_pu: flow.buses.iter().map(|b| round(b.vm_pu, 4)).collect(),
        // The state's p_mw is load − generation (drawn); the map shows what a bus exports.
        bus_net_production_kw: flow.buses.iter().map(|b| kw(-b.p_mw)).collect(),
        bus_meters: flow.buses.iter().map(|b| b.meters).collect(),
        line_loading_percent: flow.lines.iter().map(|l| round(l.loading_percent, 1)).collect(),
        line_p_from_kw: flow.lines.iter().map(|l| kw(l.p_from_mw)).collect(),
        transformer_loading_percent: flow.transformers.iter().map(|t| round(t.loading_percent, 1)).collect(),
        transformer_p_hv_kw: flow.transformers.iter().map(|t| kw(t.p_hv_mw)).collect(),
        voltage_out_of_band: voltage,
        overloaded_lines: lines,
        overloaded_transformers: trafos,
    }
}

/// Every stored feeder with its latest state, by name.
pub async fn feeders<'e>(db: impl PgExecutor<'e>, only: Option<&str>) -> sqlx::Result<GridMap> {
    type Row = (
        Json<GridTopologyV1>,
        Option<i64>,
        Option<i64>,
        Option<Json<GridFlowV1>>,
        Option<Json<Vec<GridEventV1>>>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "select t.topology, s.interval_start_ts, s.interval_secs, s.flow, s.events
         from grid_topologies t left join grid_states s using (feeder)
         where $1::text is null or t.feeder = $1 order by t.feeder",
    )
    .bind(only)
    .fetch_all(db)
    .await?;
    let feeders = rows
        .into_iter()
        .map(|(t, ts, secs, flow, events)| FeederMap {
            feeder: t.0.feeder.name.clone(),
            topology: Some(topology(&t.0)),
            state: ts.map(|ts| {
                let events = events.map(|e| e.0).unwrap_or_default();
                state(
                    ts,
                    secs.unwrap_or(0).clamp(0, u32::MAX as i64) as u32,
                    flow.as_ref().map(|f| &f.0),
                    &events,
                )
            }),
        })
        .collect();
    Ok(GridMap { feeders })
}

/// The `grid` channel's number: the last batch that changed a feeder.
pub async fn seq<'e>(db: impl PgExecutor<'e>) -> sqlx::Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>("select seq from grid_delta_seq").fetch_optional(db).await?.unwrap_or(0))
}

/// Takes the next number in the writer's transaction (rolled back with it).
pub async fn next_seq(tx: &mut sqlx::PgConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "insert into grid_delta_seq (seq) values (1) on conflict (only_row) do update set seq = grid_delta_seq.seq + 1
         returning seq",
    )
    .fetch_one(tx)
    .await
}
