//! Prints every GridTokenX account's size and rent-exempt deposit (docs/benchmarks.md).
//! Run: cargo run -p gridtokenx-program-tests --example account_sizes
use anchor_lang::prelude::Rent;
use anchor_lang::Space;

fn main() {
    let rent = |bytes: usize| Rent::default().minimum_balance(bytes) as f64 / 1e9;
    let rows: [(&str, usize); 10] = [
        ("governance Council", governance::state::Council::SPACE),
        (
            "governance Proposal (1 account, 8 data bytes)",
            governance::state::Proposal::FIXED_SPACE + 32 + 4 + 34 + 4 + 8,
        ),
        ("energy EnergyConfig", 8 + energy::state::EnergyConfig::INIT_SPACE),
        ("energy Oracle", 8 + energy::state::Oracle::INIT_SPACE),
        ("energy Meter", 8 + energy::state::Meter::INIT_SPACE),
        ("energy Certificate", 8 + energy::state::Certificate::INIT_SPACE),
        ("market Market at creation (header + book header, no blocks)", market::state::Market::SPACE),
        (
            "market book block (one seat or one resting order; the account grows by it)",
            market::engine::BLOCK_SIZE,
        ),
        ("market MarketPair", 8 + market::state::MarketPair::INIT_SPACE),
        ("SPL token vault (×2 per market)", 165),
    ];
    println!("| account | bytes | rent-exempt SOL |");
    println!("|---|---:|---:|");
    for (name, bytes) in rows {
        println!("| {name} | {bytes} | {:.6} |", rent(bytes));
    }
    let per_market = market::state::Market::SPACE + (8 + market::state::MarketPair::INIT_SPACE);
    let total = rent(market::state::Market::SPACE)
        + rent(8 + market::state::MarketPair::INIT_SPACE)
        + 2.0 * rent(165);
    println!(
        "\nPer market: {per_market} bytes of market data + 2 vaults = {total:.4} SOL rent-exempt deposit"
    );
    // Rent grows linearly with the data: a block adds exactly this much to the account's minimum.
    let block = rent(market::engine::BLOCK_SIZE) - rent(0);
    let bond = rent(std::mem::size_of::<market::engine::Seat>());
    println!("Per seat: {block:.6} SOL for its block (kept by the market) + {bond:.6} SOL bond (refunded on release)");
    println!("Per resting order: {block:.6} SOL for its block when no freed block is there to reuse");
}
