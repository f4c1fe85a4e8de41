//! The grid as Mapbox Vector Tiles: `GET /tiles/grid/{z}/{x}/{y}.mvt` and its TileJSON
//! `GET /tiles/grid.json`, drawn from the topologies and latest states the telemetry
//! consumer stores (`telemetry::grid_store`), decoded once per stored version (`cache`).
//! Any MVT client (MapLibre GL, QGIS) can use them with no other tile service.
//! docs/indexer.md, "Grid tiles".
pub mod cache;
// The drawing and encoding, in a crate of their own (indexer/tiles) so that their
// benchmark builds in release without the indexer's dependencies.
pub use grid_tiles::{draw, mercator, mvt, vector_tile};

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use prost::Message;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use self::cache::FeederCache;
use self::mercator::{TileId, MAX_ZOOM};
use crate::api::{bad_request, ApiError, AppState};
use crate::model::ApiError as ErrorBody;

pub const MVT_CONTENT_TYPE: &str = "application/vnd.mapbox-vector-tile";

#[derive(OpenApi)]
#[openapi(paths(tile, tilejson), components(schemas(TileJson, VectorLayer)))]
pub struct TilesDoc;

/// The tile routes, with a feeder cache of their own (one per served router, so that two
/// indexers in one process, as in the tests, never share one).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tiles/grid/{z}/{x}/{y}", get(tile))
        .route("/tiles/grid.json", get(tilejson))
        .layer(Extension(Arc::new(FeederCache::default())))
}

/// One tile of the grid: layers `buses`, `lines`, `transformers` and, from zoom 14, `meters`
/// (their fields and zoom ranges are in the TileJSON's `vector_layers`), extent 4096, buffer
/// 64, clipped to the tile. A tile with no part of any feeder is a valid empty tile (200, no
/// layers, zero bytes).
#[utoipa::path(get, path = "/tiles/grid/{z}/{x}/{y}.mvt",
    params(("z" = u8, Path, description = "zoom, 0 to 22"), ("x" = u32, Path), ("y" = u32, Path, description = "row, followed by .mvt")),
    responses((status = 200, content_type = "application/vnd.mapbox-vector-tile", body = Vec<u8>),
              (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn tile(
    State(s): State<AppState>,
    Extension(cache): Extension<Arc<FeederCache>>,
    Path((z, x, y)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let id = TileId::parse(&z, &x, &y).map_err(bad_request)?;
    let feeders = cache.feeders(&s.pool).await?;
    // Drawing the 10,000-meter feeder takes milliseconds: off the async workers.
    let bytes = tokio::task::spawn_blocking(move || draw::draw(&feeders, id).encode_to_vec())
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("drawing the tile failed: {e}")))?;
    // The state changes every interval: clients revalidate rather than cache.
    Ok(([(header::CONTENT_TYPE, MVT_CONTENT_TYPE), (header::CACHE_CONTROL, "no-cache")], bytes)
        .into_response())
}

/// TileJSON 3.0.0 (github.com/mapbox/tilejson-spec) for the grid tiles.
#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct TileJson {
    /// Always `3.0.0`.
    pub tilejson: String,
    pub name: String,
    pub description: String,
    pub scheme: String,
    /// One absolute URL template, from the request's Host (and X-Forwarded-Proto).
    pub tiles: Vec<String>,
    pub minzoom: u8,
    pub maxzoom: u8,
    /// [west, south, east, north] of every stored feeder's buses (the world when none).
    pub bounds: [f64; 4],
    /// [lon, lat, zoom]: the feeders' middle, at the deepest zoom whose one tile holds their box.
    pub center: [f64; 3],
    pub vector_layers: Vec<VectorLayer>,
}

#[derive(Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct VectorLayer {
    pub id: String,
    /// Field name → `String`, `Number` or `Boolean`.
    pub fields: BTreeMap<String, String>,
    pub description: String,
    /// The shallowest zoom whose tiles hold this layer (`meters`: 14; below it the `buses`
    /// layer's `meters` and `net_production_kw` stand for them).
    pub minzoom: u8,
    pub maxzoom: u8,
}

#[utoipa::path(get, path = "/tiles/grid.json", responses((status = 200, body = TileJson), (status = 503, body = ErrorBody)))]
async fn tilejson(
    State(s): State<AppState>,
    Extension(cache): Extension<Arc<FeederCache>>,
    headers: HeaderMap,
) -> Result<Json<TileJson>, ApiError> {
    let feeders = cache.feeders(&s.pool).await?;
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:8080");
    let scheme = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).unwrap_or("http");
    let bounds =
        draw::bounds(&feeders).unwrap_or([-180.0, -85.051_128_779_806_59, 180.0, 85.051_128_779_806_59]);
    Ok(Json(document(&format!("{scheme}://{host}"), bounds)))
}

/// The TileJSON for tiles served at `base` covering `bounds`.
pub fn document(base: &str, bounds: [f64; 4]) -> TileJson {
    let [w, s, e, n] = bounds;
    let vector_layers = draw::LAYERS
        .iter()
        .map(|layer| VectorLayer {
            id: layer.name.to_string(),
            fields: layer.fields.iter().map(|(f, ty, _)| (f.to_string(), ty.to_string())).collect(),
            description: layer
                .fields
                .iter()
                .map(|(f, _, meaning)| format!("{f}: {meaning}"))
                .collect::<Vec<_>>()
                .join("; "),
            minzoom: layer.minzoom,
            maxzoom: MAX_ZOOM,
        })
        .collect();
    TileJson {
        tilejson: "3.0.0".into(),
        name: "GridTokenX grid".into(),
        description: format!(
            "Feeders from the simulator's grid-state topic with their latest power flow; meters from \
             zoom {}, below it each bus's `meters` and `net_production_kw` stand for them",
            draw::METERS_MIN_ZOOM
        ),
        scheme: "xyz".into(),
        tiles: vec![format!("{base}/tiles/grid/{{z}}/{{x}}/{{y}}.mvt")],
        minzoom: 0,
        maxzoom: MAX_ZOOM,
        bounds,
        center: [(w + e) / 2.0, (s + n) / 2.0, f64::from(fitting_zoom(bounds))],
        vector_layers,
    }
}

/// The deepest zoom at which the box still fits in one tile's width (in Mercator x) and
/// height (in degrees of latitude, a close enough guide for a centre).
fn fitting_zoom([w, s, e, n]: [f64; 4]) -> u8 {
    let span = (e - w).max((n - s) * 2.0).max(1e-9);
    ((360.0 / span).log2().floor().clamp(0.0, f64::from(MAX_ZOOM))) as u8
}
