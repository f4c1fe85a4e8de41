//! A new market through the council, from the form to the trade view. The bootstrap's own
//! create-market proposal is described in kWh and the quote currency. A member types a new
//! market in those units (a bad price step is refused in words), a second approves, and the
//! proposer — who pays the market account's rent — executes it: the chain holds the
//! parameters in atoms, and the markets list shows the new market.
use gridtokenx_browser_tests::{confirmed, council_page, Stack};
use solana_program_pack::Pack;
use solana_signer::Signer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_create_a_market_typed_in_kwh_and_the_quote_currency() {
    let stack = Stack::start().await;
    let quote_mint = create_quote_mint(&stack).await;
    let first = council_page(&stack, &stack.keys.members[0]).await;
    let second = council_page(&stack, &stack.keys.members[1]).await;
    // The bootstrap created the demo market through the council: its proposal in units.
    let quote = stack.quote_name();
    let bootstrap =
        format!("Create a market: energy against {quote}, lots of 1 kWh, price step 0.001 {quote} per kWh");
    first
        .text_until("[data-testid=proposals]", "the bootstrap's market in units", |t| t.contains(&bootstrap))
        .await;

    first.click("[data-testid=open-new-market]").await;
    first.type_into("[data-testid=new-market-quote]", &quote_mint.to_string()).await;
    first.type_into("[data-testid=new-market-lot]", "0.5").await;
    first.type_into("[data-testid=new-market-step]", "0.0000001").await;
    first.click("[data-testid=propose-new-market]").await;
    first
        .text_until("[data-testid=propose-error]", "a step finer than the quote's decimals is refused", |t| {
            t.contains("more than 6 decimals")
        })
        .await;
    first.type_into("[data-testid=new-market-step]", "0.002").await;
    first.type_into("[data-testid=new-market-fee]", "30").await;
    first.type_into("[data-testid=new-market-min]", "2").await;
    confirmed(
        "the proposal",
        first.transact("[data-testid=propose-new-market]", "the proposal settles").await,
    );
    first.text_until("[data-testid=propose-error]", "the error is cleared", str::is_empty).await;

    let words = "lots of 0.5 kWh, price step 0.002";
    let newest = "[data-testid=proposal]:first-child";
    first
        .text_until(newest, "the proposal is listed in units", |t| {
            t.contains(words) && t.contains("open · 1 of 2")
        })
        .await;
    second.text_until(newest, "the other member sees it", |t| t.contains(words)).await;
    confirmed("the approval", second.transact("[data-testid=approve]", "the approval settles").await);
    let waiting = second.text_until(newest, "approved", |t| t.contains("approved · 2 of 2")).await;
    assert!(waiting.contains("Awaits execution by"), "only the proposer pays the rent: {waiting}");
    assert_eq!(second.count("[data-testid=execute]").await, 0, "the approver cannot sign for the payer");
    first.text_until(newest, "the proposer sees it approved", |t| t.contains("approved · 2 of 2")).await;
    confirmed("the execution", first.transact("[data-testid=execute]", "the execution settles").await);
    first.text_until(newest, "executed", |t| t.contains(words) && t.contains("executed")).await;

    // On chain, in atoms: 0.5 kWh = 500 Wh; 0.002 per kWh × 0.5 kWh = 1000 quote atoms a
    // lot; 2 kWh = 4 lots.
    let index: u64 = first
        .client
        .find(fantoccini::Locator::Css(newest))
        .await
        .expect("the proposal")
        .attr("data-index")
        .await
        .expect("an index")
        .and_then(|i| i.parse().ok())
        .expect("a numeric index");
    let payer = stack.keys.members[0].pubkey();
    let seed = format!("market-{index}");
    let market =
        anchor_lang::prelude::Pubkey::create_with_seed(&payer, &seed, &market::ID).expect("a short seed");
    let header = stack.market_on_chain(&market).await.header;
    assert_eq!(
        (
            header.quote_mint,
            header.lot_size_base_atoms,
            header.tick_size_quote_atoms,
            header.taker_fee_bps,
            header.min_order_lots
        ),
        (quote_mint, 500, 1_000, 30, 4),
        "the market as typed, in atoms"
    );

    // The trade view lists what the indexer has ingested when it opens.
    let markets = format!("{}/markets", stack.api_url);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while first.get_json(&markets).await.as_array().map_or(0, Vec::len) < 2 {
        assert!(std::time::Instant::now() < deadline, "the indexer lists the new market");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    first.click("[data-testid=nav-trade]").await;
    first.text_until("[data-testid=markets]", "the new market is listed", |t| t.contains("fee 30 bps")).await;
    let problems = first.console_problems().await;
    assert!(problems.is_empty(), "the page logged: {problems:#?}");
    for page in [first, second] {
        page.client.close().await.expect("closes");
    }
}

/// A fresh 6-decimal quote mint (the demo market already pairs energy with the stack's).
async fn create_quote_mint(stack: &Stack) -> anchor_lang::prelude::Pubkey {
    use anchor_lang::solana_program::system_instruction;
    let payer = &stack.keys.members[2];
    let mint = solana_keypair::Keypair::new();
    let rpc = stack.rpc();
    let space = spl_token_interface::state::Mint::LEN;
    let rent = rpc.get_minimum_balance_for_rent_exemption(space).await.expect("the rent");
    let ixs = [
        system_instruction::create_account(
            &payer.pubkey(),
            &mint.pubkey(),
            rent,
            space as u64,
            &spl_token_interface::ID,
        ),
        spl_token_interface::instruction::initialize_mint2(
            &spl_token_interface::ID,
            &mint.pubkey(),
            &payer.pubkey(),
            None,
            6,
        )
        .expect("the SPL Token program id"),
    ];
    let blockhash = rpc.get_latest_blockhash().await.expect("a blockhash");
    let tx = solana_transaction::Transaction::new_signed_with_payer(
        &ixs,
        Some(&payer.pubkey()),
        &[payer, &mint],
        blockhash,
    );
    rpc.send_and_confirm_transaction(&tx).await.expect("the quote mint is created");
    mint.pubkey()
}
