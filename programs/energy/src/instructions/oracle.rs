use anchor_lang::prelude::*;

use crate::error::EnergyError;
use crate::events::{OracleRegistered, OracleStatusChanged};
use crate::state::{EnergyConfig, Oracle, CONFIG_SEED, ORACLE_SEED};

#[derive(Accounts)]
#[instruction(oracle: Pubkey)]
pub struct RegisterOracle<'info> {
    #[account(address = config.authority @ EnergyError::Unauthorized)]
    pub authority: Signer<'info>,
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<'info, EnergyConfig>,
    #[account(init, payer = payer, space = 8 + Oracle::INIT_SPACE, seeds = [ORACLE_SEED, oracle.as_ref()], bump)]
    pub oracle_account: Account<'info, Oracle>,
    pub system_program: Program<'info, System>,
}

pub fn register(ctx: Context<RegisterOracle>, oracle: Pubkey) -> Result<()> {
    ctx.accounts.oracle_account.set_inner(Oracle {
        oracle,
        active: true,
        registered_at: Clock::get()?.unix_timestamp,
        readings_attested: 0,
        bump: ctx.bumps.oracle_account,
    });
    crate::events::emit(OracleRegistered { oracle });
    Ok(())
}

#[derive(Accounts)]
pub struct SetOracleActive<'info> {
    #[account(address = config.authority @ EnergyError::Unauthorized)]
    pub authority: Signer<'info>,
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<'info, EnergyConfig>,
    #[account(mut, seeds = [ORACLE_SEED, oracle_account.oracle.as_ref()], bump = oracle_account.bump)]
    pub oracle_account: Account<'info, Oracle>,
}

pub fn set_active(ctx: Context<SetOracleActive>, active: bool) -> Result<()> {
    let oracle = &mut ctx.accounts.oracle_account;
    oracle.active = active;
    crate::events::emit(OracleStatusChanged { oracle: oracle.oracle, active });
    Ok(())
}
