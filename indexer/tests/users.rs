//! Sign-In With Solana, per-user settings and e-mail notifications, against a real
//! PostgreSQL (a fresh database per test) and a real SMTP server process (aiosmtpd from
//! the project's Python venv: scripts/python-venv.sh), with the API served in-process.
use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use gridtokenx_indexer::api::{self, AppState};
use gridtokenx_indexer::config::ApiArgs;
use gridtokenx_indexer::fanout::{Delta, Fanout};
use gridtokenx_indexer::users::notify::{self, SmtpArgs, SmtpConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;
use sqlx::PgPool;

const PG: &str = "postgres://postgres@127.0.0.1:5432";

/// Flags with their documented defaults, as the binary would parse them.
#[derive(Parser)]
struct Flags {
    #[command(flatten)]
    api: ApiArgs,
    #[command(flatten)]
    smtp: SmtpArgs,
}

struct Harness {
    base: String,
    pool: PgPool,
    fanout: Fanout,
    http: reqwest::Client,
    db_url: String,
}

impl Harness {
    async fn start() -> Harness {
        let (db_url, pool) = gridtokenx_indexer::db::scratch(PG, "gtx_test", 4)
            .await
            .expect("PostgreSQL on 127.0.0.1:5432 (scripts/test.sh starts one: source scripts/env.sh; ensure_postgres)");
        let fanout = Fanout::local();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/api/v1", listener.local_addr().unwrap());
        let mut args = Flags::parse_from(["test"]).api;
        args.listen = listener.local_addr().unwrap();
        let state = AppState {
            pool: pool.clone(),
            fanout: fanout.clone(),
            redis: None,
            metrics: gridtokenx_indexer::metrics::install(),
            args: Arc::new(args),
        };
        tokio::spawn(api::serve(state, listener, std::future::pending()));
        Harness { base, pool, fanout, http: reqwest::Client::new(), db_url }
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self.http.post(format!("{}{path}", self.base)).json(&body).send().await.unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }

    async fn settings(&self, token: Option<&str>, update: Option<Value>) -> (StatusCode, Value) {
        let url = format!("{}/me/settings", self.base);
        let mut req = match &update {
            Some(body) => self.http.put(url).json(body),
            None => self.http.get(url),
        };
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }

    /// `/auth/nonce` for `wallet`: the message to sign.
    async fn challenge(&self, wallet: &Keypair) -> String {
        let (status, body) = self.post("/auth/nonce", json!({"wallet": wallet.pubkey().to_string()})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["message"].as_str().unwrap().to_string()
    }

    async fn verify(&self, wallet: &Keypair, message: &str, signer: &Keypair) -> (StatusCode, Value) {
        let signature = signer.sign_message(message.as_bytes()).to_string();
        self.post("/auth/verify", json!({"wallet": wallet.pubkey().to_string(), "message": message, "signature": signature})).await
    }

    async fn sign_in(&self, wallet: &Keypair) -> String {
        let message = self.challenge(wallet).await;
        let (status, body) = self.verify(wallet, &message, wallet).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().unwrap().to_string()
    }

    async fn drop_database(self) {
        self.pool.close().await;
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("drop database if exists \"{}\" with (force)", self.db_url.rsplit('/').next().unwrap())))
            .execute(&PgPool::connect(&format!("{PG}/postgres")).await.unwrap())
            .await;
    }
}

fn assert_401(status: StatusCode, body: &Value, what: &str) {
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{what}: no JSON error in {body}");
}

#[tokio::test]
async fn sign_in_and_settings_belong_to_the_signing_wallet() {
    let h = Harness::start().await;
    let (alice, bob) = (Keypair::new(), Keypair::new());

    let message = h.challenge(&alice).await;
    assert!(message.contains(" wants you to sign in with your Solana account:\n"), "{message}");
    assert!(message.contains(&format!("\n{}\n", alice.pubkey())), "{message}");
    for field in ["URI: ", "Version: 1", "Chain ID: ", "Nonce: ", "Issued At: ", "Expiration Time: "] {
        assert!(message.contains(field), "no {field:?} in {message}");
    }
    let (status, body) = h.verify(&alice, &message, &alice).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let alice_token = body["token"].as_str().unwrap().to_string();
    assert!(body["expires_at"].as_i64().unwrap() > 0);

    let (status, body) = h.settings(Some(&alice_token), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"wallet": alice.pubkey().to_string(), "email": null, "notify_fills": false, "notify_rec_retired": false}));

    let update = json!({"email": "alice@example.com", "notify_fills": true, "notify_rec_retired": false});
    let (status, body) = h.settings(Some(&alice_token), Some(update)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let alice_settings = json!({"wallet": alice.pubkey().to_string(), "email": "alice@example.com", "notify_fills": true, "notify_rec_retired": false});
    assert_eq!(body, alice_settings);
    assert_eq!(h.settings(Some(&alice_token), None).await.1, alice_settings);

    // Validation: a bad address, or opting in with no address, changes nothing.
    let (status, body) = h.settings(Some(&alice_token), Some(json!({"email": "not an address", "notify_fills": true}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = h.settings(Some(&alice_token), Some(json!({"email": null, "notify_fills": true}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(h.settings(Some(&alice_token), None).await.1, alice_settings);

    // Bob's token sees and changes Bob's settings only.
    let bob_token = h.sign_in(&bob).await;
    let (status, body) = h.settings(Some(&bob_token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["wallet"], json!(bob.pubkey().to_string()));
    assert_eq!(body["email"], Value::Null);
    let (status, _) = h.settings(Some(&bob_token), Some(json!({"email": "bob@example.com", "notify_rec_retired": true}))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h.settings(Some(&alice_token), None).await.1, alice_settings);
    assert_eq!(h.settings(Some(&bob_token), None).await.1["email"], json!("bob@example.com"));
    // No route names a wallet: there is nothing to point at someone else's settings.
    let r = h.http.get(format!("{}/me/settings/{}", h.base, alice.pubkey())).bearer_auth(&bob_token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // No token, a made-up token, a malformed header.
    let (status, body) = h.settings(None, None).await;
    assert_401(status, &body, "no token");
    let (status, body) = h.settings(Some(&bs58::encode([7u8; 32]).into_string()), None).await;
    assert_401(status, &body, "made-up token");
    let forged = base64_url(&[7u8; 32]);
    let (status, body) = h.settings(Some(&forged), Some(json!({"email": "x@example.com"}))).await;
    assert_401(status, &body, "made-up token on PUT");

    // Only the SHA-256 of each token is stored, never the token.
    let mut stored: Vec<Vec<u8>> = sqlx::query_scalar("select token_hash from sessions").fetch_all(&h.pool).await.unwrap();
    let mut hashes: Vec<Vec<u8>> = [&alice_token, &bob_token]
        .iter()
        .map(|t| {
            use base64::Engine;
            let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(t).unwrap();
            <sha2::Sha256 as sha2::Digest>::digest(&raw).to_vec()
        })
        .collect();
    stored.sort();
    hashes.sort();
    assert_eq!(stored, hashes);
    h.drop_database().await;
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn bad_proofs_and_stale_credentials_are_refused() {
    let h = Harness::start().await;
    let (alice, bob) = (Keypair::new(), Keypair::new());

    // A message edited after issue: signed as edited, and signed as issued.
    let message = h.challenge(&alice).await;
    let edited = message.replace("Version: 1", "Version: 2");
    assert_ne!(edited, message);
    let (status, body) = h.verify(&alice, &edited, &alice).await;
    assert_401(status, &body, "edited message, signed as edited");
    let signature = alice.sign_message(message.as_bytes()).to_string();
    let (status, body) = h
        .post("/auth/verify", json!({"wallet": alice.pubkey().to_string(), "message": edited, "signature": signature}))
        .await;
    assert_401(status, &body, "edited message, signed as issued");

    // Alice's message signed by Bob; and claimed by Bob with Bob's signature.
    let (status, body) = h.verify(&alice, &message, &bob).await;
    assert_401(status, &body, "another wallet's signature");
    let (status, body) = h.verify(&bob, &message, &bob).await;
    assert_401(status, &body, "another wallet's message");

    // Refusals spent nothing: the genuine signature still works, once.
    let (status, body) = h.verify(&alice, &message, &alice).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["token"].as_str().unwrap().to_string();
    let (status, body) = h.verify(&alice, &message, &alice).await;
    assert_401(status, &body, "reused nonce");

    // An expired nonce.
    let message = h.challenge(&alice).await;
    sqlx::query("update siws_nonces set expires_at = now() - interval '1 second' where not used")
        .execute(&h.pool)
        .await
        .unwrap();
    let (status, body) = h.verify(&alice, &message, &alice).await;
    assert_401(status, &body, "expired nonce");

    // A nonce nobody issued.
    let forged = message.replace(nonce_line(&message), "AAAAAAAAAAAAAAAAAAAAAA");
    let (status, body) = h.verify(&alice, &forged, &alice).await;
    assert_401(status, &body, "unknown nonce");

    // An expired session.
    assert_eq!(h.settings(Some(&token), None).await.0, StatusCode::OK);
    sqlx::query("update sessions set expires_at = now() - interval '1 second'").execute(&h.pool).await.unwrap();
    let (status, body) = h.settings(Some(&token), None).await;
    assert_401(status, &body, "expired token");
    h.drop_database().await;
}

fn nonce_line(message: &str) -> &str {
    message.lines().find_map(|l| l.strip_prefix("Nonce: ")).unwrap()
}

/// aiosmtpd writing every message it accepts into a maildir; killed on drop.
struct SmtpServer {
    child: Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl SmtpServer {
    fn start() -> SmtpServer {
        let cache = std::env::var("GRIDTOKENX_CACHE")
            .map(PathBuf::from)
            .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/gridtokenx"));
        let python = cache.join("venv/bin/python");
        let has_aiosmtpd = Command::new(&python).args(["-c", "import aiosmtpd"]).status().is_ok_and(|s| s.success());
        assert!(has_aiosmtpd, "no aiosmtpd in {}: run scripts/python-venv.sh (scripts/test.sh does)", python.display());
        let port = StdListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let maildir = tempfile::tempdir().unwrap();
        let child = Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("mail"))
            .stdout(Stdio::null())
            .spawn()
            .expect("starting aiosmtpd");
        let server = SmtpServer { child, port, maildir };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not listen on 127.0.0.1:{port} within 20 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every delivered message, headers unfolded.
    fn messages(&self) -> Vec<String> {
        let dir = self.maildir.path().join("mail/new");
        let mut out: Vec<String> = std::fs::read_dir(&dir)
            .map(|entries| entries.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok()).collect())
            .unwrap_or_default();
        for m in &mut out {
            // Unfold headers, and undo the quoted-printable body's soft line breaks (a
            // signature is longer than a mail line may be).
            *m = m.replace("\r\n", "\n").replace("\n ", " ").replace("\n\t", " ").replace("=\n", "").replace("=3D", "=");
        }
        out
    }

    /// Waits until at least `n` messages arrived (or fails), then returns them all.
    async fn wait_for(&self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            assert!(Instant::now() < deadline, "{} of {n} e-mails arrived within 20 s: {messages:#?}", messages.len());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn path(&self) -> &Path {
        self.maildir.path()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fill's delta for each channel the sink puts it on (ingest/sink `channel_data`).
fn fill_deltas(fill: &Value, seq: i64) -> Vec<Delta> {
    let market = fill["market"].as_str().unwrap();
    let channels = [format!("trader:{}", fill["maker"].as_str().unwrap()), format!("trader:{}", fill["taker"].as_str().unwrap()), format!("trades:{market}")];
    channels
        .into_iter()
        .map(|channel| Delta::new(channel, seq, seq - 1, json!({"fills": [fill]}), 1_700_000_000_000))
        .collect()
}

#[tokio::test]
async fn opted_in_wallets_get_one_email_per_fill_and_retirement() {
    let smtp = SmtpServer::start();
    let h = Harness::start().await;
    let (alice, carol, dave) = (Keypair::new(), Keypair::new(), Keypair::new());
    // Alice opts in to both; Carol (her counterparty) and Dave do not.
    let token = h.sign_in(&alice).await;
    let (status, body) = h
        .settings(Some(&token), Some(json!({"email": "alice@example.com", "notify_fills": true, "notify_rec_retired": true})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let carol_token = h.sign_in(&carol).await;
    let (status, _) = h.settings(Some(&carol_token), Some(json!({"email": "carol@example.com", "notify_fills": false}))).await;
    assert_eq!(status, StatusCode::OK);

    let flags = Flags::parse_from(["test", "--smtp-url", &smtp.url()]);
    let config = SmtpConfig::from_args(&flags.smtp).unwrap().expect("an SMTP URL turns notifications on");
    assert!(SmtpConfig::from_args(&Flags::parse_from(["test", "--smtp-url", ""]).smtp).unwrap().is_none());
    tokio::spawn(notify::run(h.pool.clone(), h.fanout.clone(), config));

    let signature = bs58::encode([9u8; 64]).into_string();
    let market = Keypair::new().pubkey().to_string();
    let fill = json!({
        "signature": signature, "ix_index": 0, "event_index": 2, "slot": 42, "block_time": 1_700_000_000,
        "market": market, "maker_order_id": "7", "maker": carol.pubkey().to_string(),
        "taker": alice.pubkey().to_string(), "taker_side": "bid", "price_ticks": "150", "lots": "3",
        "quote_atoms": "450000", "taker_fee_quote_atoms": "90",
    });
    h.fanout.publish(fill_deltas(&fill, 1));
    let mail = smtp.wait_for(1).await;
    assert_eq!(mail.len(), 1, "{mail:#?}");
    let m = &mail[0];
    assert!(m.contains("To: alice@example.com"), "{m}");
    assert!(m.contains("From: GridTokenX <noreply@gridtokenx.local>"), "{m}");
    assert!(m.contains(&signature) && m.contains(&market), "the e-mail names the fill's transaction and market: {m}");
    assert!(m.contains("Role: taker") && m.contains("Lots: 3") && m.contains("Price (ticks): 150"), "{m}");

    // The same fill again (a replay, or the delta arriving twice), a fill between two
    // wallets that did not opt in, then a new fill where Alice is the maker. The notifier
    // handles deltas in order, so once the third arrives the first two were handled.
    h.fanout.publish(fill_deltas(&fill, 2));
    let fill_of = |sig: [u8; 64], maker: &Keypair, taker: &Keypair| {
        json!({"signature": bs58::encode(sig).into_string(), "ix_index": 1, "event_index": 0, "slot": 43,
            "block_time": 1_700_000_001, "market": market, "maker_order_id": "8", "maker": maker.pubkey().to_string(),
            "taker": taker.pubkey().to_string(), "taker_side": "ask", "price_ticks": "149", "lots": "1",
            "quote_atoms": "149000", "taker_fee_quote_atoms": "30"})
    };
    h.fanout.publish(fill_deltas(&fill_of([8u8; 64], &carol, &dave), 3));
    let second = fill_of([6u8; 64], &alice, &carol);
    h.fanout.publish(fill_deltas(&second, 4));
    smtp.wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mail = smtp.messages();
    assert_eq!(mail.len(), 2, "a replayed or opted-out fill was mailed: {mail:#?}");
    let m = mail.iter().find(|m| m.contains(second["signature"].as_str().unwrap())).expect("the second fill's e-mail");
    assert!(m.contains("To: alice@example.com") && m.contains("Role: maker"), "{m}");

    // A REC retired while Alice owned it → one e-mail; Dave's retirement → none.
    let cert = Keypair::new().pubkey().to_string();
    for (i, owner) in [(0, alice.pubkey().to_string()), (1, dave.pubkey().to_string())] {
        sqlx::query(
            "insert into certificate_events (signature, ix_index, event_index, slot, certificate, kind, meter, from_owner, to_owner, beneficiary, wh)
             values ($1, 0, $2, 50, $3, 'retired', null, $4, null, $5, 2500)",
        )
        .bind(bs58::encode([5u8; 64]).into_string())
        .bind(i)
        .bind(if i == 0 { cert.clone() } else { Keypair::new().pubkey().to_string() })
        .bind(&owner)
        .bind("Acme Green Co")
        .execute(&h.pool)
        .await
        .unwrap();
    }
    let mail = smtp.wait_for(3).await;
    let retired: Vec<&String> = mail.iter().filter(|m| m.contains(&cert)).collect();
    assert_eq!(retired.len(), 1, "{mail:#?}");
    assert!(retired[0].contains("To: alice@example.com") && retired[0].contains("Energy (Wh): 2500"), "{}", retired[0]);
    assert!(retired[0].contains("Beneficiary: Acme Green Co"), "{}", retired[0]);
    // Polls re-read the newest slot: several more of them send nothing new.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(smtp.messages().len(), 3, "{:#?} (maildir {})", smtp.messages(), smtp.path().display());
    let keys: Vec<(String, String)> = sqlx::query_as("select wallet, event_key from notifications_sent order by event_key")
        .fetch_all(&h.pool)
        .await
        .unwrap();
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert!(keys.iter().all(|(w, _)| *w == alice.pubkey().to_string()), "{keys:?}");
    h.drop_database().await;
}
