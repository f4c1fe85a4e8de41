use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};
use governance::Council;

use crate::error::MarketError;
use crate::events::MarketCreated;
use crate::state::{
    pair_seeds, Market, MarketPair, PriceBand, BASE_VAULT_SEED, PAIR_SEED, QUOTE_VAULT_SEED,
    VAULT_AUTHORITY_SEED,
};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct CreateMarketParams {
    pub tick_size_quote_atoms: u64,
    pub lot_size_base_atoms: u64,
    pub taker_fee_bps: u16,
    pub price_band: Option<PriceBand>,
    /// A mint with a freeze authority is refused unless the council sets this: that
    /// authority could freeze a vault and trap every trader's funds (real USDC has one).
    pub allow_freeze_authority: bool,
    /// Smallest order in lots (0: none); see `MarketHeader::min_order_lots`.
    pub min_order_lots: u32,
}

pub const MAX_TAKER_FEE_BPS: u16 = 1_000;

/// Council-only: run through a governance proposal. `payer` (the proposal's executor)
/// pays rent for the vaults and the pair record. The pair record's address does not
/// depend on which mint is base and which is quote (`state::pair_seeds`), so one pair of
/// mints has at most one market.
#[derive(Accounts)]
pub struct CreateMarket<'info> {
    #[account(address = governance::client::council_address() @ MarketError::Unauthorized)]
    pub authority: Signer<'info>,
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(zero)]
    pub market: AccountLoader<'info, Market>,
    #[account(
        init,
        payer = payer,
        space = 8 + MarketPair::INIT_SPACE,
        seeds = [PAIR_SEED, pair_seeds(&base_mint.key(), &quote_mint.key())[0].as_ref(), pair_seeds(&base_mint.key(), &quote_mint.key())[1].as_ref()],
        bump,
    )]
    pub pair: Box<Account<'info, MarketPair>>,
    pub base_mint: Box<Account<'info, Mint>>,
    #[account(constraint = quote_mint.key() != base_mint.key() @ MarketError::InvalidMarketParams)]
    pub quote_mint: Box<Account<'info, Mint>>,
    #[account(
        init,
        payer = payer,
        seeds = [BASE_VAULT_SEED, market.key().as_ref()],
        bump,
        token::mint = base_mint,
        token::authority = vault_authority,
    )]
    pub base_vault: Box<Account<'info, TokenAccount>>,
    #[account(
        init,
        payer = payer,
        seeds = [QUOTE_VAULT_SEED, market.key().as_ref()],
        bump,
        token::mint = quote_mint,
        token::authority = vault_authority,
    )]
    pub quote_vault: Box<Account<'info, TokenAccount>>,
    /// CHECK: PDA that owns both vaults; holds no data.
    #[account(seeds = [VAULT_AUTHORITY_SEED, market.key().as_ref()], bump)]
    pub vault_authority: UncheckedAccount<'info>,
    #[account(address = governance::client::council_address() @ MarketError::InvalidCouncil)]
    pub council: AccountLoader<'info, Council>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<CreateMarket>, params: CreateMarketParams) -> Result<()> {
    require!(
        params.tick_size_quote_atoms > 0
            && params.lot_size_base_atoms > 0
            && params.taker_fee_bps <= MAX_TAKER_FEE_BPS,
        MarketError::InvalidMarketParams
    );
    require!(
        params.allow_freeze_authority
            || (ctx.accounts.base_mint.freeze_authority.is_none()
                && ctx.accounts.quote_mint.freeze_authority.is_none()),
        MarketError::MintHasFreezeAuthority
    );
    let market_key = ctx.accounts.market.key();
    let mut market = ctx.accounts.market.load_init()?;
    let header = &mut market.header;
    header.authority = ctx.accounts.authority.key();
    header.council = ctx.accounts.council.key();
    header.base_mint = ctx.accounts.base_mint.key();
    header.quote_mint = ctx.accounts.quote_mint.key();
    header.base_vault = ctx.accounts.base_vault.key();
    header.quote_vault = ctx.accounts.quote_vault.key();
    header.tick_size_quote_atoms = params.tick_size_quote_atoms;
    header.lot_size_base_atoms = params.lot_size_base_atoms;
    header.taker_fee_bps = params.taker_fee_bps;
    header.base_decimals = ctx.accounts.base_mint.decimals;
    header.quote_decimals = ctx.accounts.quote_mint.decimals;
    header.vault_authority_bump = ctx.bumps.vault_authority;
    header.min_order_lots = params.min_order_lots;
    header.set_price_band(params.price_band);
    market.book = crate::engine::BookHeader::empty();

    ctx.accounts.pair.market = market_key;
    ctx.accounts.pair.bump = ctx.bumps.pair;
    crate::events::emit(MarketCreated {
        market: market_key,
        base_mint: ctx.accounts.base_mint.key(),
        quote_mint: ctx.accounts.quote_mint.key(),
        tick_size_quote_atoms: params.tick_size_quote_atoms,
        lot_size_base_atoms: params.lot_size_base_atoms,
        taker_fee_bps: params.taker_fee_bps,
    });
    Ok(())
}
