use anchor_lang::prelude::*;
use anchor_lang::solana_program::bpf_loader_upgradeable;
use anchor_spl::token::{Mint, Token};
use governance::Council;

use crate::error::EnergyError;
use crate::state::{EnergyConfig, ReadingRules, CONFIG_SEED, ENERGY_DECIMALS, ENERGY_MINT_SEED};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializeParams {
    /// The cluster's genesis hash.
    pub cluster_tag: [u8; 32],
    pub rules: ReadingRules,
}

#[derive(Accounts)]
pub struct Initialize<'info> {
    #[account(mut)]
    pub authority: Signer<'info>,
    #[account(init, payer = authority, space = 8 + EnergyConfig::INIT_SPACE, seeds = [CONFIG_SEED], bump)]
    pub config: Account<'info, EnergyConfig>,
    /// The only energy mint; its sole mint authority is `config`, used only by submit_reading.
    #[account(
        init,
        payer = authority,
        seeds = [ENERGY_MINT_SEED],
        bump,
        mint::decimals = ENERGY_DECIMALS,
        mint::authority = config,
    )]
    pub energy_mint: Account<'info, Mint>,
    #[account(address = governance::client::council_address() @ EnergyError::InvalidCouncil)]
    pub council: AccountLoader<'info, Council>,
    /// Only whoever may upgrade this program may initialize it: nothing to front-run.
    #[account(
        seeds = [crate::ID.as_ref()],
        bump,
        seeds::program = bpf_loader_upgradeable::ID,
        constraint = program_data.upgrade_authority_address == Some(authority.key())
            @ EnergyError::NotUpgradeAuthority,
    )]
    pub program_data: Account<'info, ProgramData>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Initialize>, params: InitializeParams) -> Result<()> {
    params.rules.validate()?;
    let council = ctx.accounts.council.key();
    ctx.accounts.config.set_inner(EnergyConfig {
        authority: council,
        council,
        energy_mint: ctx.accounts.energy_mint.key(),
        cluster_tag: params.cluster_tag,
        rules: params.rules,
        total_minted_wh: 0,
        total_certified_wh: 0,
        total_retired_wh: 0,
        rec_count: 0,
        bump: ctx.bumps.config,
    });
    Ok(())
}
