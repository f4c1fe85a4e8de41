//! `gridtokenx-broker broker --storage-engine URL --listener-url URL`: the subset of
//! `tansu broker`'s command line that tests and `make demo` use, so that a real tansu binary
//! (`TANSU=/path/to/tansu`) stays a drop-in replacement.

use clap::{Parser, Subcommand};
use tansu_broker::{broker::Broker, coordinator::group::administrator::Controller, NODE_ID};
use tansu_storage::StorageContainer;
use url::Url;

#[derive(Parser)]
#[command(version, about = "A Kafka-protocol broker (tansu) for GridTokenX's telemetry")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the Kafka protocol until SIGINT or SIGTERM.
    Broker(BrokerArgs),
}

#[derive(clap::Args)]
struct BrokerArgs {
    /// Where topics live: memory://tansu/ (gone with the process) or sqlite://FILE
    /// (relative to the working directory, kept across restarts).
    #[arg(long, env = "STORAGE_ENGINE", default_value = "memory://tansu/")]
    storage_engine: Url,
    /// The address the broker listens on.
    #[arg(long, env = "LISTENER_URL", default_value = "tcp://127.0.0.1:9092")]
    listener_url: Url,
    /// The address clients are told to connect to (metadata); defaults to the listener's.
    #[arg(long, env = "ADVERTISED_LISTENER_URL")]
    advertised_listener_url: Option<Url>,
    /// Brokers of one cluster share this id.
    #[arg(long, env = "CLUSTER_ID", default_value = "tansu_cluster")]
    cluster_id: String,
}

#[tokio::main]
async fn main() {
    let Command::Broker(args) = Cli::parse().command;
    if let Err(error) = serve(args).await {
        eprintln!("gridtokenx-broker: {error}");
        std::process::exit(1);
    }
}

async fn serve(args: BrokerArgs) -> Result<(), tansu_broker::Error> {
    let advertised = args.advertised_listener_url.unwrap_or_else(|| args.listener_url.clone());
    println!("gridtokenx-broker (tansu's broker) on {} with {}", args.listener_url, args.storage_engine);
    let broker = Broker::<Controller<StorageContainer>, StorageContainer>::builder()
        .node_id(NODE_ID)
        .cluster_id(args.cluster_id)
        .incarnation_id(uuid::Uuid::now_v7())
        .advertised_listener(advertised)
        .storage(args.storage_engine)
        .listener(args.listener_url)
        .silent(true)
        .build()
        .await?;
    broker.main(tokio::time::Instant::now()).await.map(drop)
}
