//! A running localnet: the bank with a ready deployment, the slot clock and the RPC server.
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use solana_signer::Signer;
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use crate::bootstrap::{self, Deployment};
use crate::chain::Chain;
use crate::data_dir_lock::DataDirLock;
use crate::durable::RestoreError;
use crate::geyser::feed::Restored;
use crate::keys::DeploymentKeys;
use crate::ledger::{Ledger, Replayed};
use crate::rpc::{self, SharedChain};
use crate::snapshot::Snapshot;

#[derive(Clone, Debug)]
pub struct Options {
    pub rpc_addr: SocketAddr,
    /// PubSub WebSocket address; port 0 picks a free one.
    pub pubsub_addr: SocketAddr,
    /// Yellowstone (Geyser) gRPC address.
    pub grpc_addr: SocketAddr,
    pub slot_duration: Duration,
    /// Bootstrap a deployment (council, energy, oracle, quote mint, market) on start.
    pub bootstrap: bool,
    /// Where the chain is kept (a ledger of every commit, and snapshots) and restored from
    /// on start; `None` keeps everything in memory.
    pub data_dir: Option<std::path::PathBuf>,
    /// Slots of Yellowstone history kept for `from_slot` replay.
    pub geyser_retain_slots: u64,
    /// Transactions kept for `getTransaction`, `getSignatureStatuses` and
    /// `getSignaturesForAddress`, the oldest forgotten first.
    pub history_transactions: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            rpc_addr: ([127, 0, 0, 1], 8899).into(),
            pubsub_addr: ([127, 0, 0, 1], 8900).into(),
            grpc_addr: ([127, 0, 0, 1], 10000).into(),
            slot_duration: Duration::from_millis(400),
            bootstrap: true,
            data_dir: None,
            geyser_retain_slots: crate::geyser::feed::RETAIN_SLOTS,
            history_transactions: crate::history::DEFAULT_CAPACITY,
        }
    }
}

impl Options {
    /// A throwaway in-memory chain on free loopback ports, bootstrapped: what tests,
    /// examples and benchmarks start.
    pub fn ephemeral(slot_duration: Duration) -> Options {
        let any = |port| SocketAddr::from(([127, 0, 0, 1], port));
        Options {
            rpc_addr: any(0),
            pubsub_addr: any(0),
            grpc_addr: any(0),
            slot_duration,
            bootstrap: true,
            data_dir: None,
            geyser_retain_slots: crate::geyser::feed::RETAIN_SLOTS,
            history_transactions: crate::history::DEFAULT_CAPACITY,
        }
    }
}

pub struct Node {
    pub rpc_url: String,
    pub pubsub_url: String,
    pub grpc_url: String,
    pub chain: SharedChain,
    pub deployment: Option<Deployment>,
    /// The genesis hash that identifies this chain, kept across restarts.
    pub genesis_hash: String,
    data_dir: Option<std::path::PathBuf>,
    /// Checkpoints one at a time (`durable::checkpoint`).
    checkpoints: Arc<Mutex<()>>,
    tasks: Vec<JoinHandle<()>>,
    feed: Arc<crate::geyser::Feed>,
    /// The data dir is this node's while it runs.
    _lock: Option<DataDirLock>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("bootstrap failed: {0}")]
    Bootstrap(String),
    #[error("cannot listen on {addr}: {source} (is another localnet or validator running? pick another --rpc-addr)")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error(transparent)]
    Chain(#[from] crate::chain::ChainError),
    #[error(transparent)]
    Snapshot(#[from] crate::snapshot::SnapshotError),
    #[error(transparent)]
    Restore(#[from] RestoreError),
    #[error(transparent)]
    Ledger(#[from] crate::ledger::LedgerError),
    #[error(transparent)]
    Lock(#[from] crate::data_dir_lock::LockError),
}

/// How often a snapshot compacts the ledger when a data dir is set.
pub const SNAPSHOT_INTERVAL: Duration = Duration::from_secs(30);

impl Node {
    pub async fn start(keys: &DeploymentKeys, options: Options) -> Result<Node, StartError> {
        let lock = match &options.data_dir {
            Some(dir) => Some(DataDirLock::acquire(dir).await?),
            None => None,
        };
        let restored = match &options.data_dir {
            Some(dir) => crate::durable::restore(dir)?,
            None => None,
        };
        let mut pt = crate::native::program_test(&keys.upgrade_authority.pubkey());
        // Blockhashes advance with localnet's slots (`Chain::advance_slot`), not every 6.4 ms
        // as program-test's own task would: a blockhash lives 150 slots (60 s at 400 ms).
        pt.set_blockhash_ticker(false);
        // agave's test validator's genesis: full-length epochs from the start, no warmup.
        pt.set_epoch_schedule(solana_epoch_schedule::EpochSchedule::without_warmup());
        for (key, account) in restored.iter().flat_map(|r| &r.accounts) {
            pt.add_account(*key, account.clone());
        }
        let mut ctx = crate::native::start(pt).await;
        let (deployment, genesis_hash) = match &restored {
            Some(r) => (r.snapshot.deployment(), r.snapshot.genesis_hash.clone()),
            None if options.bootstrap => {
                // The genesis hash is the cluster tag oracles sign for.
                let cluster_tag = ctx.genesis_config().hash().to_bytes();
                let boot_err =
                    |e: solana_program_test::BanksClientError| StartError::Bootstrap(e.to_string());
                let d = bootstrap::deploy(&mut ctx, keys, cluster_tag).await.map_err(boot_err)?;
                bootstrap::fund_demo(&mut ctx, keys, &d).await.map_err(boot_err)?;
                (Some(d), ctx.genesis_config().hash().to_string())
            }
            None => (None, ctx.genesis_config().hash().to_string()),
        };
        let mut chain = Chain::new(ctx, options.history_transactions).await?;
        chain.ledger_keeps_slots = options.geyser_retain_slots;
        chain.set_genesis_hash(genesis_hash.clone());
        chain.remember(deployment_accounts(keys, deployment.as_ref()));
        let mut replayed = Vec::new();
        match (restored, &options.data_dir) {
            (Some(r), _) => {
                chain.remember(r.accounts.iter().map(|(k, _)| *k));
                for record in &r.replayed {
                    match record {
                        Replayed::Transaction { committed, .. } => chain.restore(committed),
                        Replayed::Block(block) => chain.restore_block(*block),
                        Replayed::Slot(_) => {}
                    }
                }
                chain.restore_blockhashes();
                chain.attach_ledger(r.ledger);
                // The slot after the newest one on disk: no slot is reported twice.
                chain.resume_at_slot(r.slot + 1);
                replayed = r.replayed;
            }
            (None, Some(dir)) => {
                // A new chain's identity and bootstrap are on disk before anything else.
                Snapshot::capture(&mut chain, genesis_hash.clone(), deployment.as_ref(), 0).await.save(dir)?;
                chain.attach_ledger(Ledger::open(dir, &genesis_hash, |_| {})?);
            }
            (None, None) => {}
        }
        let chain: SharedChain = Arc::new(Mutex::new(chain));

        let listener = rpc::bind(options.rpc_addr)
            .await
            .map_err(|source| StartError::Bind { addr: options.rpc_addr, source })?;
        let local =
            listener.local_addr().map_err(|source| StartError::Bind { addr: options.rpc_addr, source })?;
        let server_chain = chain.clone();
        let server = tokio::spawn(async move {
            if let Err(e) = rpc::serve(listener, server_chain).await {
                eprintln!("localnet: RPC server stopped: {e}");
            }
        });
        let ws_listener = rpc::bind(options.pubsub_addr)
            .await
            .map_err(|source| StartError::Bind { addr: options.pubsub_addr, source })?;
        let ws_local = ws_listener
            .local_addr()
            .map_err(|source| StartError::Bind { addr: options.pubsub_addr, source })?;
        chain.lock().await.endpoints = Some((local, ws_local));
        let ws_chain = chain.clone();
        let pubsub = tokio::spawn(async move {
            if let Err(e) = crate::pubsub::serve(ws_listener, ws_chain).await {
                eprintln!("localnet: PubSub server stopped: {e}");
            }
        });
        let (slot, confirm_after, finalize_after, resumed_block) = {
            let c = chain.lock().await;
            (c.slot, c.confirm_after, c.finalize_after, c.blocks().get(c.slot.saturating_sub(1)).copied())
        };
        let feed = Arc::new(crate::geyser::Feed::new(slot, confirm_after, finalize_after, options.geyser_retain_slots));
        // The block the restart finished (`resume_at_slot`) is the chain's, not the ledger's.
        let resumed_block = resumed_block.filter(|_| !replayed.is_empty());
        feed.restore(
            replayed
                .iter()
                .filter_map(|r| match r {
                    Replayed::Slot(s) => Some(Restored::Slot(*s)),
                    Replayed::Transaction { committed, .. } => Some(Restored::Transaction(committed)),
                    Replayed::Block(b) if resumed_block.is_some_and(|r| r.slot == b.slot) => None,
                    Replayed::Block(b) => Some(Restored::Block(*b)),
                })
                .chain(resumed_block.map(Restored::Block))
                // The slot the restart began, after the last one the ledger holds.
                .chain((!replayed.is_empty()).then_some(Restored::Slot(slot))),
        );
        drop(replayed);
        let feed_chain = chain.clone();
        let feed_task = feed.clone();
        let node_feed = feed.clone();
        let follower = tokio::spawn(async move { feed_task.run(feed_chain).await });
        let grpc_listener = rpc::bind(options.grpc_addr)
            .await
            .map_err(|source| StartError::Bind { addr: options.grpc_addr, source })?;
        let grpc_local = grpc_listener
            .local_addr()
            .map_err(|source| StartError::Bind { addr: options.grpc_addr, source })?;
        let grpc_chain = chain.clone();
        let grpc = tokio::spawn(async move {
            if let Err(e) = crate::geyser::serve(grpc_listener, grpc_chain, feed).await {
                eprintln!("localnet: Geyser gRPC server stopped: {e}");
            }
        });
        let mut extra = Vec::new();
        // A zero slot duration means slots advance only on demand (`Node::advance_slot`).
        if !options.slot_duration.is_zero() {
            let clock_chain = chain.clone();
            extra.push(tokio::spawn(async move {
                let mut tick = tokio::time::interval(options.slot_duration);
                loop {
                    tick.tick().await;
                    clock_chain.lock().await.advance_slot();
                }
            }));
        }
        let checkpoints = Arc::new(Mutex::new(()));
        if let Some(dir) = options.data_dir.clone() {
            let saver = Saver {
                dir,
                chain: chain.clone(),
                deployment: deployment.clone(),
                genesis_hash: genesis_hash.clone(),
                checkpoints: checkpoints.clone(),
            };
            extra.push(tokio::spawn(saver.run()));
        }
        Ok(Node {
            rpc_url: format!("http://{local}"),
            pubsub_url: format!("ws://{ws_local}"),
            grpc_url: format!("http://{grpc_local}"),
            chain,
            deployment,
            genesis_hash,
            data_dir: options.data_dir,
            checkpoints,
            tasks: [server, pubsub, follower, grpc].into_iter().chain(extra).collect(),
            feed: node_feed,
            _lock: lock,
        })
    }
}

impl Node {
    /// Starts the next slot now, whatever the timer does.
    pub async fn advance_slot(&self) {
        self.chain.lock().await.advance_slot();
    }

    /// Saves a snapshot to the data dir now (if one is set), compacting the ledger.
    pub async fn save(&self) -> Result<(), crate::snapshot::SnapshotError> {
        let Some(dir) = &self.data_dir else { return Ok(()) };
        crate::durable::checkpoint(&self.chain, dir, &self.genesis_hash, self.deployment.as_ref(), &self.checkpoints)
            .await
    }
}

/// Checkpoints the chain every `SNAPSHOT_INTERVAL`.
struct Saver {
    dir: std::path::PathBuf,
    chain: SharedChain,
    deployment: Option<Deployment>,
    genesis_hash: String,
    checkpoints: Arc<Mutex<()>>,
}

impl Saver {
    async fn run(self) {
        let mut tick = tokio::time::interval(SNAPSHOT_INTERVAL);
        tick.tick().await;
        loop {
            tick.tick().await;
            let saved = crate::durable::checkpoint(
                &self.chain,
                &self.dir,
                &self.genesis_hash,
                self.deployment.as_ref(),
                &self.checkpoints,
            );
            if let Err(e) = saved.await {
                eprintln!("localnet: {e}");
            }
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.feed.stop();
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Everything the bootstrap created or funded, so `getProgramAccounts` sees it.
fn deployment_accounts(keys: &DeploymentKeys, deployment: Option<&Deployment>) -> Vec<Pubkey> {
    let mut out: Vec<Pubkey> = std::iter::once(keys.upgrade_authority.pubkey())
        .chain(keys.members.iter().map(|m| m.pubkey()))
        .chain([keys.guardian.pubkey(), keys.oracle.pubkey(), keys.quote_mint_authority.pubkey()])
        .chain(keys.traders.iter().map(|t| t.pubkey()))
        .collect();
    if let Some(d) = deployment {
        out.extend([
            governance::client::council_address(),
            governance::client::proposal_address(0),
            governance::client::proposal_address(1),
            energy::client::config_address(),
            energy::client::oracle_address(&keys.oracle.pubkey()),
            d.energy_mint,
            d.quote_mint,
            d.market,
            market::client::pair_address(&d.energy_mint, &d.quote_mint),
            market::client::base_vault_address(&d.market),
            market::client::quote_vault_address(&d.market),
            bootstrap::demo_price_feed_address(),
        ]);
        out.extend(keys.traders.iter().map(|t| {
            spl_associated_token_account_interface::address::get_associated_token_address(
                &t.pubkey(),
                &d.quote_mint,
            )
        }));
    }
    out
}
