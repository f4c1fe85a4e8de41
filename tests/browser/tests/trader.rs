//! A trader meets GridTokenX in a browser: the app finds their wallet (in both Wallet
//! Standard handshake orders), connects, shows the live market, and a seat is claimed with a
//! transaction the wallet signs — after a first request the user rejects and a second the
//! wallet drops by disconnecting, which must both leave nothing pending. The chain and the indexer are checked against what the page shows.
use std::time::{Duration, Instant};

use gridtokenx_browser_tests::{Browser, Stack, Wallet, WAIT};
use solana_signer::Signer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trader_connects_a_wallet_and_claims_a_seat() {
    let stack = Stack::start().await;
    let browser = Browser::start().await;
    let trader = stack.keys.traders[0].insecure_clone();
    let wallet = Wallet::new(trader.insecure_clone(), &stack.node.rpc_url);
    let market = stack.market();

    // The app first, then the wallet: it announces itself to the listening app.
    browser.client.goto(&stack.app_url).await.expect("the app loads");
    let cluster = browser.text("[data-testid=cluster]").await;
    assert!(cluster.contains("solana:localnet") && cluster.contains(&stack.node.rpc_url), "header: {cluster}");
    browser.text_until("[data-testid=markets]", "the bootstrapped market is listed", |t| t.contains("Energy /")).await;
    // The spread line is there before the book (it says the book is empty): wait for the
    // mark the app sets when the first snapshot is on screen.
    let first_render_ms =
        browser.eval_until("return window.__gtx_first_render ?? null", "the app marks its first rendered book", |v| v.is_number()).await;
    println!("first book on screen {first_render_ms} ms after navigation");
    wallet.install_now(&browser).await;
    browser
        .text_until("[data-testid=connect]", "the wallet registered after the app is offered", |t| {
            t.contains("GridTokenX Test Wallet")
        })
        .await;

    // The wallet first, then the app: the app's app-ready event finds it.
    wallet.install_before_pages(&browser).await;
    browser.client.refresh().await.expect("reloads");
    browser
        .text_until("[data-testid=connect]", "the wallet registered before the app is offered", |t| {
            t.contains("GridTokenX Test Wallet")
        })
        .await;

    browser.click("[data-testid=connect]").await;
    let shown = browser.client.wait().at_most(WAIT).for_element(fantoccini::Locator::Css("[data-testid=wallet-address]")).await;
    let title = shown.expect("connected").attr("title").await.expect("an attribute");
    assert_eq!(title.as_deref(), Some(wallet.address().as_str()), "the app shows the connected account");
    browser.text_until("[data-testid=no-seat]", "the seat panel knows there is none", |t| t.contains("No seat")).await;

    // The user rejects the first request: the flow ends in words, nothing stays pending.
    wallet.reject_next(&browser).await;
    browser.click("[data-testid=claim-seat]").await;
    let failed = browser.text_until("[data-testid=tx-status]", "a rejected signature ends the flow", |t| t.starts_with("Failed")).await;
    assert!(failed.contains("did not sign"), "the reason is given: {failed}");
    let button = browser.client.find(fantoccini::Locator::Css("[data-testid=claim-seat]")).await.expect("still offered");
    assert!(button.is_enabled().await.unwrap(), "no pending state after a rejection");
    assert_eq!(stack.seat_on_chain(&market, &trader.pubkey()).await, None, "nothing reached the chain");

    disconnect_while_signing(&stack, &browser, &trader.pubkey()).await;

    // Accepted: simulated, signed in the wallet, sent by the app, confirmed on chain.
    browser.click("[data-testid=claim-seat]").await;
    let confirmed = browser.text_until("[data-testid=tx-status]", "the claim confirms", |t| t.starts_with("Confirmed")).await;
    let signature: solana_signature::Signature =
        confirmed.trim_start_matches("Confirmed ").trim().parse().expect("the status shows the signature");
    let status = stack.rpc().get_signature_status(&signature).await.expect("status");
    assert_eq!(status, Some(Ok(())), "the chain has the transaction the page confirmed");
    let (seat, ..) = stack.seat_on_chain(&market, &trader.pubkey()).await.expect("the trader holds a seat on chain");
    let shown = browser.text_until("[data-testid=seat]", "the indexer streams the seat to the page", |t| t.starts_with("Seat #")).await;
    assert!(shown.starts_with(&format!("Seat #{seat} ")), "page {shown:?}, chain seat {seat}");
    assert_eq!(
        wallet.requests(&browser).await,
        ["connect", "signTransaction", "signTransaction", "connect", "signTransaction"],
        "the wallet was asked to connect (again after its disconnect) and once per attempt to sign"
    );

    trade_on_the_seat(&stack, &browser, &trader.pubkey()).await;

    // The user disconnects in the wallet's own UI: the wallet's change event reaches the
    // app, which forgets the account.
    browser.eval("window.__gtxTestWallet.control.disconnect()").await;
    wait_until_gone(&browser, "[data-testid=wallet-address]", "a wallet-side disconnect").await;
    browser.text_until("[data-testid=connect]", "the wallet is offered again", |t| t.contains("GridTokenX Test Wallet")).await;

    // Connected again, then disconnected from the app's own button.
    browser.click("[data-testid=connect]").await;
    browser.text("[data-testid=wallet-address]").await;
    browser.text_until("[data-testid=seat]", "the seat is found again", |t| t.starts_with("Seat #")).await;
    browser.click("[data-testid=disconnect]").await;
    wait_until_gone(&browser, "[data-testid=wallet-address]", "the app's disconnect").await;
    browser.client.close().await.expect("the browser closes");
}

/// The wallet disconnects while the app awaits its signature (the user locks it, or closes
/// it): the flow ends in words at once, and a signature the wallet hands over later anyway
/// is never sent. Connected again, nothing is pending.
async fn disconnect_while_signing(stack: &Stack, browser: &Browser, trader: &anchor_lang::prelude::Pubkey) {
    browser.eval("window.__gtxTestWallet.control.holdNext = true").await;
    browser.click("[data-testid=claim-seat]").await;
    browser.text_until("[data-testid=tx-status]", "the app awaits the signature", |t| t.starts_with("Awaiting")).await;
    assert_eq!(browser.eval("return window.__gtxTestWallet.control.held").await, true, "the wallet holds the request");
    browser.eval("window.__gtxTestWallet.control.disconnect()").await;
    let said = browser.text_until("[data-testid=tx-status]", "a disconnect ends the flow", |t| t.starts_with("Failed")).await;
    assert!(said.contains("disconnected") && said.contains("nothing was sent"), "the page says why: {said}");
    wait_until_gone(browser, "[data-testid=wallet-address]", "the wallet's disconnect").await;

    // The wallet answers late: the app, no longer waiting, must not send it.
    browser.eval("window.__gtxTestWallet.control.release()").await;
    let deadline = Instant::now() + WAIT;
    let late: solana_signature::Signature = loop {
        let signed = browser.eval("return window.__gtxTestWallet.control.signatures").await;
        if let Some(s) = signed.as_array().and_then(|a| a.first()).and_then(|s| s.as_str()) {
            break s.parse().expect("a base58 signature");
        }
        assert!(Instant::now() < deadline, "the held request was never signed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // Longer than the app's own send and confirmation would take on localnet.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(stack.rpc().get_signature_status(&late).await.expect("status"), None, "the late signature was never sent");
    assert_eq!(stack.seat_on_chain(&stack.market(), trader).await, None, "nothing reached the chain");

    browser.click("[data-testid=connect]").await;
    browser.text("[data-testid=wallet-address]").await;
    browser.text_until("[data-testid=no-seat]", "the seat panel is back", |t| t.contains("No seat")).await;
    let button = browser.client.find(fantoccini::Locator::Css("[data-testid=claim-seat]")).await.expect("offered");
    assert!(button.is_enabled().await.unwrap(), "no pending state after a disconnect");
}

async fn wait_until_gone(browser: &Browser, css: &str, after: &str) {
    let deadline = Instant::now() + WAIT;
    while browser.client.find(fantoccini::Locator::Css(css)).await.is_ok() {
        assert!(Instant::now() < deadline, "{css} still shown after {after}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Deposit, a bid checked as typed, placed, shown in the book and the open orders, then
/// cancelled, and the funds withdrawn: each step confirmed on chain and mirrored back.
async fn trade_on_the_seat(stack: &Stack, browser: &Browser, trader: &anchor_lang::prelude::Pubkey) {
    let market = stack.market();
    // Every amount names its unit: the quote token by its name as the app knows it.
    let quote = stack.quote_name();
    browser.type_into("[data-testid=funds-quote]", "100").await;
    let status = browser.transact("[data-testid=deposit]", "the deposit settles").await;
    assert!(status.starts_with("Confirmed"), "deposit: {status}");
    browser.text_until("[data-testid=seat]", "the deposit is mirrored", |t| t.contains(&format!("100 {quote} free"))).await;
    assert_eq!(stack.seat_on_chain(&market, trader).await.map(|s| s.1), Some(100_000_000), "100 USDC free on chain");

    // Refused as typed, with the nearest valid values; the wallet is not asked.
    browser.type_into("[data-testid=order-size]", "2.5").await;
    browser.type_into("[data-testid=order-price]", "0.12").await;
    let check = browser.text_until("[data-testid=order-check]", "a size off the lot is refused", |t| t.contains("lots of")).await;
    assert!(check.contains("2 kWh or 3 kWh"), "{check}");
    let place = browser.client.find(fantoccini::Locator::Css("[data-testid=place-order]")).await.unwrap();
    assert!(!place.is_enabled().await.unwrap(), "an invalid order cannot be sent");
    browser.type_into("[data-testid=order-size]", "2000").await;
    browser.text_until("[data-testid=order-check]", "a bid above the balance is refused", |t| t.contains("deposit more")).await;

    // 2 kWh at 0.12: a resting bid locking 0.24 of the 100.
    browser.choose("[data-testid=order-type]", "post_only").await;
    browser.type_into("[data-testid=order-size]", "2").await;
    browser.text_until("[data-testid=order-check]", "the order is understood", |t| t == format!("Buy 2 kWh at 0.12 {quote} per kWh")).await;
    let status = browser.transact("[data-testid=place-order]", "the bid settles").await;
    assert!(status.starts_with("Confirmed"), "place: {status}");
    let open = browser.text_until("[data-testid=open-orders]", "the bid is listed", |t| t.contains("buy 2 kWh at 0.12")).await;
    assert_eq!(browser.count("[data-testid=open-order]").await, 1, "{open}");
    browser.text_until("[data-testid=depth]", "the bid is in the live book", |t| t.contains("0.12")).await;
    assert_eq!(stack.seat_on_chain(&market, trader).await.map(|s| s.2), Some(240_000), "0.24 locked on chain");

    let status = browser.transact("[data-testid=cancel-order]", "the cancel settles").await;
    assert!(status.starts_with("Confirmed"), "cancel: {status}");
    wait_until_gone(browser, "[data-testid=open-order]", "the cancel").await;
    browser.text_until("[data-testid=depth]", "the bid left the live book", |t| !t.contains("0.12")).await;

    browser.type_into("[data-testid=funds-quote]", "100").await;
    let status = browser.transact("[data-testid=withdraw]", "the withdrawal settles").await;
    assert!(status.starts_with("Confirmed"), "withdraw: {status}");
    browser.text_until("[data-testid=seat]", "the withdrawal is mirrored", |t| t.contains(&format!("· 0 {quote} free"))).await;
    assert_eq!(stack.seat_on_chain(&market, trader).await.map(|s| (s.1, s.2)), Some((0, 0)));
}
