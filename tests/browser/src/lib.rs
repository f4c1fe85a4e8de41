//! The browser-test harness: the whole stack a user meets — localnet with the bootstrapped
//! world, the indexer (ingest and API, serving the built app from `app/dist`) on a fresh
//! Postgres database — and Debian's Chromium driven through chromedriver, with a Wallet
//! Standard wallet (`wallet/test-wallet.js`) holding a trader's key in the page.
//!
//! Nothing here is mocked: the page is the release build of the app, the wallet signs
//! with WebCrypto's Ed25519 what the app built, and the app sends it to localnet itself.
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use gridtokenx_indexer::api::{self, AppState};
use gridtokenx_indexer::config::{ApiArgs, Commitment, IngestArgs};
use gridtokenx_indexer::fanout::Fanout;
use gridtokenx_localnet::keys::DeploymentKeys;
use gridtokenx_localnet::node::{Node, Options};
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;
use tokio::process::{Child, Command};

/// How long any one thing a user would wait for may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(60);

/// The built app: `GRIDTOKENX_APP_DIST`, else `app/dist` of this checkout.
pub fn app_dist() -> PathBuf {
    let dist = std::env::var_os("GRIDTOKENX_APP_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../app/dist"));
    assert!(
        dist.join("index.html").is_file() && dist.join("app_bg.wasm").is_file(),
        "no built app in {}: run scripts/app-build.sh (make test does it first)",
        dist.display()
    );
    dist
}

/// localnet, the indexer serving the app, and the database the indexer writes.
pub struct Stack {
    pub node: Node,
    pub keys: DeploymentKeys,
    /// The page to open: the app on the indexer's origin, pointed at localnet's RPC.
    pub app_url: String,
    pub api_url: String,
    pub pool: sqlx::PgPool,
    /// The API's fan-out, for what a telemetry role would publish (the grid channel).
    pub fanout: Fanout,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Stack {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Stack {
    pub async fn start() -> Stack {
        let keys = DeploymentKeys::random();
        let node = Node::start(&keys, Options::ephemeral(Duration::from_millis(100)))
            .await
            .expect("localnet starts");
        let pool = fresh_database().await;
        let fanout = Fanout::local();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().expect("bound");
        let state = AppState {
            pool: pool.clone(),
            fanout: fanout.clone(),
            redis: None,
            metrics: gridtokenx_indexer::metrics::install(),
            args: Arc::new(ApiArgs {
                listen: addr,
                app_dir: Some(app_dist()),
                max_lag_secs: 30,
                ws_buffer: 256,
            }),
        };
        let server = tokio::spawn(async move {
            let _ = api::serve(state, listener, std::future::pending()).await;
        });
        let ingest = IngestArgs {
            grpc_url: node.grpc_url.clone(),
            grpc_x_token: None,
            rpc_url: node.rpc_url.clone(),
            commitment: Commitment::Confirmed,
            batch: 5_000,
            queue: 10_000,
        };
        let ingest =
            tokio::spawn(gridtokenx_indexer::ingest::pipeline::run(pool.clone(), fanout.clone(), ingest));
        let app_url = format!("http://{addr}/?rpc={}&cluster=localnet", node.rpc_url);
        Stack {
            app_url,
            api_url: format!("http://{addr}/api/v1"),
            node,
            keys,
            pool,
            fanout,
            tasks: vec![server, ingest],
        }
    }

    pub fn rpc(&self) -> solana_rpc_client::nonblocking::rpc_client::RpcClient {
        solana_rpc_client::nonblocking::rpc_client::RpcClient::new_with_commitment(
            self.node.rpc_url.clone(),
            solana_commitment_config::CommitmentConfig::confirmed(),
        )
    }

    /// The quote token's name as the app shows it next to amounts: the stack's quote mint
    /// is random, so the app names it by its short address ("7xKX…gAsU").
    pub fn quote_name(&self) -> String {
        let mint = self.keys.quote_mint.pubkey().to_string();
        format!("{}…{}", &mint[..4], &mint[mint.len() - 4..])
    }

    pub fn market(&self) -> Pubkey {
        self.node.deployment.as_ref().expect("localnet bootstrapped the world").market
    }

    /// `wh` of energy minted to `owner` the way production reaches the chain: a meter the
    /// owner registers, then two readings (the baseline, then the production) attested by
    /// the deployment's oracle and posted by the simulator's own poster. At most one
    /// interval's worth (the bootstrapped rules allow 50 kWh per 15 minutes).
    pub async fn produce_energy(&self, owner: &Keypair, wh: u64) {
        let meter_id: [u8; 32] = rand::random();
        self.register_meter(owner, meter_id).await;
        self.attest_production(owner, meter_id, &[0, wh]).await;
    }

    /// The owner registers a meter (and an energy token account for its mints).
    pub async fn register_meter(&self, owner: &Keypair, meter_id: [u8; 32]) {
        let d = self.node.deployment.as_ref().expect("localnet bootstrapped the world");
        register_meter(&self.rpc(), owner, meter_id, &d.energy_mint).await;
    }

    /// Readings of the meter's cumulative production attested by the deployment's oracle
    /// (see [`attest_production`]).
    pub async fn attest_production(&self, owner: &Keypair, meter_id: [u8; 32], cumulative_wh: &[u64]) {
        let d = self.node.deployment.as_ref().expect("localnet bootstrapped the world");
        attest_production(&self.node.rpc_url, &self.keys.oracle, d.cluster_tag, owner, meter_id, cumulative_wh)
            .await;
    }

    /// The trader's seat on `market` as the chain holds it: (index, quote free, quote
    /// locked), decoded with the program's own types through the indexer's decoder.
    pub async fn seat_on_chain(&self, market: &Pubkey, trader: &Pubkey) -> Option<(usize, u64, u64)> {
        let (index, seat) = self.seat(market, trader).await?;
        Some((index, seat.quote_free, seat.quote_locked))
    }

    /// The trader's whole seat (index and balances) as the chain holds it.
    pub async fn seat(&self, market: &Pubkey, trader: &Pubkey) -> Option<(usize, market::engine::Seat)> {
        trader_seat(&self.rpc(), market, trader).await
    }

    /// The market account, decoded with the program's own types through the indexer's
    /// decoder.
    pub async fn market_on_chain(&self, market: &Pubkey) -> Box<market::state::MarketState> {
        market_on_chain(&self.rpc(), market).await
    }
}

/// The market account behind `rpc`, decoded with the program's own types through the
/// indexer's decoder.
pub async fn market_on_chain(
    rpc: &solana_rpc_client::nonblocking::rpc_client::RpcClient,
    market: &Pubkey,
) -> Box<market::state::MarketState> {
    let account = rpc.get_account(market).await.expect("the market account");
    let decoded = gridtokenx_indexer::ingest::decode::account(&account.owner, &account.data).expect("decodes");
    let Some(gridtokenx_indexer::ingest::decode::ProgramAccount::Market(m)) = decoded else {
        panic!("{market} is not a market")
    };
    m
}

/// The trader's seat on `market` (index and balances) as the chain behind `rpc` holds it.
pub async fn trader_seat(
    rpc: &solana_rpc_client::nonblocking::rpc_client::RpcClient,
    market: &Pubkey,
    trader: &Pubkey,
) -> Option<(usize, market::engine::Seat)> {
    let m = market_on_chain(rpc, market).await;
    let index = m.book.view().find_seat(&trader.to_bytes()).ok()??;
    Some((index as usize, *m.book.seat(index)?))
}

/// The owner registers a meter (and an energy token account for its mints), paying for both.
pub async fn register_meter(
    rpc: &solana_rpc_client::nonblocking::rpc_client::RpcClient,
    owner: &Keypair,
    meter_id: [u8; 32],
    energy_mint: &Pubkey,
) {
    let account = spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
        &owner.pubkey(),
        &owner.pubkey(),
        energy_mint,
        &spl_token_interface::ID,
    );
    let register = energy::client::register_meter(owner.pubkey(), meter_id);
    let blockhash = rpc.get_latest_blockhash().await.expect("a blockhash");
    let tx = solana_transaction::Transaction::new_signed_with_payer(
        &[account, register],
        Some(&owner.pubkey()),
        &[owner],
        blockhash,
    );
    rpc.send_and_confirm_transaction(&tx).await.expect("the owner registers a meter");
}

/// Readings of the meter's cumulative production, one per 15-minute interval, ending with
/// the last complete interval: each attested by `oracle` for the cluster `cluster_tag` and
/// posted by the simulator's own poster, as the running system does. The first only sets
/// the baseline; each later one mints its increase (at most 50 kWh per interval).
pub async fn attest_production(
    rpc_url: &str,
    oracle: &Keypair,
    cluster_tag: [u8; 32],
    owner: &Keypair,
    meter_id: [u8; 32],
    cumulative_wh: &[u64],
) {
    use gridtokenx_simulator::oracle::Oracle;
    use gridtokenx_simulator::post::{ChainMeter, Poster};
    let poster = Poster {
        rpc: Arc::new(solana_rpc_client::nonblocking::rpc_client::RpcClient::new_with_commitment(
            rpc_url.to_string(),
            solana_commitment_config::CommitmentConfig::confirmed(),
        )),
        oracle: Oracle::new(oracle.insecure_clone(), energy::ID, cluster_tag),
        payer: owner.insecure_clone(),
        concurrency: 1,
    };
    let meter = ChainMeter::new(meter_id, owner.insecure_clone());
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs() as i64;
    let last = now - now % 900 - 900;
    let n = cumulative_wh.len() as i64;
    for (k, produced_wh) in cumulative_wh.iter().enumerate() {
        let start = last - (n - 1 - k as i64) * 900;
        let reading =
            gridtokenx_simulator::Reading { interval_start_ts: start, produced_wh: *produced_wh, consumed_wh: 0 };
        let report = poster.post(std::slice::from_ref(&meter), &[(0, reading)]).await;
        assert_eq!(report.landed, 1, "the attested reading lands: {report:?}");
    }
}

async fn fresh_database() -> sqlx::PgPool {
    let server =
        std::env::var("GRIDTOKENX_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let (_, pool) = gridtokenx_indexer::db::scratch(&server, "gtx_browser", 4).await.expect(
        "PostgreSQL on 127.0.0.1:5432 (scripts/test.sh starts one: source scripts/env.sh; ensure_postgres)",
    );
    pool
}

/// A browser of its own with `person`'s wallet installed before the app, the app loaded
/// and the wallet connected.
pub async fn connected_page(stack: &Stack, person: &Keypair) -> Browser {
    let browser = Browser::start().await;
    Wallet::new(person.insecure_clone(), &stack.node.rpc_url).install_before_pages(&browser).await;
    browser.client.goto(&stack.app_url).await.expect("the app loads");
    browser
        .text_until("[data-testid=connect]", "the wallet is offered", |t| {
            t.contains("GridTokenX Test Wallet")
        })
        .await;
    browser.click("[data-testid=connect]").await;
    browser.text("[data-testid=wallet-address]").await;
    browser
}

/// A council member's page (see [`connected_page`]) on the council view, once it recognises
/// the member.
pub async fn council_page(stack: &Stack, member: &Keypair) -> Browser {
    let page = connected_page(stack, member).await;
    page.click("[data-testid=nav-council]").await;
    page.text_until("[data-testid=council]", "the member is recognised", |t| t.contains("you are a member"))
        .await;
    page
}

/// npm axe-core's browser build: `AXE_CORE_JS` (scripts/wasm-toolchain.sh `ensure_axe_core`
/// sets it), else the copy `scripts/test.sh` installs into the cache.
fn axe_core_source() -> String {
    let path = std::env::var_os("AXE_CORE_JS").map(PathBuf::from).unwrap_or_else(|| {
        let cache = std::env::var_os("GRIDTOKENX_CACHE")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/gridtokenx")))
            .expect("GRIDTOKENX_CACHE or HOME");
        let tools = std::fs::read_dir(cache.join("tools")).into_iter().flatten().flatten();
        let mut found: Vec<PathBuf> = tools
            .map(|e| e.path())
            .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("axe-core-")))
            .map(|p| p.join("node_modules/axe-core/axe.min.js"))
            .filter(|p| p.exists())
            .collect();
        found.sort();
        found.pop().unwrap_or_default()
    });
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core not found at {:?} ({e}): run scripts/test.sh, or `source scripts/env.sh; source scripts/wasm-toolchain.sh; ensure_axe_core`",
            path.display()
        )
    })
}

/// Asserts a settled transaction status is a confirmation.
pub fn confirmed(what: &str, status: String) {
    assert!(status.starts_with("Confirmed"), "{what}: {status}");
}

/// A page with the trader's wallet connected and a seat claimed on the market.
pub async fn seated(stack: &Stack, trader: &Keypair) -> Browser {
    let browser = connected_page(stack, trader).await;
    browser
        .text_until("[data-testid=no-seat]", "the seat panel knows there is none", |t| t.contains("No seat"))
        .await;
    confirmed("the seat claim", browser.transact("[data-testid=claim-seat]", "the claim settles").await);
    browser.text_until("[data-testid=seat]", "the seat is mirrored", |t| t.starts_with("Seat #")).await;
    browser
}

/// Fills in the trade view's order form (side `bid`/`ask`, type `limit`/`post_only`/`ioc`,
/// size in kWh, price in the quote token) and sends it; returns the settled status.
pub async fn place(page: &Browser, side: &str, kind: &str, kwh: &str, price: &str) -> String {
    page.choose("[data-testid=order-side]", side).await;
    page.choose("[data-testid=order-type]", kind).await;
    page.type_into("[data-testid=order-size]", kwh).await;
    page.type_into("[data-testid=order-price]", price).await;
    let what = if side == "bid" { "Buy" } else { "Sell" };
    page.text_until("[data-testid=order-check]", "the order is understood", |t| t.starts_with(what)).await;
    page.transact("[data-testid=place-order]", "the order settles").await
}

/// Headless Chromium behind its own chromedriver; both end with this value.
pub struct Browser {
    pub client: Client,
    _driver: Child,
}

impl Browser {
    pub async fn start() -> Browser {
        let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        for tool in [&chromedriver, &chromium] {
            assert!(
                std::path::Path::new(tool).exists(),
                "{tool} not found: install Debian's chromium and chromium-driver (scripts/test.sh does)"
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {chromedriver}: {e}"));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,900", "--no-first-run", "--no-default-browser-check"],
            }),
        );
        // The page's console, for `console_problems`.
        caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + WAIT;
        let client = loop {
            let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
            builder.capabilities(caps.clone());
            match builder.connect(&url).await {
                Ok(c) => break c,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await
                }
                Err(e) => panic!("chromedriver on {url} gave no session: {e}"),
            }
        };
        Browser { client, _driver: driver }
    }

    /// Waits for an element and returns its text.
    pub async fn text(&self, css: &str) -> String {
        let element = self.client.wait().at_most(WAIT).for_element(Locator::Css(css)).await;
        element.unwrap_or_else(|e| panic!("no {css} on the page: {e}")).text().await.expect("its text")
    }

    /// Waits until the text of `css` satisfies `done`, and returns it.
    pub async fn text_until(&self, css: &str, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        let mut last = String::new();
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                if let Ok(text) = element.text().await {
                    if done(&text) {
                        return text;
                    }
                    last = text;
                }
            }
            assert!(Instant::now() < deadline, "{what}: {css} still says {last:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn click(&self, css: &str) {
        let element = self.client.wait().at_most(WAIT).for_element(Locator::Css(css)).await;
        element.unwrap_or_else(|e| panic!("no {css} to click: {e}")).click().await.expect("clicked");
    }

    /// Replaces an input's text as a person types it (input events, one per key).
    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.client.wait().at_most(WAIT).for_element(Locator::Css(css)).await;
        let element = element.unwrap_or_else(|e| panic!("no {css} to type into: {e}"));
        element.clear().await.expect("cleared");
        element.send_keys(text).await.expect("typed");
    }

    /// Chooses an option of a `<select>` by its value.
    pub async fn choose(&self, css: &str, value: &str) {
        let element = self.client.wait().at_most(WAIT).for_element(Locator::Css(css)).await;
        element
            .unwrap_or_else(|e| panic!("no {css} to choose from: {e}"))
            .select_by_value(value)
            .await
            .expect("chosen");
    }

    /// How many elements match now.
    pub async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.map(|v| v.len()).unwrap_or(0)
    }

    /// Clicks and waits for the transaction status of the view on screen to settle;
    /// returns it ("Confirmed …" or "Failed: …").
    pub async fn transact(&self, css: &str, what: &str) -> String {
        // Both views stay mounted, each with its own status line: read the one shown.
        const STATUS: &str = ".view:not([hidden]) [data-testid=tx-status]";
        // Each confirmation names its own signature, so the settled text differs from the
        // previous one.
        let before = match self.client.find(Locator::Css(STATUS)).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        self.click(css).await;
        self.text_until(STATUS, what, |t| {
            t != before && (t.starts_with("Confirmed") || t.starts_with("Failed"))
        })
        .await
    }

    pub async fn eval(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("{script}: {e}"))
    }

    /// Evaluates `script` until its value satisfies `done`, and returns it.
    pub async fn eval_until(&self, script: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let value = self.eval(script).await;
            if done(&value) {
                return value;
            }
            assert!(Instant::now() < deadline, "{what}: {script} still gives {value}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// GET `url` from the page (WebDriver awaits the promise) and its JSON body: the
    /// indexer's REST API as the app's own origin reaches it.
    pub async fn get_json(&self, url: &str) -> Value {
        let script = "return fetch(arguments[0]).then(r => r.ok ? r.json() : r.text().then(t => ({http_error: r.status, body: t})))";
        let v =
            self.client.execute(script, vec![json!(url)]).await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
        assert!(v.get("http_error").is_none(), "GET {url}: {v}");
        v
    }

    /// Runs `source` in every document this browser opens from now on, before the page's
    /// own scripts (Chrome DevTools' addScriptToEvaluateOnNewDocument through chromedriver).
    pub async fn on_every_page(&self, source: String) {
        self.cdp("Page.addScriptToEvaluateOnNewDocument", json!({ "source": source })).await;
    }

    /// The page as a phone shows it (390 × 844 CSS pixels, mobile viewport), or back to
    /// the desktop window.
    pub async fn phone_width(&self, on: bool) {
        if on {
            let metrics = json!({"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true});
            self.cdp("Emulation.setDeviceMetricsOverride", metrics).await;
        } else {
            self.cdp("Emulation.clearDeviceMetricsOverride", json!({})).await;
        }
    }

    /// Saves a PNG of the page as a test artifact, `<artifacts>/screenshots/<name>.png`
    /// (`GRIDTOKENX_ARTIFACTS`, else `~/.cache/gridtokenx/artifacts`), and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = std::env::var_os("GRIDTOKENX_ARTIFACTS")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/gridtokenx/artifacts"))
            })
            .expect("GRIDTOKENX_ARTIFACTS or HOME")
            .join("screenshots");
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let png = self.client.screenshot().await.expect("chromedriver takes a screenshot");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }

    /// The console's warnings and errors since the last call (chromedriver's log of the
    /// page): normal use must log none.
    pub async fn console_problems(&self) -> Vec<String> {
        let entries = self.client.issue_cmd(BrowserLog).await.expect("chromedriver returns the browser log");
        entries
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| matches!(e["level"].as_str(), Some("WARNING" | "SEVERE")))
            .map(|e| e["message"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// axe-core's serious and critical findings on the page as shown now (WCAG 2.1 A and
    /// AA rules and axe's best practices), one line each: rule, what it asks, where.
    /// Hidden views are not audited; open the view first.
    pub async fn accessibility_problems(&self) -> Vec<String> {
        self.client.execute(&axe_core_source(), vec![]).await.expect("axe-core loads into the page");
        let run = r#"
            const done = arguments[arguments.length - 1];
            const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
            axe.run(document, { runOnly: { type: 'tag', values: tags } })
              .then(r => done(r.passes.length === 0 ? ['axe-core checked nothing on this page'] : r.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)))
              .catch(e => done([`axe-core failed: ${e}`]));
        "#;
        let found = self.client.execute_async(run, vec![]).await.expect("axe-core runs");
        found.as_array().into_iter().flatten().map(|v| v.as_str().unwrap_or_default().to_string()).collect()
    }

    /// The visible controls that pressing Tab from the top of the page never focuses
    /// (described by tag, test id and text): keyboard users must reach every one.
    pub async fn controls_tab_misses(&self) -> Vec<String> {
        // checkVisibility: not in a hidden view, nor inside a closed <details>.
        let mark = r#"
            document.querySelectorAll('[data-tab-probe]').forEach(e => delete e.dataset.tabProbe);
            const controls = [...document.querySelectorAll(
              'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]')]
              .filter(e => e.checkVisibility() && e.tabIndex >= 0);
            controls.forEach((e, i) => e.dataset.tabProbe = String(i));
            document.activeElement && document.activeElement.blur();
            window.scrollTo(0, 0);
            return controls.length;
        "#;
        let count =
            self.client.execute(mark, vec![]).await.expect("the controls are marked").as_u64().unwrap_or(0);
        let mut reached = std::collections::BTreeSet::new();
        // A few more presses than controls: the browser's own stops (the address bar) come
        // between rounds.
        for _ in 0..count + 3 {
            use fantoccini::actions::{InputSource, KeyAction, KeyActions};
            let tab: char = fantoccini::key::Key::Tab.into();
            let press = KeyActions::new("keyboard".into())
                .then(KeyAction::Down { value: tab })
                .then(KeyAction::Up { value: tab });
            self.client.perform_actions(press).await.expect("Tab is pressed");
            let probe =
                self.client.execute("return document.activeElement?.dataset?.tabProbe ?? null", vec![]).await;
            if let Ok(Value::String(i)) = probe {
                reached.insert(i);
            }
        }
        let missed = r#"
            const reached = new Set(arguments[0]);
            return [...document.querySelectorAll('[data-tab-probe]')]
              .filter(e => !reached.has(e.dataset.tabProbe))
              .map(e => `${e.tagName.toLowerCase()} ${e.dataset.testid ?? ''} "${(e.textContent || e.value || '').trim().slice(0, 40)}"`);
        "#;
        let missed = self.client.execute(missed, vec![json!(reached)]).await.expect("the misses are listed");
        missed.as_array().into_iter().flatten().map(|v| v.as_str().unwrap_or_default().to_string()).collect()
    }

    /// One Chrome DevTools command through chromedriver.
    async fn cdp(&self, cmd: &'static str, params: Value) {
        self.client.issue_cmd(Cdp { cmd, params }).await.unwrap_or_else(|e| panic!("CDP {cmd}: {e}"));
    }
}

/// `POST /session/{id}/goog/cdp/execute`: chromedriver's door to the DevTools protocol.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({"cmd": self.cmd, "params": self.params});
        (http::Method::POST, Some(body.to_string()))
    }
}

/// `POST /session/{id}/se/log`: chromedriver's log of the page's console.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({"type": "browser"}).to_string()))
    }
}

/// Quote atoms (6 decimals) as the app shows them: no trailing zeros.
pub fn quote_text(atoms: u64) -> String {
    let text = format!("{}.{:06}", atoms / 1_000_000, atoms % 1_000_000);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The Wallet Standard wallet of the tests, holding `keypair` in the page.
pub struct Wallet {
    pub keypair: Keypair,
    rpc_url: String,
}

impl Wallet {
    pub fn new(keypair: Keypair, rpc_url: &str) -> Wallet {
        Wallet { keypair, rpc_url: rpc_url.to_string() }
    }

    pub fn address(&self) -> String {
        self.keypair.pubkey().to_string()
    }

    /// The script that installs the wallet: its configuration, then the wallet itself.
    pub fn script(&self) -> String {
        let config = json!({
            "seed": self.keypair.secret_bytes().to_vec(),
            "publicKey": self.keypair.pubkey().to_bytes().to_vec(),
            "address": self.address(),
            "rpc": self.rpc_url,
        });
        format!(
            "window.__gtxTestWallet = window.__gtxTestWallet || {config};\n{}",
            include_str!("../wallet/test-wallet.js")
        )
    }

    /// Installs the wallet into the page already loaded: it announces itself to an app
    /// that is listening (`wallet-standard:register-wallet`).
    pub async fn install_now(&self, browser: &Browser) {
        browser.eval(&self.script()).await;
    }

    /// Installs the wallet into every page from now on, before the app's scripts: the app
    /// finds it through `wallet-standard:app-ready`.
    pub async fn install_before_pages(&self, browser: &Browser) {
        browser.on_every_page(self.script()).await;
    }

    /// The next signing request is refused, as a user pressing "Reject" would.
    pub async fn reject_next(&self, browser: &Browser) {
        browser.eval("window.__gtxTestWallet.control.rejectNext = true").await;
    }

    /// Every request the wallet saw, in order ("connect", "signTransaction", …).
    pub async fn requests(&self, browser: &Browser) -> Vec<String> {
        let v = browser.eval("return window.__gtxTestWallet.control.requests").await;
        serde_json::from_value(v).expect("a list of request kinds")
    }
}
