//! Account upserts: one multi-row statement per table (UNNEST of column arrays), each row
//! applied only when its (slot, write_version) is newer than the stored one.
use std::collections::{BTreeMap, HashMap};

use anchor_lang::prelude::Pubkey;
use rust_decimal::Decimal;
use sqlx::{Postgres, Transaction};

use super::{dec, i64_of};
use crate::ingest::decode::ProgramAccount;
use crate::ingest::AccountUpdate;

/// A decoded account update, ready to be written.
pub struct Decoded {
    pub update: AccountUpdate,
    pub account: Option<ProgramAccount>,
}

/// What changed in the market tables, for the WebSocket deltas.
#[derive(Default)]
pub struct MarketChanges {
    /// Per market written: (side, price) → (lots, orders) before and after.
    pub levels_before: HashMap<String, BTreeMap<(String, Decimal), (Decimal, i64)>>,
    pub levels_after: HashMap<String, BTreeMap<(String, Decimal), (Decimal, i64)>>,
    /// Per market written: seat index → (trader, balances) before and after.
    pub seats_before: HashMap<String, BTreeMap<i32, SeatRow>>,
    pub seats_after: HashMap<String, BTreeMap<i32, SeatRow>>,
    pub proposals: Vec<String>,
    /// Meters whose row moved forward: pubkey and the delta fields built by [`Meters::of`]
    /// (not read back: a fleet's batch touches thousands of meters).
    pub meters: Vec<(String, serde_json::Map<String, serde_json::Value>)>,
    pub council: bool,
    pub markets: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SeatRow {
    pub seat: i32,
    pub trader: String,
    pub base_free: Decimal,
    pub base_locked: Decimal,
    pub quote_free: Decimal,
    pub quote_locked: Decimal,
}

fn side_name(bid: bool) -> &'static str {
    if bid {
        "bid"
    } else {
        "ask"
    }
}

fn key(p: &Pubkey) -> String {
    p.to_string()
}

/// Lower-case hex, as Postgres' `encode(…, 'hex')` spells the meter id the API serves.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

fn opt_key(p: &Pubkey) -> Option<String> {
    (*p != Pubkey::default()).then(|| p.to_string())
}

pub async fn write(
    tx: &mut Transaction<'_, Postgres>,
    decoded: &[Decoded],
    meters: Meters,
) -> sqlx::Result<MarketChanges> {
    let mut changes = MarketChanges::default();
    let closed: Vec<String> =
        decoded.iter().filter(|d| d.account.is_none()).map(|d| key(&d.update.pubkey)).collect();
    let closed_slot: Vec<i64> =
        decoded.iter().filter(|d| d.account.is_none()).map(|d| i64_of(d.update.slot)).collect();
    if !closed.is_empty() {
        close(tx, &closed, &closed_slot).await?;
    }
    for d in decoded {
        let (u, slot, wv) = (&d.update, i64_of(d.update.slot), i64_of(d.update.write_version));
        match &d.account {
            None => {}
            Some(ProgramAccount::Council(c)) => {
                let members: Vec<String> = c.members().iter().map(key).collect();
                let guardians: Vec<String> = c.guardians().iter().map(key).collect();
                let applied = sqlx::query!(
                    r#"insert into council (pubkey, members, guardians, threshold, version, proposal_count, paused, slot, write_version)
                       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                       on conflict (pubkey) do update set members = excluded.members, guardians = excluded.guardians,
                         threshold = excluded.threshold, version = excluded.version, proposal_count = excluded.proposal_count,
                         paused = excluded.paused, slot = excluded.slot, write_version = excluded.write_version
                       where (council.slot, council.write_version) < (excluded.slot, excluded.write_version)"#,
                    key(&u.pubkey),
                    &members,
                    &guardians,
                    i16::from(c.threshold),
                    i64::from(c.version),
                    i64_of(c.proposal_count),
                    c.is_paused(),
                    slot,
                    wv
                )
                .execute(&mut **tx)
                .await?;
                changes.council |= applied.rows_affected() > 0;
            }
            Some(ProgramAccount::Proposal(p)) => {
                let accounts = serde_json::Value::Array(
                    p.instruction
                        .accounts
                        .iter()
                        .map(|a| {
                            serde_json::json!({"pubkey": a.pubkey.to_string(), "is_signer": a.is_signer, "is_writable": a.is_writable})
                        })
                        .collect(),
                );
                let applied = sqlx::query!(
                    r#"insert into proposals (pubkey, index, proposer, council_version, approvals_bitmap, approval_count, executed,
                         created_at, expires_at, program_id, accounts, data, slot, write_version)
                       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                       on conflict (pubkey) do update set council_version = excluded.council_version,
                         approvals_bitmap = excluded.approvals_bitmap, approval_count = excluded.approval_count,
                         executed = excluded.executed, expires_at = excluded.expires_at, slot = excluded.slot,
                         write_version = excluded.write_version
                       where (proposals.slot, proposals.write_version) < (excluded.slot, excluded.write_version)"#,
                    key(&u.pubkey),
                    i64_of(p.index),
                    key(&p.proposer),
                    i64::from(p.council_version),
                    i32::from(p.approvals),
                    i16::from(p.approval_count()),
                    p.executed,
                    p.created_at,
                    p.expires_at,
                    key(&p.instruction.program_id),
                    accounts,
                    &p.instruction.data,
                    slot,
                    wv
                )
                .execute(&mut **tx)
                .await?;
                if applied.rows_affected() > 0 {
                    changes.proposals.push(key(&u.pubkey));
                }
            }
            Some(ProgramAccount::EnergyConfig(c)) => {
                sqlx::query!(
                    r#"insert into energy_config (pubkey, authority, council, energy_mint, cluster_tag, interval_secs,
                         max_future_secs, max_staleness_secs, max_wh_per_interval, total_minted_wh, total_certified_wh,
                         total_retired_wh, rec_count, slot, write_version)
                       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
                       on conflict (pubkey) do update set authority = excluded.authority, council = excluded.council,
                         interval_secs = excluded.interval_secs, max_future_secs = excluded.max_future_secs,
                         max_staleness_secs = excluded.max_staleness_secs, max_wh_per_interval = excluded.max_wh_per_interval,
                         total_minted_wh = excluded.total_minted_wh, total_certified_wh = excluded.total_certified_wh,
                         total_retired_wh = excluded.total_retired_wh, rec_count = excluded.rec_count,
                         slot = excluded.slot, write_version = excluded.write_version
                       where (energy_config.slot, energy_config.write_version) < (excluded.slot, excluded.write_version)"#,
                    key(&u.pubkey),
                    key(&c.authority),
                    key(&c.council),
                    key(&c.energy_mint),
                    &c.cluster_tag[..],
                    i64::from(c.rules.interval_secs),
                    i64::from(c.rules.max_future_secs),
                    i64::from(c.rules.max_staleness_secs),
                    dec(c.rules.max_wh_per_interval),
                    dec(c.total_minted_wh),
                    dec(c.total_certified_wh),
                    dec(c.total_retired_wh),
                    dec(c.rec_count),
                    slot,
                    wv
                )
                .execute(&mut **tx)
                .await?;
            }
            Some(ProgramAccount::Oracle(o)) => {
                sqlx::query!(
                    r#"insert into oracles (pubkey, oracle, active, registered_at, readings_attested, slot, write_version)
                       values ($1, $2, $3, $4, $5, $6, $7)
                       on conflict (pubkey) do update set active = excluded.active,
                         readings_attested = excluded.readings_attested, slot = excluded.slot, write_version = excluded.write_version
                       where (oracles.slot, oracles.write_version) < (excluded.slot, excluded.write_version)"#,
                    key(&u.pubkey),
                    key(&o.oracle),
                    o.active,
                    o.registered_at,
                    dec(o.readings_attested),
                    slot,
                    wv
                )
                .execute(&mut **tx)
                .await?;
            }
            Some(ProgramAccount::Certificate(c)) => {
                let status = match c.status {
                    energy::state::CertificateStatus::Active => "active",
                    energy::state::CertificateStatus::Retired => "retired",
                };
                sqlx::query!(
                    r#"insert into certificates (pubkey, meter, owner, serial, wh_start, wh_end, issued_at, status,
                         retired_at, beneficiary, slot, write_version)
                       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                       on conflict (pubkey) do update set owner = excluded.owner, status = excluded.status,
                         retired_at = excluded.retired_at, beneficiary = excluded.beneficiary,
                         slot = excluded.slot, write_version = excluded.write_version
                       where (certificates.slot, certificates.write_version) < (excluded.slot, excluded.write_version)"#,
                    key(&u.pubkey),
                    key(&c.meter),
                    key(&c.owner),
                    dec(c.serial),
                    dec(c.wh_start),
                    dec(c.wh_end),
                    c.issued_at,
                    status,
                    c.retired_at,
                    key(&c.beneficiary),
                    slot,
                    wv
                )
                .execute(&mut **tx)
                .await?;
            }
            Some(ProgramAccount::MarketPair(p)) => {
                sqlx::query!(
                    r#"insert into market_pairs (pubkey, market, slot, write_version) values ($1, $2, $3, $4)
                       on conflict (pubkey) do update set market = excluded.market, slot = excluded.slot,
                         write_version = excluded.write_version
                       where (market_pairs.slot, market_pairs.write_version) < (excluded.slot, excluded.write_version)"#,
                    key(&u.pubkey),
                    key(&p.market),
                    slot,
                    wv
                )
                .execute(&mut **tx)
                .await?;
            }
            Some(ProgramAccount::Meter(_)) => {}
            Some(ProgramAccount::Market(m)) => {
                if write_market(tx, &u.pubkey, m, slot, wv, &mut changes).await? {
                    changes.markets.push(key(&u.pubkey));
                }
            }
        }
    }
    write_meters(tx, meters, &mut changes).await?;
    Ok(changes)
}

/// A batch's meters, made ready before its transaction (`sink::prepare`, which overlaps
/// the previous batch's): the upsert's column arrays, and per meter the WebSocket delta to
/// send if its row moves forward. Meters are the most numerous accounts (one per
/// household): a fleet's batch holds thousands, and their base58 keys and JSON were most
/// of the writer's time inside the transaction.
#[derive(Default)]
pub struct Meters {
    pubkey: Vec<String>,
    owner: Vec<String>,
    meter_id: Vec<Vec<u8>>,
    status: Vec<&'static str>,
    registered_at: Vec<i64>,
    has_reading: Vec<bool>,
    last_interval: Vec<i64>,
    /// u64 counters as int8 bit patterns (`u64_bits`), turned back into numeric by the
    /// statement (migrations/0007_u64_of_int8.sql).
    last_produced: Vec<i64>,
    last_consumed: Vec<i64>,
    minted: Vec<i64>,
    certified: Vec<i64>,
    rec_count: Vec<i64>,
    slot: Vec<i64>,
    wv: Vec<i64>,
    /// pubkey → the `meter:<pubkey>` channel's delta fields, as the API shows a meter.
    deltas: HashMap<String, serde_json::Map<String, serde_json::Value>>,
}

/// A u64 as the int8 with the same bits: lossless, undone by SQL's `u64_of_int8`.
fn u64_bits(v: u64) -> i64 {
    v as i64
}

impl Meters {
    pub fn of(decoded: &[Decoded]) -> Meters {
        let mut c = Meters::default();
        for d in decoded {
            let Some(ProgramAccount::Meter(m)) = &d.account else { continue };
            // Each key is encoded once: base58 is the costliest step of a fleet's batch.
            let (pubkey, owner) = (key(&d.update.pubkey), key(&m.owner));
            let status = match m.status {
                energy::state::MeterStatus::Active => "active",
                energy::state::MeterStatus::Suspended => "suspended",
            };
            let row = crate::model::Meter {
                pubkey: pubkey.clone(),
                owner: owner.clone(),
                meter_id: hex(&m.meter_id),
                status: status.into(),
                registered_at: m.registered_at,
                has_reading: m.has_reading,
                last_interval_start_ts: m.last_interval_start_ts,
                last_produced_wh: dec(m.last_produced_wh),
                last_consumed_wh: dec(m.last_consumed_wh),
                minted_wh: dec(m.minted_wh),
                certified_wh: dec(m.certified_wh),
                rec_count: dec(m.rec_count),
                slot: i64_of(d.update.slot),
            };
            let mut fields = serde_json::Map::new();
            // A list, as every delta field is (a channel may gather several of one kind).
            fields.insert("meter".into(), serde_json::Value::Array(vec![serde_json::to_value(&row).unwrap_or_default()]));
            c.deltas.insert(pubkey.clone(), fields);
            c.pubkey.push(pubkey);
            c.owner.push(owner);
            c.meter_id.push(m.meter_id.to_vec());
            c.status.push(status);
            c.registered_at.push(m.registered_at);
            c.has_reading.push(m.has_reading);
            c.last_interval.push(m.last_interval_start_ts);
            c.last_produced.push(u64_bits(m.last_produced_wh));
            c.last_consumed.push(u64_bits(m.last_consumed_wh));
            c.minted.push(u64_bits(m.minted_wh));
            c.certified.push(u64_bits(m.certified_wh));
            c.rec_count.push(u64_bits(m.rec_count));
            c.slot.push(i64_of(d.update.slot));
            c.wv.push(i64_of(d.update.write_version));
        }
        c
    }
}

/// One statement for all of a batch's meters.
async fn write_meters(tx: &mut Transaction<'_, Postgres>, c: Meters, changes: &mut MarketChanges) -> sqlx::Result<()> {
    if c.pubkey.is_empty() {
        return Ok(());
    }
    let written = sqlx::query_scalar!(
        r#"insert into meters (pubkey, owner, meter_id, status, registered_at, has_reading, last_interval_start_ts,
             last_produced_wh, last_consumed_wh, minted_wh, certified_wh, rec_count, slot, write_version)
           select pubkey, owner, meter_id, status, registered_at, has_reading, last_interval,
             u64_of_int8(produced), u64_of_int8(consumed), u64_of_int8(minted), u64_of_int8(certified),
             u64_of_int8(recs), slot, wv
           from unnest($1::text[], $2::text[], $3::bytea[], $4::text[], $5::int8[], $6::bool[], $7::int8[],
             $8::int8[], $9::int8[], $10::int8[], $11::int8[], $12::int8[], $13::int8[], $14::int8[])
             as t(pubkey, owner, meter_id, status, registered_at, has_reading, last_interval,
               produced, consumed, minted, certified, recs, slot, wv)
           on conflict (pubkey) do update set owner = excluded.owner, status = excluded.status,
             has_reading = excluded.has_reading, last_interval_start_ts = excluded.last_interval_start_ts,
             last_produced_wh = excluded.last_produced_wh, last_consumed_wh = excluded.last_consumed_wh,
             minted_wh = excluded.minted_wh, certified_wh = excluded.certified_wh, rec_count = excluded.rec_count,
             slot = excluded.slot, write_version = excluded.write_version
           where (meters.slot, meters.write_version) < (excluded.slot, excluded.write_version)
           returning pubkey"#,
        &c.pubkey,
        &c.owner,
        &c.meter_id,
        &c.status as &[&str],
        &c.registered_at,
        &c.has_reading,
        &c.last_interval,
        &c.last_produced,
        &c.last_consumed,
        &c.minted,
        &c.certified,
        &c.rec_count,
        &c.slot,
        &c.wv
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut deltas = c.deltas;
    changes.meters.extend(written.into_iter().filter_map(|pubkey| deltas.remove(&pubkey).map(|d| (pubkey, d))));
    Ok(())
}

/// Writes the market header; when it was newer, replaces its seats and resting orders.
/// Returns whether it was newer.
async fn write_market(
    tx: &mut Transaction<'_, Postgres>,
    pubkey: &Pubkey,
    m: &market::state::MarketState,
    slot: i64,
    wv: i64,
    changes: &mut MarketChanges,
) -> sqlx::Result<bool> {
    let h = &m.header;
    let market = key(pubkey);
    let applied = sqlx::query!(
        r#"insert into markets (pubkey, authority, council, base_mint, quote_mint, base_vault, quote_vault, price_feed,
             max_deviation_bps, max_staleness_secs, tick_size_quote_atoms, lot_size_base_atoms, taker_fee_bps,
             base_decimals, quote_decimals, paused, next_order_id, fees_accrued_quote_atoms, slot, write_version)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
           on conflict (pubkey) do update set authority = excluded.authority, price_feed = excluded.price_feed,
             max_deviation_bps = excluded.max_deviation_bps, max_staleness_secs = excluded.max_staleness_secs,
             taker_fee_bps = excluded.taker_fee_bps, paused = excluded.paused, next_order_id = excluded.next_order_id,
             fees_accrued_quote_atoms = excluded.fees_accrued_quote_atoms, slot = excluded.slot,
             write_version = excluded.write_version
           where (markets.slot, markets.write_version) < (excluded.slot, excluded.write_version)"#,
        market,
        key(&h.authority),
        key(&h.council),
        key(&h.base_mint),
        key(&h.quote_mint),
        key(&h.base_vault),
        key(&h.quote_vault),
        opt_key(&h.price_feed),
        i32::from(h.max_deviation_bps),
        i64::from(h.max_staleness_secs),
        dec(h.tick_size_quote_atoms),
        dec(h.lot_size_base_atoms),
        i32::from(h.taker_fee_bps),
        i16::from(h.base_decimals),
        i16::from(h.quote_decimals),
        h.paused != 0,
        dec(m.book.header.next_order_id),
        dec(m.book.header.fees_accrued_quote_atoms),
        slot,
        wv
    )
    .execute(&mut **tx)
    .await?;
    if applied.rows_affected() == 0 {
        return Ok(false);
    }

    // What the book and seats looked like, for the deltas.
    let before = sqlx::query!(
        r#"select side, price_ticks, sum(lots) as "lots!", count(*) as "orders!"
           from resting_orders where market = $1 group by side, price_ticks"#,
        market
    )
    .fetch_all(&mut **tx)
    .await?;
    changes.levels_before.insert(
        market.clone(),
        before.into_iter().map(|r| ((r.side, r.price_ticks), (r.lots, r.orders))).collect(),
    );
    let seats_before = sqlx::query_as!(
        SeatRow,
        "select seat, trader, base_free, base_locked, quote_free, quote_locked from seats where market = $1",
        market
    )
    .fetch_all(&mut **tx)
    .await?;
    changes.seats_before.insert(market.clone(), seats_before.into_iter().map(|s| (s.seat, s)).collect());

    sqlx::query!("delete from seats where market = $1", market).execute(&mut **tx).await?;
    sqlx::query!("delete from resting_orders where market = $1", market).execute(&mut **tx).await?;

    // The engine walks the trees; the indexer never reads blocks itself.
    let book = m.book.view();
    let seats: Vec<SeatRow> = book
        .seats()
        .map(|(i, s)| SeatRow {
            seat: i as i32,
            trader: Pubkey::new_from_array(s.trader).to_string(),
            base_free: dec(s.base_free),
            base_locked: dec(s.base_locked),
            quote_free: dec(s.quote_free),
            quote_locked: dec(s.quote_locked),
        })
        .collect();
    sqlx::query!(
        r#"insert into seats (market, seat, trader, base_free, base_locked, quote_free, quote_locked)
           select $1, * from unnest($2::int4[], $3::text[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[])"#,
        market,
        &seats.iter().map(|s| s.seat).collect::<Vec<_>>(),
        &seats.iter().map(|s| s.trader.clone()).collect::<Vec<_>>(),
        &seats.iter().map(|s| s.base_free).collect::<Vec<_>>(),
        &seats.iter().map(|s| s.base_locked).collect::<Vec<_>>(),
        &seats.iter().map(|s| s.quote_free).collect::<Vec<_>>(),
        &seats.iter().map(|s| s.quote_locked).collect::<Vec<_>>()
    )
    .execute(&mut **tx)
    .await?;

    let mut levels = BTreeMap::new();
    let (mut ids, mut sides, mut traders, mut seat_ix, mut cids, mut prices, mut lots, mut expiries) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for (bid, side) in [(true, market::engine::Side::Bid), (false, market::engine::Side::Ask)] {
        for (_, o) in book.orders(side) {
            let trader = book.seat(o.seat).ok().map(|s| Pubkey::new_from_array(s.trader).to_string());
            ids.push(dec(o.order_id));
            sides.push(side_name(bid).to_string());
            traders.push(trader.unwrap_or_default());
            seat_ix.push(o.seat as i32);
            cids.push(dec(o.client_order_id));
            prices.push(dec(o.price_ticks));
            lots.push(dec(o.lots));
            expiries.push(o.expiry_ts);
            let level =
                levels.entry((side_name(bid).to_string(), dec(o.price_ticks))).or_insert((Decimal::ZERO, 0));
            level.0 += dec(o.lots);
            level.1 += 1;
        }
    }
    sqlx::query!(
        r#"insert into resting_orders (market, order_id, side, trader, seat, client_order_id, price_ticks, lots, expiry_ts)
           select $1, * from unnest($2::numeric[], $3::text[], $4::text[], $5::int4[], $6::numeric[], $7::numeric[],
             $8::numeric[], $9::int8[])"#,
        market,
        &ids,
        &sides,
        &traders,
        &seat_ix,
        &cids,
        &prices,
        &lots,
        &expiries
    )
    .execute(&mut **tx)
    .await?;
    changes.levels_after.insert(market.clone(), levels);
    changes.seats_after.insert(market.clone(), seats.into_iter().map(|s| (s.seat, s)).collect());
    Ok(true)
}

/// A closed account (no data, no lamports) leaves every table it was in, unless a newer
/// version was already written.
async fn close(tx: &mut Transaction<'_, Postgres>, pubkeys: &[String], slots: &[i64]) -> sqlx::Result<()> {
    for (table_key, slot) in pubkeys.iter().zip(slots) {
        sqlx::query!("delete from meters where pubkey = $1 and slot <= $2", table_key, slot)
            .execute(&mut **tx)
            .await?;
        sqlx::query!("delete from certificates where pubkey = $1 and slot <= $2", table_key, slot)
            .execute(&mut **tx)
            .await?;
        sqlx::query!("delete from proposals where pubkey = $1 and slot <= $2", table_key, slot)
            .execute(&mut **tx)
            .await?;
        sqlx::query!("delete from oracles where pubkey = $1 and slot <= $2", table_key, slot)
            .execute(&mut **tx)
            .await?;
        sqlx::query!("delete from markets where pubkey = $1 and slot <= $2", table_key, slot)
            .execute(&mut **tx)
            .await?;
        sqlx::query!("delete from market_pairs where pubkey = $1 and slot <= $2", table_key, slot)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
