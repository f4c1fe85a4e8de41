use anchor_lang::prelude::*;

use crate::error::GovernanceError;
use crate::events::Paused;
use crate::state::{Council, COUNCIL_SEED};

#[derive(Accounts)]
pub struct Pause<'info> {
    pub guardian: Signer<'info>,
    #[account(mut, seeds = [COUNCIL_SEED], bump)]
    pub council: AccountLoader<'info, Council>,
}

pub fn handler(ctx: Context<Pause>) -> Result<()> {
    let mut council = ctx.accounts.council.load_mut()?;
    let key = ctx.accounts.guardian.key;
    require!(
        council.guardians().contains(key) || council.member_index(key).is_some(),
        GovernanceError::NotGuardian
    );
    require!(!council.is_paused(), GovernanceError::AlreadyPaused);
    council.paused = 1;
    crate::events::emit(Paused { by: *key, at: Clock::get()?.unix_timestamp });
    Ok(())
}
