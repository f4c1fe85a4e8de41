//! The council in the browser. A trader is offered no council view. One member proposes a
//! fee change from the admin view, a second approves and executes it from another page;
//! both pages follow the proposal from open to executed over the WebSocket, the chain holds
//! the new fee, and the trade view shows it. A guardian then pauses the system and the
//! members' view offers to propose resuming it. Screenshots at desktop and phone width.
use gridtokenx_browser_tests::{confirmed, connected_page, council_page, Stack};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_change_a_fee_through_a_proposal_and_a_guardian_pauses() {
    let stack = Stack::start().await;
    let market = stack.market();
    let before = stack.market_on_chain(&market).await.header.taker_fee_bps;
    let new_fee = if before == 25 { 30 } else { 25 };

    let trader = connected_page(&stack, &stack.keys.traders[0]).await;
    trader.text_until("[data-testid=markets]", "the market is listed", |t| t.contains(&format!("fee {before} bps"))).await;
    assert_eq!(trader.count("[data-testid=nav-council]").await, 0, "a trader is offered no council view");

    let first = council_page(&stack, &stack.keys.members[0]).await;
    first.text_until("[data-testid=proposals]", "the bootstrap's proposals are listed", |t| t.contains("executed")).await;
    first.type_into("[data-testid=propose-fee]", &new_fee.to_string()).await;
    confirmed("the proposal", first.transact("[data-testid=propose]", "the proposal settles").await);
    let wanted = format!("taker fee {new_fee} bps");
    let listed = first
        .text_until("[data-testid=proposals]", "the proposal is listed", |t| t.contains(&wanted) && t.contains("open · 1 of 2"))
        .await;
    assert!(listed.contains("trading open"), "the proposal keeps trading open: {listed}");
    assert_eq!(first.count("[data-testid=approve]").await, 0, "the proposer's approval is already counted");
    first.screenshot("council-desktop-proposed").await;

    let second = connected_page(&stack, &stack.keys.members[1]).await;
    second.click("[data-testid=nav-council]").await;
    second.text_until("[data-testid=proposals]", "the second member sees it", |t| t.contains(&wanted)).await;
    confirmed("the approval", second.transact("[data-testid=approve]", "the approval settles").await);
    for page in [&first, &second] {
        page.text_until("[data-testid=proposals]", "both pages see it approved", |t| t.contains("approved · 2 of 2")).await;
    }
    confirmed("the execution", second.transact("[data-testid=execute]", "the execution settles").await);
    for page in [&first, &second] {
        page.text_until("[data-testid=proposals]", "both pages see it executed", |t| {
            t.lines().any(|l| l.contains(&wanted) && l.contains("executed"))
        })
        .await;
    }
    assert_eq!(stack.market_on_chain(&market).await.header.taker_fee_bps, new_fee, "the chain holds the new fee");
    trader.client.refresh().await.expect("reloads");
    trader.text_until("[data-testid=markets]", "the trade view shows the new fee", |t| t.contains(&format!("fee {new_fee} bps"))).await;

    // The guardian stops everything at once; members are offered to propose resuming.
    let guardian = connected_page(&stack, &stack.keys.guardian).await;
    guardian.click("[data-testid=nav-council]").await;
    guardian.text_until("[data-testid=council]", "the guardian is recognised", |t| t.contains("you are a guardian")).await;
    assert_eq!(guardian.count("[data-testid=propose]").await, 0, "a guardian who is not a member cannot propose");
    confirmed("the pause", guardian.transact("[data-testid=pause]", "the pause settles").await);
    first.text_until("[data-testid=council]", "the members' page shows the pause", |t| t.contains("system paused")).await;
    first.text("[data-testid=propose-unpause]").await;
    first.phone_width(true).await;
    first.screenshot("council-phone-paused").await;

    for (who, page) in [("trader", &trader), ("first member", &first), ("second member", &second), ("guardian", &guardian)] {
        let problems = page.console_problems().await;
        assert!(problems.is_empty(), "the {who}'s page logged: {problems:#?}");
    }
    for page in [trader, first, second, guardian] {
        page.client.close().await.expect("closes");
    }
}
