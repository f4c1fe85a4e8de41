//! The mirror against a real localnet and Postgres: every account and event the scenario
//! produces lands exactly once, REST says what the tables say, and WebSocket snapshot plus
//! deltas rebuild the same book.
mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use gridtokenx_localnet::keys::DeploymentKeys;
use serde_json::{json, Value};
use solana_signer::Signer;
use support::{scenario, stack, verify};
use tokio_tungstenite::tungstenite::Message;

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn subscribe(ws: &mut Ws, channel: &str) {
    ws.send(Message::text(json!({"op": "subscribe", "channel": channel}).to_string())).await.unwrap();
}

/// Everything the socket says until it has been quiet for `quiet`.
async fn drain(ws: &mut Ws, quiet: Duration) -> Vec<Value> {
    let mut out = Vec::new();
    while let Ok(Some(Ok(msg))) = tokio::time::timeout(quiet, ws.next()).await {
        if let Message::Text(t) = msg {
            out.push(serde_json::from_str(t.as_str()).unwrap());
        }
    }
    out
}

/// Applies a channel's snapshot and deltas, checking each delta continues the state held.
fn replay_book(messages: &[Value], channel: &str) -> BTreeMap<(String, String), String> {
    let mut levels = BTreeMap::new();
    let mut seq = None;
    for m in messages.iter().filter(|m| m["channel"] == channel) {
        let n = m["seq"].as_i64().unwrap();
        match m["type"].as_str().unwrap() {
            "snapshot" => {
                levels.clear();
                for side in ["bids", "asks"] {
                    for l in m["data"][side].as_array().unwrap() {
                        levels.insert((l["side"].as_str().unwrap().into(), l["price_ticks"].as_str().unwrap().into()), l["lots"].as_str().unwrap().into());
                    }
                }
            }
            "delta" => {
                let (prev, held) = (m["prev"].as_i64().unwrap(), seq.expect("a snapshot comes first"));
                assert!(prev <= held && held < n, "{channel}: delta {n} (prev {prev}) does not continue {held}");
                for l in m["data"]["levels"].as_array().unwrap() {
                    let k = (l["side"].as_str().unwrap().into(), l["price_ticks"].as_str().unwrap().into());
                    let lots = l["lots"].as_str().unwrap().to_string();
                    if lots == "0" {
                        levels.remove(&k);
                    } else {
                        levels.insert(k, lots);
                    }
                }
            }
            other => panic!("unexpected {other}"),
        }
        seq = Some(n);
    }
    levels
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mirror_rest_and_websocket_equal_the_chain() {
    let keys = DeploymentKeys::random();
    let node = stack::localnet(&keys, 100, 3_000).await;
    let (_url, pool) = support::fresh_database().await;
    let indexer = stack::indexer(pool.clone(), &node).await;
    let rpc = Arc::new(stack::rpc(&node));
    let market = scenario::market_of(&node).to_string();
    let alice = keys.traders[0].pubkey().to_string();

    // Wait for the initial backfill, then follow the book, trades and Alice live.
    let slot = rpc.get_slot().await.unwrap();
    stack::wait_for_checkpoint(&pool, slot).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(&indexer.ws).await.unwrap();
    // The prosumer's meter (onboarded here, registered by scenario::run) before it exists.
    let prosumer_meter = gridtokenx_simulator::post::ChainMeter::onboard([7; 32]);
    let meter = prosumer_meter.address.to_string();
    for channel in [format!("book:{market}"), format!("trades:{market}"), format!("trader:{alice}"), "proposals".into(), format!("meter:{meter}")] {
        subscribe(&mut ws, &channel).await;
    }

    let last = scenario::run(&node, &keys, rpc.clone(), prosumer_meter).await;
    stack::wait_for_checkpoint(&pool, last).await;

    verify::accounts_match(&rpc, &pool).await;
    verify::events_match(&rpc, &pool, true).await;
    // What the scenario did, counted without the log parser that events_match shares
    // with ingest (a parser that loses events would agree with itself).
    let counts: std::collections::HashMap<String, i64> =
        sqlx::query_as("select name, count(*) from events group by name").fetch_all(&pool).await.unwrap().into_iter().collect();
    for (name, at_least) in [
        ("MeterRegistered", 1), ("ReadingAccepted", 2), ("SeatClaimed", 2), ("Deposited", 2), ("Withdrawn", 1),
        ("OrderPlaced", 2), ("OrderFilled", 2), ("OrderCanceled", 1), ("RecIssued", 1), ("RecTransferred", 1),
        ("RecRetired", 1), ("ProposalCreated", 1), ("ProposalApproved", 1), ("ProposalExecuted", 1), ("MarketUpdated", 1),
    ] {
        let got = counts.get(name).copied().unwrap_or(0);
        assert!(got >= at_least, "{name}: {got} mirrored, the scenario emitted at least {at_least}: {counts:?}");
    }

    // REST equals the tables.
    let api = &indexer.api;
    let book = stack::get_json(&format!("{api}/markets/{market}/book")).await;
    assert_eq!(book.as_array().unwrap().len(), 1, "only the prosumer's ask rests: {book}");
    assert_eq!(book[0]["lots"], "60");
    assert_eq!(book[0]["side"], "ask");
    let trades = stack::get_json(&format!("{api}/markets/{market}/trades?limit=1")).await;
    assert_eq!(trades["fills"].as_array().unwrap().len(), 1);
    let older = stack::get_json(&format!("{api}/markets/{market}/trades?before={}", trades["next_cursor"].as_str().unwrap())).await;
    assert_eq!(older["fills"].as_array().unwrap().len(), 1, "two fills in all: {older}");
    assert_eq!(trades["fills"][0]["lots"], "10");
    assert_eq!(older["fills"][0]["lots"], "30");
    assert!(older["next_cursor"].is_null());
    let balances = stack::get_json(&format!("{api}/traders/{alice}/balances")).await;
    let seat: Value = sqlx::query_scalar("select row_to_json(s) from seats s where trader = $1").bind(&alice).fetch_one(&pool).await.unwrap();
    assert_eq!(balances[0]["quote_free"].as_str().unwrap(), seat["quote_free"].to_string());
    assert_eq!(balances[0]["base_free"], "10000", "30 kWh bought, 30 withdrawn, 10 more bought");
    let orders = stack::get_json(&format!("{api}/traders/{alice}/orders?status=all")).await;
    let statuses: Vec<&str> = orders.as_array().unwrap().iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert!(statuses.contains(&"cancelled"), "Alice's resting bid was cancelled: {orders}");
    let certs = stack::get_json(&format!("{api}/certificates?owner={alice}")).await;
    assert_eq!(certs[0]["status"], "retired");
    let kinds: Vec<&str> = certs[0]["history"].as_array().unwrap().iter().map(|h| h["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["issued", "transferred", "retired"]);
    let proposals = stack::get_json(&format!("{api}/proposals")).await;
    let executed = proposals.as_array().unwrap().iter().find(|p| p["history"].as_array().unwrap().len() == 3).expect("the fee proposal");
    assert_eq!(executed["status"], "executed");
    assert_eq!(executed["approved_by"].as_array().unwrap().len(), 2);
    let market_row = stack::get_json(&format!("{api}/markets/{market}")).await;
    assert_eq!(market_row["taker_fee_bps"], 30);
    let stats = stack::get_json(&format!("{api}/stats")).await;
    assert_eq!(stats["trades"], 2);
    assert_eq!(stats["energy_retired_wh"], "1000000");
    let candles = stack::get_json(&format!("{api}/markets/{market}/candles?interval=1m")).await;
    let volume: u64 = candles.as_array().unwrap().iter().map(|c| c["volume_lots"].as_str().unwrap().parse::<u64>().unwrap()).sum();
    assert_eq!(volume, 40);

    // Bad parameters are 400s with a JSON body.
    for bad in [format!("{api}/markets/not-a-key"), format!("{api}/markets/{market}/trades?limit=0"),
                format!("{api}/markets/{market}/candles?interval=7m"), format!("{api}/markets/{market}/trades?before=zzz")] {
        let r = reqwest::get(&bad).await.unwrap();
        assert_eq!(r.status(), 400, "{bad}");
        assert!(r.json::<Value>().await.unwrap()["error"].is_string());
    }

    // WebSocket: snapshot + consecutive deltas rebuild what REST shows.
    let messages = drain(&mut ws, Duration::from_secs(2)).await;
    let rebuilt = replay_book(&messages, &format!("book:{market}"));
    let depth = stack::get_json(&format!("{api}/markets/{market}/depth?levels=1000")).await;
    let mut expected = BTreeMap::new();
    for side in ["bids", "asks"] {
        for l in depth[side].as_array().unwrap() {
            expected.insert((l["side"].as_str().unwrap().to_string(), l["price_ticks"].as_str().unwrap().to_string()), l["lots"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(rebuilt, expected);
    let trade_fills: usize = messages.iter().filter(|m| m["channel"] == format!("trades:{market}") && m["type"] == "delta")
        .map(|m| m["data"]["fills"].as_array().unwrap().len()).sum();
    assert_eq!(trade_fills, 2, "both fills streamed");
    let alice_deltas = messages.iter().filter(|m| m["channel"] == format!("trader:{alice}") && m["type"] == "delta").count();
    assert!(alice_deltas >= 4, "Alice's seat, orders, fills and withdrawal streamed");
    assert!(messages.iter().any(|m| m["channel"] == "proposals" && m["type"] == "delta"));
    // The meter's deltas end on the row REST serves (deltas are built from the decoded
    // account, REST reads the table: both must say the same).
    let last_meter = messages.iter().filter(|m| m["channel"] == format!("meter:{meter}") && m["type"] == "delta")
        .filter_map(|m| m["data"]["meter"].as_array().and_then(|a| a.last().cloned())).last().expect("meter deltas streamed");
    let rest_meter = stack::get_json(&format!("{api}/meters/{meter}")).await;
    assert_eq!(last_meter, rest_meter["meter"], "meter delta vs REST");
}
