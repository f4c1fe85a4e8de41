//! The mirror compared with the chain, read back over RPC, field by field.
#![allow(dead_code)]
use std::collections::{BTreeMap, BTreeSet};

use anchor_lang::prelude::Pubkey;
use gridtokenx_indexer::ingest::decode::{self, ProgramAccount};
use serde_json::{json, Value};
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use sqlx::PgPool;

fn key(p: &Pubkey) -> Value {
    json!(p.to_string())
}

/// Rows of `table` as JSON without the bookkeeping columns, by primary key text.
async fn rows(pool: &PgPool, query: &str) -> BTreeMap<String, Value> {
    let all: Vec<Value> =
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("select row_to_json(t) from ({query}) t")))
            .fetch_all(pool)
            .await
            .unwrap();
    all.into_iter()
        .map(|mut v| {
            let obj = v.as_object_mut().unwrap();
            obj.remove("slot");
            obj.remove("write_version");
            let id = obj.get("pubkey").or_else(|| obj.get("id")).map(|k| k.to_string()).unwrap_or_default();
            (id.trim_matches('"').to_string(), v)
        })
        .collect()
}

/// Every account of our programs on chain equals its row, and nothing else is mirrored.
pub async fn accounts_match(rpc: &RpcClient, pool: &PgPool) {
    let mut expected: BTreeMap<&'static str, BTreeMap<String, Value>> = BTreeMap::new();
    for program in decode::programs() {
        for (pubkey, account) in rpc.get_program_accounts(&program).await.unwrap() {
            let id = pubkey.to_string();
            let Some(decoded) = decode::account(&account.owner, &account.data).unwrap() else { continue };
            let (table, row) = match decoded {
                ProgramAccount::Council(c) => (
                    "council",
                    json!({
                    "pubkey": id, "members": c.members().iter().map(key).collect::<Vec<_>>(),
                    "guardians": c.guardians().iter().map(key).collect::<Vec<_>>(), "threshold": c.threshold,
                    "version": c.version, "proposal_count": c.proposal_count, "paused": c.paused != 0}),
                ),
                ProgramAccount::Proposal(p) => (
                    "proposals",
                    json!({
                    "pubkey": id, "index": p.index, "proposer": key(&p.proposer), "council_version": p.council_version,
                    "approvals_bitmap": p.approvals, "approval_count": p.approval_count(), "executed": p.executed,
                    "created_at": p.created_at, "expires_at": p.expires_at, "program_id": key(&p.instruction.program_id),
                    "accounts": p.instruction.accounts.iter().map(|a| json!({"pubkey": a.pubkey.to_string(), "is_signer": a.is_signer, "is_writable": a.is_writable})).collect::<Vec<_>>(),
                    "data": format!("\\x{}", hex(&p.instruction.data))}),
                ),
                ProgramAccount::EnergyConfig(c) => (
                    "energy_config",
                    json!({
                    "pubkey": id, "authority": key(&c.authority), "council": key(&c.council), "energy_mint": key(&c.energy_mint),
                    "cluster_tag": format!("\\x{}", hex(&c.cluster_tag)), "interval_secs": c.rules.interval_secs,
                    "max_future_secs": c.rules.max_future_secs, "max_staleness_secs": c.rules.max_staleness_secs,
                    "max_wh_per_interval": c.rules.max_wh_per_interval, "total_minted_wh": c.total_minted_wh,
                    "total_certified_wh": c.total_certified_wh, "total_retired_wh": c.total_retired_wh, "rec_count": c.rec_count}),
                ),
                ProgramAccount::Oracle(o) => (
                    "oracles",
                    json!({
                    "pubkey": id, "oracle": key(&o.oracle), "active": o.active, "registered_at": o.registered_at,
                    "readings_attested": o.readings_attested}),
                ),
                ProgramAccount::Meter(m) => (
                    "meters",
                    json!({
                    "pubkey": id, "owner": key(&m.owner), "meter_id": format!("\\x{}", hex(&m.meter_id)),
                    "status": match m.status { energy::state::MeterStatus::Active => "active", _ => "suspended" },
                    "registered_at": m.registered_at, "has_reading": m.has_reading,
                    "last_interval_start_ts": m.last_interval_start_ts, "last_produced_wh": m.last_produced_wh,
                    "last_consumed_wh": m.last_consumed_wh, "minted_wh": m.minted_wh, "certified_wh": m.certified_wh,
                    "rec_count": m.rec_count}),
                ),
                ProgramAccount::Certificate(c) => (
                    "certificates",
                    json!({
                    "pubkey": id, "meter": key(&c.meter), "owner": key(&c.owner), "serial": c.serial,
                    "wh_start": c.wh_start, "wh_end": c.wh_end, "issued_at": c.issued_at,
                    "status": match c.status { energy::state::CertificateStatus::Active => "active", _ => "retired" },
                    "retired_at": c.retired_at, "beneficiary": key(&c.beneficiary)}),
                ),
                ProgramAccount::MarketPair(p) => {
                    ("market_pairs", json!({"pubkey": id, "market": key(&p.market)}))
                }
                ProgramAccount::Market(m) => {
                    let h = &m.header;
                    let mut seats: Vec<Value> = m.book.seats().into_iter().map(|(i, s)| json!({
                        "market": id, "seat": i, "trader": Pubkey::new_from_array(s.trader).to_string(),
                        "base_free": s.base_free, "base_locked": s.base_locked, "quote_free": s.quote_free, "quote_locked": s.quote_locked})).collect();
                    let mut orders: Vec<Value> = Vec::new();
                    seats.sort_by_key(|s| s["seat"].as_u64());
                    for (side, book_side) in
                        [("bid", market::engine::Side::Bid), ("ask", market::engine::Side::Ask)]
                    {
                        for o in m.book.orders(book_side) {
                            orders.push(json!({"market": id, "order_id": o.order_id, "side": side,
                                "trader": Pubkey::new_from_array(m.book.seat(o.seat).expect("seat").trader).to_string(),
                                "seat": o.seat, "client_order_id": o.client_order_id, "price_ticks": o.price_ticks,
                                "lots": o.lots, "expiry_ts": o.expiry_ts}));
                        }
                    }
                    orders.sort_by_key(|o| o["order_id"].as_u64());
                    let mirrored_seats: Vec<Value> = sqlx::query_scalar(
                        "select row_to_json(s) from seats s where market = $1 order by seat",
                    )
                    .bind(&id)
                    .fetch_all(pool)
                    .await
                    .unwrap();
                    assert_eq!(mirrored_seats, seats, "seats of market {id}");
                    let mirrored_orders: Vec<Value> = sqlx::query_scalar(
                        "select row_to_json(o) from resting_orders o where market = $1 order by order_id",
                    )
                    .bind(&id)
                    .fetch_all(pool)
                    .await
                    .unwrap();
                    assert_eq!(mirrored_orders, orders, "resting orders of market {id}");
                    (
                        "markets",
                        json!({
                        "pubkey": id, "authority": key(&h.authority), "council": key(&h.council), "base_mint": key(&h.base_mint),
                        "quote_mint": key(&h.quote_mint), "base_vault": key(&h.base_vault), "quote_vault": key(&h.quote_vault),
                        "price_feed": (h.price_feed != Pubkey::default()).then(|| h.price_feed.to_string()),
                        "max_deviation_bps": h.max_deviation_bps, "max_staleness_secs": h.max_staleness_secs,
                        "tick_size_quote_atoms": h.tick_size_quote_atoms, "lot_size_base_atoms": h.lot_size_base_atoms,
                        "taker_fee_bps": h.taker_fee_bps, "base_decimals": h.base_decimals, "quote_decimals": h.quote_decimals,
                        "paused": h.paused != 0, "next_order_id": m.book.header.next_order_id,
                        "fees_accrued_quote_atoms": m.book.header.fees_accrued_quote_atoms}),
                    )
                }
            };
            expected.entry(table).or_default().insert(id, row);
        }
    }
    for table in [
        "council",
        "proposals",
        "energy_config",
        "oracles",
        "meters",
        "certificates",
        "market_pairs",
        "markets",
    ] {
        let want = expected.remove(table).unwrap_or_default();
        let got = rows(pool, &format!("select * from {table}")).await;
        assert_eq!(got, want, "table {table} differs from the chain");
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every event in the logs of every successful transaction of our programs is mirrored
/// exactly once, and the typed tables agree with it. With `history_complete` false (the
/// chain forgot history older than a restart) the mirror may hold more, never less.
pub async fn events_match(rpc: &RpcClient, pool: &PgPool, history_complete: bool) {
    let mut signatures = BTreeSet::new();
    for program in decode::programs() {
        for s in rpc.get_signatures_for_address(&program).await.unwrap() {
            if s.err.is_none() {
                signatures.insert(s.signature);
            }
        }
    }
    let mut expected = BTreeSet::new();
    let mut fills = BTreeSet::new();
    for sig in &signatures {
        let tx: Value =
            raw(rpc, "getTransaction", json!([sig, {"encoding": "json", "commitment": "confirmed"}])).await;
        let logs: Vec<String> = serde_json::from_value(tx["meta"]["logMessages"].clone()).unwrap();
        for e in gridtokenx_indexer::ingest::logs::events(&logs) {
            if let Some((name, event)) = decode::event(&e.program, &e.data).unwrap() {
                expected.insert((sig.clone(), e.ix_index as i32, e.event_index as i32, name.to_string()));
                if let decode::ProgramEvent::OrderFilled(f) = event {
                    fills.insert((
                        sig.clone(),
                        f.maker_order_id.to_string(),
                        f.lots.to_string(),
                        f.quote_atoms.to_string(),
                        f.taker_fee_quote_atoms.to_string(),
                    ));
                }
            }
        }
    }
    let got: BTreeSet<(String, i32, i32, String)> =
        sqlx::query_as("select signature, ix_index, event_index, name from events")
            .fetch_all(pool)
            .await
            .unwrap()
            .into_iter()
            .collect();
    if history_complete {
        assert_eq!(got, expected, "events differ from the chain's logs");
    } else {
        let missing: Vec<_> = expected.difference(&got).collect();
        assert!(missing.is_empty(), "events missing from the mirror: {missing:?}");
    }
    let got_fills: BTreeSet<(String, String, String, String, String)> = sqlx::query_as(
        "select signature, maker_order_id::text, lots::text, quote_atoms::text, taker_fee_quote_atoms::text from fills")
        .fetch_all(pool).await.unwrap().into_iter().collect();
    if history_complete {
        assert_eq!(got_fills, fills, "fills differ from the chain's OrderFilled events");
    } else {
        assert!(fills.is_subset(&got_fills), "fills missing from the mirror");
    }
    // No fill counted twice: each order's filled lots are the sum of its fills.
    let mismatched: i64 = sqlx::query_scalar(
        "select count(*) from order_history h where h.filled_lots <> coalesce((select sum(lots) from fills f where f.market = h.market and f.maker_order_id = h.order_id), 0)")
        .fetch_one(pool).await.unwrap();
    assert_eq!(mismatched, 0, "order lifecycle disagrees with fills");
}

pub async fn raw(rpc: &RpcClient, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let reply: Value =
        reqwest::Client::new().post(rpc.url()).json(&body).send().await.unwrap().json().await.unwrap();
    reply["result"].clone()
}
