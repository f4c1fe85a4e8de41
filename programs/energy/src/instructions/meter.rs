use anchor_lang::prelude::*;
use governance::Council;

use crate::error::EnergyError;
use crate::events::{MeterRegistered, MeterStatusChanged};
use crate::state::{EnergyConfig, Meter, MeterStatus, CONFIG_SEED, METER_SEED};

/// Registration is open to anyone and costs only rent: a meter mints nothing until an
/// oracle attests its readings, and the oracle attests a meter id only for the owner on its
/// customer record (the owner is in the signed message), so self-registration creates no
/// value out of thin air. The account is keyed by (meter id, owner): anyone may register
/// any id for themselves, and no one can take the real owner's (id, owner) account first.
/// It allocates, so it stops while governance is paused.
#[derive(Accounts)]
#[instruction(meter_id: [u8; 32])]
pub struct RegisterMeter<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(
        init,
        payer = owner,
        space = 8 + Meter::INIT_SPACE,
        seeds = [METER_SEED, meter_id.as_ref(), owner.key().as_ref()],
        bump
    )]
    pub meter: Account<'info, Meter>,
    pub system_program: Program<'info, System>,
    #[account(seeds = [CONFIG_SEED], bump = config.bump, has_one = council @ EnergyError::InvalidCouncil)]
    pub config: Account<'info, EnergyConfig>,
    pub council: AccountLoader<'info, Council>,
}

pub fn register(ctx: Context<RegisterMeter>, meter_id: [u8; 32]) -> Result<()> {
    super::ensure_not_paused(&ctx.accounts.council)?;
    let owner = ctx.accounts.owner.key();
    ctx.accounts.meter.set_inner(Meter {
        owner,
        meter_id,
        status: MeterStatus::Active,
        registered_at: Clock::get()?.unix_timestamp,
        has_reading: false,
        last_interval_start_ts: 0,
        last_produced_wh: 0,
        last_consumed_wh: 0,
        minted_wh: 0,
        certified_wh: 0,
        rec_count: 0,
        bump: ctx.bumps.meter,
    });
    crate::events::emit(MeterRegistered { meter: ctx.accounts.meter.key(), meter_id, owner });
    Ok(())
}

#[derive(Accounts)]
pub struct SetMeterStatus<'info> {
    #[account(address = config.authority @ EnergyError::Unauthorized)]
    pub authority: Signer<'info>,
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<'info, EnergyConfig>,
    #[account(mut)]
    pub meter: Account<'info, Meter>,
}

pub fn set_status(ctx: Context<SetMeterStatus>, status: MeterStatus) -> Result<()> {
    ctx.accounts.meter.status = status;
    crate::events::emit(MeterStatusChanged { meter: ctx.accounts.meter.key(), status: status as u8 });
    Ok(())
}
