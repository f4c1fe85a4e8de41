//! `gridtokenx-localnet`: the embedded chain as a process.
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use gridtokenx_localnet::keys::DeploymentKeys;
use gridtokenx_localnet::node::{Node, Options};

#[derive(Parser)]
#[command(version, about = "GridTokenX localnet: a real SVM with our programs behind Solana JSON-RPC")]
struct Cli {
    /// JSON-RPC listen address.
    #[arg(long, default_value = "127.0.0.1:8899")]
    rpc_addr: SocketAddr,
    /// PubSub WebSocket listen address.
    #[arg(long, default_value = "127.0.0.1:8900")]
    pubsub_addr: SocketAddr,
    /// Yellowstone (Geyser) gRPC listen address.
    #[arg(long, default_value = "127.0.0.1:10000")]
    grpc_addr: SocketAddr,
    /// Slot duration in milliseconds (0: slots advance only on demand). A blockhash lives 150
    /// slots, as on a validator: 60 s at the default 400 ms.
    #[arg(long, default_value_t = 400)]
    slot_ms: u64,
    /// Slots of Yellowstone history kept for `from_slot` replay.
    #[arg(long, default_value_t = gridtokenx_localnet::geyser::feed::RETAIN_SLOTS)]
    geyser_retain_slots: u64,
    /// Transactions kept for getTransaction, getSignatureStatuses and getSignaturesForAddress
    /// (the oldest forgotten first).
    #[arg(long, default_value_t = gridtokenx_localnet::history::DEFAULT_CAPACITY)]
    history_transactions: usize,
    /// Folder with the DEV-ONLY deployment keys.
    #[arg(long, default_value = "localnet/dev-keys")]
    keys: PathBuf,
    /// Start an empty chain: programs deployed, nothing initialized.
    #[arg(long)]
    no_bootstrap: bool,
    /// Keep the chain here across restarts, kill -9 included: every commit is on disk before
    /// it is reported confirmed (a ledger, compacted by a snapshot every 30 s and on Ctrl-C).
    /// In memory if unset.
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let keys = match DeploymentKeys::load(&cli.keys) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let options = Options {
        rpc_addr: cli.rpc_addr,
        pubsub_addr: cli.pubsub_addr,
        grpc_addr: cli.grpc_addr,
        slot_duration: Duration::from_millis(cli.slot_ms),
        bootstrap: !cli.no_bootstrap,
        data_dir: cli.data_dir,
        geyser_retain_slots: cli.geyser_retain_slots,
        history_transactions: cli.history_transactions,
    };
    let node = match Node::start(&keys, options).await {
        Ok(n) => n,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    println!("GridTokenX localnet");
    println!("  JSON-RPC     {}", node.rpc_url);
    println!("  PubSub       {}", node.pubsub_url);
    println!("  Geyser gRPC  {}", node.grpc_url);
    println!("  genesis hash {}", node.genesis_hash);
    if let Some(d) = &node.deployment {
        println!(
            "  energy mint  {}\n  quote mint   {}\n  market       {}",
            d.energy_mint, d.quote_mint, d.market
        );
    }
    println!("Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    if let Err(e) = node.save().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
