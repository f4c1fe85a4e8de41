//! Instructions that only the council PDA can sign, i.e. that only run inside `execute`.
use anchor_lang::prelude::*;

use crate::error::GovernanceError;
use crate::events::{CouncilChanged, Unpaused};
use crate::state::{Council, CouncilConfig, COUNCIL_SEED};

#[derive(Accounts)]
pub struct CouncilOnly<'info> {
    #[account(
        mut,
        seeds = [COUNCIL_SEED],
        bump,
        constraint = council.to_account_info().is_signer @ GovernanceError::NotCouncil,
    )]
    pub council: AccountLoader<'info, Council>,
}

pub fn unpause(ctx: Context<CouncilOnly>) -> Result<()> {
    let mut council = ctx.accounts.council.load_mut()?;
    require!(council.is_paused(), GovernanceError::NotPaused);
    council.paused = 0;
    crate::events::emit(Unpaused { at: Clock::get()?.unix_timestamp });
    Ok(())
}

pub fn set_council(ctx: Context<CouncilOnly>, config: CouncilConfig) -> Result<()> {
    let mut council = ctx.accounts.council.load_mut()?;
    council.apply(&config)?;
    crate::events::emit(CouncilChanged {
        version: council.version,
        members: config.members,
        threshold: config.threshold,
        guardians: config.guardians,
    });
    Ok(())
}
