//! The real @solana/web3.js v1 and @solana/kit (npm, pinned by `tests/conformance/js/
//! package-lock.json`, installed by `scripts/npm-clients.sh conformance`) against agave's
//! validator and against localnet: `js/clients.mjs` airdrops, sends, confirms (web3.js by
//! blockhash and PubSub, kit by signature and slot subscriptions), subscribes to logs and
//! accounts, reads history, tokens, fees and simulations; what each library saw on one chain
//! must be what it saw on the other.
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use gridtokenx_conformance::chains::{Endpoint, Localnet, Reference};
use gridtokenx_conformance::compare::differences;
use gridtokenx_conformance::gaps;
use gridtokenx_conformance::scenario::{self, Keys};
use serde_json::Value;
use solana_signer::Signer;

fn node_modules() -> Option<PathBuf> {
    if !Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success()) {
        return None;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let installed = Command::new(root.join("scripts/npm-clients.sh"))
        .arg("conformance")
        .output()
        .expect("scripts/npm-clients.sh runs");
    assert!(installed.status.success(), "scripts/npm-clients.sh: {}", String::from_utf8_lossy(&installed.stderr));
    Some(PathBuf::from(String::from_utf8(installed.stdout).unwrap().trim()))
}

/// Runs `js/clients.mjs` against one chain: what the libraries saw, as one JSON value.
async fn run_clients(e: &Endpoint, keys: &Keys, modules: &Path) -> Value {
    // An ES module resolves imports next to itself: run a copy inside the installed tree.
    let script = modules.join("../clients.mjs");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("js/clients.mjs"), &script).unwrap();
    let progress = std::env::temp_dir().join(format!("conformance-clients-{}-{}.log", e.name, std::process::id()));
    let mut command = Command::new("node");
    command
        .arg(&script)
        .env("RPC_URL", &e.rpc_url)
        .env("WS_URL", &e.pubsub_url)
        .env("MINT", keys.mint.pubkey().to_string())
        .env("HOLDER", keys.payer.pubkey().to_string())
        .env("HOLDER_TOKENS", keys.payer_tokens().to_string())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&progress).unwrap());
    let child = command.spawn().expect("node runs");
    let id = child.id();
    let waiting = tokio::task::spawn_blocking(move || child.wait_with_output());
    let output = match tokio::time::timeout(Duration::from_secs(180), waiting).await {
        Ok(done) => done.unwrap().unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg(id.to_string()).status();
            panic!("clients.mjs against {} did not finish in 180 s; its progress:\n{}", e.name, read(&progress));
        }
    };
    assert!(
        output.status.success(),
        "the clients failed against {}:\n{}\n{}",
        e.name,
        String::from_utf8_lossy(&output.stdout),
        read(&progress)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("one JSON line")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn web3js_and_kit_see_localnet_as_they_see_agaves_validator() {
    let Some(modules) = node_modules() else {
        eprintln!("\n\n*** SKIPPED: Node.js is not installed (apt-get install nodejs npm), so the real clients cannot run. ***\n");
        return;
    };
    let (reference, localnet) = tokio::join!(Reference::start(), Localnet::start());
    let (r, l) = (&reference.endpoint, &localnet.endpoint);
    let keys = Keys::new();
    tokio::join!(scenario::run(r, &keys), scenario::run(l, &keys));

    let (on_reference, on_localnet) = tokio::join!(run_clients(r, &keys, &modules), run_clients(l, &keys, &modules));
    assert_eq!(on_reference["web3"]["version"], "4.2.2", "{on_reference}");
    let found = differences(&on_reference, &on_localnet, &[]);
    eprintln!("reference: {on_reference}\nlocalnet: {on_localnet}");
    gaps::assert_only_known(&found, gaps::CLIENTS, 2);
}
