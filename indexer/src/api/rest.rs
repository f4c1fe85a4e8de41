//! REST handlers. Each is one query of `store`, its parameters validated first: a bad key,
//! limit, interval or cursor is a 400 with a JSON error body, never a database error.
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::{bad_request, limit, not_found, ok, pubkey, ApiResult, AppState};
use crate::model::*;
use crate::store;

#[derive(OpenApi)]
#[openapi(
    info(title = "GridTokenX indexer", description = "A read-only mirror of the GridTokenX programs. u64 quantities are decimal strings. WebSocket: /api/v1/ws."),
    servers((url = "/api/v1")),
    paths(markets, market, depth, book, trades, candles, trader_orders, trader_fills, trader_balances,
          trader_movements, meters, meter, meter_readings, meter_telemetry, certificates, oracles, council,
          proposals, proposal, stats),
    components(schemas(Market, Level, Depth, RestingOrder, Fill, FillPage, Candle, OrderRecord, Seat, Movement, Meter,
                       MeterDetail, Reading, TelemetryReading, Certificate, CertificateEvent, CertificateWithHistory,
                       Oracle, Council, Proposal, ProposalEvent, Stats, ApiError))
)]
pub struct ApiDoc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/markets", get(markets))
        .route("/markets/{market}", get(market))
        .route("/markets/{market}/depth", get(depth))
        .route("/markets/{market}/book", get(book))
        .route("/markets/{market}/trades", get(trades))
        .route("/markets/{market}/candles", get(candles))
        .route("/traders/{trader}/orders", get(trader_orders))
        .route("/traders/{trader}/fills", get(trader_fills))
        .route("/traders/{trader}/balances", get(trader_balances))
        .route("/traders/{trader}/movements", get(trader_movements))
        .route("/meters", get(meters))
        .route("/meters/{meter}", get(meter))
        .route("/meters/{meter}/readings", get(meter_readings))
        .route("/meters/{meter}/telemetry", get(meter_telemetry))
        .route("/certificates", get(certificates))
        .route("/oracles", get(oracles))
        .route("/council", get(council))
        .route("/proposals", get(proposals))
        .route("/proposals/{index}", get(proposal))
        .route("/stats", get(stats))
}

#[derive(Deserialize, IntoParams)]
pub struct LimitQuery {
    /// 1 to 1000.
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/markets", responses((status = 200, body = Vec<Market>)))]
async fn markets(State(s): State<AppState>) -> ApiResult<Vec<Market>> {
    ok(store::markets(&s.pool).await?)
}

#[utoipa::path(get, path = "/markets/{market}", params(("market" = String, Path)),
    responses((status = 200, body = Market), (status = 404, body = ApiError)))]
async fn market(State(s): State<AppState>, Path(m): Path<String>) -> ApiResult<Market> {
    let m = pubkey("market", &m)?;
    ok(store::market(&s.pool, &m).await?.ok_or_else(|| not_found(format!("no market {m}")))?)
}

#[derive(Deserialize, IntoParams)]
pub struct DepthQuery {
    /// Levels per side, 1 to 1000 (default 50).
    pub levels: Option<i64>,
}

/// Aggregated levels with the delta number they are exact at (the `book:<market>` channel's; from
/// the Redis cache when it has the market, else from Postgres).
#[utoipa::path(get, path = "/markets/{market}/depth", params(("market" = String, Path), DepthQuery),
    responses((status = 200, body = Depth), (status = 400, body = ApiError)))]
async fn depth(State(s): State<AppState>, Path(m): Path<String>, Query(q): Query<DepthQuery>) -> ApiResult<Depth> {
    let m = pubkey("market", &m)?;
    let levels = limit(q.levels, 50, 1_000)? as usize;
    if let Some(redis) = &s.redis {
        if let Some(mut cached) = crate::fanout::cached_depth(redis, &m).await {
            cached.bids.truncate(levels);
            cached.asks.truncate(levels);
            return ok(cached);
        }
    }
    ok(super::snapshot::depth(&s.pool, &m, levels as i64).await?)
}

#[utoipa::path(get, path = "/markets/{market}/book", params(("market" = String, Path)),
    responses((status = 200, body = Vec<RestingOrder>)))]
async fn book(State(s): State<AppState>, Path(m): Path<String>) -> ApiResult<Vec<RestingOrder>> {
    let m = pubkey("market", &m)?;
    ok(store::resting_orders(&s.pool, &m).await?)
}

#[derive(Deserialize, IntoParams)]
pub struct TradesQuery {
    /// `next_cursor` of the previous page.
    pub before: Option<String>,
    /// 1 to 1000 (default 100).
    pub limit: Option<i64>,
}

fn parse_cursor(text: &str) -> Option<store::FillCursor> {
    let mut parts = text.split(':');
    let cursor = (
        parts.next()?.parse().ok()?,
        parts.next()?.to_string(),
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
    );
    parts.next().is_none().then_some(cursor)
}

/// Newest first, by (slot, signature, instruction, event): stable under concurrent inserts.
#[utoipa::path(get, path = "/markets/{market}/trades", params(("market" = String, Path), TradesQuery),
    responses((status = 200, body = FillPage), (status = 400, body = ApiError)))]
async fn trades(State(s): State<AppState>, Path(m): Path<String>, Query(q): Query<TradesQuery>) -> ApiResult<FillPage> {
    let m = pubkey("market", &m)?;
    let n = limit(q.limit, 100, 1_000)?;
    let before = match &q.before {
        None => None,
        Some(text) => Some(parse_cursor(text).ok_or_else(|| bad_request(format!("before {text:?} is not a cursor this API returned")))?),
    };
    let fills = store::fills(&s.pool, &m, before.as_ref(), n).await?;
    let next_cursor = (fills.len() as i64 == n)
        .then(|| fills.last().map(|f| format!("{}:{}:{}:{}", f.slot, f.signature, f.ix_index, f.event_index)))
        .flatten();
    ok(FillPage { fills, next_cursor })
}

#[derive(Deserialize, IntoParams)]
pub struct CandleQuery {
    /// `1m`, `15m`, `1h` or `1d`.
    pub interval: String,
    /// Unix seconds (default: 500 intervals ago).
    pub from: Option<i64>,
    /// 1 to 1000 (default 500).
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/markets/{market}/candles", params(("market" = String, Path), CandleQuery),
    responses((status = 200, body = Vec<Candle>), (status = 400, body = ApiError)))]
async fn candles(State(s): State<AppState>, Path(m): Path<String>, Query(q): Query<CandleQuery>) -> ApiResult<Vec<Candle>> {
    let m = pubkey("market", &m)?;
    let secs = match q.interval.as_str() {
        "1m" => 60,
        "15m" => 900,
        "1h" => 3_600,
        "1d" => 86_400,
        other => return Err(bad_request(format!("interval must be 1m, 15m, 1h or 1d, got {other:?}"))),
    };
    let n = limit(q.limit, 500, 1_000)?;
    let from = q.from.unwrap_or_else(|| crate::ingest::source::now_secs() - secs * n);
    ok(store::candles(&s.pool, &m, secs, from, n).await?)
}

#[derive(Deserialize, IntoParams)]
pub struct OrdersQuery {
    /// `open` (default: open and partially filled) or `all`.
    pub status: Option<String>,
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/traders/{trader}/orders", params(("trader" = String, Path), OrdersQuery),
    responses((status = 200, body = Vec<OrderRecord>)))]
async fn trader_orders(State(s): State<AppState>, Path(t): Path<String>, Query(q): Query<OrdersQuery>) -> ApiResult<Vec<OrderRecord>> {
    let t = pubkey("trader", &t)?;
    let open_only = match q.status.as_deref() {
        None | Some("open") => true,
        Some("all") => false,
        Some(other) => return Err(bad_request(format!("status must be open or all, got {other:?}"))),
    };
    ok(store::trader_orders(&s.pool, &t, open_only, limit(q.limit, 100, 1_000)?).await?)
}

#[utoipa::path(get, path = "/traders/{trader}/fills", params(("trader" = String, Path), LimitQuery),
    responses((status = 200, body = Vec<Fill>)))]
async fn trader_fills(State(s): State<AppState>, Path(t): Path<String>, Query(q): Query<LimitQuery>) -> ApiResult<Vec<Fill>> {
    let t = pubkey("trader", &t)?;
    ok(store::trader_fills(&s.pool, &t, limit(q.limit, 100, 1_000)?).await?)
}

/// The trader's seats: free and locked balances per market.
#[utoipa::path(get, path = "/traders/{trader}/balances", params(("trader" = String, Path)),
    responses((status = 200, body = Vec<Seat>)))]
async fn trader_balances(State(s): State<AppState>, Path(t): Path<String>) -> ApiResult<Vec<Seat>> {
    let t = pubkey("trader", &t)?;
    ok(store::trader_seats(&s.pool, &t).await?)
}

#[utoipa::path(get, path = "/traders/{trader}/movements", params(("trader" = String, Path), LimitQuery),
    responses((status = 200, body = Vec<Movement>)))]
async fn trader_movements(State(s): State<AppState>, Path(t): Path<String>, Query(q): Query<LimitQuery>) -> ApiResult<Vec<Movement>> {
    let t = pubkey("trader", &t)?;
    ok(store::trader_movements(&s.pool, &t, limit(q.limit, 100, 1_000)?).await?)
}

#[derive(Deserialize, IntoParams)]
pub struct MetersQuery {
    pub owner: Option<String>,
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/meters", params(MetersQuery), responses((status = 200, body = Vec<Meter>)))]
async fn meters(State(s): State<AppState>, Query(q): Query<MetersQuery>) -> ApiResult<Vec<Meter>> {
    let owner = q.owner.as_deref().map(|o| pubkey("owner", o)).transpose()?;
    ok(store::meters(&s.pool, owner.as_deref(), limit(q.limit, 1_000, 10_000)?).await?)
}

/// A meter with its latest readings (on chain) and telemetry (from Kafka).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct MeterDetail {
    pub meter: Meter,
    pub readings: Vec<Reading>,
    pub telemetry: Vec<TelemetryReading>,
}

#[utoipa::path(get, path = "/meters/{meter}", params(("meter" = String, Path)),
    responses((status = 200, body = MeterDetail), (status = 404, body = ApiError)))]
async fn meter(State(s): State<AppState>, Path(m): Path<String>) -> ApiResult<MeterDetail> {
    let m = pubkey("meter", &m)?;
    let meter = store::meters_by_key(&s.pool, std::slice::from_ref(&m))
        .await?
        .pop()
        .ok_or_else(|| not_found(format!("no meter {m}")))?;
    let readings = store::readings(&s.pool, &m, 96).await?;
    let telemetry = crate::telemetry::store::latest(&s.pool, &m, 96).await?;
    ok(MeterDetail { meter, readings, telemetry })
}

#[utoipa::path(get, path = "/meters/{meter}/readings", params(("meter" = String, Path), LimitQuery),
    responses((status = 200, body = Vec<Reading>)))]
async fn meter_readings(State(s): State<AppState>, Path(m): Path<String>, Query(q): Query<LimitQuery>) -> ApiResult<Vec<Reading>> {
    let m = pubkey("meter", &m)?;
    ok(store::readings(&s.pool, &m, limit(q.limit, 96, 1_000)?).await?)
}

#[utoipa::path(get, path = "/meters/{meter}/telemetry", params(("meter" = String, Path), LimitQuery),
    responses((status = 200, body = Vec<TelemetryReading>)))]
async fn meter_telemetry(State(s): State<AppState>, Path(m): Path<String>, Query(q): Query<LimitQuery>) -> ApiResult<Vec<TelemetryReading>> {
    let m = pubkey("meter", &m)?;
    ok(crate::telemetry::store::latest(&s.pool, &m, limit(q.limit, 96, 1_000)?).await?)
}

#[derive(Deserialize, IntoParams)]
pub struct CertificatesQuery {
    pub owner: Option<String>,
    pub meter: Option<String>,
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/certificates", params(CertificatesQuery),
    responses((status = 200, body = Vec<CertificateWithHistory>)))]
async fn certificates(State(s): State<AppState>, Query(q): Query<CertificatesQuery>) -> ApiResult<Vec<CertificateWithHistory>> {
    let owner = q.owner.as_deref().map(|o| pubkey("owner", o)).transpose()?;
    let meter = q.meter.as_deref().map(|o| pubkey("meter", o)).transpose()?;
    let certs = store::certificates(&s.pool, owner.as_deref(), meter.as_deref(), limit(q.limit, 100, 1_000)?).await?;
    let keys: Vec<String> = certs.iter().map(|c| c.pubkey.clone()).collect();
    let history = store::certificate_history(&s.pool, &keys).await?;
    ok(certs
        .into_iter()
        .map(|c| {
            let history = history.iter().filter(|h| h.certificate == c.pubkey).cloned().collect();
            CertificateWithHistory { certificate: c, history }
        })
        .collect())
}

#[utoipa::path(get, path = "/oracles", responses((status = 200, body = Vec<Oracle>)))]
async fn oracles(State(s): State<AppState>) -> ApiResult<Vec<Oracle>> {
    ok(store::oracles(&s.pool).await?)
}

#[utoipa::path(get, path = "/council", responses((status = 200, body = Council), (status = 404, body = ApiError)))]
async fn council(State(s): State<AppState>) -> ApiResult<Council> {
    ok(store::council(&s.pool).await?.ok_or_else(|| not_found("no council on this chain yet"))?)
}

#[utoipa::path(get, path = "/proposals", responses((status = 200, body = Vec<Proposal>)))]
async fn proposals(State(s): State<AppState>) -> ApiResult<Vec<Proposal>> {
    let mut conn = s.pool.acquire().await?;
    ok(store::proposals(&mut conn, None).await?)
}

#[utoipa::path(get, path = "/proposals/{index}", params(("index" = i64, Path)),
    responses((status = 200, body = Proposal), (status = 404, body = ApiError)))]
async fn proposal(State(s): State<AppState>, Path(index): Path<String>) -> ApiResult<Proposal> {
    let index: i64 = index.parse().map_err(|_| bad_request(format!("index must be a number, got {index:?}")))?;
    let mut conn = s.pool.acquire().await?;
    ok(store::proposals(&mut conn, Some(index)).await?.pop().ok_or_else(|| not_found(format!("no proposal {index}")))?)
}

/// Energy minted, certified, retired and traded; trades, fees, counts, checkpoint.
#[utoipa::path(get, path = "/stats", responses((status = 200, body = Stats)))]
async fn stats(State(s): State<AppState>) -> ApiResult<Stats> {
    let mut conn = s.pool.acquire().await?;
    ok(store::stats(&mut conn).await?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(super::parse_cursor("5:abc:1:2"), Some((5, "abc".to_string(), 1, 2)));
        assert_eq!(super::parse_cursor("5:abc:1"), None);
        assert_eq!(super::parse_cursor("x:abc:1:2"), None);
        assert_eq!(super::parse_cursor("5:abc:1:2:3"), None);
    }
}
