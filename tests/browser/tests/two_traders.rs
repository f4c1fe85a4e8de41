//! Two traders in two browsers meet on the live book. Alice rests a bid from her page; Bob,
//! whose meter's attested production minted him energy, sells into it from his. Both pages
//! follow the indexer's WebSocket — book, recent trades, open orders, fills, balances — and
//! the chain is checked against them, fee included. An order the program refuses shows the
//! program's own reason. Every main view is saved as a screenshot at desktop and phone
//! width, and neither page logs a console error or warning along the way.
use gridtokenx_browser_tests::{confirmed, place, seated, Stack};
use solana_signer::Signer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_wallet_takes_a_resting_bid_and_both_pages_follow() {
    let stack = Stack::start().await;
    let market = stack.market();
    let (alice, bob) = (stack.keys.traders[0].insecure_clone(), stack.keys.traders[1].insecure_clone());
    // 5 kWh from Bob's meter, attested by the oracle and minted to him on chain.
    stack.produce_energy(&bob, 5_000).await;

    let alice_page = seated(&stack, &alice).await;
    let bob_page = seated(&stack, &bob).await;
    alice_page.screenshot("trade-desktop-seated").await;

    // Alice deposits 100 USDC and rests a bid for 2 kWh at 0.12.
    alice_page.type_into("[data-testid=funds-quote]", "100").await;
    confirmed(
        "Alice's deposit",
        alice_page.transact("[data-testid=deposit]", "Alice's deposit settles").await,
    );
    let bid = place(&alice_page, "bid", "limit", "2", "0.12").await;
    confirmed("Alice's bid", bid);
    alice_page
        .text_until("[data-testid=open-orders]", "Alice's bid is listed", |t| t.contains("buy 2 kWh at 0.12"))
        .await;
    bob_page.text_until("[data-testid=depth]", "Bob's page shows Alice's bid", |t| t.contains("0.12")).await;
    bob_page.text_until("[data-testid=spread]", "one side only", |t| t.contains("one side is empty")).await;

    // Bob deposits his 5 kWh.
    bob_page.type_into("[data-testid=funds-energy]", "5").await;
    confirmed("Bob's deposit", bob_page.transact("[data-testid=deposit]", "Bob's deposit settles").await);
    bob_page
        .text_until("[data-testid=seat]", "Bob's energy is in his seat", |t| t.contains("energy 5 kWh free"))
        .await;

    // A post-only ask at the bid's price would trade: the program refuses it, and the page
    // says why in the program's words; nothing is left pending.
    let refused = place(&bob_page, "ask", "post_only", "1", "0.12").await;
    assert!(
        refused.starts_with("Failed") && refused.contains("post-only order would cross the book"),
        "{refused}"
    );
    let button =
        bob_page.client.find(fantoccini::Locator::Css("[data-testid=place-order]")).await.expect("offered");
    assert!(button.is_enabled().await.unwrap(), "the form is usable again after a refusal");

    // Bob sells 2 kWh into the bid, immediate-or-cancel.
    confirmed("Bob's sale", place(&bob_page, "ask", "ioc", "2", "0.12").await);
    for (who, page, verb) in [("Alice", &alice_page, "bought"), ("Bob", &bob_page, "sold")] {
        page.text_until("[data-testid=trades]", &format!("{who}'s page lists the trade"), |t| {
            t.contains("2 kWh at 0.12")
        })
        .await;
        page.text_until("[data-testid=depth]", &format!("the bid left {who}'s book"), |t| {
            !t.contains("0.12")
        })
        .await;
        let fill = format!("{verb} 2 kWh at 0.12");
        page.text_until("[data-testid=my-fills]", &format!("{who}'s fills show it from their side"), |t| {
            t.contains(&fill)
        })
        .await;
    }
    // The candle chart follows the trade (the indexer's 1-minute candles), in the quote token.
    let close = format!("1 candle: last close 0.12 {} per kWh", stack.quote_name());
    alice_page
        .text_until("[data-testid=candle-summary]", "the chart has the trade's candle", |t| {
            t.contains(&close)
        })
        .await;
    alice_page
        .text_until("[data-testid=open-orders]", "Alice's filled bid is no longer open", |t| {
            !t.contains("buy 2 kWh")
        })
        .await;
    alice_page
        .text_until("[data-testid=seat]", "Alice received the energy", |t| t.contains("energy 2 kWh free"))
        .await;
    bob_page.text_until("[data-testid=seat]", "Bob's energy left", |t| t.contains("energy 3 kWh free")).await;

    // The chain agrees: the maker paid 0.24 and got 2 kWh; the taker got 0.24 less the
    // taker fee, which the market holds.
    let m = stack.market_on_chain(&market).await;
    let fee = 240_000 * u64::from(m.header.taker_fee_bps) / 10_000;
    let (_, a) = stack.seat(&market, &alice.pubkey()).await.expect("Alice's seat");
    let (_, b) = stack.seat(&market, &bob.pubkey()).await.expect("Bob's seat");
    assert_eq!(
        (a.base_free, a.quote_free, a.quote_locked),
        (2_000, 100_000_000 - 240_000, 0),
        "Alice on chain"
    );
    assert_eq!((b.base_free, b.quote_free), (3_000, 240_000 - fee), "Bob on chain");
    assert_eq!(m.book.header.fees_accrued_quote_atoms, fee, "the market holds the taker fee");
    let shown_quote =
        format!("{} {} free", gridtokenx_browser_tests::quote_text(240_000 - fee), stack.quote_name());
    bob_page.text_until("[data-testid=seat]", "Bob's proceeds are shown", |t| t.contains(&shown_quote)).await;

    // For docs/benchmarks.md: book delta published → next frame painted with it, per page.
    let mut paints: Vec<f64> = Vec::new();
    for page in [&alice_page, &bob_page] {
        let v = page.eval("return window.__gtx_book_paint_ms ?? []").await;
        paints.extend(v.as_array().into_iter().flatten().filter_map(serde_json::Value::as_f64));
    }
    assert!(!paints.is_empty(), "the pages recorded their book repaints");
    paints.sort_by(f64::total_cmp);
    println!(
        "book delta to repaint: {} samples, median {:.0} ms, max {:.0} ms",
        paints.len(),
        paints[paints.len() / 2],
        paints[paints.len() - 1]
    );

    for (who, page) in [("alice", &alice_page), ("bob", &bob_page)] {
        page.screenshot(&format!("trade-desktop-{who}-after-trade")).await;
        page.phone_width(true).await;
        page.screenshot(&format!("trade-phone-{who}-after-trade")).await;
        page.phone_width(false).await;
        let problems = page.console_problems().await;
        assert!(problems.is_empty(), "{who}'s page logged: {problems:#?}");
    }
    alice_page.client.close().await.expect("closes");
    bob_page.client.close().await.expect("closes");
}
