//! Notification settings, per wallet, in the browser. Alice signs in with Solana (her wallet
//! signs the indexer's message; a first request she rejects signs nobody in), sets an
//! e-mail address and an opt-in, and the indexer stores them under her wallet. Bob, in
//! another page, signs in and sees his own (empty) settings, never hers; without a session
//! the API refuses. After a reload Alice signs in again and finds hers; a disconnect hides
//! them.
use gridtokenx_browser_tests::{connected_page, Browser, Stack};
use solana_signer::Signer;

async fn value(page: &Browser, testid: &str, property: &str) -> serde_json::Value {
    page.eval(&format!("return document.querySelector('[data-testid={testid}]').{property}")).await
}

async fn sign_in(page: &Browser) {
    page.click("[data-testid=sign-in]").await;
    page.text_until("[data-testid=settings-status]", "the wallet is signed in", |t| {
        t.starts_with("Signed in as")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wallet_signs_in_saves_its_settings_and_another_cannot_read_them() {
    let stack = Stack::start().await;
    let (alice, bob) = (&stack.keys.traders[0], &stack.keys.traders[1]);
    let page = connected_page(&stack, alice).await;
    page.click("[data-testid=nav-settings]").await;

    page.eval("window.__gtxTestWallet.control.rejectNext = true").await;
    page.click("[data-testid=sign-in]").await;
    page.text_until("[data-testid=settings-error]", "a refused signature signs nobody in", |t| {
        t.contains("did not sign")
    })
    .await;
    assert_eq!(page.count("[data-testid=settings-email]").await, 0, "no settings without a session");
    sign_in(&page).await;
    assert_eq!(value(&page, "settings-email", "value").await, "", "a new wallet has no address yet");

    // An opt-in without an address is refused as typed; then both.
    page.click("[data-testid=settings-fills]").await;
    page.click("[data-testid=settings-save]").await;
    page.text_until("[data-testid=settings-error]", "an opt-in needs an address", |t| {
        t.contains("need an e-mail")
    })
    .await;
    page.type_into("[data-testid=settings-email]", "alice@example.com").await;
    page.click("[data-testid=settings-save]").await;
    page.text_until("[data-testid=settings-status]", "the settings are saved", |t| t == "Saved.").await;
    let stored: (Option<String>, bool, bool) =
        sqlx::query_as("select email, notify_fills, notify_rec_retired from user_settings where wallet = $1")
            .bind(alice.pubkey().to_string())
            .fetch_one(&stack.pool)
            .await
            .expect("the indexer stored Alice's settings");
    assert_eq!(stored, (Some("alice@example.com".into()), true, false), "stored under Alice's wallet");
    page.screenshot("settings-desktop").await;
    page.phone_width(true).await;
    page.screenshot("settings-phone").await;
    page.phone_width(false).await;

    // Bob signs in elsewhere: his own settings, never Alice's.
    let other = connected_page(&stack, bob).await;
    other.click("[data-testid=nav-settings]").await;
    sign_in(&other).await;
    assert_eq!(value(&other, "settings-email", "value").await, "", "Bob does not see Alice's address");
    assert_eq!(value(&other, "settings-fills", "checked").await, false);
    let problems = other.console_problems().await;
    assert!(problems.is_empty(), "Bob's page logged: {problems:#?}");
    let status = other.eval("return fetch('/api/v1/me/settings').then(r => r.status)").await;
    assert_eq!(status, 401, "no session, no settings");
    // The browser logs that refusal of the test's own request; nothing else.
    let logged = other.console_problems().await;
    assert!(logged.len() == 1 && logged[0].contains("401"), "{logged:#?}");

    // Alice again after a reload: signed out, then her settings are back.
    page.client.refresh().await.expect("reloads");
    page.click("[data-testid=connect]").await;
    page.text("[data-testid=wallet-address]").await;
    page.click("[data-testid=nav-settings]").await;
    sign_in(&page).await;
    assert_eq!(value(&page, "settings-email", "value").await, "alice@example.com");
    assert_eq!(value(&page, "settings-fills", "checked").await, true);
    assert_eq!(value(&page, "settings-retired", "checked").await, false);

    // A disconnect hides them at once.
    page.click("[data-testid=disconnect]").await;
    page.text_until(".settings", "the settings are hidden", |t| t.contains("Connect a wallet")).await;
    assert_eq!(page.count("[data-testid=settings-email]").await, 0);

    for (who, p) in [("Alice", &page), ("Bob", &other)] {
        let problems = p.console_problems().await;
        assert!(problems.is_empty(), "{who}'s page logged: {problems:#?}");
    }
    for p in [page, other] {
        p.client.close().await.expect("closes");
    }
}
