//! The real @solana/web3.js v1 (from npm, pinned: `localnet/tests/web3js/package-lock.json`,
//! installed by `scripts/npm-clients.sh`) against localnet: `web3js/check.cjs` sends, confirms and
//! reads back a transfer and asks for blocks, epochs, fees, the quote mint and the cluster, as
//! a web3.js app does; web3.js refuses any reply whose shape differs from a validator's. Its
//! findings are then checked against localnet's own view through solana-rpc-client.
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use gridtokenx_localnet::keys::DeploymentKeys;
use gridtokenx_localnet::node::{Node, Options};
use serde_json::Value;
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;

fn node_installed() -> bool {
    Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web3js_sends_confirms_and_reads_back_like_on_a_validator() {
    if !node_installed() {
        eprintln!(
            "\n\n*** SKIPPED web3js: Node.js is not installed, so the real @solana/web3.js cannot run. Install it (apt-get install nodejs npm) and re-run. ***\n"
        );
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let installed =
        Command::new(root.join("scripts/npm-clients.sh")).arg("web3js").output().expect("scripts/npm-clients.sh runs");
    assert!(installed.status.success(), "scripts/npm-clients.sh: {}", String::from_utf8_lossy(&installed.stderr));
    let node_path = String::from_utf8(installed.stdout).unwrap().trim().to_string();

    let keys = DeploymentKeys::random();
    let node =
        Node::start(&keys, Options::ephemeral(Duration::from_millis(100))).await.expect("localnet starts");
    let deployment = node.deployment.clone().expect("bootstrapped");
    let holder = keys.traders[0].pubkey();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/web3js/check.cjs");
    let mut command = Command::new("node");
    command
        .arg(&script)
        .env("NODE_PATH", &node_path)
        .env("RPC_URL", &node.rpc_url)
        .env("WS_URL", &node.pubsub_url)
        .env("MINT", deployment.quote_mint.to_string())
        .env("HOLDER", holder.to_string());
    // Off the runtime's threads: localnet keeps serving while node runs; a hang is a failure.
    // Progress goes to a file, so a hang shows the last call that answered.
    let progress = std::env::temp_dir().join(format!("web3js-check-{}.log", std::process::id()));
    command.stdout(std::process::Stdio::piped()).stderr(std::fs::File::create(&progress).unwrap());
    let child = command.spawn().expect("node runs");
    let id = child.id();
    let waiting = tokio::task::spawn_blocking(move || child.wait_with_output());
    let output = match tokio::time::timeout(Duration::from_secs(120), waiting).await {
        Ok(done) => done.unwrap().unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg(id.to_string()).status();
            let log = std::fs::read_to_string(&progress).unwrap_or_default();
            panic!("check.cjs did not finish in 120 s; its progress:\n{log}");
        }
    };
    assert!(
        output.status.success(),
        "web3.js failed against localnet:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        std::fs::read_to_string(&progress).unwrap_or_default()
    );
    let _ = std::fs::remove_file(&progress);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let report: Value =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("one JSON line");
    eprintln!("web3.js checked: {}", report["checked"]);
    assert!(report["checked"].as_array().unwrap().len() >= 30, "{report}");

    // What web3.js saw is what localnet holds.
    let rpc = RpcClient::new_with_commitment(node.rpc_url.clone(), CommitmentConfig::confirmed());
    let signature = report["signature"].as_str().unwrap().parse().unwrap();
    let status = rpc.get_signature_statuses(&[signature]).await.unwrap().value[0].clone().expect("landed");
    assert_eq!(Some(status.slot), report["slot"].as_u64());
    let supply = rpc.get_token_supply(&deployment.quote_mint).await.unwrap();
    assert_eq!(Some(supply.amount.as_str()), report["tokenSupply"].as_str());
    assert_eq!(report["fee"], 5000);
}
