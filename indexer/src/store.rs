//! Read queries over the mirror, shared by the REST API, WebSocket snapshots and deltas.
//! Each is checked against the schema at compile time (sqlx offline data in `.sqlx/`).
use sqlx::PgExecutor;

use crate::model::*;

pub async fn markets<'e>(db: impl PgExecutor<'e>) -> sqlx::Result<Vec<Market>> {
    sqlx::query_as!(
        Market,
        r#"select pubkey, authority, base_mint, quote_mint, base_vault, quote_vault, price_feed, max_deviation_bps,
             max_staleness_secs, tick_size_quote_atoms, lot_size_base_atoms, taker_fee_bps, base_decimals,
             quote_decimals, paused, next_order_id, fees_accrued_quote_atoms, slot
           from markets order by pubkey"#
    )
    .fetch_all(db)
    .await
}

pub async fn market<'e>(db: impl PgExecutor<'e>, pubkey: &str) -> sqlx::Result<Option<Market>> {
    sqlx::query_as!(
        Market,
        r#"select pubkey, authority, base_mint, quote_mint, base_vault, quote_vault, price_feed, max_deviation_bps,
             max_staleness_secs, tick_size_quote_atoms, lot_size_base_atoms, taker_fee_bps, base_decimals,
             quote_decimals, paused, next_order_id, fees_accrued_quote_atoms, slot
           from markets where pubkey = $1"#,
        pubkey
    )
    .fetch_optional(db)
    .await
}

/// The number of the last batch that produced deltas (0 before the first): a snapshot read
/// in the same transaction is exact as of it, for every channel.
pub async fn delta_seq<'e>(db: impl PgExecutor<'e>) -> sqlx::Result<i64> {
    Ok(sqlx::query_scalar!("select seq from delta_seq").fetch_optional(db).await?.unwrap_or(0))
}

/// Aggregated levels of both sides, best first, at most `depth` per side.
pub async fn levels<'e>(db: impl PgExecutor<'e>, market: &str, depth: i64) -> sqlx::Result<(Vec<Level>, Vec<Level>)> {
    let rows = sqlx::query!(
        r#"with levels as (
             select side, price_ticks, sum(lots) as lots, count(*) as orders,
               row_number() over (partition by side order by
                 case when side = 'bid' then price_ticks end desc,
                 case when side = 'ask' then price_ticks end asc) as rank
             from resting_orders where market = $1 group by side, price_ticks)
           select side as "side!", price_ticks as "price_ticks!", lots as "lots!", orders as "orders!"
           from levels where rank <= $2 order by side, rank"#,
        market,
        depth
    )
    .fetch_all(db)
    .await?;
    let (mut bids, mut asks) = (Vec::new(), Vec::new());
    for r in rows {
        let level = Level { side: r.side.clone(), price_ticks: r.price_ticks, lots: r.lots, orders: r.orders };
        if r.side == "bid" {
            bids.push(level)
        } else {
            asks.push(level)
        }
    }
    Ok((bids, asks))
}

pub async fn resting_orders<'e>(db: impl PgExecutor<'e>, market: &str) -> sqlx::Result<Vec<RestingOrder>> {
    sqlx::query_as!(
        RestingOrder,
        r#"select market, order_id, side, trader, seat, client_order_id, price_ticks, lots, expiry_ts
           from resting_orders where market = $1
           order by side, case when side = 'bid' then price_ticks end desc, case when side = 'ask' then price_ticks end asc, order_id"#,
        market
    )
    .fetch_all(db)
    .await
}

/// A position in the trade tape: (slot, signature, ix_index, event_index).
pub type FillCursor = (i64, String, i32, i32);

pub async fn fills<'e>(
    db: impl PgExecutor<'e>,
    market: &str,
    before: Option<&FillCursor>,
    limit: i64,
) -> sqlx::Result<Vec<Fill>> {
    let (slot, sig, ix, ev) = before.cloned().unwrap_or((i64::MAX, String::new(), 0, 0));
    sqlx::query_as!(
        Fill,
        r#"select signature, ix_index, event_index, slot, block_time, market, maker_order_id, maker_client_order_id,
             maker, taker, taker_side, price_ticks, lots, quote_atoms, taker_fee_quote_atoms
           from fills
           where market = $1 and ($2::bool or (slot, signature, ix_index, event_index) < ($3::int8, $4::text, $5::int4, $6::int4))
           order by slot desc, signature desc, ix_index desc, event_index desc
           limit $7"#,
        market,
        before.is_none(),
        slot,
        sig,
        ix,
        ev,
        limit
    )
    .fetch_all(db)
    .await
}

pub async fn trader_fills<'e>(db: impl PgExecutor<'e>, trader: &str, limit: i64) -> sqlx::Result<Vec<Fill>> {
    sqlx::query_as!(
        Fill,
        r#"select signature, ix_index, event_index, slot, block_time, market, maker_order_id, maker_client_order_id,
             maker, taker, taker_side, price_ticks, lots, quote_atoms, taker_fee_quote_atoms
           from fills where maker = $1 or taker = $1
           order by slot desc, signature desc, ix_index desc, event_index desc limit $2"#,
        trader,
        limit
    )
    .fetch_all(db)
    .await
}

/// OHLCV over fills, in buckets of `bucket_secs`, from `from_ts` on.
pub async fn candles<'e>(
    db: impl PgExecutor<'e>,
    market: &str,
    bucket_secs: i64,
    from_ts: i64,
    limit: i64,
) -> sqlx::Result<Vec<Candle>> {
    let rows = sqlx::query!(
        r#"select (block_time / $2) * $2 as "time!",
             (array_agg(price_ticks order by slot, signature, ix_index, event_index))[1] as "open!",
             max(price_ticks) as "high!", min(price_ticks) as "low!",
             (array_agg(price_ticks order by slot desc, signature desc, ix_index desc, event_index desc))[1] as "close!",
             sum(lots) as "volume!", sum(quote_atoms) as "quote_volume!", count(*) as "trades!"
           from fills where market = $1 and block_time >= $3
           group by 1 order by 1 limit $4"#,
        market,
        bucket_secs,
        from_ts,
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Candle {
            time: r.time,
            open: r.open,
            high: r.high,
            low: r.low,
            close: r.close,
            volume_lots: r.volume,
            quote_volume_atoms: r.quote_volume,
            trades: r.trades,
        })
        .collect())
}

pub async fn trader_orders<'e>(db: impl PgExecutor<'e>, trader: &str, open_only: bool, limit: i64) -> sqlx::Result<Vec<OrderRecord>> {
    sqlx::query_as!(
        OrderRecord,
        r#"select market, order_id, trader, side, client_order_id, price_ticks, placed_lots, filled_lots, canceled_lots,
             cancel_reason, placed_slot, last_slot, status
           from order_history
           where trader = $1 and (not $2 or status in ('open', 'partially_filled'))
           order by last_slot desc, order_id desc limit $3"#,
        trader,
        open_only,
        limit
    )
    .fetch_all(db)
    .await
}

pub async fn trader_seats<'e>(db: impl PgExecutor<'e>, trader: &str) -> sqlx::Result<Vec<Seat>> {
    sqlx::query_as!(
        Seat,
        "select market, seat, trader, base_free, base_locked, quote_free, quote_locked from seats where trader = $1 order by market",
        trader
    )
    .fetch_all(db)
    .await
}

pub async fn trader_movements<'e>(db: impl PgExecutor<'e>, trader: &str, limit: i64) -> sqlx::Result<Vec<Movement>> {
    sqlx::query_as!(
        Movement,
        r#"select signature, slot, kind, market, trader, base_atoms, quote_atoms from balance_movements
           where trader = $1 order by slot desc, signature desc, ix_index desc, event_index desc limit $2"#,
        trader,
        limit
    )
    .fetch_all(db)
    .await
}

pub async fn meters<'e>(db: impl PgExecutor<'e>, owner: Option<&str>, limit: i64) -> sqlx::Result<Vec<Meter>> {
    sqlx::query_as!(
        Meter,
        r#"select pubkey, owner, encode(meter_id, 'hex') as "meter_id!", status, registered_at, has_reading,
             last_interval_start_ts, last_produced_wh, last_consumed_wh, minted_wh, certified_wh, rec_count, slot
           from meters where ($1::text is null or owner = $1) order by pubkey limit $2"#,
        owner,
        limit
    )
    .fetch_all(db)
    .await
}

pub async fn meters_by_key<'e>(db: impl PgExecutor<'e>, keys: &[String]) -> sqlx::Result<Vec<Meter>> {
    sqlx::query_as!(
        Meter,
        r#"select pubkey, owner, encode(meter_id, 'hex') as "meter_id!", status, registered_at, has_reading,
             last_interval_start_ts, last_produced_wh, last_consumed_wh, minted_wh, certified_wh, rec_count, slot
           from meters where pubkey = any($1)"#,
        keys
    )
    .fetch_all(db)
    .await
}

pub async fn readings<'e>(db: impl PgExecutor<'e>, meter: &str, limit: i64) -> sqlx::Result<Vec<Reading>> {
    sqlx::query_as!(
        Reading,
        r#"select meter, interval_start_ts, oracle, produced_wh, consumed_wh, minted_wh, meter_minted_wh_total, slot, signature
           from readings where meter = $1 order by interval_start_ts desc limit $2"#,
        meter,
        limit
    )
    .fetch_all(db)
    .await
}

pub async fn certificates<'e>(db: impl PgExecutor<'e>, owner: Option<&str>, meter: Option<&str>, limit: i64) -> sqlx::Result<Vec<Certificate>> {
    sqlx::query_as!(
        Certificate,
        r#"select pubkey, meter, owner, serial, wh_start, wh_end, issued_at, status, retired_at, beneficiary, slot
           from certificates where ($1::text is null or owner = $1) and ($2::text is null or meter = $2)
           order by meter, serial limit $3"#,
        owner,
        meter,
        limit
    )
    .fetch_all(db)
    .await
}

pub async fn certificate_history<'e>(db: impl PgExecutor<'e>, certificates: &[String]) -> sqlx::Result<Vec<CertificateEvent>> {
    sqlx::query_as!(
        CertificateEvent,
        r#"select signature, slot, certificate, kind, meter, from_owner, to_owner, beneficiary, wh
           from certificate_events where certificate = any($1) order by slot, signature, ix_index, event_index"#,
        certificates
    )
    .fetch_all(db)
    .await
}

pub async fn oracles<'e>(db: impl PgExecutor<'e>) -> sqlx::Result<Vec<Oracle>> {
    sqlx::query_as!(Oracle, "select pubkey, oracle, active, registered_at, readings_attested, slot from oracles order by oracle")
        .fetch_all(db)
        .await
}

pub async fn council<'e>(db: impl PgExecutor<'e>) -> sqlx::Result<Option<Council>> {
    sqlx::query_as!(
        Council,
        "select pubkey, members, guardians, threshold, version, proposal_count, paused, slot from council limit 1"
    )
    .fetch_optional(db)
    .await
}

/// Proposals with their approvers and status, newest first; `index` picks one.
pub async fn proposals(db: &mut sqlx::PgConnection, index: Option<i64>) -> sqlx::Result<Vec<Proposal>> {
    let council = council(&mut *db).await?;
    let rows = sqlx::query!(
        r#"select pubkey, index, proposer, council_version, approvals_bitmap, approval_count, executed, created_at,
             expires_at, program_id, accounts, data, slot
           from proposals where ($1::int8 is null or index = $1) order by index desc limit 200"#,
        index
    )
    .fetch_all(&mut *db)
    .await?;
    let indices: Vec<i64> = rows.iter().map(|r| r.index).collect();
    let history = sqlx::query!(
        r#"select proposal_index, signature, slot, kind, actor, approvals from proposal_events
           where proposal_index = any($1) order by slot, signature, ix_index, event_index"#,
        &indices
    )
    .fetch_all(&mut *db)
    .await?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    Ok(rows
        .into_iter()
        .map(|r| {
            let current = council.as_ref().filter(|c| c.version == r.council_version);
            let approved_by = current
                .map(|c| {
                    c.members
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| *i < 16 && r.approvals_bitmap & (1 << i) != 0)
                        .map(|(_, m)| m.clone())
                        .collect()
                })
                .unwrap_or_default();
            let threshold = council.as_ref().map(|c| c.threshold);
            let status = if r.executed {
                "executed"
            } else if council.as_ref().is_some_and(|c| c.version != r.council_version) {
                "stale"
            } else if r.expires_at <= now {
                "expired"
            } else if threshold.is_some_and(|t| r.approval_count >= t) {
                "approved"
            } else {
                "open"
            };
            Proposal {
                pubkey: r.pubkey,
                index: r.index,
                proposer: r.proposer,
                council_version: r.council_version,
                approved_by,
                approval_count: r.approval_count,
                threshold,
                status: status.into(),
                executed: r.executed,
                created_at: r.created_at,
                expires_at: r.expires_at,
                program_id: r.program_id,
                accounts: r.accounts,
                data: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &r.data),
                history: history
                    .iter()
                    .filter(|h| h.proposal_index == r.index)
                    .map(|h| ProposalEvent {
                        signature: h.signature.clone(),
                        slot: h.slot,
                        kind: h.kind.clone(),
                        actor: h.actor.clone(),
                        approvals: h.approvals,
                    })
                    .collect(),
                slot: r.slot,
            }
        })
        .collect())
}

pub async fn stats(db: &mut sqlx::PgConnection) -> sqlx::Result<Stats> {
    let energy = sqlx::query!(
        r#"select coalesce(sum(total_minted_wh), 0) as "minted!", coalesce(sum(total_certified_wh), 0) as "certified!",
             coalesce(sum(total_retired_wh), 0) as "retired!" from energy_config"#
    )
    .fetch_one(&mut *db)
    .await?;
    let traded = sqlx::query!(
        r#"select coalesce(sum(f.lots * m.lot_size_base_atoms), 0) as "base!", coalesce(sum(f.quote_atoms), 0) as "quote!",
             coalesce(sum(f.taker_fee_quote_atoms), 0) as "fees!", count(*) as "trades!"
           from fills f join markets m on m.pubkey = f.market"#
    )
    .fetch_one(&mut *db)
    .await?;
    let counts = sqlx::query!(
        r#"select (select count(*) from meters) as "meters!", (select count(*) from markets) as "markets!",
             (select count(*) from certificates) as "certificates!",
             (select slot from ingest_checkpoint where source = 'chain') as checkpoint"#
    )
    .fetch_one(&mut *db)
    .await?;
    Ok(Stats {
        energy_minted_wh: energy.minted,
        energy_certified_wh: energy.certified,
        energy_retired_wh: energy.retired,
        energy_traded_base_atoms: traded.base,
        quote_traded_atoms: traded.quote,
        fees_quote_atoms: traded.fees,
        trades: traded.trades,
        meters: counts.meters,
        markets: counts.markets,
        certificates: counts.certificates,
        checkpoint_slot: counts.checkpoint,
    })
}

/// Seconds since the checkpoint last moved, and its slot.
pub async fn checkpoint_age<'e>(db: impl PgExecutor<'e>) -> sqlx::Result<Option<(i64, f64)>> {
    let row = sqlx::query!(
        r#"select slot, extract(epoch from now() - updated_at)::float8 as "age!" from ingest_checkpoint where source = 'chain'"#
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.slot, r.age)))
}
