//! The restart drill: the whole of `make demo` — localnet, the broker, the simulator and the
//! indexer, as the real `scripts/demo.sh` starts them — is killed with SIGKILL in the middle
//! of its work (meters posting readings, a trade just made) and started again with `make
//! demo` on the same state. Then the mirror, the balances and the app converge on the chain
//! with nothing lost and nothing duplicated:
//! - every meter on chain is mirrored with the chain's counters, and the readings the indexer
//!   holds for it sum exactly to what the chain minted for it (a lost reading falls short, a
//!   counted-twice one overshoots);
//! - every mirrored reading's interval also reached the telemetry table through Kafka;
//! - the simulator's state file and the chain agree: each household it keeps owns a meter
//!   on chain;
//! - the trade made just before the kill is one fill in the mirror, both traders' balances
//!   over REST equal their seats on chain, and the buyer's page shows them.
//!
//! `make demo` builds with cargo, and cargo holds the build directory's lock while tests run,
//! so this test cannot run under `cargo test`: `scripts/test.sh` runs its binary directly
//! with `--ignored`, after the other tests. It uses the demo's fixed ports (8899, 8900,
//! 10000, 9092, 8090, 8080), its own demo directory and its own scratch database.
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountDeserialize;
use gridtokenx_browser_tests::{attest_production, register_meter, trader_seat, Browser, Wallet};
use market::engine::{BaseLots, OrderPacket, OrderType, SelfTradeBehavior, Side, Ticks};
use serde_json::Value;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::{read_keypair_file, Keypair};
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;

const RPC: &str = "http://127.0.0.1:8899";
const API: &str = "http://127.0.0.1:8080/api/v1";
const SIMULATOR: &str = "http://127.0.0.1:8090";
/// How long the mirror may take to converge, and a started demo to come up.
const PATIENCE: Duration = Duration::from_secs(240);
/// The first start also builds the workspace's binaries (`make test` built their
/// dependencies, so only our own crates link anew).
const FIRST_START: Duration = Duration::from_secs(1_200);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "runs `make demo`, which builds with cargo: scripts/test.sh runs this binary outside cargo"]
async fn make_demo_killed_mid_flow_and_restarted_converges_with_nothing_lost_or_duplicated() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = demo_dir();
    let server =
        std::env::var("GRIDTOKENX_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let (db_url, pool) = gridtokenx_indexer::db::scratch(&server, "gtx_drill", 2)
        .await
        .expect("PostgreSQL on 127.0.0.1:5432 (scripts/test.sh starts one)");
    let rpc = RpcClient::new_with_commitment(RPC.into(), CommitmentConfig::confirmed());
    let keys = repo.join("localnet/dev-keys");
    let key = |name: &str| read_keypair_file(keys.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let (seller, buyer, oracle) = (key("alice.json"), key("bob.json"), key("oracle.json"));
    let market = key("market.json").pubkey();

    // ---- first run: the fleet posts, a prosumer sells metered energy, then SIGKILL.
    let mut demo = Demo::start(&repo, &dir, &db_url, 1);
    demo.until_up(&rpc, FIRST_START).await;
    until_simulator_landed(4).await;
    let energy_mint = energy::client::energy_mint_address();
    let quote_mint = key("quote-mint.json").pubkey();
    let meter_id: [u8; 32] = rand::random();
    produce(&rpc, &seller, &oracle, meter_id, &energy_mint).await;
    let ata = |owner: &Pubkey, mint: &Pubkey| {
        spl_associated_token_account_interface::address::get_associated_token_address(owner, mint)
    };
    let accounts = |k: &Keypair| market::client::TraderAccounts {
        trader: k.pubkey(),
        base: ata(&k.pubkey(), &energy_mint),
        quote: ata(&k.pubkey(), &quote_mint),
    };
    let buyer_energy =
        spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
            &buyer.pubkey(),
            &buyer.pubkey(),
            &energy_mint,
            &spl_token_interface::ID,
        );
    send(&rpc, &[buyer_energy], &buyer).await;
    for k in [&seller, &buyer] {
        send(&rpc, &[market::client::claim_seat(k.pubkey(), market)], k).await;
    }
    let seat = |s: Option<(usize, market::engine::Seat)>| s.expect("a claimed seat").0 as u32;
    let seller_seat = seat(trader_seat(&rpc, &market, &seller.pubkey()).await);
    let buyer_seat = seat(trader_seat(&rpc, &market, &buyer.pubkey()).await);
    send(&rpc, &[market::client::deposit(market, accounts(&seller), seller_seat, 5_000, 0)], &seller).await;
    send(&rpc, &[market::client::deposit(market, accounts(&buyer), buyer_seat, 0, 10_000_000)], &buyer).await;
    let packet = |side, order_type| OrderPacket {
        side,
        order_type,
        price: Ticks(120),
        lots: BaseLots(2),
        client_order_id: 7,
        expiry_ts: 0,
        self_trade: SelfTradeBehavior::Abort,
        match_limit: 8,
    };
    let ask = market::client::place_order(
        seller.pubkey(),
        market,
        seller_seat,
        packet(Side::Ask, OrderType::Limit),
        None,
    );
    send(&rpc, &[ask], &seller).await;
    let bid = market::client::place_order(
        buyer.pubkey(),
        market,
        buyer_seat,
        packet(Side::Bid, OrderType::ImmediateOrCancel),
        None,
    );
    send(&rpc, &[bid], &buyer).await;
    let slot_at_kill = rpc.get_slot().await.expect("a slot");
    demo.kill_9();

    // ---- second run on the same state: the README's command, again.
    let mut demo = Demo::start(&repo, &dir, &db_url, 2);
    demo.until_up(&rpc, PATIENCE).await;
    let resumed = rpc.get_slot().await.expect("a slot");
    assert!(
        resumed >= slot_at_kill,
        "the chain resumed from before the kill: slot {resumed} < {slot_at_kill}"
    );
    // Let the fleet post a while after the restart, then stop its clock so the chain holds
    // still while the mirror is compared with it.
    until_simulator_landed(4).await;
    let paused = reqwest::Client::new()
        .post(format!("{SIMULATOR}/pause"))
        .send()
        .await
        .expect("the simulator answers");
    assert!(paused.status().is_success(), "POST /pause: {}", paused.status());
    tokio::time::sleep(Duration::from_secs(3)).await;
    let settled = rpc.get_slot().await.expect("a slot");
    until_checkpoint_passes(settled).await;

    // Meters: the mirror's counters are the chain's, and its readings sum to the minted energy.
    let on_chain = meters_on_chain(&rpc).await;
    assert!(on_chain.len() >= 2, "the fleet's meters and the seller's are on chain: {}", on_chain.len());
    let deadline = Instant::now() + PATIENCE;
    loop {
        let mismatches = meter_mismatches(&pool, &on_chain).await;
        if mismatches.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the mirror never converged on the chain's meters: {mismatches:#?}"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    // Telemetry: every interval the chain accepted also arrived through Kafka.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let missing: Vec<(String, i64)> = sqlx::query_as(
            "select r.meter, r.interval_start_ts from readings r \
             left join telemetry_readings t on t.meter = r.meter and t.interval_start_ts = r.interval_start_ts \
             where t.meter is null and r.meter <> $1",
        )
        .bind(energy::client::meter_address(&meter_id, &seller.pubkey()).to_string())
        .fetch_all(&pool)
        .await
        .expect("a query");
        if missing.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "readings on chain without their telemetry: {missing:?}");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    // The simulator's households are the chain's meter owners.
    let state: Value =
        serde_json::from_slice(&std::fs::read(dir.join("simulator-state.json")).expect("the state file"))
            .expect("JSON");
    let owners: BTreeSet<String> = on_chain.values().map(|m| m.owner.to_string()).collect();
    let households = state["chain_meters"].as_array().expect("chain_meters");
    assert!(!households.is_empty(), "the simulator onboarded households");
    for household in households {
        let bytes: Vec<u8> = serde_json::from_value(household["owner"].clone()).expect("a key");
        let owner = Keypair::try_from(bytes.as_slice()).expect("a 64-byte key").pubkey().to_string();
        assert!(owners.contains(&owner), "the state file's household {owner} has no meter on chain");
    }

    // The trade: one fill in the mirror, and balances over REST equal to the seats on chain.
    let http = reqwest::Client::new();
    let trades: Value =
        http.get(format!("{API}/markets/{market}/trades")).send().await.unwrap().json().await.unwrap();
    let ours: Vec<&Value> = trades["fills"]
        .as_array()
        .expect("fills")
        .iter()
        .filter(|f| f["maker"] == seller.pubkey().to_string() && f["taker"] == buyer.pubkey().to_string())
        .collect();
    assert_eq!(ours.len(), 1, "the trade is mirrored exactly once: {trades}");
    assert_eq!(ours[0]["lots"], "2", "{trades}");
    for (who, k) in [("seller", &seller), ("buyer", &buyer)] {
        let (_, chain) = trader_seat(&rpc, &market, &k.pubkey()).await.expect("a seat");
        let rows: Value = http
            .get(format!("{API}/traders/{}/balances", k.pubkey()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let row = rows.as_array().and_then(|r| r.iter().find(|r| r["market"] == market.to_string()));
        let row = row.unwrap_or_else(|| panic!("the {who}'s balances list the market: {rows}"));
        for (field, value) in [
            ("base_free", chain.base_free),
            ("base_locked", chain.base_locked),
            ("quote_free", chain.quote_free),
            ("quote_locked", chain.quote_locked),
        ] {
            assert_eq!(row[field], value.to_string(), "the {who}'s {field} over REST: {row}");
        }
    }
    let (_, bought) = trader_seat(&rpc, &market, &buyer.pubkey()).await.expect("a seat");
    assert_eq!(bought.base_free, 2_000, "the buyer holds the 2 kWh on chain");

    // The app, opened as a user would after the restart, shows the buyer's seat.
    let browser = Browser::start().await;
    Wallet::new(buyer.insecure_clone(), RPC).install_before_pages(&browser).await;
    browser
        .client
        .goto(&format!("http://127.0.0.1:8080/?rpc={RPC}&cluster=localnet"))
        .await
        .expect("the app loads");
    browser
        .text_until("[data-testid=connect]", "the wallet is offered", |t| {
            t.contains("GridTokenX Test Wallet")
        })
        .await;
    browser.click("[data-testid=connect]").await;
    browser
        .text_until("[data-testid=seat]", "the buyer's page shows the energy", |t| {
            t.contains("energy 2 kWh free")
        })
        .await;
    assert_eq!(browser.console_problems().await, Vec::<String>::new(), "the page logs no problems");
    demo.stop();
}

/// A clean demo directory for this run (the previous run's is removed).
fn demo_dir() -> PathBuf {
    let cache = std::env::var_os("GRIDTOKENX_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/gridtokenx")))
        .expect("GRIDTOKENX_CACHE or HOME");
    let dir = cache.join("drill/demo");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// `make demo` in its own process group, so that one SIGKILL reaches every process it starts.
struct Demo {
    child: std::process::Child,
    log: PathBuf,
}

impl Demo {
    fn start(repo: &Path, dir: &Path, db_url: &str, run: u32) -> Demo {
        let log = dir.with_file_name(format!("make-demo-{run}.log"));
        let out = std::fs::File::create(&log).expect("a log file");
        let mut command = std::process::Command::new("make");
        command
            .arg("demo")
            .current_dir(repo)
            .env("GRIDTOKENX_DEMO_DIR", dir)
            .env("DEMO_DATABASE_URL", db_url)
            .env("DEMO_METERS", "4")
            .stdout(out.try_clone().expect("a log file"))
            .stderr(out)
            .process_group(0);
        // Started from a background job (as CI and scripts run `make test`), this process
        // may inherit SIGINT ignored, and a shell cannot trap a signal ignored on entry: give
        // the demo a terminal's default, so that Ctrl-C below is the one a user sends.
        // SAFETY: between fork and exec only `signal`, which is async-signal-safe, runs.
        unsafe {
            command.pre_exec(|| {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                Ok(())
            });
        }
        let child = command.spawn().expect("make demo starts");
        Demo { child, log }
    }

    fn tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Until the demo printed its URL and every part answers.
    async fn until_up(&mut self, rpc: &RpcClient, patience: Duration) {
        let deadline = Instant::now() + patience;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("make demo exited ({status}); its output ({}):\n{}", self.log.display(), self.tail());
            }
            let printed =
                std::fs::read_to_string(&self.log).unwrap_or_default().contains("GridTokenX is running");
            if printed && rpc.get_health().await.is_ok() {
                return;
            }
            assert!(Instant::now() < deadline, "make demo did not come up; its output:\n{}", self.tail());
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// SIGKILL to every process of the demo at once: nothing gets to save or flush.
    fn kill_9(&mut self) {
        let group = format!("-{}", self.child.id());
        let status =
            std::process::Command::new("kill").args(["-KILL", "--", &group]).status().expect("kill runs");
        assert!(status.success(), "kill -KILL -- {group}");
        let _ = self.child.wait();
    }

    /// Ctrl-C, as a user stops the demo (the terminal signals the whole foreground group):
    /// everything it started stops, cleanly.
    fn stop(mut self) {
        let group = format!("-{}", self.child.id());
        let _ = std::process::Command::new("kill").args(["-INT", "--", &group]).status();
        let status = self.child.wait().expect("make demo ends");
        let output = std::fs::read_to_string(&self.log).unwrap_or_default();
        let after = output.rsplit("GridTokenX is running").next().unwrap_or("");
        assert!(
            after.contains("stopping (state kept in")
                && !after.contains("error:")
                && !after.contains("Error"),
            "Ctrl-C stops the demo cleanly ({status}); its output:\n{}",
            self.tail()
        );
        for port in [8899, 8900, 10000, 9092, 8090, 8080] {
            let open = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
            assert!(!open, "port {port} still answers after Ctrl-C: something the demo started outlived it");
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", self.child.id())])
                .status();
            let _ = self.child.wait();
        }
    }
}

async fn simulator_status() -> Option<Value> {
    reqwest::get(format!("{SIMULATOR}/status")).await.ok()?.json().await.ok()
}

/// Until the simulator has landed `more` readings on chain since this call.
async fn until_simulator_landed(more: u64) {
    let landed = |s: &Value| s["outputs"]["chain"]["landed"].as_u64().unwrap_or(0);
    let deadline = Instant::now() + PATIENCE;
    let mut start = None;
    loop {
        if let Some(s) = simulator_status().await {
            let now = landed(&s);
            let from = *start.get_or_insert(now);
            if now >= from + more {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the simulator landed no readings: {:?}",
            simulator_status().await
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Until the indexer's checkpoint is past `slot`: everything up to it is mirrored.
async fn until_checkpoint_passes(slot: u64) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let ready: Option<Value> = match reqwest::get("http://127.0.0.1:8080/health/ready").await {
            Ok(r) => r.json().await.ok(),
            Err(_) => None,
        };
        let at = ready.as_ref().and_then(|r| r["checkpoint_slot"].as_u64()).unwrap_or(0);
        if at > slot {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the indexer's checkpoint stayed at {at}, not past {slot}: {ready:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Registers a meter for `owner` and posts two attested readings (the baseline, then 5 kWh)
/// the way the running system does: signed by the deployment's oracle, posted by the
/// simulator's poster.
async fn produce(
    rpc: &RpcClient,
    owner: &Keypair,
    oracle: &Keypair,
    meter_id: [u8; 32],
    energy_mint: &Pubkey,
) {
    register_meter(rpc, owner, meter_id, energy_mint).await;
    let tag = gridtokenx_simulator::post::cluster_tag(rpc).await.expect("the energy program is initialized");
    attest_production(RPC, oracle, tag, owner, meter_id, &[0, 5_000]).await;
}

async fn send(
    rpc: &RpcClient,
    ixs: &[anchor_lang::solana_program::instruction::Instruction],
    signer: &Keypair,
) {
    let blockhash = rpc.get_latest_blockhash().await.expect("a blockhash");
    let tx = solana_transaction::Transaction::new_signed_with_payer(
        ixs,
        Some(&signer.pubkey()),
        &[signer],
        blockhash,
    );
    rpc.send_and_confirm_transaction(&tx)
        .await
        .unwrap_or_else(|e| panic!("a transaction of {}: {e}", signer.pubkey()));
}

/// Every meter account of the energy program, decoded with the program's own type.
async fn meters_on_chain(rpc: &RpcClient) -> BTreeMap<Pubkey, energy::state::Meter> {
    let accounts = rpc.get_program_accounts(&energy::ID).await.expect("getProgramAccounts");
    accounts
        .into_iter()
        .filter_map(|(key, account)| {
            energy::state::Meter::try_deserialize(&mut account.data.as_slice()).ok().map(|m| (key, m))
        })
        .collect()
}

/// Where the mirror disagrees with the chain's meters: counters, or readings that do not
/// sum to what was minted.
async fn meter_mismatches(
    pool: &sqlx::PgPool,
    on_chain: &BTreeMap<Pubkey, energy::state::Meter>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (key, m) in on_chain {
        let row: Option<(String, i64, String, i64, String)> = sqlx::query_as(
            "select owner, last_interval_start_ts, minted_wh::text, \
                    (select count(*) from readings r where r.meter = m.pubkey), \
                    (select coalesce(sum(minted_wh), 0)::text from readings r where r.meter = m.pubkey) \
             from meters m where pubkey = $1",
        )
        .bind(key.to_string())
        .fetch_optional(pool)
        .await
        .expect("a query");
        let expected = (m.owner.to_string(), m.last_interval_start_ts, m.minted_wh.to_string());
        match row {
            None => out.push(format!("{key}: not mirrored")),
            Some((owner, last, minted, count, summed)) => {
                if (owner.clone(), last, minted.clone()) != expected {
                    out.push(format!("{key}: mirror ({owner}, {last}, {minted}) vs chain {expected:?}"));
                }
                if summed != m.minted_wh.to_string() {
                    out.push(format!(
                        "{key}: {count} mirrored readings mint {summed} Wh, the chain minted {}",
                        m.minted_wh
                    ));
                }
            }
        }
    }
    out
}
