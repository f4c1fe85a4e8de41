//! Every method answers bad parameters with a JSON-RPC error — never a panic, never a dropped
//! connection — and an oversized body gets agave's answer (HTTP 413) with a JSON-RPC error,
//! not a broken pipe.
use std::time::Duration;

use base64::Engine;
use gridtokenx_localnet::keys::DeploymentKeys;
use gridtokenx_localnet::node::{Node, Options};
use serde_json::Value;
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;
use solana_transaction::Transaction;

/// Posts a raw body; the reply must come back as JSON on the same kept-alive connection.
async fn post(http: &reqwest::Client, url: &str, body: String) -> Result<(u16, Value), String> {
    let reply = http
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| format!("no reply (connection dropped?): {e:?}"))?;
    let status = reply.status().as_u16();
    let text = reply.text().await.map_err(|e| format!("reply cut off: {e:?}"))?;
    let json = serde_json::from_str(&text).map_err(|e| format!("not JSON ({e}): {text}"))?;
    Ok((status, json))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_parameters_get_an_error_reply_from_every_method() {
    let keys = DeploymentKeys::random();
    let node = Node::start(&keys, Options::ephemeral(Duration::from_millis(100))).await.expect("localnet");
    let rpc = RpcClient::new_with_commitment(node.rpc_url.clone(), CommitmentConfig::confirmed());
    let payer = &keys.traders[0];
    let key = payer.pubkey().to_string();
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let hash = blockhash.to_string();
    let ix = solana_system_interface::instruction::transfer(&payer.pubkey(), &payer.pubkey(), 1);
    let tx = Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[payer], blockhash);
    let wire = bincode::serialize(&tx).unwrap();
    let tx58 = bs58::encode(&wire).into_string();
    let tx64 = base64::engine::general_purpose::STANDARD.encode(&wire);
    let sig = tx.signatures[0].to_string();
    let max = u64::MAX;
    let too_big = "18446744073709551616"; // 2^64: not a u64
    let keys_101 = format!("[{}]", vec![format!("\"{key}\""); 101].join(","));
    let sigs_257 = format!("[{}]", vec![format!("\"{sig}\""); 257].join(","));
    let five_filters = format!("[{}]", vec![r#"{"dataSize":1}"#; 5].join(","));
    let long = "1".repeat(2_000);
    let keys_129 = format!("[{}]", vec![format!("\"{key}\""); 129].join(","));

    // (method, params as raw JSON, expected error code)
    let cases: Vec<(&str, String, i64)> = vec![
        ("getHealth", "[1]".into(), -32602),
        ("getHealth", "[null]".into(), -32602),
        ("getVersion", r#"["x"]"#.into(), -32602),
        ("getGenesisHash", "[{}]".into(), -32602),
        ("getSlot", "[1]".into(), -32602),
        ("getSlot", r#"["confirmed"]"#.into(), -32602),
        ("getSlot", r#"[{"minContextSlot":-1}]"#.into(), -32602),
        ("getSlot", format!(r#"[{{"minContextSlot":{max}}}]"#), -32016),
        ("getSlot", "[{}, 1]".into(), -32602),
        ("getBlockHeight", "[[]]".into(), -32602),
        ("getBlockHeight", format!(r#"[{{"minContextSlot":{too_big}}}]"#), -32602),
        ("getLatestBlockhash", "[true]".into(), -32602),
        ("getLatestBlockhash", format!(r#"[{{"minContextSlot":{max}}}]"#), -32016),
        ("isBlockhashValid", "[]".into(), -32602),
        ("isBlockhashValid", "[1]".into(), -32602),
        ("isBlockhashValid", r#"["not-a-hash"]"#.into(), -32602),
        ("isBlockhashValid", format!(r#"["{hash}", 7]"#), -32602),
        ("getBalance", "[]".into(), -32602),
        ("getBalance", "[1]".into(), -32602),
        ("getBalance", r#"["nope"]"#.into(), -32602),
        ("getBalance", format!(r#"[["{key}"]]"#), -32602),
        ("getBalance", format!(r#"["{key}", "x"]"#), -32602),
        ("getBalance", format!(r#"["{key}", {{}}, 1]"#), -32602),
        ("getMinimumBalanceForRentExemption", "[]".into(), -32602),
        // Over the 10 MiB an account may hold: agave's bare "Invalid request".
        ("getMinimumBalanceForRentExemption", format!("[{max}]"), -32600),
        ("getMinimumBalanceForRentExemption", format!("[{too_big}]"), -32602),
        ("getMinimumBalanceForRentExemption", "[10485761]".into(), -32600),
        ("getMinimumBalanceForRentExemption", "[-1]".into(), -32602),
        ("getMinimumBalanceForRentExemption", "[1.5]".into(), -32602),
        ("getMinimumBalanceForRentExemption", r#"["165"]"#.into(), -32602),
        ("getMinimumBalanceForRentExemption", "[null]".into(), -32602),
        ("getMinimumBalanceForRentExemption", r#"[165, "x"]"#.into(), -32602),
        ("getAccountInfo", "[]".into(), -32602),
        ("getAccountInfo", "[5]".into(), -32602),
        ("getAccountInfo", format!(r#"["{key}", 5]"#), -32602),
        ("getAccountInfo", format!(r#"["{key}", {{"encoding":"nope"}}]"#), -32602),
        ("getAccountInfo", format!(r#"["{key}", {{"dataSlice":{{"offset":-1,"length":1}}}}]"#), -32602),
        ("getMultipleAccounts", "[]".into(), -32602),
        ("getMultipleAccounts", format!(r#"["{key}"]"#), -32602),
        ("getMultipleAccounts", format!("[{keys_101}]"), -32602),
        ("getMultipleAccounts", r#"[["nope"]]"#.into(), -32602),
        ("getMultipleAccounts", format!(r#"[["{key}"], 5]"#), -32602),
        ("getProgramAccounts", "[]".into(), -32602),
        ("getProgramAccounts", format!(r#"["{key}", {{"filters":"x"}}]"#), -32602),
        ("getProgramAccounts", format!(r#"["{key}", {{"filters":[{{"dataSize":-1}}]}}]"#), -32602),
        ("getProgramAccounts", format!(r#"["{key}", {{"filters":{five_filters}}}]"#), -32602),
        ("getProgramAccounts", format!(r#"["{key}", {{"withContext":"yes"}}]"#), -32602),
        ("getTokenAccountBalance", "[]".into(), -32602),
        ("getTokenAccountBalance", "[5]".into(), -32602),
        ("getTokenAccountBalance", format!(r#"["{key}", 5]"#), -32602),
        ("getTokenAccountsByOwner", format!(r#"["{key}"]"#), -32602),
        ("getTokenAccountsByOwner", format!(r#"["{key}", {{}}]"#), -32602),
        ("getTokenAccountsByOwner", format!(r#"["{key}", {{"mint":"nope"}}]"#), -32602),
        ("getTokenAccountsByOwner", format!(r#"["{key}", {{"mint":"{key}"}}, 5]"#), -32602),
        ("requestAirdrop", format!(r#"["{key}"]"#), -32602),
        ("requestAirdrop", format!(r#"["{key}", -1]"#), -32602),
        ("requestAirdrop", format!(r#"["{key}", 1.5]"#), -32602),
        ("requestAirdrop", format!(r#"["{key}", "1"]"#), -32602),
        ("requestAirdrop", format!(r#"["{key}", {too_big}]"#), -32602),
        ("requestAirdrop", r#"["nope", 1]"#.into(), -32602),
        ("sendTransaction", "[]".into(), -32602),
        ("sendTransaction", "[5]".into(), -32602),
        ("sendTransaction", r#"["!!!"]"#.into(), -32602),
        ("sendTransaction", format!(r#"["{long}"]"#), -32602),
        ("sendTransaction", r#"["AAAA", {"encoding":"base64"}]"#.into(), -32602),
        ("sendTransaction", format!(r#"["{tx58}", {{"encoding":"json"}}]"#), -32602),
        ("sendTransaction", format!(r#"["{tx64}", {{"encoding":"base64","skipPreflight":"yes"}}]"#), -32602),
        ("sendTransaction", format!(r#"["{tx58}", {{"maxRetries":-1}}]"#), -32602),
        ("sendTransaction", format!(r#"["{tx58}", {{"minContextSlot":{max}}}]"#), -32016),
        ("simulateTransaction", "[]".into(), -32602),
        ("simulateTransaction", format!(r#"["{tx58}", 5]"#), -32602),
        (
            "simulateTransaction",
            format!(r#"["{tx58}", {{"sigVerify":true,"replaceRecentBlockhash":true}}]"#),
            -32602,
        ),
        ("simulateTransaction", format!(r#"["{tx64}", {{"encoding":"base58"}}]"#), -32602),
        ("getSignatureStatuses", "[]".into(), -32602),
        ("getSignatureStatuses", format!(r#"["{sig}"]"#), -32602),
        ("getSignatureStatuses", format!("[{sigs_257}]"), -32602),
        ("getSignatureStatuses", r#"[["nope"]]"#.into(), -32602),
        ("getSignatureStatuses", format!(r#"[["{sig}"], {{"searchTransactionHistory":"x"}}]"#), -32602),
        ("getTransaction", "[]".into(), -32602),
        ("getTransaction", r#"["nope"]"#.into(), -32602),
        ("getTransaction", format!(r#"["{sig}", 5]"#), -32602),
        ("getTransaction", format!(r#"["{sig}", "nope"]"#), -32602),
        ("getSignaturesForAddress", "[]".into(), -32602),
        ("getSignaturesForAddress", r#"["nope"]"#.into(), -32602),
        ("getSignaturesForAddress", format!(r#"["{key}", {{"limit":0}}]"#), -32602),
        ("getSignaturesForAddress", format!(r#"["{key}", {{"limit":1001}}]"#), -32602),
        ("getSignaturesForAddress", format!(r#"["{key}", {{"limit":{max}}}]"#), -32602),
        ("getSignaturesForAddress", format!(r#"["{key}", {{"limit":-1}}]"#), -32602),
        ("getSignaturesForAddress", format!(r#"["{key}", {{"before":"nope"}}]"#), -32602),
        ("getSignaturesForAddress", format!(r#"["{key}", {{"commitment":"processed"}}]"#), -32602),
        ("getBlock", "[]".into(), -32602),
        ("getBlock", "[-1]".into(), -32602),
        ("getBlock", format!("[{too_big}]"), -32602),
        ("getBlock", format!("[{max}]"), -32004),
        ("getBlock", r#"[1, {"commitment":"processed"}]"#.into(), -32602),
        ("getBlock", r#"[1, {"transactionDetails":"most"}]"#.into(), -32602),
        ("getBlock", r#"[1, {"maxSupportedTransactionVersion":256}]"#.into(), -32602),
        ("getBlockTime", format!("[{max}]"), -32004),
        ("getBlockTime", r#"["x"]"#.into(), -32602),
        ("getBlocks", r#"[0, {"commitment":"processed"}]"#.into(), -32602),
        ("getBlocksWithLimit", "[0, 500001]".into(), -32602),
        ("getBlocksWithLimit", "[0, -1]".into(), -32602),
        ("getBlockCommitment", "[-1]".into(), -32602),
        ("getTransaction", format!(r#"["{sig}", {{"commitment":"processed"}}]"#), -32602),
        ("getFeeForMessage", r#"["nope!"]"#.into(), -32602),
        ("getFeeForMessage", r#"["AAAA"]"#.into(), -32602),
        ("getRecentPrioritizationFees", format!("[{keys_129}]"), -32602),
        ("getRecentPrioritizationFees", r#"[["nope"]]"#.into(), -32602),
        ("getRecentPerformanceSamples", "[721]".into(), -32602),
        ("getSlotLeaders", "[0, 5001]".into(), -32602),
        ("getLeaderSchedule", format!("[{max}]"), 0),
        ("getLeaderSchedule", r#"[null, {"identity":"nope"}]"#.into(), -32602),
        ("getBlockProduction", r#"[{"range":{"firstSlot":10,"lastSlot":5}}]"#.into(), -32602),
        ("getTokenSupply", format!(r#"["{key}"]"#), -32602),
        ("getTokenLargestAccounts", format!(r#"["{key}"]"#), -32602),
        ("getTokenAccountsByDelegate", format!(r#"["{key}", {{"programId":"{key}"}}]"#), -32602),
        // agave 4.2 answers (parsing what it can parse whole, slicing the rest).
        (
            "getAccountInfo",
            format!(r#"["{key}", {{"encoding":"jsonParsed","dataSlice":{{"offset":0,"length":1}}}}]"#),
            0,
        ),
        // Two required parameters, one given: agave names both.
        ("getTokenAccountsByOwner", format!(r#"["{key}"]"#), -32602),
        ("getInflationGovernor", r#"["x"]"#.into(), -32602),
        ("getVoteAccounts", r#"[{"votePubkey":"nope"}]"#.into(), -32602),
    ];
    // Every method localnet serves.
    let methods: Vec<&str> = gridtokenx_localnet::rpc::SERVED.iter().map(|(name, ..)| *name).collect();
    // Every method, also with more parameters than it takes.
    let too_many = format!(r#"["{key}", {{}}, {{}}, 1, 2, 3]"#);
    let cases = cases.into_iter().chain(methods.into_iter().map(|m| (m, too_many.clone(), -32602)));

    let http = reqwest::Client::new();
    let mut failures = Vec::new();
    for (method, params, code) in cases {
        let body = format!(r#"{{"jsonrpc":"2.0","id":7,"method":"{method}","params":{params}}}"#);
        match post(&http, &node.rpc_url, body).await {
            Ok((_, reply)) if reply["error"]["code"].as_i64() == Some(code) && reply["id"] == 7 => {}
            // Code 0: an answer, not an error (a value out of any range, answered `null`).
            Ok((_, reply)) if code == 0 && reply.get("result").is_some() => {}
            Ok((_, reply)) => failures.push(format!("{method} {params}: expected error {code}, got {reply}")),
            Err(e) => failures.push(format!("{method} {params}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{} bad replies:\n{}", failures.len(), failures.join("\n"));
    // And the server is still there.
    assert_eq!(rpc.get_health().await.map_err(|e| e.to_string()), Ok(()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_gets_413_and_a_json_rpc_error_not_a_broken_pipe() {
    let keys = DeploymentKeys::random();
    let node = Node::start(&keys, Options::ephemeral(Duration::from_millis(100))).await.expect("localnet");
    let http = reqwest::Client::new();
    // A 10 MB request (a getMultipleAccounts padded with spaces): what agave's HTTP server
    // answers — 413 — with a JSON-RPC error as the body.
    let padding = " ".repeat(10 * 1024 * 1024);
    let body = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"getHealth"{padding}}}"#);
    let (status, reply) = post(&http, &node.rpc_url, body).await.expect("an answer");
    assert_eq!(status, 413, "{reply}");
    assert_eq!(reply["error"]["code"], -32600, "{reply}");
    assert!(reply["error"]["message"].as_str().unwrap().contains("exceeds"), "{reply}");

    // agave's limit: 50 KiB. Just under it is served, just over it is refused.
    let limit = gridtokenx_localnet::rpc::MAX_REQUEST_BYTES;
    assert_eq!(limit, 50 * 1024);
    let call = r#"{"jsonrpc":"2.0","id":1,"method":"getHealth"}"#;
    let under = format!("{call}{}", " ".repeat(limit - call.len()));
    let (status, reply) = post(&http, &node.rpc_url, under).await.expect("an answer");
    assert_eq!((status, reply["result"].as_str()), (200, Some("ok")));
    let over = format!("{call}{}", " ".repeat(limit + 1 - call.len()));
    let (status, _) = post(&http, &node.rpc_url, over).await.expect("an answer");
    assert_eq!(status, 413);
}
