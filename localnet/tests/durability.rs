//! Black-box: the real `gridtokenx-localnet` binary, killed with SIGKILL and restarted on the
//! same data dir, keeps every transaction it had reported confirmed — balances, statuses,
//! `getTransaction`, `getSignaturesForAddress` and the Yellowstone replay window — and a torn
//! ledger tail (a record cut short by the kill) is dropped, not a reason to refuse to start.
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use gridtokenx_localnet::keys::DeploymentKeys;
use serde_json::{json, Value};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;
use yellowstone_grpc_client::GeyserGrpcClient;
use yellowstone_grpc_proto::geyser::subscribe_update::UpdateOneof;
use yellowstone_grpc_proto::geyser::{CommitmentLevel, SubscribeRequest, SubscribeRequestFilterTransactions};

const WAIT: Duration = Duration::from_secs(20);

fn keys_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("dev-keys")
}

/// A localnet process on free ports; its stderr goes to `stderr.log` next to the data dir.
struct Localnet {
    child: Child,
    rpc_url: String,
    grpc_url: String,
    genesis_hash: String,
}

impl Localnet {
    fn start(data_dir: &Path, run: &str) -> Localnet {
        let stderr = std::fs::File::create(data_dir.with_extension(format!("{run}.stderr"))).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_gridtokenx-localnet"))
            .args(["--rpc-addr", "127.0.0.1:0", "--pubsub-addr", "127.0.0.1:0", "--grpc-addr", "127.0.0.1:0"])
            .args(["--slot-ms", "100", "--keys"])
            .arg(keys_dir())
            .arg("--data-dir")
            .arg(data_dir)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("the localnet binary runs");
        let stdout = child.stdout.take().unwrap();
        let (lines_tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut fields = HashMap::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = lines.recv_timeout(left).unwrap_or_else(|_| {
                let _ = child.kill();
                panic!("localnet did not start; stderr: {}", Self::stderr(data_dir, run))
            });
            if line.starts_with("Ctrl-C") {
                break;
            }
            let line = line.trim();
            for label in ["JSON-RPC", "Geyser gRPC", "genesis hash"] {
                if let Some(value) = line.strip_prefix(label) {
                    fields.insert(label, value.trim().to_string());
                }
            }
        }
        Localnet {
            child,
            rpc_url: fields["JSON-RPC"].clone(),
            grpc_url: fields["Geyser gRPC"].clone(),
            genesis_hash: fields["genesis hash"].clone(),
        }
    }

    fn stderr(data_dir: &Path, run: &str) -> String {
        std::fs::read_to_string(data_dir.with_extension(format!("{run}.stderr"))).unwrap_or_default()
    }

    /// SIGKILL: no chance to save anything.
    fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn rpc(&self) -> RpcClient {
        RpcClient::new_with_commitment(self.rpc_url.clone(), CommitmentConfig::confirmed())
    }
}

impl Drop for Localnet {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gtx-durable-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

async fn call(url: &str, method: &str, params: Value) -> Value {
    let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
    let reply: Value =
        reqwest::Client::new().post(url).json(&body).send().await.unwrap().json().await.unwrap();
    assert!(reply.get("error").is_none(), "{method}: {reply}");
    reply["result"].clone()
}

/// Waits until every signature is at least confirmed (and succeeded).
async fn until_confirmed(rpc: &RpcClient, signatures: &[Signature]) {
    let deadline = Instant::now() + WAIT;
    loop {
        let statuses = rpc.get_signature_statuses(signatures).await.unwrap().value;
        let confirmed =
            statuses.iter().flatten().filter(|s| s.satisfies_commitment(CommitmentConfig::confirmed()));
        if confirmed.inspect(|s| assert_eq!(s.err, None)).count() == signatures.len() {
            return;
        }
        assert!(Instant::now() < deadline, "not confirmed in time: {statuses:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until `n` more slots have begun after the current one, which it returns.
async fn until_slots_pass(rpc: &RpcClient, n: u64) -> u64 {
    let now = rpc.get_slot().await.unwrap();
    let deadline = Instant::now() + WAIT;
    while rpc.get_slot().await.unwrap() < now + n {
        assert!(Instant::now() < deadline, "slot {} did not begin in time", now + n);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    now
}

/// Sends `n` transfers from `payer` to new accounts; returns their signatures and recipients.
async fn transfers(
    rpc: &RpcClient,
    payer: &Keypair,
    n: u64,
) -> (Vec<Signature>, Vec<(anchor_lang::prelude::Pubkey, u64)>) {
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let mut signatures = Vec::new();
    let mut recipients = Vec::new();
    for i in 0..n {
        let to = Keypair::new().pubkey();
        let lamports = 1_000_000 + i;
        let ix = solana_system_interface::instruction::transfer(&payer.pubkey(), &to, lamports);
        let tx = Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[payer], blockhash);
        signatures.push(rpc.send_transaction(&tx).await.unwrap());
        recipients.push((to, lamports));
    }
    (signatures, recipients)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_keeps_every_confirmed_transaction_its_history_and_the_geyser_window() {
    let dir = fresh_dir("kill");
    let keys = DeploymentKeys::load(&keys_dir()).unwrap();
    let alice = &keys.traders[0];
    let first = Localnet::start(&dir, "first");
    let genesis = first.genesis_hash.clone();
    let rpc = first.rpc();
    // A Yellowstone subscriber saw everything up to this slot; what follows it misses.
    let slot_before = until_slots_pass(&rpc, 1).await;

    let (mut signatures, recipients) = transfers(&rpc, alice, 30).await;
    let meter_id = [42u8; 32];
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let register = Transaction::new_signed_with_payer(
        &[energy::client::register_meter(alice.pubkey(), meter_id)],
        Some(&alice.pubkey()),
        &[alice],
        blockhash,
    );
    signatures.push(rpc.send_transaction(&register).await.unwrap());
    until_confirmed(&rpc, &signatures).await;
    let alice_lamports = rpc.get_balance(&alice.pubkey()).await.unwrap();
    let slot_at_kill = rpc.get_slot().await.unwrap();
    first.kill_9();

    let second = Localnet::start(&dir, "second");
    let rpc = second.rpc();
    assert_eq!(second.genesis_hash, genesis, "the same chain");
    assert!(rpc.get_slot().await.unwrap() > slot_at_kill, "slots continue");
    for (to, lamports) in &recipients {
        assert_eq!(rpc.get_balance(to).await.unwrap(), *lamports, "{to}'s transfer survives");
    }
    let meter = rpc.get_account(&energy::client::meter_address(&meter_id, &alice.pubkey())).await.unwrap();
    assert_eq!(meter.owner, energy::ID, "the program transaction's account survives");
    // Alice only pays: her balance is at most what it was (fees of nothing new).
    assert_eq!(rpc.get_balance(&alice.pubkey()).await.unwrap(), alice_lamports);

    let statuses = rpc.get_signature_statuses(&signatures).await.unwrap().value;
    for (signature, status) in signatures.iter().zip(&statuses) {
        let status = status.as_ref().unwrap_or_else(|| panic!("{signature}'s status survives"));
        assert_eq!(status.err, None);
        assert!(status.satisfies_commitment(CommitmentConfig::confirmed()));
    }
    for signature in &signatures {
        let tx =
            call(&second.rpc_url, "getTransaction", json!([signature.to_string(), { "encoding": "base64" }]))
                .await;
        assert!(tx["slot"].as_u64().is_some(), "getTransaction {signature} after the restart: {tx}");
        assert_eq!(tx["meta"]["err"], Value::Null);
    }
    let history: HashSet<String> =
        call(&second.rpc_url, "getSignaturesForAddress", json!([alice.pubkey().to_string()]))
            .await
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["signature"].as_str().unwrap().to_string())
            .collect();
    for signature in &signatures {
        assert!(history.contains(&signature.to_string()), "{signature} in alice's history");
    }

    // A Yellowstone subscriber that last saw `slot_before` resumes after the restart and
    // receives every transaction it missed.
    let mut client =
        GeyserGrpcClient::build_from_shared(second.grpc_url.clone()).unwrap().connect().await.unwrap();
    let request = SubscribeRequest {
        transactions: HashMap::from([(
            "alice".to_string(),
            SubscribeRequestFilterTransactions {
                account_include: vec![alice.pubkey().to_string()],
                ..Default::default()
            },
        )]),
        commitment: Some(CommitmentLevel::Confirmed as i32),
        from_slot: Some(slot_before + 1),
        ..Default::default()
    };
    let (_sink, mut stream) = client.subscribe_with_request(Some(request)).await.unwrap();
    let mut missed: HashSet<Vec<u8>> = signatures.iter().map(|s| s.as_ref().to_vec()).collect();
    while !missed.is_empty() {
        let update = tokio::time::timeout(WAIT, stream.next())
            .await
            .unwrap_or_else(|_| panic!("{} missed transactions never replayed", missed.len()))
            .expect("stream open")
            .expect("replay accepted");
        if let Some(UpdateOneof::Transaction(t)) = update.update_oneof {
            missed.remove(&t.transaction.unwrap().signature);
        }
    }

    // A blockhash handed out before the kill is still valid after it (a wallet's pending
    // approval), and no block after the restart repeats a blockhash from before it.
    let late = Transaction::new_signed_with_payer(
        &[solana_system_interface::instruction::transfer(&alice.pubkey(), &Keypair::new().pubkey(), 1_000_000)],
        Some(&alice.pubkey()),
        &[alice],
        blockhash,
    );
    let late = rpc.send_transaction(&late).await.expect("a blockhash from before the restart is accepted");
    until_confirmed(&rpc, &[late]).await;
    let slots = call(&second.rpc_url, "getBlocks", json!([0])).await;
    let mut seen = HashSet::new();
    for slot in slots.as_array().unwrap() {
        let block = call(
            &second.rpc_url,
            "getBlock",
            json!([slot, { "transactionDetails": "none", "rewards": false, "commitment": "confirmed" }]),
        )
        .await;
        let hash = block["blockhash"].as_str().unwrap().to_string();
        assert!(seen.insert(hash.clone()), "block {slot} repeats blockhash {hash}");
    }
    assert!(seen.len() > 5, "blocks from both runs: {}", seen.len());

    // And the chain keeps working on the restored state.
    let (more, _) = transfers(&rpc, alice, 1).await;
    until_confirmed(&rpc, &more).await;
    let stderr = Localnet::stderr(&dir, "second");
    assert!(!stderr.contains("panicked"), "{stderr}");
    drop(second);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The newest ledger segment in a data dir.
fn last_segment(dir: &Path) -> PathBuf {
    let mut segments: Vec<PathBuf> = std::fs::read_dir(dir.join("ledger"))
        .expect("a ledger folder in the data dir")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    segments.sort();
    segments.pop().expect("a ledger segment")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_torn_ledger_tail_is_dropped_and_the_chain_starts_from_the_last_complete_record() {
    let dir = fresh_dir("torn");
    let keys = DeploymentKeys::load(&keys_dir()).unwrap();
    let alice = &keys.traders[0];
    let first = Localnet::start(&dir, "first");
    let genesis = first.genesis_hash.clone();
    let rpc = first.rpc();
    let (signatures, recipients) = transfers(&rpc, alice, 5).await;
    until_confirmed(&rpc, &signatures).await;
    first.kill_9();

    // What a kill in the middle of a write leaves: a record header promising more bytes
    // than follow, and half a payload.
    let segment = last_segment(&dir);
    let complete = std::fs::metadata(&segment).unwrap().len();
    let mut file = std::fs::OpenOptions::new().append(true).open(&segment).unwrap();
    file.write_all(&400u32.to_le_bytes()).unwrap();
    file.write_all(&0xdead_beefu32.to_le_bytes()).unwrap();
    file.write_all(&[7u8; 150]).unwrap();
    drop(file);

    let second = Localnet::start(&dir, "second");
    let stderr = Localnet::stderr(&dir, "second");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("torn"), "the dropped tail is reported: {stderr}");
    assert_eq!(second.genesis_hash, genesis);
    assert_eq!(
        std::fs::metadata(&segment).unwrap().len(),
        complete,
        "the torn tail is cut off, the complete records before it kept"
    );
    let rpc = second.rpc();
    for (to, lamports) in &recipients {
        assert_eq!(rpc.get_balance(to).await.unwrap(), *lamports);
    }
    let statuses = rpc.get_signature_statuses(&signatures).await.unwrap().value;
    assert!(statuses.iter().all(|s| s.as_ref().is_some_and(|s| s.err.is_none())), "{statuses:?}");

    // A record whose checksum fails is refused the same way.
    second.kill_9();
    let segment = last_segment(&dir);
    let complete = std::fs::metadata(&segment).unwrap().len();
    let mut file = std::fs::OpenOptions::new().append(true).open(&segment).unwrap();
    file.write_all(&8u32.to_le_bytes()).unwrap();
    file.write_all(&0u32.to_le_bytes()).unwrap();
    file.write_all(&[1u8; 8]).unwrap();
    drop(file);
    let third = Localnet::start(&dir, "third");
    let stderr = Localnet::stderr(&dir, "third");
    assert!(!stderr.contains("panicked") && stderr.contains("torn"), "{stderr}");
    assert_eq!(std::fs::metadata(&segment).unwrap().len(), complete);
    let rpc = third.rpc();
    for (to, lamports) in &recipients {
        assert_eq!(rpc.get_balance(to).await.unwrap(), *lamports);
    }
    drop(third);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A transaction confirmed before `kill -9`, sent again after the restart while its
/// blockhash still lives (the restart restores the recent blockhashes), is refused as a
/// validator refuses a replay: it is not executed twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmed_transaction_sent_again_after_kill_9_is_not_executed_twice() {
    let dir = fresh_dir("replay");
    let keys = DeploymentKeys::load(&keys_dir()).unwrap();
    let alice = &keys.traders[0];
    let first = Localnet::start(&dir, "first");
    let rpc = first.rpc();
    // A blockhash of a block localnet made (not genesis'), which a restart restores.
    until_slots_pass(&rpc, 4).await;
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let to = Keypair::new().pubkey();
    let ix = solana_system_interface::instruction::transfer(&alice.pubkey(), &to, 1_000_000);
    let tx = Transaction::new_signed_with_payer(&[ix], Some(&alice.pubkey()), &[alice], blockhash);
    let signature = rpc.send_transaction(&tx).await.unwrap();
    until_confirmed(&rpc, &[signature]).await;
    first.kill_9();

    let second = Localnet::start(&dir, "second");
    let rpc = second.rpc();
    assert!(
        rpc.is_blockhash_valid(&blockhash, CommitmentConfig::processed()).await.unwrap(),
        "the restart keeps the blockhash, so only replay protection can refuse the transaction"
    );
    let skip_preflight = solana_rpc_client_api::config::RpcSendTransactionConfig {
        skip_preflight: true,
        ..Default::default()
    };
    let _ = rpc.send_transaction_with_config(&tx, skip_preflight).await;
    until_slots_pass(&rpc, 2).await;
    assert_eq!(rpc.get_balance(&to).await.unwrap(), 1_000_000, "the transfer ran once");
}
