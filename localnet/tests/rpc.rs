//! Black-box: the real solana-rpc-client against localnet's JSON-RPC.
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use gridtokenx_localnet::keys::DeploymentKeys;
use gridtokenx_localnet::node::{Node, Options};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::client_error::ErrorKind;
use solana_rpc_client_api::config::{RpcAccountInfoConfig, RpcProgramAccountsConfig};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_rpc_client_api::request::{RpcError, RpcRequest, RpcResponseErrorData};
use solana_signer::Signer;
use solana_transaction::Transaction;

async fn node() -> (Node, DeploymentKeys, RpcClient) {
    let keys = DeploymentKeys::random();
    let options = Options::ephemeral(Duration::from_millis(100));
    let node = Node::start(&keys, options).await.expect("localnet starts");
    let client = RpcClient::new_with_commitment(node.rpc_url.clone(), CommitmentConfig::confirmed());
    (node, keys, client)
}

fn rpc_code(err: &solana_rpc_client_api::client_error::Error) -> Option<(i64, Option<Vec<String>>)> {
    match err.kind() {
        ErrorKind::RpcError(RpcError::RpcResponseError { code, data, .. }) => {
            let logs = match data {
                RpcResponseErrorData::SendTransactionPreflightFailure(sim) => sim.logs.clone(),
                _ => None,
            };
            Some((*code, logs))
        }
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_basics_and_the_bootstrapped_world() {
    let (node, keys, rpc) = node().await;
    assert_eq!(rpc.get_version().await.unwrap().solana_core, "4.2.2");
    assert_eq!(rpc.get_genesis_hash().await.unwrap().to_string(), node.chain.lock().await.genesis_hash());
    let s0 = rpc.get_slot().await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(rpc.get_slot().await.unwrap() > s0, "slots advance on the timer");

    let d = node.deployment.clone().unwrap();
    let market = rpc.get_account(&d.market).await.unwrap();
    assert_eq!((market.owner, market.data.len()), (market::ID, market::state::Market::SPACE));
    let quote_vault = market::client::quote_vault_address(&d.market);
    let balance = rpc.get_token_account_balance(&quote_vault).await.unwrap();
    assert_eq!((balance.amount.as_str(), balance.decimals), ("0", 6));
    let rent = rpc.get_minimum_balance_for_rent_exemption(165).await.unwrap();
    assert!(rent > 0);
    let missing =
        rpc.get_account_with_commitment(&Pubkey::new_unique(), CommitmentConfig::confirmed()).await.unwrap();
    assert!(missing.value.is_none());
    let trader = keys.traders[0].pubkey();
    assert!(rpc.get_balance(&trader).await.unwrap() >= 100_000_000_000);

    // Demo wallets hold 10,000 USDC, visible the way wallets look (jsonParsed).
    let tokens = rpc
        .get_token_accounts_by_owner(
            &trader,
            solana_rpc_client_api::request::TokenAccountsFilter::Mint(d.quote_mint),
        )
        .await
        .unwrap();
    assert_eq!(tokens.len(), 1);
    let parsed = serde_json::to_value(&tokens[0].account.data).unwrap();
    assert_eq!(parsed["parsed"]["info"]["tokenAmount"]["uiAmountString"], "10000");
    // A Pyth PriceUpdateV2 account the market can be banded against.
    let feed = rpc.get_account(&gridtokenx_localnet::bootstrap::demo_price_feed_address()).await.unwrap();
    assert_eq!(feed.owner, market::pyth::PYTH_RECEIVER_ID);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_land_and_are_indexed() {
    let (node, _keys, rpc) = node().await;
    let alice = Keypair::new();
    let sig = rpc.request_airdrop(&alice.pubkey(), 5_000_000_000).await.unwrap();
    while !rpc.confirm_transaction(&sig).await.unwrap() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(rpc.get_balance(&alice.pubkey()).await.unwrap(), 5_000_000_000);

    // A meter registered through RPC is found by getProgramAccounts with a memcmp filter
    // on its owner field (right after the 8-byte discriminator).
    let meter_id = [9u8; 32];
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let tx = Transaction::new_signed_with_payer(
        &[energy::client::register_meter(alice.pubkey(), meter_id)],
        Some(&alice.pubkey()),
        &[&alice],
        blockhash,
    );
    let sig = rpc.send_and_confirm_transaction(&tx).await.expect("register meter");
    let status = rpc.get_signature_statuses(&[sig]).await.unwrap().value[0].clone().unwrap();
    assert!(status.err.is_none());
    let found = rpc
        .get_program_ui_accounts_with_config(
            &energy::ID,
            RpcProgramAccountsConfig {
                filters: Some(vec![RpcFilterType::Memcmp(Memcmp::new_raw_bytes(
                    8,
                    alice.pubkey().to_bytes().to_vec(),
                ))]),
                account_config: RpcAccountInfoConfig {
                    encoding: Some(solana_account_decoder_client_types::UiAccountEncoding::Base64),
                    ..RpcAccountInfoConfig::default()
                },
                ..RpcProgramAccountsConfig::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, energy::client::meter_address(&meter_id, &alice.pubkey()));

    // The same registration again fails in "preflight" with the program's logs.
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let again = Transaction::new_signed_with_payer(
        &[energy::client::register_meter(alice.pubkey(), meter_id)],
        Some(&alice.pubkey()),
        &[&alice],
        blockhash,
    );
    let err = rpc.send_transaction(&again).await.unwrap_err();
    let (code, logs) = rpc_code(&err).expect("a JSON-RPC error");
    assert_eq!(code, -32002);
    assert!(logs.unwrap().iter().any(|l| l.contains("already in use")), "{err}");

    // A tampered signature fails preflight as its simulation's error, as agave 4.2 answers.
    let mut forged = again.clone();
    forged.signatures[0] = solana_signature::Signature::from([7u8; 64]);
    let err = rpc.send_transaction(&forged).await.unwrap_err();
    assert_eq!(rpc_code(&err).map(|c| c.0), Some(-32002));
    assert!(err.to_string().contains("signature verification"), "{err}");

    // Landed transactions can be fetched with their logs.
    let fetched = rpc
        .get_transaction(&sig, solana_transaction_status_client_types::UiTransactionEncoding::Base64)
        .await
        .expect("getTransaction");
    let meta = fetched.transaction.meta.unwrap();
    let logs: Option<Vec<String>> = meta.log_messages.into();
    assert!(logs.unwrap().iter().any(|l| l.contains("Program data: ")), "events are in the logs");

    // Simulation runs without committing.
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let other = Transaction::new_signed_with_payer(
        &[energy::client::register_meter(alice.pubkey(), [8; 32])],
        Some(&alice.pubkey()),
        &[&alice],
        blockhash,
    );
    let sim = rpc.simulate_transaction(&other).await.unwrap().value;
    assert!(sim.err.is_none(), "{sim:?}");
    assert!(rpc
        .get_account_with_commitment(
            &energy::client::meter_address(&[8; 32], &alice.pubkey()),
            CommitmentConfig::confirmed()
        )
        .await
        .unwrap()
        .value
        .is_none());

    // Unknown methods and garbage get JSON-RPC errors, never a crash.
    let err = rpc
        .send::<serde_json::Value>(RpcRequest::Custom { method: "getNothing" }, serde_json::json!([]))
        .await
        .unwrap_err();
    assert_eq!(rpc_code(&err).map(|c| c.0), Some(-32601));
    drop(node);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversized_requests_get_json_rpc_errors() {
    let (node, _keys, _rpc) = node().await;
    let http = reqwest::Client::new();
    let url = node.rpc_url.clone();
    // Raw bytes in, the JSON-RPC reply out: no client library smoothing anything over.
    let post = |body: Vec<u8>| {
        let request = http.post(url.clone()).header("content-type", "application/json").body(body);
        async move { request.send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
    };
    let code = |v: serde_json::Value| v["error"]["code"].as_i64();
    assert_eq!(code(post(b"{not json".to_vec()).await), Some(-32700));
    assert_eq!(code(post(br#"{"jsonrpc":"2.0","id":1}"#.to_vec()).await), Some(-32600));
    let bad_key = br#"{"jsonrpc":"2.0","id":1,"method":"getBalance","params":["nope"]}"#;
    assert_eq!(code(post(bad_key.to_vec()).await), Some(-32602));
    let bad_tx =
        br#"{"jsonrpc":"2.0","id":1,"method":"sendTransaction","params":["AAAA",{"encoding":"base64"}]}"#;
    assert_eq!(code(post(bad_tx.to_vec()).await), Some(-32602));
    let huge = vec![b' '; gridtokenx_localnet::rpc::MAX_REQUEST_BYTES + 1];
    assert_eq!(code(post(huge).await), Some(-32600));
    let batch = post(
        br#"[{"jsonrpc":"2.0","id":1,"method":"getHealth"},{"jsonrpc":"2.0","id":2,"method":"getSlot"}]"#
            .to_vec(),
    )
    .await;
    assert_eq!(batch[0]["result"], "ok");
    assert!(batch[1]["result"].is_u64());
}

/// A web app on another origin (the indexer serves it) calls JSON-RPC from the browser:
/// the CORS preflight is answered and the reply carries the origin grant, as agave's does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_apps_on_another_origin_may_call_json_rpc() {
    let (node, _keys, _rpc) = node().await;
    let http = reqwest::Client::new();
    let origin = "http://127.0.0.1:8080";
    let preflight = http
        .request(reqwest::Method::OPTIONS, node.rpc_url.clone())
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "preflight refused: {}", preflight.status());
    let allowed = |r: &reqwest::Response, name: &str| {
        r.headers().get(name).map(|v| v.to_str().unwrap().to_ascii_lowercase()).unwrap_or_default()
    };
    assert_eq!(allowed(&preflight, "access-control-allow-origin"), "*");
    assert!(allowed(&preflight, "access-control-allow-methods").contains("post"));
    assert!(allowed(&preflight, "access-control-allow-headers").contains("content-type"));

    let call = http
        .post(node.rpc_url.clone())
        .header("origin", origin)
        .header("content-type", "application/json")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"getHealth"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(allowed(&call, "access-control-allow-origin"), "*");
    assert_eq!(call.json::<serde_json::Value>().await.unwrap()["result"], "ok");
}
