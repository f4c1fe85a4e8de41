//! The command line: `run` (as fast as possible, then a summary), `serve` (live, steered by
//! the control API) and `keygen`. Both simulating commands share the output flags.
pub mod feeder;
pub mod outputs;
pub mod run;
pub mod serve;

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(version, about = "GridTokenX smart-meter fleet simulator")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Simulate a fleet over a span of time as fast as possible and print a summary.
    Run(run::RunArgs),
    /// Serve the control API (OpenAPI at /openapi.json, live readings at /stream).
    Serve(serve::ServeArgs),
    /// Write a new oracle keypair file (Solana JSON format) and print its public key.
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
}

pub async fn main(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Run(args) => run::run(args).await,
        Command::Serve(args) => serve::serve(args).await,
        Command::Keygen { out } => keygen(&out),
    }
}

fn keygen(out: &Path) -> Result<(), String> {
    if out.exists() {
        return Err(format!("{} exists; refusing to overwrite a key", out.display()));
    }
    let keypair = solana_keypair::Keypair::new();
    let json = serde_json::to_string(&keypair.to_bytes().to_vec()).map_err(|e| e.to_string())?;
    std::fs::write(out, json).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!("{}", solana_signer::Signer::pubkey(&keypair));
    Ok(())
}
