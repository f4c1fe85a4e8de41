//! The two chains under comparison.
use std::time::Duration;

use localnet::keys::DeploymentKeys;
use localnet::node::{Node, Options};
use solana_keypair::Keypair;
use solana_net_utils::SocketAddrSpace;
use solana_rpc::rpc::JsonRpcConfig;
use solana_test_validator::{TestValidator, TestValidatorGenesis};

/// Where a chain answers.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub name: &'static str,
    pub rpc_url: String,
    pub pubsub_url: String,
}

/// agave's test validator: its RPC, PubSub, ledger (RocksDB in a temporary directory) and
/// blockhash rules are the reference by definition.
pub struct Reference {
    pub endpoint: Endpoint,
    _validator: TestValidator,
}

impl Reference {
    /// Starts it configured as the `solana-test-validator` binary starts it: a faucet (for
    /// `requestAirdrop`), transaction history (`getTransaction`, `getSignaturesForAddress`,
    /// `getBlock`) and its extended metadata (log messages, compute units, return data) —
    /// the library leaves both off.
    pub async fn start() -> Reference {
        let mint = Keypair::new();
        let faucet = solana_faucet::faucet::run_local_faucet_for_tests(mint.insecure_clone(), None, 0);
        // Its gossip, TPU and repair ports from agave's own allocator (shared memory across
        // processes), so two tests' validators never reach for the same ones.
        let ports = solana_net_utils::sockets::unique_port_range_for_tests(26);
        let mut genesis = TestValidatorGenesis::default();
        genesis
            .port_range((ports.start, ports.end))
            .gossip_port(ports.start)
            .rpc_config(JsonRpcConfig {
                enable_rpc_transaction_history: true,
                enable_extended_tx_metadata_storage: true,
                ..JsonRpcConfig::default_for_test()
            })
            .faucet_addr(Some(faucet));
        let validator = genesis
            .start_async_with_mint_address(&mint, SocketAddrSpace::new(true))
            .await
            .unwrap_or_else(|e| panic!("agave's test validator did not start: {e}"));
        yield_when_idle(BANKING_SCHEDULER_THREAD);
        let endpoint = Endpoint {
            name: "reference",
            rpc_url: validator.rpc_url(),
            pubsub_url: validator.rpc_pubsub_url(),
        };
        Reference { endpoint, _validator: validator }
    }
}

/// The thread of agave 4.2's banking stage that schedules transactions. As leader (a
/// one-node validator always is) its loop never blocks: it keeps a core busy while the
/// validator is idle, taken from the tests and builds that `make test` runs beside it.
const BANKING_SCHEDULER_THREAD: &str = "solBnkTxSched";

/// Gives this process's threads named `name` the lowest priority (nice 19; on Linux the nice
/// value is per thread), so that their spinning takes only CPU nothing else wants. They
/// still run: the scheduler hands transactions to its workers as before, a little later
/// when the machine is busy.
fn yield_when_idle(name: &str) {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return };
    let mut found = false;
    for task in tasks.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        let Some(tid) = task.file_name().to_str().and_then(|t| t.parse::<libc::id_t>().ok()) else {
            continue;
        };
        if comm.trim_end() == name {
            // SAFETY: setpriority reads only its arguments; an error leaves the thread as it was.
            unsafe { libc::setpriority(libc::PRIO_PROCESS, tid, 19) };
            found = true;
        }
    }
    if !found {
        eprintln!("no thread named {name}: the reference validator's idle spinning keeps its priority");
    }
}

/// localnet at the validator's slot time, without our deployment.
pub struct Localnet {
    pub endpoint: Endpoint,
    pub node: Node,
}

impl Localnet {
    pub async fn start() -> Localnet {
        let options = Options { bootstrap: false, ..Options::ephemeral(Duration::from_millis(400)) };
        let node = Node::start(&DeploymentKeys::random(), options).await.expect("localnet starts");
        let endpoint =
            Endpoint { name: "localnet", rpc_url: node.rpc_url.clone(), pubsub_url: node.pubsub_url.clone() };
        Localnet { endpoint, node }
    }
}
