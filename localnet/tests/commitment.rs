//! Account reads at a commitment, as agave answers them from that commitment's bank: a
//! transfer is seen at `processed` at once, at `confirmed` one slot later and at `finalized`
//! two slots later (localnet's confirmation depths), and the reply's context names the slot
//! whose bank answered. A later overwrite leaves the finalized bank's value in place.
use std::time::Duration;

use gridtokenx_localnet::keys::DeploymentKeys;
use gridtokenx_localnet::node::{Node, Options};
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;

async fn call(url: &str, method: &str, params: Value) -> Value {
    let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
    let reply: Value = reqwest::Client::new().post(url).json(&body).send().await.unwrap().json().await.unwrap();
    assert!(reply.get("error").is_none(), "{method}: {reply}");
    reply["result"].clone()
}

/// `(context slot, lamports)` of `key` at each commitment.
async fn balances(url: &str, key: &anchor_lang::prelude::Pubkey) -> [(u64, u64); 3] {
    let mut out = [(0, 0); 3];
    for (i, commitment) in ["processed", "confirmed", "finalized"].into_iter().enumerate() {
        let reply = call(url, "getBalance", json!([key.to_string(), { "commitment": commitment }])).await;
        out[i] = (reply["context"]["slot"].as_u64().unwrap(), reply["value"].as_u64().unwrap());
    }
    out
}

/// Sends a transfer of `lamports` to `to` (with preflight, on the processed bank that gave
/// the blockhash: at the default, finalized, it would not be found yet); processed once
/// this returns.
async fn send(url: &str, payer: &Keypair, to: &anchor_lang::prelude::Pubkey, lamports: u64) {
    let blockhash = call(url, "getLatestBlockhash", json!([{ "commitment": "processed" }])).await;
    let blockhash: solana_hash::Hash = blockhash["value"]["blockhash"].as_str().unwrap().parse().unwrap();
    let ix = solana_system_interface::instruction::transfer(&payer.pubkey(), to, lamports);
    let tx = Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[payer], blockhash);
    let wire = bs58::encode(bincode::serialize(&tx).unwrap()).into_string();
    call(url, "sendTransaction", json!([wire, { "preflightCommitment": "processed" }])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_commitment_reads_its_own_banks_accounts() {
    let keys = DeploymentKeys::random();
    let node = Node::start(&keys, Options::ephemeral(Duration::ZERO)).await.expect("localnet");
    let url = node.rpc_url.as_str();
    let payer = &keys.traders[0];
    let to = Keypair::new().pubkey();
    // Two slots so that every commitment has a bank.
    node.advance_slot().await;
    node.advance_slot().await;
    let slot = node.chain.lock().await.slot;

    send(url, payer, &to, 2_000_000).await;
    assert_eq!(balances(url, &to).await, [(slot, 2_000_000), (slot - 1, 0), (slot - 2, 0)]);
    node.advance_slot().await;
    assert_eq!(balances(url, &to).await, [(slot + 1, 2_000_000), (slot, 2_000_000), (slot - 1, 0)]);

    // Overwritten in the next slot, twice: confirmed and finalized keep their banks' values.
    send(url, payer, &to, 1_000_000).await;
    send(url, payer, &to, 1_000_001).await;
    assert_eq!(balances(url, &to).await, [(slot + 1, 4_000_001), (slot, 2_000_000), (slot - 1, 0)]);
    node.advance_slot().await;
    assert_eq!(balances(url, &to).await, [(slot + 2, 4_000_001), (slot + 1, 4_000_001), (slot, 2_000_000)]);
    node.advance_slot().await;
    assert_eq!(balances(url, &to).await, [(slot + 3, 4_000_001), (slot + 2, 4_000_001), (slot + 1, 4_000_001)]);

    // isBlockhashValid asks the bank at its commitment: the latest blockhash at processed is
    // the last finished block's, which the confirmed bank (that block's) knows and the
    // finalized one (a block earlier) does not yet.
    let blockhash = call(url, "getLatestBlockhash", json!([{ "commitment": "processed" }])).await;
    let blockhash = blockhash["value"]["blockhash"].clone();
    let valid = |commitment: &'static str| {
        let blockhash = blockhash.clone();
        async move {
            call(url, "isBlockhashValid", json!([blockhash, { "commitment": commitment }])).await["value"].clone()
        }
    };
    assert_eq!(
        (valid("processed").await, valid("confirmed").await, valid("finalized").await),
        (json!(true), json!(true), json!(false))
    );
    node.advance_slot().await;
    assert_eq!(valid("finalized").await, json!(true));

    // The other account reads follow the same bank: a new account is not there yet at
    // finalized, the default.
    let fresh = Keypair::new().pubkey();
    send(url, payer, &fresh, 3_000_000).await;
    for (method, params) in [
        ("getAccountInfo", json!([fresh.to_string(), { "encoding": "base64" }])),
        ("getMultipleAccounts", json!([[fresh.to_string()], { "encoding": "base64" }])),
    ] {
        let finalized = call(url, method, params.clone()).await;
        let mut at_processed = params.clone();
        at_processed[1]["commitment"] = json!("processed");
        let processed = call(url, method, at_processed).await;
        let value = |v: &Value| if method == "getAccountInfo" { v["value"].clone() } else { v["value"][0].clone() };
        assert_eq!(value(&finalized), Value::Null, "{method} at finalized (the default): {finalized}");
        assert_eq!(value(&processed)["lamports"], json!(3_000_000), "{method} at processed: {processed}");
    }
}
