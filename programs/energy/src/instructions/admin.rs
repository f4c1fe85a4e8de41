use anchor_lang::prelude::*;

use crate::error::EnergyError;
use crate::events::{AuthorityChanged, RulesUpdated};
use crate::state::{EnergyConfig, ReadingRules, CONFIG_SEED};

#[derive(Accounts)]
pub struct AdminConfig<'info> {
    #[account(address = config.authority @ EnergyError::Unauthorized)]
    pub authority: Signer<'info>,
    #[account(mut, seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<'info, EnergyConfig>,
}

pub fn update_rules(ctx: Context<AdminConfig>, rules: ReadingRules) -> Result<()> {
    rules.validate()?;
    ctx.accounts.config.rules = rules;
    crate::events::emit(RulesUpdated {
        interval_secs: rules.interval_secs,
        max_future_secs: rules.max_future_secs,
        max_staleness_secs: rules.max_staleness_secs,
        max_wh_per_interval: rules.max_wh_per_interval,
    });
    Ok(())
}

pub fn set_authority(ctx: Context<AdminConfig>, new_authority: Pubkey) -> Result<()> {
    let config = &mut ctx.accounts.config;
    crate::events::emit(AuthorityChanged { old: config.authority, new: new_authority });
    config.authority = new_authority;
    Ok(())
}
