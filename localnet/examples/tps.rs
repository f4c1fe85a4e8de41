//! Sustained sendTransaction throughput through localnet's JSON-RPC (docs/benchmarks.md):
//! SOL transfers, then market orders (a resting 1-lot ask and the IOC bid that takes it).
//! cargo run -p gridtokenx-localnet --example tps -- [transactions] [concurrency] [data_dir]
//! With a data dir (a fresh one: it is emptied first), every commit goes to the ledger and is
//! fsynced once per slot, as `--data-dir` does.
use std::time::Instant;

use gridtokenx_localnet::keys::DeploymentKeys;
use gridtokenx_localnet::node::{Node, Options};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;
use solana_transaction::Transaction;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: usize| args.get(i).map_or(default, |a| a.parse().expect("a number"));
    let total = number(0, 2_000);
    let concurrency = number(1, 16);
    let data_dir = args.get(2).map(std::path::PathBuf::from);
    if let Some(dir) = &data_dir {
        let _ = std::fs::remove_dir_all(dir);
    }
    let keys = DeploymentKeys::random();
    let options = Options { data_dir, ..Options::ephemeral(Options::default().slot_duration) };
    let node = Node::start(&keys, options).await.expect("localnet");
    let rpc = std::sync::Arc::new(RpcClient::new_with_commitment(
        node.rpc_url.clone(),
        CommitmentConfig::processed(),
    ));
    let payer = std::sync::Arc::new(keys.traders[0].insecure_clone());
    let blockhash = rpc.get_latest_blockhash().await.unwrap();

    // Distinct transfers (distinct amounts make distinct signatures) signed up front, so
    // the measurement is the chain and its RPC, not client-side signing.
    let txs: Vec<Transaction> = (0..total)
        .map(|i| {
            let ix = solana_system_interface::instruction::transfer(
                &payer.pubkey(),
                &Keypair::new().pubkey(),
                1_000_000 + i as u64,
            );
            Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[payer.as_ref()], blockhash)
        })
        .collect();
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(total);
    for chunk in txs.chunks(concurrency) {
        let handles: Vec<_> = chunk
            .iter()
            .map(|tx| {
                let (rpc, tx) = (rpc.clone(), tx.clone());
                tokio::spawn(async move {
                    let t = Instant::now();
                    rpc.send_transaction(&tx).await.expect("lands");
                    t.elapsed()
                })
            })
            .collect();
        for h in handles {
            latencies.push(h.await.expect("task"));
        }
    }
    report("SOL transfers", total, concurrency, started.elapsed(), latencies);
    orders(&node, &keys, &rpc, total / 2).await;
}

fn report(
    what: &str,
    total: usize,
    concurrency: usize,
    elapsed: std::time::Duration,
    mut latencies: Vec<std::time::Duration>,
) {
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "{what}: {total} transactions, concurrency {concurrency}: {:.0} tx/s; sendTransaction latency p50 {:?}, p99 {:?}",
        total as f64 / elapsed.as_secs_f64(),
        pct(0.5),
        pct(0.99)
    );
}

/// Bob gets energy the only way there is (attested readings), Alice has demo USDC; then
/// `pairs` times Bob rests a 1-lot ask and Alice takes it with an IOC bid, sequentially
/// (each bid needs the ask before it).
async fn orders(node: &Node, keys: &DeploymentKeys, rpc: &RpcClient, pairs: usize) {
    use energy::attestation::{reading_message, SignatureRef};
    use energy::reading::Reading;
    use market::engine::{BaseLots, OrderPacket, OrderType, SelfTradeBehavior, Side, Ticks};
    let d = node.deployment.clone().expect("bootstrapped");
    let (alice, bob) = (&keys.traders[0], &keys.traders[1]);
    let send = |ixs: Vec<solana_instruction::Instruction>, signer: &Keypair| {
        let rpc = &rpc;
        let signer = signer.insecure_clone();
        async move {
            let blockhash = rpc.get_latest_blockhash().await.unwrap();
            let tx = Transaction::new_signed_with_payer(&ixs, Some(&signer.pubkey()), &[&signer], blockhash);
            rpc.send_transaction(&tx).await.expect("lands");
        }
    };
    // Energy for Bob: a meter, a baseline and readings over the last hours (50 kWh each).
    let meter_id = [77u8; 32];
    let meter = energy::client::meter_address(&meter_id, &bob.pubkey());
    let energy_ata = spl_associated_token_account_interface::address::get_associated_token_address(
        &bob.pubkey(),
        &d.energy_mint,
    );
    send(
        vec![
            energy::client::register_meter(bob.pubkey(), meter_id),
            spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
                &bob.pubkey(),
                &bob.pubkey(),
                &d.energy_mint,
                &spl_token_interface::ID,
            ),
        ],
        bob,
    )
    .await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let last = now - now % 900 - 900;
    let intervals = 40i64;
    for k in 0..=intervals {
        let reading = Reading {
            interval_start_ts: last - (intervals - k) * 900,
            produced_wh: k as u64 * 50_000,
            consumed_wh: 0,
        };
        let message = reading_message(&energy::ID, &d.cluster_tag, &meter, &bob.pubkey(), &reading);
        let signature = keys.oracle.sign_message(&message);
        let verify = solana_ed25519_program::new_ed25519_instruction_with_signature(
            &message,
            signature.as_array(),
            &keys.oracle.pubkey().to_bytes(),
        );
        let submit = energy::client::submit_reading(
            meter,
            bob.pubkey(),
            keys.oracle.pubkey(),
            reading,
            SignatureRef { instruction_index: 0, entry: 0 },
        );
        send(vec![verify, submit], bob).await;
    }
    let energy_wh = rpc.get_token_account_balance(&energy_ata).await.unwrap().amount.parse::<u64>().unwrap();
    let alice_quote = spl_associated_token_account_interface::address::get_associated_token_address(
        &alice.pubkey(),
        &d.quote_mint,
    );
    let bob_quote = spl_associated_token_account_interface::address::get_associated_token_address(
        &bob.pubkey(),
        &d.quote_mint,
    );
    let alice_energy = spl_associated_token_account_interface::address::get_associated_token_address(
        &alice.pubkey(),
        &d.energy_mint,
    );
    send(
        vec![
            spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
                &alice.pubkey(),
                &alice.pubkey(),
                &d.energy_mint,
                &spl_token_interface::ID,
            ),
        ],
        alice,
    )
    .await;
    // Seats are claimed in order on a fresh market, each growing it by a block: Alice 0, Bob 1.
    let seat = |n: u32| n;
    send(vec![market::client::claim_seat(alice.pubkey(), d.market)], alice).await;
    send(vec![market::client::claim_seat(bob.pubkey(), d.market)], bob).await;
    let who = |k: &Keypair, base, quote| market::client::TraderAccounts { trader: k.pubkey(), base, quote };
    send(
        vec![market::client::deposit(
            d.market,
            who(alice, alice_energy, alice_quote),
            seat(0),
            0,
            5_000_000_000,
        )],
        alice,
    )
    .await;
    send(
        vec![market::client::deposit(d.market, who(bob, energy_ata, bob_quote), seat(1), energy_wh, 0)],
        bob,
    )
    .await;

    let packet = |side, order_type, i: usize| OrderPacket {
        side,
        order_type,
        price: Ticks(100),
        lots: BaseLots(1),
        client_order_id: i as u64,
        expiry_ts: 0,
        self_trade: SelfTradeBehavior::Abort,
        match_limit: 4,
    };
    let pairs = pairs.min((energy_wh / 1_000) as usize);
    let mut latencies = Vec::with_capacity(pairs * 2);
    let started = Instant::now();
    for i in 0..pairs {
        for (signer, seat_index, side, kind) in
            [(bob, 1, Side::Ask, OrderType::Limit), (alice, 0, Side::Bid, OrderType::ImmediateOrCancel)]
        {
            let ix = market::client::place_order(
                signer.pubkey(),
                d.market,
                seat_index,
                packet(side, kind, i),
                None,
            );
            let t = Instant::now();
            send(vec![ix], signer).await;
            latencies.push(t.elapsed());
        }
    }
    report("market orders (ask + taking bid)", pairs * 2, 1, started.elapsed(), latencies);
    // Every pair must have traded: Bob's proceeds are exactly pairs × 1 lot × 100 ticks.
    let data = rpc.get_account_data(&d.market).await.unwrap();
    let m = market::state::MarketState::decode(&data).expect("a market account");
    let bob =
        m.book.seats().into_iter().find(|(_, s)| s.trader == bob.pubkey().to_bytes()).expect("Bob's seat").1;
    let proceeds = bob.quote_free;
    assert_eq!(proceeds, pairs as u64 * 100 * gridtokenx_localnet::bootstrap::TICK_SIZE, "every pair filled");
}
