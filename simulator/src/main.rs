//! `gridtokenx-simulator`: see `cli` for the commands.
use clap::Parser;

#[tokio::main]
async fn main() {
    if let Err(message) = gridtokenx_simulator::cli::main(gridtokenx_simulator::cli::Cli::parse()).await {
        eprintln!("error: {message}");
        std::process::exit(2);
    }
}
