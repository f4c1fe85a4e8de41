//! `make demo` (until localnet lands): a day on GridTokenX inside a real SVM.
//! A council forms, an oracle is registered, a prosumer's attested readings mint energy,
//! and a consumer buys it on the order book.
use energy::reading::Reading;
use gridtokenx_program_tests::*;
use market::engine::{BaseLots, OrderPacket, OrderType, SelfTradeBehavior, Side, Ticks};
use market::events::OrderFilled;
use solana_keypair::Keypair;
use solana_signer::Signer;

fn kwh(wh: u64) -> String {
    format!("{:.3} kWh", wh as f64 / 1_000.0)
}

fn usdc(atoms: u64) -> String {
    format!("{:.6} USDC", atoms as f64 / 1_000_000.0)
}

#[tokio::main]
async fn main() {
    println!("GridTokenX walkthrough: governance, attested minting and trading in a real SVM\n");
    let mut world = World::new().await;
    println!("1. Council of 3 (threshold 2) formed by the upgrade authority; via proposals it");
    println!("   registered oracle {} and created market {}", world.keys.oracle.pubkey(), world.market);

    let prosumer = Keypair::new();
    world.airdrop(&prosumer.pubkey(), 1_000_000_000).await;
    let meter = world.register_meter(&prosumer, [42; 32]).await;
    world.set_time(T0 + 8 * 900);
    println!("\n2. Prosumer {} registered meter {meter}", prosumer.pubkey());
    let (mut produced, mut consumed) = (120_000u64, 80_000u64);
    for k in 0..6 {
        let pv = [0, 2_400, 3_100, 3_500, 2_900, 1_800][k as usize];
        let load = [0, 900, 700, 1_100, 1_300, 1_600][k as usize];
        produced += pv;
        consumed += load;
        let r = Reading { interval_start_ts: T0 + k * 900, produced_wh: produced, consumed_wh: consumed };
        let outcome = world.submit_reading(&meter, &prosumer.pubkey(), r).await;
        outcome.result.expect("attested reading accepted");
        let minted = decode_events::<energy::events::ReadingAccepted>(&outcome.logs)[0].minted_wh;
        println!("   interval {k}: +{} produced, +{} consumed -> minted {}", kwh(pv), kwh(load), kwh(minted));
    }
    let energy_ata = world.ata(&prosumer.pubkey(), &world.energy_mint.clone()).await;
    let balance = world.token_balance(&energy_ata).await;
    println!("   prosumer holds {}", kwh(balance));

    println!("\n3. Trading (1 lot = 1 kWh, 1 tick = 0.001 USDC/kWh, taker fee {TAKER_FEE_BPS} bps)");
    let seller = world.trader(balance, 0).await;
    let buyer = world.trader(0, 5_000_000).await;
    let ask = |price, lots| OrderPacket {
        side: Side::Ask,
        order_type: OrderType::Limit,
        price: Ticks(price),
        lots: BaseLots(lots),
        client_order_id: 1,
        expiry_ts: 0,
        self_trade: SelfTradeBehavior::Abort,
        match_limit: 16,
    };
    world.place(&seller, ask(110, 4)).await.result.expect("ask");
    world.place(&seller, ask(120, 4)).await.result.expect("ask");
    println!("   seller rests 4 kWh @ 0.110 and 4 kWh @ 0.120 USDC/kWh");
    let take = OrderPacket { side: Side::Bid, order_type: OrderType::ImmediateOrCancel, ..ask(120, 6) };
    let outcome = world.place(&buyer, take).await;
    outcome.result.expect("buy");
    for fill in decode_events::<OrderFilled>(&outcome.logs) {
        println!(
            "   fill: {} lots @ {} ticks = {} (fee {})",
            fill.lots,
            fill.price_ticks,
            usdc(fill.quote_atoms),
            usdc(fill.taker_fee_quote_atoms)
        );
    }
    println!("   the taking order matched and settled atomically: no crank, no maker accounts");
    let m = world.market_state().await;
    let b = *m.book.seat(buyer.seat).unwrap();
    let s = *m.book.seat(seller.seat).unwrap();
    println!("   buyer seat: {} energy, {} free", kwh(b.base_free), usdc(b.quote_free));
    println!("   seller seat: {} proceeds, {} still offered", usdc(s.quote_free), kwh(s.base_locked));
    println!("   fees accrued for governance: {}", usdc(m.book.header.fees_accrued_quote_atoms));
    println!(
        "\nDone. The full system (localnet, simulator, indexer, app) replaces this walkthrough as it lands."
    );
}
