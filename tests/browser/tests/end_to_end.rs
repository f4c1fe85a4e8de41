//! The whole system end to end, the way its users meet it. A prosumer's meter readings,
//! attested by the oracle and posted by the simulator's own poster, mint energy to her; in
//! the browser she offers some of it on the book, and a buyer in another browser takes it.
//! The indexer's REST API and both pages (which follow its WebSocket) show the trade, the
//! balances and the fee, and the chain agrees: the market's quote vault holds every seat's
//! quote plus the fee. She then certifies a megawatt-hour of what her meter minted and
//! retires the certificate for the buyer. Finally the council pauses the market from the
//! admin view (one member proposes, a second approves and executes), and the buyer's next
//! order is refused with the reason shown. No page logs a console warning or error.
use gridtokenx_browser_tests::{confirmed, connected_page, council_page, place, seated, Stack};
use solana_program_pack::Pack;
use solana_signer::Signer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metered_energy_is_sold_certified_and_the_council_pauses_its_market() {
    let stack = Stack::start().await;
    let market = stack.market();
    let (buyer, prosumer) = (stack.keys.traders[0].insecure_clone(), stack.keys.traders[1].insecure_clone());

    // 22 attested readings: a baseline, then 50 kWh every 15 minutes, 1,050 kWh minted.
    let mut meter_id = [0u8; 32];
    meter_id[..10].copy_from_slice(b"E2E-ROOF-1");
    stack.register_meter(&prosumer, meter_id).await;
    let cumulative: Vec<u64> = (0..=21).map(|k| k * 50_000).collect();
    stack.attest_production(&prosumer, meter_id, &cumulative).await;

    // She deposits 5 kWh and rests an ask for 2 kWh at 0.12.
    let seller = seated(&stack, &prosumer).await;
    seller.type_into("[data-testid=funds-energy]", "5").await;
    confirmed(
        "the prosumer's deposit",
        seller.transact("[data-testid=deposit]", "the deposit settles").await,
    );
    seller
        .text_until("[data-testid=seat]", "her energy is in her seat", |t| t.contains("energy 5 kWh free"))
        .await;
    confirmed("her ask", place(&seller, "ask", "limit", "2", "0.12").await);
    seller
        .text_until("[data-testid=open-orders]", "her ask is listed", |t| t.contains("sell 2 kWh at 0.12"))
        .await;

    // The buyer, in another browser, sees the ask and takes it.
    let taker = seated(&stack, &buyer).await;
    taker.type_into("[data-testid=funds-quote]", "100").await;
    confirmed("the buyer's deposit", taker.transact("[data-testid=deposit]", "the deposit settles").await);
    taker.text_until("[data-testid=depth]", "the buyer's page shows the ask", |t| t.contains("0.12")).await;
    confirmed("the buyer's bid", place(&taker, "bid", "ioc", "2", "0.12").await);

    // Both pages follow the trade over the indexer's WebSocket.
    for (who, page, verb) in [("the prosumer", &seller, "sold"), ("the buyer", &taker, "bought")] {
        page.text_until("[data-testid=trades]", &format!("{who}'s page lists the trade"), |t| {
            t.contains("2 kWh at 0.12")
        })
        .await;
        let fill = format!("{verb} 2 kWh at 0.12");
        page.text_until("[data-testid=my-fills]", &format!("{who}'s fills show it"), |t| t.contains(&fill))
            .await;
    }
    taker
        .text_until("[data-testid=seat]", "the buyer received the energy", |t| {
            t.contains("energy 2 kWh free")
        })
        .await;
    seller
        .text_until("[data-testid=seat]", "the prosumer's energy left", |t| t.contains("energy 3 kWh free"))
        .await;

    // The chain: the fee the market accrued is the fill's, and the quote vault holds every
    // seat's quote plus that fee.
    let m = stack.market_on_chain(&market).await;
    let fee = m.book.header.fees_accrued_quote_atoms;
    assert!(fee > 0, "the taker paid a fee");
    let seats_quote: u64 = m.book.seats().iter().map(|(_, s)| s.quote_free + s.quote_locked).sum();
    let vault = stack.rpc().get_account_data(&m.header.quote_vault).await.expect("the quote vault");
    let vault = spl_token_interface::state::Account::unpack(&vault).expect("a token account");
    assert_eq!(vault.amount, seats_quote + fee, "the quote vault holds the seats' quote and the fee");
    let (_, b) = stack.seat(&market, &buyer.pubkey()).await.expect("the buyer's seat");
    let (_, p) = stack.seat(&market, &prosumer.pubkey()).await.expect("the prosumer's seat");
    assert_eq!((b.base_free, p.base_free, p.base_locked), (2_000, 3_000, 0), "energy moved on chain");
    let proceeds = gridtokenx_browser_tests::quote_text(p.quote_free);
    seller
        .text_until("[data-testid=seat]", "her proceeds are shown", |t| {
            t.contains(&format!("{proceeds} {} free", stack.quote_name()))
        })
        .await;

    // The indexer's REST API says the same, from the page's own origin.
    let api = &stack.api_url;
    let trades = taker.get_json(&format!("{api}/markets/{market}/trades")).await;
    let fill = &trades["fills"][0];
    assert_eq!(fill["maker"], prosumer.pubkey().to_string(), "{trades}");
    assert_eq!(fill["taker"], buyer.pubkey().to_string(), "{trades}");
    assert_eq!(fill["taker_side"], "bid", "{trades}");
    assert_eq!(fill["taker_fee_quote_atoms"], fee.to_string(), "the REST fill carries the fee: {trades}");
    assert_eq!(fill["quote_atoms"], "240000", "{trades}");
    for (who, key, seat) in [("buyer", buyer.pubkey(), &b), ("prosumer", prosumer.pubkey(), &p)] {
        let balances = taker.get_json(&format!("{api}/traders/{key}/balances")).await;
        let row =
            balances.as_array().and_then(|rows| rows.iter().find(|r| r["market"] == market.to_string()));
        let row = row.unwrap_or_else(|| panic!("the {who}'s balances list the market: {balances}"));
        assert_eq!(row["base_free"], seat.base_free.to_string(), "the {who}'s energy over REST");
        assert_eq!(row["quote_free"], seat.quote_free.to_string(), "the {who}'s quote over REST");
    }
    let stats = taker.get_json(&format!("{api}/stats")).await;
    assert_eq!(stats["fees_quote_atoms"], fee.to_string(), "{stats}");

    // She certifies 1 MWh of her meter's production and retires it for the buyer.
    seller.click("[data-testid=nav-produce]").await;
    seller
        .text_until("[data-testid=meter-summary]", "her meter's mints are shown", |t| {
            t.contains("1050 kWh minted")
        })
        .await;
    seller.type_into("[data-testid=rec-mwh]", "1").await;
    confirmed("the certificate", seller.transact("[data-testid=issue-rec]", "the issue settles").await);
    seller
        .text_until("[data-testid=certificates]", "the certificate is listed", |t| {
            t.contains("Certificate #0 · 1 MWh · active")
        })
        .await;
    let beneficiary = buyer.pubkey().to_string();
    seller.type_into("[data-testid=certificate]:nth-child(1) [data-testid=rec-to]", &beneficiary).await;
    confirmed(
        "the retirement",
        seller
            .transact(
                "[data-testid=certificate]:nth-child(1) [data-testid=retire-rec]",
                "the retirement settles",
            )
            .await,
    );
    seller
        .text_until("[data-testid=certificates]", "the retirement is shown", |t| {
            t.contains(&format!("retired for {beneficiary}"))
        })
        .await;
    let certs = seller.get_json(&format!("{api}/certificates?owner={}", prosumer.pubkey())).await;
    assert!(certs.to_string().contains("\"retired\""), "the indexer mirrors the retirement: {certs}");

    // The council pauses the market: one member proposes from the admin view, another
    // approves and executes.
    let first = council_page(&stack, &stack.keys.members[0]).await;
    first.type_into("[data-testid=propose-fee]", &m.header.taker_fee_bps.to_string()).await;
    first.choose("[data-testid=propose-trading]", "paused").await;
    confirmed("the proposal", first.transact("[data-testid=propose]", "the proposal settles").await);
    let second = connected_page(&stack, &stack.keys.members[1]).await;
    second.click("[data-testid=nav-council]").await;
    second
        .text_until("[data-testid=proposals]", "the second member sees it", |t| t.contains("trading paused"))
        .await;
    confirmed("the approval", second.transact("[data-testid=approve]", "the approval settles").await);
    confirmed("the execution", second.transact("[data-testid=execute]", "the execution settles").await);
    assert_ne!(stack.market_on_chain(&market).await.header.paused, 0, "the market is paused on chain");

    // The buyer's page shows the market paused, and a new order is refused with the reason.
    taker.client.refresh().await.expect("reloads");
    taker
        .text_until("[data-testid=connect]", "the wallet is offered again", |t| {
            t.contains("GridTokenX Test Wallet")
        })
        .await;
    taker.click("[data-testid=connect]").await;
    taker.text("[data-testid=wallet-address]").await;
    taker.text_until("[data-testid=markets]", "the market is shown paused", |t| t.contains("paused")).await;
    taker.text_until("[data-testid=seat]", "the seat is shown again", |t| t.starts_with("Seat #")).await;
    let refused = place(&taker, "bid", "limit", "1", "0.10").await;
    assert!(refused.starts_with("Failed") && refused.contains("paused"), "the refusal says why: {refused}");

    for (who, page) in
        [("prosumer", &seller), ("buyer", &taker), ("first member", &first), ("second member", &second)]
    {
        let problems = page.console_problems().await;
        assert!(problems.is_empty(), "the {who}'s page logged: {problems:#?}");
    }
    for page in [seller, taker, first, second] {
        page.client.close().await.expect("closes");
    }
}
