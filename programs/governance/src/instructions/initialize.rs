use anchor_lang::prelude::*;
use anchor_lang::solana_program::bpf_loader_upgradeable;

use crate::error::GovernanceError;
use crate::events::CouncilChanged;
use crate::state::{Council, CouncilConfig, COUNCIL_SEED};

#[derive(Accounts)]
pub struct Initialize<'info> {
    #[account(mut)]
    pub authority: Signer<'info>,
    #[account(init, payer = authority, space = Council::SPACE, seeds = [COUNCIL_SEED], bump)]
    pub council: AccountLoader<'info, Council>,
    /// Gate against front-running: only whoever may upgrade this program may create its
    /// council. The ProgramData address is derived, so no account can stand in for it.
    #[account(
        seeds = [crate::ID.as_ref()],
        bump,
        seeds::program = bpf_loader_upgradeable::ID,
        constraint = program_data.upgrade_authority_address == Some(authority.key())
            @ GovernanceError::NotUpgradeAuthority,
    )]
    pub program_data: Account<'info, ProgramData>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Initialize>, config: CouncilConfig) -> Result<()> {
    let mut council = ctx.accounts.council.load_init()?;
    council.bump = ctx.bumps.council;
    council.apply(&config)?;
    crate::events::emit(CouncilChanged {
        version: council.version,
        members: config.members,
        threshold: config.threshold,
        guardians: config.guardians,
    });
    Ok(())
}
