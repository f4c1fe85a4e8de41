use anchor_lang::prelude::*;
use governance::Council;

use crate::error::EnergyError;
use crate::events::{RecIssued, RecRetired, RecTransferred};
use crate::state::{
    Certificate, CertificateStatus, EnergyConfig, Meter, MeterStatus, CONFIG_SEED, REC_SEED, WH_PER_MWH,
};

#[derive(Accounts)]
pub struct IssueRec<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut, seeds = [CONFIG_SEED], bump = config.bump, has_one = council)]
    pub config: Account<'info, EnergyConfig>,
    pub council: AccountLoader<'info, Council>,
    #[account(mut, has_one = owner @ EnergyError::NotOwner)]
    pub meter: Account<'info, Meter>,
    #[account(
        init,
        payer = owner,
        space = 8 + Certificate::INIT_SPACE,
        seeds = [REC_SEED, meter.key().as_ref(), &meter.rec_count.to_le_bytes()],
        bump,
    )]
    pub certificate: Account<'info, Certificate>,
    pub system_program: Program<'info, System>,
}

pub fn issue(ctx: Context<IssueRec>, mwh: u32) -> Result<()> {
    super::ensure_not_paused(&ctx.accounts.council)?;
    require!(mwh > 0, EnergyError::InvalidCertificateAmount);
    let meter = &mut ctx.accounts.meter;
    require!(meter.status == MeterStatus::Active, EnergyError::MeterSuspended);
    let wh = u64::from(mwh).checked_mul(WH_PER_MWH).ok_or(EnergyError::Overflow)?;
    let wh_start = meter.certified_wh;
    let wh_end = wh_start.checked_add(wh).ok_or(EnergyError::Overflow)?;
    require!(wh_end <= meter.minted_wh, EnergyError::InsufficientUncertifiedEnergy);
    meter.certified_wh = wh_end;
    meter.rec_count = meter.rec_count.checked_add(1).ok_or(EnergyError::Overflow)?;

    let config = &mut ctx.accounts.config;
    let serial = config.rec_count;
    config.rec_count = serial.checked_add(1).ok_or(EnergyError::Overflow)?;
    config.total_certified_wh = config.total_certified_wh.checked_add(wh).ok_or(EnergyError::Overflow)?;

    let owner = ctx.accounts.owner.key();
    ctx.accounts.certificate.set_inner(Certificate {
        meter: meter.key(),
        owner,
        serial,
        wh_start,
        wh_end,
        issued_at: Clock::get()?.unix_timestamp,
        status: CertificateStatus::Active,
        retired_at: 0,
        beneficiary: Pubkey::default(),
        bump: ctx.bumps.certificate,
    });
    crate::events::emit(RecIssued {
        certificate: ctx.accounts.certificate.key(),
        meter: meter.key(),
        owner,
        serial,
        wh_start,
        wh_end,
    });
    Ok(())
}

#[derive(Accounts)]
pub struct TransferRec<'info> {
    pub owner: Signer<'info>,
    #[account(mut, has_one = owner @ EnergyError::NotOwner)]
    pub certificate: Account<'info, Certificate>,
}

pub fn transfer(ctx: Context<TransferRec>, new_owner: Pubkey) -> Result<()> {
    let certificate = &mut ctx.accounts.certificate;
    require!(certificate.status == CertificateStatus::Active, EnergyError::CertificateRetired);
    certificate.owner = new_owner;
    crate::events::emit(RecTransferred {
        certificate: certificate.key(),
        from: ctx.accounts.owner.key(),
        to: new_owner,
    });
    Ok(())
}

#[derive(Accounts)]
pub struct RetireRec<'info> {
    pub owner: Signer<'info>,
    #[account(mut, seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<'info, EnergyConfig>,
    #[account(mut, has_one = owner @ EnergyError::NotOwner)]
    pub certificate: Account<'info, Certificate>,
}

pub fn retire(ctx: Context<RetireRec>, beneficiary: Pubkey) -> Result<()> {
    let certificate = &mut ctx.accounts.certificate;
    require!(certificate.status == CertificateStatus::Active, EnergyError::CertificateRetired);
    certificate.status = CertificateStatus::Retired;
    certificate.retired_at = Clock::get()?.unix_timestamp;
    certificate.beneficiary = beneficiary;
    let wh = certificate.wh_end.checked_sub(certificate.wh_start).ok_or(EnergyError::Overflow)?;
    let config = &mut ctx.accounts.config;
    config.total_retired_wh = config.total_retired_wh.checked_add(wh).ok_or(EnergyError::Overflow)?;
    crate::events::emit(RecRetired {
        certificate: certificate.key(),
        owner: ctx.accounts.owner.key(),
        beneficiary,
        wh,
    });
    Ok(())
}
