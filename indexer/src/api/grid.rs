//! `GET /api/v1/grid` and `/api/v1/grid/{feeder}`: the feeders as the map draws them
//! (`wire::grid`), the same JSON as the `grid` channel's snapshot.
use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use utoipa::OpenApi;
use wire::grid::{FeederMap, GridMap, MapBuses, MapLines, MapMeters, MapState, MapTopology, MapTransformers};

use super::{not_found, ok, ApiResult, AppState};
use crate::model::ApiError;

#[derive(OpenApi)]
#[openapi(
    paths(grid, feeder),
    components(schemas(
        GridMap,
        FeederMap,
        MapTopology,
        MapBuses,
        MapLines,
        MapTransformers,
        MapMeters,
        MapState
    ))
)]
pub struct GridDoc;

pub fn routes() -> Router<AppState> {
    Router::new().route("/grid", get(grid)).route("/grid/{feeder}", get(feeder))
}

/// Every feeder: its topology (buses with coordinates, lines, transformers, meters) and
/// latest power flow, in compact columns (docs/indexer.md, "Grid map").
#[utoipa::path(get, path = "/grid", responses((status = 200, body = GridMap)))]
async fn grid(State(s): State<AppState>) -> ApiResult<GridMap> {
    ok(crate::grid_map::feeders(&s.pool, None).await?)
}

/// One feeder by name (URL-encoded).
#[utoipa::path(get, path = "/grid/{feeder}", params(("feeder" = String, Path)),
    responses((status = 200, body = FeederMap), (status = 404, body = ApiError)))]
async fn feeder(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult<FeederMap> {
    let map = crate::grid_map::feeders(&s.pool, Some(&name)).await?;
    ok(map
        .feeders
        .into_iter()
        .next()
        .ok_or_else(|| not_found(format!("no feeder {name:?}; GET /api/v1/grid lists them")))?)
}
