//! Event inserts. Every event lands raw in `events`; only the ones that were new there
//! (a replay inserts nothing) go on to the typed tables and the order lifecycle, so
//! counters such as `filled_lots` can never count a fill twice.
use std::collections::{BTreeMap, HashSet};

use rust_decimal::Decimal;
use sqlx::{Postgres, Transaction};

use super::{dec, i64_of};
use crate::ingest::decode::ProgramEvent;

/// An event found in a successful transaction.
pub struct Found {
    pub signature: String,
    pub ix_index: i32,
    pub event_index: i32,
    pub slot: i64,
    pub block_time: i64,
    pub program: String,
    pub name: &'static str,
    pub data: Vec<u8>,
    pub event: ProgramEvent,
}

/// Rows the deltas are built from.
#[derive(Default)]
pub struct EventChanges {
    pub fills: Vec<serde_json::Value>,
    /// (market, order_id) of every order whose lifecycle row changed, with its trader.
    pub orders: Vec<(String, Decimal)>,
    pub readings: Vec<serde_json::Value>,
    pub certificates: Vec<String>,
    pub proposals: Vec<i64>,
    pub movements: Vec<serde_json::Value>,
}

fn side(s: u8) -> &'static str {
    if s == 0 {
        "bid"
    } else {
        "ask"
    }
}

fn cancel_reason(r: u8) -> &'static str {
    match r {
        0 => "user",
        1 => "expired",
        2 => "self_trade",
        3 => "ioc_remainder",
        4 => "match_limit_remainder",
        // The worst order of a full side, pushed out by a better-priced one (issue #9).
        5 => "evicted",
        _ => "other",
    }
}

pub async fn write(tx: &mut Transaction<'_, Postgres>, found: Vec<Found>) -> sqlx::Result<EventChanges> {
    let mut changes = EventChanges::default();
    if found.is_empty() {
        return Ok(changes);
    }
    let new: HashSet<(String, i32, i32)> = sqlx::query!(
        r#"insert into events (signature, ix_index, event_index, slot, program, name, data)
           select * from unnest($1::text[], $2::int4[], $3::int4[], $4::int8[], $5::text[], $6::text[], $7::bytea[])
           on conflict do nothing
           returning signature, ix_index, event_index"#,
        &found.iter().map(|f| f.signature.clone()).collect::<Vec<_>>(),
        &found.iter().map(|f| f.ix_index).collect::<Vec<_>>(),
        &found.iter().map(|f| f.event_index).collect::<Vec<_>>(),
        &found.iter().map(|f| f.slot).collect::<Vec<_>>(),
        &found.iter().map(|f| f.program.clone()).collect::<Vec<_>>(),
        &found.iter().map(|f| f.name.to_string()).collect::<Vec<_>>(),
        &found.iter().map(|f| f.data.clone()).collect::<Vec<_>>()
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| (r.signature, r.ix_index, r.event_index))
    .collect();

    let fresh: Vec<&Found> =
        found.iter().filter(|f| new.contains(&(f.signature.clone(), f.ix_index, f.event_index))).collect();
    fills(tx, &fresh, &mut changes).await?;
    lifecycle(tx, &fresh, &mut changes).await?;
    for f in &fresh {
        typed(tx, f, &mut changes).await?;
    }
    Ok(changes)
}

async fn fills(tx: &mut Transaction<'_, Postgres>, fresh: &[&Found], changes: &mut EventChanges) -> sqlx::Result<()> {
    let fills: Vec<(&Found, &market::events::OrderFilled)> = fresh
        .iter()
        .filter_map(|f| match &f.event {
            ProgramEvent::OrderFilled(e) => Some((*f, e)),
            _ => None,
        })
        .collect();
    if fills.is_empty() {
        return Ok(());
    }
    sqlx::query!(
        r#"insert into fills (signature, ix_index, event_index, slot, block_time, market, maker_order_id,
             maker_client_order_id, maker, taker, taker_side, price_ticks, lots, quote_atoms, taker_fee_quote_atoms)
           select * from unnest($1::text[], $2::int4[], $3::int4[], $4::int8[], $5::int8[], $6::text[], $7::numeric[],
             $8::numeric[], $9::text[], $10::text[], $11::text[], $12::numeric[], $13::numeric[], $14::numeric[], $15::numeric[])
           on conflict do nothing"#,
        &fills.iter().map(|(f, _)| f.signature.clone()).collect::<Vec<_>>(),
        &fills.iter().map(|(f, _)| f.ix_index).collect::<Vec<_>>(),
        &fills.iter().map(|(f, _)| f.event_index).collect::<Vec<_>>(),
        &fills.iter().map(|(f, _)| f.slot).collect::<Vec<_>>(),
        &fills.iter().map(|(f, _)| f.block_time).collect::<Vec<_>>(),
        &fills.iter().map(|(_, e)| e.market.to_string()).collect::<Vec<_>>(),
        &fills.iter().map(|(_, e)| dec(e.maker_order_id)).collect::<Vec<_>>(),
        &fills.iter().map(|(_, e)| dec(e.maker_client_order_id)).collect::<Vec<_>>(),
        &fills.iter().map(|(_, e)| e.maker.to_string()).collect::<Vec<_>>(),
        &fills.iter().map(|(_, e)| e.taker.to_string()).collect::<Vec<_>>(),
        &fills.iter().map(|(_, e)| side(e.taker_side).to_string()).collect::<Vec<_>>(),
        &fills.iter().map(|(_, e)| dec(e.price_ticks)).collect::<Vec<_>>(),
        &fills.iter().map(|(_, e)| dec(e.lots)).collect::<Vec<_>>(),
        &fills.iter().map(|(_, e)| dec(e.quote_atoms)).collect::<Vec<_>>(),
        &fills.iter().map(|(_, e)| dec(e.taker_fee_quote_atoms)).collect::<Vec<_>>()
    )
    .execute(&mut **tx)
    .await?;
    for (f, e) in fills {
        changes.fills.push(serde_json::json!({
            "signature": f.signature, "ix_index": f.ix_index, "event_index": f.event_index, "slot": f.slot,
            "block_time": f.block_time, "market": e.market.to_string(), "maker_order_id": dec(e.maker_order_id),
            "maker": e.maker.to_string(), "taker": e.taker.to_string(), "taker_side": side(e.taker_side),
            "price_ticks": dec(e.price_ticks), "lots": dec(e.lots), "quote_atoms": dec(e.quote_atoms),
            "taker_fee_quote_atoms": dec(e.taker_fee_quote_atoms),
        }));
    }
    Ok(())
}

/// Placed, filled and cancelled orders. Several events of one order in one batch are
/// folded first: one statement may not touch a row twice.
async fn lifecycle(tx: &mut Transaction<'_, Postgres>, fresh: &[&Found], changes: &mut EventChanges) -> sqlx::Result<()> {
    #[derive(Default)]
    struct Order {
        trader: Option<String>,
        side: Option<String>,
        client_order_id: Option<Decimal>,
        price_ticks: Option<Decimal>,
        placed_lots: Option<Decimal>,
        filled_lots: Decimal,
        canceled_lots: Option<Decimal>,
        cancel_reason: Option<String>,
        placed_slot: Option<i64>,
        placed_signature: Option<String>,
        last_slot: i64,
    }
    let mut orders: BTreeMap<(String, Decimal), Order> = BTreeMap::new();
    for f in fresh {
        match &f.event {
            ProgramEvent::OrderPlaced(e) => {
                let o = orders.entry((e.market.to_string(), dec(e.order_id))).or_default();
                o.trader = Some(e.trader.to_string());
                o.side = Some(side(e.side).into());
                o.client_order_id = Some(dec(e.client_order_id));
                o.price_ticks = Some(dec(e.price_ticks));
                o.placed_lots = Some(dec(e.lots));
                o.placed_slot = Some(f.slot);
                o.placed_signature = Some(f.signature.clone());
                o.last_slot = o.last_slot.max(f.slot);
            }
            ProgramEvent::OrderFilled(e) => {
                let o = orders.entry((e.market.to_string(), dec(e.maker_order_id))).or_default();
                o.trader.get_or_insert_with(|| e.maker.to_string());
                o.filled_lots += dec(e.lots);
                o.last_slot = o.last_slot.max(f.slot);
            }
            ProgramEvent::OrderCanceled(e) => {
                let o = orders.entry((e.market.to_string(), dec(e.order_id))).or_default();
                o.trader = Some(e.trader.to_string());
                o.side = Some(side(e.side).into());
                o.client_order_id.get_or_insert(dec(e.client_order_id));
                o.price_ticks.get_or_insert(dec(e.price_ticks));
                o.canceled_lots = Some(dec(e.lots));
                o.cancel_reason = Some(cancel_reason(e.reason).into());
                o.last_slot = o.last_slot.max(f.slot);
            }
            _ => {}
        }
    }
    if orders.is_empty() {
        return Ok(());
    }
    let (keys, rows): (Vec<_>, Vec<_>) = orders.into_iter().unzip();
    // Not `query!`: its array parameters cannot carry NULLs, and a fill seen without its
    // placement (placed in an earlier batch) leaves most columns to `coalesce`.
    sqlx::query(
        r#"insert into order_history (market, order_id, trader, side, client_order_id, price_ticks, placed_lots,
             filled_lots, canceled_lots, cancel_reason, placed_slot, placed_signature, last_slot)
           select * from unnest($1::text[], $2::numeric[], $3::text[], $4::text[], $5::numeric[], $6::numeric[],
             $7::numeric[], $8::numeric[], $9::numeric[], $10::text[], $11::int8[], $12::text[], $13::int8[])
           on conflict (market, order_id) do update set
             trader = coalesce(excluded.trader, order_history.trader),
             side = coalesce(excluded.side, order_history.side),
             client_order_id = coalesce(excluded.client_order_id, order_history.client_order_id),
             price_ticks = coalesce(excluded.price_ticks, order_history.price_ticks),
             placed_lots = coalesce(excluded.placed_lots, order_history.placed_lots),
             filled_lots = order_history.filled_lots + excluded.filled_lots,
             canceled_lots = coalesce(excluded.canceled_lots, order_history.canceled_lots),
             cancel_reason = coalesce(excluded.cancel_reason, order_history.cancel_reason),
             placed_slot = coalesce(excluded.placed_slot, order_history.placed_slot),
             placed_signature = coalesce(excluded.placed_signature, order_history.placed_signature),
             last_slot = greatest(excluded.last_slot, order_history.last_slot)"#
    )
    .bind(keys.iter().map(|k| k.0.clone()).collect::<Vec<_>>())
    .bind(keys.iter().map(|k| k.1).collect::<Vec<_>>())
    .bind(rows.iter().map(|o| o.trader.clone()).collect::<Vec<_>>())
    .bind(rows.iter().map(|o| o.side.clone()).collect::<Vec<_>>())
    .bind(rows.iter().map(|o| o.client_order_id).collect::<Vec<_>>())
    .bind(rows.iter().map(|o| o.price_ticks).collect::<Vec<_>>())
    .bind(rows.iter().map(|o| o.placed_lots).collect::<Vec<_>>())
    .bind(rows.iter().map(|o| o.filled_lots).collect::<Vec<_>>())
    .bind(rows.iter().map(|o| o.canceled_lots).collect::<Vec<_>>())
    .bind(rows.iter().map(|o| o.cancel_reason.clone()).collect::<Vec<_>>())
    .bind(rows.iter().map(|o| o.placed_slot).collect::<Vec<_>>())
    .bind(rows.iter().map(|o| o.placed_signature.clone()).collect::<Vec<_>>())
    .bind(rows.iter().map(|o| o.last_slot).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    changes.orders.extend(keys);
    Ok(())
}

/// The less frequent events, one statement each.
async fn typed(tx: &mut Transaction<'_, Postgres>, f: &Found, changes: &mut EventChanges) -> sqlx::Result<()> {
    let (sig, ix, ev, slot) = (&f.signature, f.ix_index, f.event_index, f.slot);
    match &f.event {
        ProgramEvent::Deposited(market::events::Deposited { market, trader, base_atoms, quote_atoms })
        | ProgramEvent::Withdrawn(market::events::Withdrawn { market, trader, base_atoms, quote_atoms }) => {
            let kind = if matches!(f.event, ProgramEvent::Deposited(_)) { "deposit" } else { "withdrawal" };
            sqlx::query!(
                r#"insert into balance_movements (signature, ix_index, event_index, slot, kind, market, trader, base_atoms, quote_atoms)
                   values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict do nothing"#,
                sig, ix, ev, slot, kind, market.to_string(), trader.to_string(), dec(*base_atoms), dec(*quote_atoms)
            )
            .execute(&mut **tx)
            .await?;
            changes.movements.push(serde_json::json!({
                "kind": kind, "market": market.to_string(), "trader": trader.to_string(),
                "base_atoms": dec(*base_atoms), "quote_atoms": dec(*quote_atoms), "slot": slot, "signature": sig,
            }));
        }
        ProgramEvent::ReadingAccepted(e) => {
            sqlx::query!(
                r#"insert into readings (meter, interval_start_ts, oracle, produced_wh, consumed_wh, minted_wh,
                     meter_minted_wh_total, slot, signature)
                   values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict do nothing"#,
                e.meter.to_string(), e.interval_start_ts, e.oracle.to_string(), dec(e.produced_wh),
                dec(e.consumed_wh), dec(e.minted_wh), dec(e.meter_minted_wh_total), slot, sig
            )
            .execute(&mut **tx)
            .await?;
            changes.readings.push(serde_json::json!({
                "meter": e.meter.to_string(), "interval_start_ts": e.interval_start_ts, "oracle": e.oracle.to_string(),
                "produced_wh": dec(e.produced_wh), "consumed_wh": dec(e.consumed_wh), "minted_wh": dec(e.minted_wh),
                "meter_minted_wh_total": dec(e.meter_minted_wh_total), "slot": slot, "signature": sig,
            }));
        }
        ProgramEvent::RecIssued(e) => {
            let wh = dec(e.wh_end.saturating_sub(e.wh_start));
            cert_event(tx, f, &e.certificate.to_string(), "issued", Some(e.meter.to_string()), None, Some(e.owner.to_string()), None, Some(wh)).await?;
            changes.certificates.push(e.certificate.to_string());
        }
        ProgramEvent::RecTransferred(e) => {
            cert_event(tx, f, &e.certificate.to_string(), "transferred", None, Some(e.from.to_string()), Some(e.to.to_string()), None, None).await?;
            changes.certificates.push(e.certificate.to_string());
        }
        ProgramEvent::RecRetired(e) => {
            cert_event(tx, f, &e.certificate.to_string(), "retired", None, Some(e.owner.to_string()), None, Some(e.beneficiary.to_string()), Some(dec(e.wh))).await?;
            changes.certificates.push(e.certificate.to_string());
        }
        ProgramEvent::ProposalCreated(e) => {
            proposal_event(tx, f, e.index, "created", &e.proposer.to_string(), Some(1)).await?;
            changes.proposals.push(i64_of(e.index));
        }
        ProgramEvent::ProposalApproved(e) => {
            proposal_event(tx, f, e.index, "approved", &e.member.to_string(), Some(i16::from(e.approvals))).await?;
            changes.proposals.push(i64_of(e.index));
        }
        ProgramEvent::ProposalExecuted(e) => {
            proposal_event(tx, f, e.index, "executed", &e.executor.to_string(), None).await?;
            changes.proposals.push(i64_of(e.index));
        }
        _ => {}
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn cert_event(
    tx: &mut Transaction<'_, Postgres>,
    f: &Found,
    certificate: &str,
    kind: &str,
    meter: Option<String>,
    from_owner: Option<String>,
    to_owner: Option<String>,
    beneficiary: Option<String>,
    wh: Option<Decimal>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into certificate_events (signature, ix_index, event_index, slot, certificate, kind, meter, from_owner,
             to_owner, beneficiary, wh)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) on conflict do nothing"#,
        f.signature, f.ix_index, f.event_index, f.slot, certificate, kind, meter, from_owner, to_owner, beneficiary, wh
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn proposal_event(
    tx: &mut Transaction<'_, Postgres>,
    f: &Found,
    index: u64,
    kind: &str,
    actor: &str,
    approvals: Option<i16>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into proposal_events (signature, ix_index, event_index, slot, proposal_index, kind, actor, approvals)
           values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing"#,
        f.signature, f.ix_index, f.event_index, f.slot, i64_of(index), kind, actor, approvals
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod cancel_reason_tests {
    use market::engine::CancelReason;

    #[test]
    fn every_cancel_reason_of_the_engine_has_a_name() {
        use CancelReason::*;
        // Through the program's own encoding; a new variant must get a name here.
        for (reason, name) in [(User, "user"), (Expired, "expired"), (SelfTrade, "self_trade"),
            (IocRemainder, "ioc_remainder"), (MatchLimitRemainder, "match_limit_remainder"), (Evicted, "evicted")]
        {
            assert_eq!(super::cancel_reason(market::instructions::reason_code(reason)), name);
        }
    }
}
