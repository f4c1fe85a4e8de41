//! What the API returns and the WebSocket carries. u64 quantities are JSON strings
//! (`"1500"`): JavaScript numbers lose precision above 2^53, and a mirror must not.
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema, sqlx::FromRow, Clone, Debug)]
pub struct Market {
    pub pubkey: String,
    pub authority: String,
    pub base_mint: String,
    pub quote_mint: String,
    pub base_vault: String,
    pub quote_vault: String,
    /// Pyth PriceUpdateV2 account of the price band, when the market has one.
    pub price_feed: Option<String>,
    pub max_deviation_bps: i32,
    pub max_staleness_secs: i64,
    pub tick_size_quote_atoms: Decimal,
    pub lot_size_base_atoms: Decimal,
    pub taker_fee_bps: i32,
    pub base_decimals: i16,
    pub quote_decimals: i16,
    pub paused: bool,
    pub next_order_id: Decimal,
    pub fees_accrued_quote_atoms: Decimal,
    pub slot: i64,
}

/// One price level of one side: the sum of its resting orders.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug, PartialEq)]
pub struct Level {
    /// `bid` or `ask`.
    pub side: String,
    pub price_ticks: Decimal,
    /// Zero in a delta: the level is gone.
    pub lots: Decimal,
    pub orders: i64,
}

#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
pub struct Depth {
    pub market: String,
    /// Best first.
    pub bids: Vec<Level>,
    /// Best first.
    pub asks: Vec<Level>,
    /// Sequence number of the `book:<market>` channel this depth is exact at.
    pub seq: i64,
}

#[derive(Serialize, ToSchema, sqlx::FromRow, Clone, Debug)]
pub struct RestingOrder {
    pub market: String,
    pub order_id: Decimal,
    pub side: String,
    pub trader: String,
    pub seat: i32,
    pub client_order_id: Decimal,
    pub price_ticks: Decimal,
    pub lots: Decimal,
    /// Unix seconds; 0 = never expires.
    pub expiry_ts: i64,
}

#[derive(Serialize, ToSchema, sqlx::FromRow, Clone, Debug)]
pub struct Fill {
    pub signature: String,
    pub ix_index: i32,
    pub event_index: i32,
    pub slot: i64,
    pub block_time: i64,
    pub market: String,
    pub maker_order_id: Decimal,
    pub maker_client_order_id: Decimal,
    pub maker: String,
    pub taker: String,
    /// Side of the taking order.
    pub taker_side: String,
    pub price_ticks: Decimal,
    pub lots: Decimal,
    pub quote_atoms: Decimal,
    pub taker_fee_quote_atoms: Decimal,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct FillPage {
    pub fills: Vec<Fill>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// An order's life: `open`, `partially_filled`, `filled`, `cancelled` or `expired`.
#[derive(Serialize, ToSchema, sqlx::FromRow, Clone, Debug)]
pub struct OrderRecord {
    pub market: String,
    pub order_id: Decimal,
    pub trader: Option<String>,
    pub side: Option<String>,
    pub client_order_id: Option<Decimal>,
    pub price_ticks: Option<Decimal>,
    pub placed_lots: Option<Decimal>,
    pub filled_lots: Decimal,
    pub canceled_lots: Option<Decimal>,
    pub cancel_reason: Option<String>,
    pub placed_slot: Option<i64>,
    pub last_slot: i64,
    pub status: Option<String>,
}

#[derive(Serialize, ToSchema, sqlx::FromRow, Clone, Debug)]
pub struct Seat {
    pub market: String,
    pub seat: i32,
    pub trader: String,
    pub base_free: Decimal,
    pub base_locked: Decimal,
    pub quote_free: Decimal,
    pub quote_locked: Decimal,
}

#[derive(Serialize, ToSchema, sqlx::FromRow, Clone, Debug)]
pub struct Movement {
    pub signature: String,
    pub slot: i64,
    /// `deposit` or `withdrawal`.
    pub kind: String,
    pub market: String,
    pub trader: String,
    pub base_atoms: Decimal,
    pub quote_atoms: Decimal,
}

#[derive(Serialize, ToSchema, sqlx::FromRow, Clone, Debug)]
pub struct Meter {
    pub pubkey: String,
    pub owner: String,
    /// The 32-byte meter id, hex.
    pub meter_id: String,
    /// `active` or `suspended`.
    pub status: String,
    pub registered_at: i64,
    pub has_reading: bool,
    pub last_interval_start_ts: i64,
    pub last_produced_wh: Decimal,
    pub last_consumed_wh: Decimal,
    pub minted_wh: Decimal,
    pub certified_wh: Decimal,
    pub rec_count: Decimal,
    pub slot: i64,
}

/// An attested reading accepted on chain, with what it minted.
#[derive(Serialize, ToSchema, sqlx::FromRow, Clone, Debug)]
pub struct Reading {
    pub meter: String,
    pub interval_start_ts: i64,
    pub oracle: String,
    pub produced_wh: Decimal,
    pub consumed_wh: Decimal,
    pub minted_wh: Decimal,
    pub meter_minted_wh_total: Decimal,
    pub slot: i64,
    pub signature: String,
}

/// A reading as the meter's telemetry reported it (Kafka `meter-readings`).
#[derive(Serialize, ToSchema, sqlx::FromRow, Clone, Debug)]
pub struct TelemetryReading {
    pub meter: String,
    pub interval_start_ts: i64,
    pub interval_secs: i64,
    /// The meter's 32-byte id, hex.
    pub meter_id: String,
    /// Cumulative Wh counters at the interval's end, as the meter reported them.
    pub produced_wh: Decimal,
    pub consumed_wh: Decimal,
    /// `prosumer`, `consumer` or `hybrid`.
    pub kind: String,
    /// `clear`, `partly_cloudy`, `overcast` or `rain`.
    pub weather: String,
    /// Oracle key and signature (base58) when the reading was signed.
    pub oracle: Option<String>,
    pub signature: Option<String>,
}

#[derive(Serialize, ToSchema, sqlx::FromRow, Clone, Debug)]
pub struct Certificate {
    pub pubkey: String,
    pub meter: String,
    pub owner: String,
    pub serial: Decimal,
    pub wh_start: Decimal,
    pub wh_end: Decimal,
    pub issued_at: i64,
    /// `active` or `retired`.
    pub status: String,
    pub retired_at: i64,
    pub beneficiary: String,
    pub slot: i64,
}

#[derive(Serialize, ToSchema, sqlx::FromRow, Clone, Debug)]
pub struct CertificateEvent {
    pub signature: String,
    pub slot: i64,
    pub certificate: String,
    /// `issued`, `transferred` or `retired`.
    pub kind: String,
    pub meter: Option<String>,
    pub from_owner: Option<String>,
    pub to_owner: Option<String>,
    pub beneficiary: Option<String>,
    pub wh: Option<Decimal>,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct CertificateWithHistory {
    #[serde(flatten)]
    pub certificate: Certificate,
    pub history: Vec<CertificateEvent>,
}

#[derive(Serialize, ToSchema, sqlx::FromRow, Clone, Debug)]
pub struct Oracle {
    pub pubkey: String,
    pub oracle: String,
    pub active: bool,
    pub registered_at: i64,
    pub readings_attested: Decimal,
    pub slot: i64,
}

#[derive(Serialize, ToSchema, sqlx::FromRow, Clone, Debug)]
pub struct Council {
    pub pubkey: String,
    pub members: Vec<String>,
    pub guardians: Vec<String>,
    pub threshold: i16,
    pub version: i64,
    pub proposal_count: i64,
    pub paused: bool,
    pub slot: i64,
}

#[derive(Serialize, ToSchema, sqlx::FromRow, Clone, Debug)]
pub struct ProposalEvent {
    pub signature: String,
    pub slot: i64,
    /// `created`, `approved` or `executed`.
    pub kind: String,
    pub actor: String,
    pub approvals: Option<i16>,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Proposal {
    pub pubkey: String,
    pub index: i64,
    pub proposer: String,
    pub council_version: i64,
    /// Members (at `council_version`) whose approval counts.
    pub approved_by: Vec<String>,
    pub approval_count: i16,
    pub threshold: Option<i16>,
    /// `open`, `approved` (ready to execute), `executed`, `expired` or `stale` (the
    /// council changed since: approvals no longer count).
    pub status: String,
    pub executed: bool,
    pub created_at: i64,
    pub expires_at: i64,
    pub program_id: String,
    pub accounts: serde_json::Value,
    /// Instruction data, base64.
    pub data: String,
    pub history: Vec<ProposalEvent>,
    pub slot: i64,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Candle {
    /// Bucket start, unix seconds.
    pub time: i64,
    pub open: Decimal,
    pub high: Decimal,
    pub low: Decimal,
    pub close: Decimal,
    /// Lots traded.
    pub volume_lots: Decimal,
    pub quote_volume_atoms: Decimal,
    pub trades: i64,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Stats {
    pub energy_minted_wh: Decimal,
    pub energy_certified_wh: Decimal,
    pub energy_retired_wh: Decimal,
    /// Base atoms traded on every market (energy markets: Wh).
    pub energy_traded_base_atoms: Decimal,
    pub quote_traded_atoms: Decimal,
    pub fees_quote_atoms: Decimal,
    pub trades: i64,
    pub meters: i64,
    pub markets: i64,
    pub certificates: i64,
    pub checkpoint_slot: Option<i64>,
}

#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct ApiError {
    pub error: String,
}
