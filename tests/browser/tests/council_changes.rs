//! The council's other proposals, from the forms to the chain. Two members propose and
//! approve, in two pages: a price band against the demo Pyth feed (its feed id read from
//! the account), a new oracle (the proposer pays its record, so only the proposer can
//! execute it), a meter's suspension, and a second guardian in a new council. Each is
//! described in words in the list, and the chain holds what was executed. Bad input is
//! refused in words before the wallet is asked.
use gridtokenx_browser_tests::{confirmed, council_page, Browser, Stack};
use gridtokenx_indexer::ingest::decode::{self, ProgramAccount};
use gridtokenx_localnet::bootstrap::{demo_price_feed_address, DEMO_FEED_ID};
use solana_signer::Signer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_propose_a_band_an_oracle_a_suspension_and_a_council() {
    let stack = Stack::start().await;
    let market = stack.market();
    let fee = stack.market_on_chain(&market).await.header.taker_fee_bps;
    let first = council_page(&stack, &stack.keys.members[0]).await;
    let second = council_page(&stack, &stack.keys.members[1]).await;

    // The price band: a typo is refused in words, then the demo feed.
    first.click("[data-testid=open-band]").await;
    first
        .text_until("[data-testid=band-now]", "the market has no band yet", |t| t.contains("no price band"))
        .await;
    first.type_into("[data-testid=band-feed]", "not-a-feed").await;
    first.click("[data-testid=propose-band]").await;
    first
        .text_until("[data-testid=propose-error]", "a bad feed is refused", |t| t.contains("not an address"))
        .await;
    first.type_into("[data-testid=band-feed]", &stack.market().to_string()).await;
    first.click("[data-testid=propose-band]").await;
    first
        .text_until("[data-testid=propose-error]", "a market is no price feed", |t| {
            t.contains("not a Pyth price account")
        })
        .await;
    first.type_into("[data-testid=band-feed]", &demo_price_feed_address().to_string()).await;
    first.type_into("[data-testid=band-deviation]", "500").await;
    first.type_into("[data-testid=band-staleness]", "120").await;
    confirmed(
        "the band proposal",
        first.transact("[data-testid=propose-band]", "the band proposal settles").await,
    );
    first.text_until("[data-testid=propose-error]", "the error is cleared", str::is_empty).await;
    approve_and_execute(&first, &second, &second, "price band ±500 bps").await;
    let band =
        stack.market_on_chain(&market).await.header.price_band().expect("the market has a band on chain");
    assert_eq!(
        (band.price_feed, band.feed_id, band.max_deviation_bps, band.max_staleness_secs),
        (demo_price_feed_address(), DEMO_FEED_ID, 500, 120),
        "the band as proposed, its feed id read from the Pyth account"
    );
    assert_eq!(stack.market_on_chain(&market).await.header.taker_fee_bps, fee, "the fee is kept as it was");
    // The trade view draws the band around the Pyth reference (0.12 per kWh on the demo feed).
    first.click("[data-testid=nav-trade]").await;
    first
        .text_until("[data-testid=candle-summary]", "the chart shows the band", |t| {
            t.contains("Pyth reference 0.12")
        })
        .await;
    first.screenshot("trade-desktop-band").await;
    first.click("[data-testid=nav-council]").await;

    // A new oracle: the proposer pays its record, so only the proposer can execute.
    let oracle = solana_keypair::Keypair::new().pubkey();
    first.click("[data-testid=open-oracles]").await;
    first.text_until("[data-testid=oracles]", "the demo oracle is listed", |t| t.contains("active")).await;
    first.type_into("[data-testid=oracle-address]", &stack.keys.oracle.pubkey().to_string()).await;
    first.click("[data-testid=propose-oracle-register]").await;
    first
        .text_until("[data-testid=propose-error]", "a registered oracle is refused", |t| {
            t.contains("already registered")
        })
        .await;
    first.type_into("[data-testid=oracle-address]", &oracle.to_string()).await;
    confirmed(
        "the oracle proposal",
        first.transact("[data-testid=propose-oracle-register]", "the oracle proposal settles").await,
    );
    approve_and_execute(&first, &second, &first, "Register oracle").await;
    let record =
        stack.rpc().get_account(&energy::client::oracle_address(&oracle)).await.expect("the oracle's record");
    let Ok(Some(ProgramAccount::Oracle(o))) = decode::account(&record.owner, &record.data) else {
        panic!("not an oracle record")
    };
    assert!(o.active && o.oracle == oracle, "the oracle is registered and active on chain");
    first
        .text_until("[data-testid=oracles]", "the new oracle is listed", |t| t.matches("active").count() == 2)
        .await;

    // A meter suspended by its account's address.
    let owner = stack.keys.traders[1].insecure_clone();
    let meter_id: [u8; 32] = rand::random();
    stack.register_meter(&owner, meter_id).await;
    let meter = energy::client::meter_address(&meter_id, &owner.pubkey());
    first.click("[data-testid=open-meter]").await;
    first.type_into("[data-testid=meter-address]", &meter.to_string()).await;
    confirmed(
        "the suspension proposal",
        first.transact("[data-testid=propose-meter]", "the suspension proposal settles").await,
    );
    approve_and_execute(&first, &second, &second, "suspended").await;
    let account = stack.rpc().get_account(&meter).await.expect("the meter");
    let Ok(Some(ProgramAccount::Meter(m))) = decode::account(&account.owner, &account.data) else {
        panic!("not a meter")
    };
    assert_eq!(m.status, energy::state::MeterStatus::Suspended, "the meter is suspended on chain");

    // A second guardian; the form starts from the council as it is.
    let guardian = solana_keypair::Keypair::new().pubkey();
    first.click("[data-testid=open-council]").await;
    let members =
        first.client.find(fantoccini::Locator::Css("[data-testid=council-members]")).await.expect("the form");
    let shown = members.prop("value").await.expect("a value").unwrap_or_default();
    assert_eq!(shown.lines().count(), 3, "the three members are filled in: {shown}");
    first.type_into("[data-testid=council-threshold]", "4").await;
    first.click("[data-testid=propose-council]").await;
    first
        .text_until("[data-testid=propose-error]", "an impossible threshold is refused", |t| {
            t.contains("threshold <= members")
        })
        .await;
    first.type_into("[data-testid=council-threshold]", "2").await;
    first
        .type_into(
            "[data-testid=council-guardians]",
            &format!("{}, {guardian}", stack.keys.guardian.pubkey()),
        )
        .await;
    first.phone_width(true).await;
    first.screenshot("council-phone-forms").await;
    first.phone_width(false).await;
    confirmed(
        "the council proposal",
        first.transact("[data-testid=propose-council]", "the council proposal settles").await,
    );
    approve_and_execute(&first, &second, &second, "Change the council").await;
    first
        .text_until("[data-testid=council]", "the page shows two guardians", |t| t.contains("2 guardians"))
        .await;
    // The market records the council it answers to.
    let council = stack.market_on_chain(&market).await.header.council;
    let council = stack.rpc().get_account(&council).await.expect("the council");
    let Ok(Some(ProgramAccount::Council(c))) = decode::account(&council.owner, &council.data) else {
        panic!("not the council")
    };
    assert_eq!(c.guardians(), [stack.keys.guardian.pubkey(), guardian], "the chain holds both guardians");
    assert_eq!(c.threshold, 2);
    first.screenshot("council-desktop-forms").await;

    for (who, page) in [("first member", &first), ("second member", &second)] {
        let problems = page.console_problems().await;
        assert!(problems.is_empty(), "the {who}'s page logged: {problems:#?}");
    }
    for page in [first, second] {
        page.client.close().await.expect("closes");
    }
}

/// The newest proposal, which `words` describe, is open with the proposer's approval; the
/// approver approves it from the other page, `executor` executes it, and both pages follow
/// it to executed.
async fn approve_and_execute(proposer: &Browser, approver: &Browser, executor: &Browser, words: &str) {
    let newest = "[data-testid=proposal]:first-child";
    proposer
        .text_until(newest, "the proposal is listed in words", |t| {
            t.contains(words) && t.contains("open · 1 of 2")
        })
        .await;
    approver.text_until(newest, "the other member sees it", |t| t.contains(words)).await;
    confirmed("the approval", approver.transact("[data-testid=approve]", "the approval settles").await);
    for page in [proposer, approver] {
        page.text_until(newest, "both pages see it approved", |t| t.contains("approved · 2 of 2")).await;
    }
    if !std::ptr::eq(executor, approver) {
        let other = approver.text(newest).await;
        assert!(other.contains("Awaits execution by"), "the approver is told who executes: {other}");
        assert_eq!(
            approver.count("[data-testid=execute]").await,
            0,
            "the approver cannot sign for the payer"
        );
    }
    confirmed("the execution", executor.transact("[data-testid=execute]", "the execution settles").await);
    for page in [proposer, approver] {
        page.text_until(newest, "both pages see it executed", |t| {
            t.contains(words) && t.contains("executed")
        })
        .await;
    }
}
