//! Boots a complete deployment the way production does: the upgrade authority initializes
//! governance and energy; the oracle and the market come through council proposals. Shared
//! by localnet's ready world and the program test suite.
use anchor_lang::prelude::Pubkey;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_program_test::{BanksClientError, ProgramTestContext};
use solana_signer::Signer;
use solana_transaction::Transaction;

use crate::keys::DeploymentKeys;

pub const QUOTE_DECIMALS: u8 = 6;
/// 1 lot = 1 kWh = 1000 energy atoms (Wh); 1 tick = 0.001 quote per kWh.
pub const LOT_SIZE: u64 = 1_000;
pub const TICK_SIZE: u64 = 1_000;
pub const TAKER_FEE_BPS: u16 = 25;

pub fn default_reading_rules() -> energy::state::ReadingRules {
    energy::state::ReadingRules {
        interval_secs: 900,
        max_future_secs: 60,
        max_staleness_secs: 86_400,
        max_wh_per_interval: 50_000,
    }
}

/// What bootstrap created.
#[derive(Clone, Debug)]
pub struct Deployment {
    pub energy_mint: Pubkey,
    pub quote_mint: Pubkey,
    pub market: Pubkey,
    pub cluster_tag: [u8; 32],
    /// Index the next governance proposal gets.
    pub next_proposal: u64,
}

/// Signs with `signers` (the first pays) and processes against the latest blockhash.
///
/// Processed in the banks server's request, as every later transaction of localnet and the
/// program suite is, not through `process_transaction`: that one hands the transaction to
/// the server's sender thread and returns once its status is in the bank, which is before
/// the thread releases the transaction's account locks — the next transaction on the same
/// accounts could then be refused with `AccountInUse` (seen once in four `make test` runs).
pub async fn send(
    ctx: &mut ProgramTestContext,
    ixs: &[Instruction],
    signers: &[&Keypair],
) -> Result<(), BanksClientError> {
    let blockhash = ctx.banks_client.get_latest_blockhash().await?;
    let payer = signers.first().map(|k| k.pubkey());
    let tx = Transaction::new_signed_with_payer(ixs, payer.as_ref(), signers, blockhash);
    let outcome = ctx.banks_client.process_transaction_with_metadata(tx).await?;
    outcome.result.map_err(BanksClientError::TransactionError)
}

pub async fn transfer_lamports(
    ctx: &mut ProgramTestContext,
    to: &Pubkey,
    lamports: u64,
) -> Result<(), BanksClientError> {
    let payer = ctx.payer.insecure_clone();
    send(ctx, &[solana_system_interface::instruction::transfer(&payer.pubkey(), to, lamports)], &[&payer])
        .await
}

/// Runs `ix` under the council PDA: member 0 proposes (and pays and executes), member 1
/// approves. Returns the proposal index used.
pub async fn council_exec(
    ctx: &mut ProgramTestContext,
    keys: &DeploymentKeys,
    index: u64,
    ix: &Instruction,
) -> Result<(), BanksClientError> {
    let (proposer, approver) = (&keys.members[0], &keys.members[1]);
    send(ctx, &[governance::client::propose(proposer.pubkey(), index, ix, 0)], &[proposer]).await?;
    send(ctx, &[governance::client::approve(approver.pubkey(), index)], &[approver]).await?;
    send(ctx, &[governance::client::execute(proposer.pubkey(), index, ix)], &[proposer]).await
}

pub async fn create_mint(
    ctx: &mut ProgramTestContext,
    mint: &Keypair,
    authority: &Pubkey,
    decimals: u8,
) -> Result<(), BanksClientError> {
    let payer = ctx.payer.insecure_clone();
    let rent = ctx.banks_client.get_rent().await?;
    let space = <spl_token_interface::state::Mint as solana_program_pack::Pack>::LEN;
    let ixs = [
        solana_system_interface::instruction::create_account(
            &payer.pubkey(),
            &mint.pubkey(),
            rent.minimum_balance(space),
            space as u64,
            &spl_token_interface::ID,
        ),
        spl_token_interface::instruction::initialize_mint2(
            &spl_token_interface::ID,
            &mint.pubkey(),
            authority,
            None,
            decimals,
        )
        // Only a wrong token program id is refused, and this is the right one.
        .expect("initialize_mint2 accepts the SPL Token program id"),
    ];
    send(ctx, &ixs, &[&payer, mint]).await
}

/// Allocates the market account (too large for a CPI allocation) and creates the market
/// through the council.
pub async fn create_market(
    ctx: &mut ProgramTestContext,
    keys: &DeploymentKeys,
    proposal: u64,
    market: &Keypair,
    base_mint: Pubkey,
    quote_mint: Pubkey,
    price_band: Option<market::state::PriceBand>,
) -> Result<(), BanksClientError> {
    let payer = &keys.members[0];
    let rent = ctx.banks_client.get_rent().await?;
    let space = market::state::Market::SPACE;
    let alloc = solana_system_interface::instruction::create_account(
        &payer.pubkey(),
        &market.pubkey(),
        rent.minimum_balance(space),
        space as u64,
        &market::ID,
    );
    send(ctx, &[alloc], &[payer, market]).await?;
    let ix = market::client::create_market(
        governance::client::council_address(),
        payer.pubkey(),
        market.pubkey(),
        base_mint,
        quote_mint,
        market::instructions::CreateMarketParams {
            tick_size_quote_atoms: TICK_SIZE,
            lot_size_base_atoms: LOT_SIZE,
            taker_fee_bps: TAKER_FEE_BPS,
            price_band,
            allow_freeze_authority: false,
            min_order_lots: 1,
        },
    );
    council_exec(ctx, keys, proposal, &ix).await
}

/// Funds the deployment's people, initializes both programs, registers the oracle,
/// creates the quote mint and the market.
pub async fn deploy(
    ctx: &mut ProgramTestContext,
    keys: &DeploymentKeys,
    cluster_tag: [u8; 32],
) -> Result<Deployment, BanksClientError> {
    let people: Vec<Pubkey> = std::iter::once(keys.upgrade_authority.pubkey())
        .chain(keys.members.iter().map(|m| m.pubkey()))
        .chain([keys.guardian.pubkey()])
        .chain(keys.traders.iter().map(|t| t.pubkey()))
        .collect();
    for key in &people {
        transfer_lamports(ctx, key, 100_000_000_000).await?;
    }
    let council = governance::client::council_address();
    let config = governance::instructions::CouncilConfig {
        members: keys.members.iter().map(|m| m.pubkey()).collect(),
        threshold: 2,
        guardians: vec![keys.guardian.pubkey()],
    };
    let authority = &keys.upgrade_authority;
    send(ctx, &[governance::client::initialize(authority.pubkey(), config)], &[authority]).await?;
    let params = energy::instructions::InitializeParams { cluster_tag, rules: default_reading_rules() };
    send(ctx, &[energy::client::initialize(authority.pubkey(), params)], &[authority]).await?;
    let register = energy::client::register_oracle(council, keys.members[0].pubkey(), keys.oracle.pubkey());
    council_exec(ctx, keys, 0, &register).await?;
    create_mint(ctx, &keys.quote_mint, &keys.quote_mint_authority.pubkey(), QUOTE_DECIMALS).await?;
    let energy_mint = energy::client::energy_mint_address();
    create_market(ctx, keys, 1, &keys.market, energy_mint, keys.quote_mint.pubkey(), None).await?;
    Ok(Deployment {
        energy_mint,
        quote_mint: keys.quote_mint.pubkey(),
        market: keys.market.pubkey(),
        cluster_tag,
        next_proposal: 2,
    })
}

/// The demo price feed's address (a `PriceUpdateV2` account owned by the Pyth receiver
/// program), quoting one kWh in USDC; the demo market starts without a band.
pub fn demo_price_feed_address() -> Pubkey {
    Pubkey::find_program_address(&[b"gridtokenx-demo-price-feed"], &market::pyth::PYTH_RECEIVER_ID).0
}

/// 10,000 demo USDC per trader, and the demo Pyth price account (0.12 USDC/kWh, fully
/// verified, refreshed by `refresh_demo_price`).
pub async fn fund_demo(
    ctx: &mut ProgramTestContext,
    keys: &DeploymentKeys,
    d: &Deployment,
) -> Result<(), BanksClientError> {
    let payer = ctx.payer.insecure_clone();
    for trader in &keys.traders {
        let ata = spl_associated_token_account_interface::address::get_associated_token_address(
            &trader.pubkey(),
            &d.quote_mint,
        );
        let create =
            spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
                &payer.pubkey(),
                &trader.pubkey(),
                &d.quote_mint,
                &spl_token_interface::ID,
            );
        let mint = spl_token_interface::instruction::mint_to(
            &spl_token_interface::ID,
            &d.quote_mint,
            &ata,
            &keys.quote_mint_authority.pubkey(),
            &[],
            10_000 * 10u64.pow(u32::from(QUOTE_DECIMALS)),
        )
        .expect("mint_to accepts the SPL Token program id");
        send(ctx, &[create, mint], &[&payer, &keys.quote_mint_authority]).await?;
    }
    let now = ctx.banks_client.get_sysvar::<solana_clock::Clock>().await?.unix_timestamp;
    refresh_demo_price(ctx, now);
    Ok(())
}

/// Writes the demo price account as the Pyth receiver would after a fresh update.
pub fn refresh_demo_price(ctx: &mut ProgramTestContext, publish_time: i64) {
    use market::pyth::{PriceFeedMessage, PriceUpdateV2, VerificationLevel};
    let update = PriceUpdateV2 {
        write_authority: Pubkey::default(),
        verification_level: VerificationLevel::Full,
        price_message: PriceFeedMessage {
            feed_id: DEMO_FEED_ID,
            price: 12,
            conf: 1,
            exponent: -2,
            publish_time,
            prev_publish_time: publish_time,
            ema_price: 12,
            ema_conf: 1,
        },
        posted_slot: 0,
    };
    let account = solana_account::Account {
        lamports: 10_000_000,
        data: update.to_account_data(),
        owner: market::pyth::PYTH_RECEIVER_ID,
        executable: false,
        rent_epoch: 0,
    };
    ctx.set_account(&demo_price_feed_address(), &account.into());
}

/// The demo feed's id (arbitrary; real feeds are Pyth's 32-byte ids).
pub const DEMO_FEED_ID: [u8; 32] = *b"gridtokenx-demo-kwh-usdc-feed-id";
