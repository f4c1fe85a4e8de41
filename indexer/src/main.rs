//! `gridtokenx-indexer ingest | api | telemetry | all`.
use std::sync::Arc;

use clap::{Parser, Subcommand};
use gridtokenx_indexer::api::{self, AppState};
use gridtokenx_indexer::config::{ApiArgs, DatabaseArgs, IngestArgs, KafkaArgs, RedisArgs};
use gridtokenx_indexer::fanout::Fanout;
use gridtokenx_indexer::users::{notify, SmtpArgs, SmtpConfig};
use gridtokenx_indexer::{db, ingest, metrics, telemetry};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "gridtokenx-indexer", version, about = "GridTokenX indexer: chain → Postgres mirror → REST + WebSocket")]
struct Cli {
    #[command(subcommand)]
    role: Role,
}

#[derive(Subcommand)]
enum Role {
    /// Follow the chain (Yellowstone gRPC, JSON-RPC backfill) into Postgres; publish deltas.
    Ingest {
        #[command(flatten)]
        db: DatabaseArgs,
        #[command(flatten)]
        redis: RedisArgs,
        #[command(flatten)]
        ingest: IngestArgs,
        #[command(flatten)]
        smtp: SmtpArgs,
    },
    /// Serve REST, WebSocket, metrics and health from Postgres (deltas through Redis).
    Api {
        #[command(flatten)]
        db: DatabaseArgs,
        #[command(flatten)]
        redis: RedisArgs,
        #[command(flatten)]
        api: ApiArgs,
    },
    /// Consume meter telemetry from Kafka into Postgres; publish grid changes.
    Telemetry {
        #[command(flatten)]
        db: DatabaseArgs,
        #[command(flatten)]
        redis: RedisArgs,
        #[command(flatten)]
        kafka: KafkaArgs,
    },
    /// All three roles in one process.
    All {
        #[command(flatten)]
        db: DatabaseArgs,
        #[command(flatten)]
        redis: RedisArgs,
        #[command(flatten)]
        ingest: IngestArgs,
        #[command(flatten)]
        api: ApiArgs,
        #[command(flatten)]
        kafka: KafkaArgs,
        #[command(flatten)]
        smtp: SmtpArgs,
        /// Run without the Kafka telemetry consumer.
        #[arg(long, env = "INDEXER_NO_TELEMETRY")]
        no_telemetry: bool,
    },
}

fn fanout(redis: &RedisArgs, pool: &sqlx::PgPool) -> anyhow::Result<Fanout> {
    if redis.redis_url.is_empty() {
        Ok(Fanout::local())
    } else {
        Fanout::with_redis(&redis.redis_url, pool.clone())
    }
}

/// E-mail notifications run beside ingest, where every delta originates; the
/// `notifications_sent` table keeps a second notifier from mailing twice.
fn start_notifier(pool: &sqlx::PgPool, fanout: &Fanout, smtp: &SmtpArgs) -> anyhow::Result<()> {
    match SmtpConfig::from_args(smtp)? {
        Some(config) => {
            tokio::spawn(notify::run(pool.clone(), fanout.clone(), config));
        }
        None => tracing::info!("no INDEXER_SMTP_URL: e-mail notifications are off"),
    }
    Ok(())
}

async fn start_api(
    pool: sqlx::PgPool,
    fanout: Fanout,
    redis: &RedisArgs,
    args: ApiArgs,
) -> anyhow::Result<tokio::task::JoinHandle<std::io::Result<()>>> {
    let client = (!redis.redis_url.is_empty()).then(|| redis::Client::open(redis.redis_url.as_str())).transpose()?;
    if !redis.redis_url.is_empty() {
        fanout.follow_redis(&redis.redis_url)?;
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {} ({e}): set INDEXER_LISTEN / --listen to a free address", args.listen))?;
    eprintln!("indexer API on http://{} (OpenAPI: /api/v1/openapi.json, WebSocket: /api/v1/ws)", listener.local_addr()?);
    let state = AppState { pool, fanout, redis: client, metrics: metrics::install(), args: Arc::new(args) };
    Ok(tokio::spawn(api::serve(state, listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.role {
        Role::Ingest { db, redis, ingest, smtp } => {
            metrics::install();
            let pool = db::connect(&db).await?;
            let fanout = fanout(&redis, &pool)?;
            start_notifier(&pool, &fanout, &smtp)?;
            tokio::select! {
                _ = ingest::pipeline::run(pool, fanout, ingest) => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Role::Api { db, redis, api } => {
            let pool = db::connect(&db).await?;
            start_api(pool, Fanout::local(), &redis, api).await?.await??;
        }
        Role::Telemetry { db, redis, kafka } => {
            metrics::install();
            let pool = db::connect(&db).await?;
            // The `grid` channel's deltas reach the API processes through Redis.
            let fanout = fanout(&redis, &pool)?;
            tokio::select! {
                r = telemetry::run(pool, kafka, fanout) => r?,
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Role::All { db, redis, ingest, api, kafka, smtp, no_telemetry } => {
            let pool = db::connect(&db).await?;
            let fanout = fanout(&redis, &pool)?;
            start_notifier(&pool, &fanout, &smtp)?;
            let server = start_api(pool.clone(), fanout.clone(), &redis, api).await?;
            tokio::spawn(ingest::pipeline::run(pool.clone(), fanout.clone(), ingest));
            if !no_telemetry {
                let pool = pool.clone();
                tokio::spawn(async move {
                    if let Err(e) = telemetry::run(pool, kafka, fanout).await {
                        tracing::error!("telemetry consumer stopped: {e}");
                    }
                });
            }
            server.await??;
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = run(Cli::parse()).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
