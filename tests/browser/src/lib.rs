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
use gridtokenx_indexer::config::{ApiArgs, Commitment, DatabaseArgs, IngestArgs};
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
        let node = Node::start(&keys, Options::ephemeral(Duration::from_millis(100))).await.expect("localnet starts");
        let pool = fresh_database().await;
        let fanout = Fanout::local();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().expect("bound");
        let state = AppState {
            pool: pool.clone(),
            fanout: fanout.clone(),
            redis: None,
            metrics: gridtokenx_indexer::metrics::install(),
            args: Arc::new(ApiArgs { listen: addr, app_dir: Some(app_dist()), max_lag_secs: 30, ws_buffer: 256 }),
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
        let ingest = tokio::spawn(gridtokenx_indexer::ingest::pipeline::run(pool.clone(), fanout, ingest));
        let app_url = format!("http://{addr}/?rpc={}&cluster=localnet", node.rpc_url);
        Stack { app_url, api_url: format!("http://{addr}/api/v1"), node, keys, pool, tasks: vec![server, ingest] }
    }

    pub fn rpc(&self) -> solana_rpc_client::nonblocking::rpc_client::RpcClient {
        solana_rpc_client::nonblocking::rpc_client::RpcClient::new_with_commitment(
            self.node.rpc_url.clone(),
            solana_commitment_config::CommitmentConfig::confirmed(),
        )
    }

    pub fn market(&self) -> Pubkey {
        self.node.deployment.as_ref().expect("localnet bootstrapped the world").market
    }

    /// The trader's seat on `market` as the chain holds it: (index, quote free, quote
    /// locked), decoded with the program's own types through the indexer's decoder.
    pub async fn seat_on_chain(&self, market: &Pubkey, trader: &Pubkey) -> Option<(usize, u64, u64)> {
        let account = self.rpc().get_account(market).await.expect("the market account");
        let decoded = gridtokenx_indexer::ingest::decode::account(&account.owner, &account.data).expect("decodes");
        let Some(gridtokenx_indexer::ingest::decode::ProgramAccount::Market(m)) = decoded else {
            panic!("{market} is not a market")
        };
        let index = m.book.seats.iter().position(|s| s.trader == trader.to_bytes())?;
        let seat = &m.book.seats[index];
        Some((index, seat.quote_free, seat.quote_locked))
    }
}

async fn fresh_database() -> sqlx::PgPool {
    let server = std::env::var("GRIDTOKENX_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let name = format!("gtx_browser_{}", bs58::encode(rand::random::<[u8; 8]>()).into_string().to_lowercase());
    gridtokenx_indexer::db::connect(&DatabaseArgs { database_url: format!("{server}/{name}"), db_pool: 4 })
        .await
        .expect("PostgreSQL on 127.0.0.1:5432 (scripts/test.sh starts one: source scripts/env.sh; ensure_postgres)")
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
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
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
        element.unwrap_or_else(|e| panic!("no {css} to choose from: {e}")).select_by_value(value).await.expect("chosen");
    }

    /// How many elements match now.
    pub async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.map(|v| v.len()).unwrap_or(0)
    }

    /// Clicks and waits for the transaction status to settle; returns it ("Confirmed …").
    pub async fn transact(&self, css: &str, what: &str) -> String {
        // Each confirmation names its own signature, so the settled text differs from the
        // previous one.
        let before = match self.client.find(Locator::Css("[data-testid=tx-status]")).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        self.click(css).await;
        self.text_until("[data-testid=tx-status]", what, |t| {
            t != before && (t.starts_with("Confirmed") || t.starts_with("Failed"))
        })
        .await
    }

    pub async fn eval(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("{script}: {e}"))
    }

    /// Runs `source` in every document this browser opens from now on, before the page's
    /// own scripts (Chrome DevTools' addScriptToEvaluateOnNewDocument through chromedriver).
    pub async fn on_every_page(&self, source: String) {
        self.client.issue_cmd(CdpScriptOnNewDocument(source)).await.expect("chromedriver runs CDP commands");
    }
}

/// `POST /session/{id}/goog/cdp/execute`: chromedriver's door to the DevTools protocol.
#[derive(Debug)]
struct CdpScriptOnNewDocument(String);

impl WebDriverCompatibleCommand for CdpScriptOnNewDocument {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({"cmd": "Page.addScriptToEvaluateOnNewDocument", "params": {"source": self.0}});
        (http::Method::POST, Some(body.to_string()))
    }
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
