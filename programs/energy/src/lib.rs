//! GridTokenX energy: meter and oracle registries, oracle-attested readings that mint
//! energy tokens for net surplus (the one and only mint path), and renewable energy
//! certificates issued against minted-but-uncertified energy.
//!
//! Energy tokens: classic SPL Token mint, 3 decimals, so one base atom is one Wh.
//! The admin authority is the governance council PDA; the pause switch is the council's.
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

pub mod attestation;
pub mod client;
pub mod error;
pub mod events;
pub mod fast;
pub mod instructions;
pub mod reading;
pub mod state;

use instructions::*;

declare_id!("9t6AFNNLsYh69isRpPA2385XoA1sqjpP6A7WxChd23mS");

// The deployed program's entrypoint: `submit_reading` with its accounts checked by hand, the
// rest through Anchor's dispatch (`fast`). It replaces Anchor's entrypoint, so the feature
// comes with `no-entrypoint` (tools/sbf/programs/energy enables it).
#[cfg(feature = "fast-entry")]
use fast::process;
#[cfg(feature = "fast-entry")]
anchor_lang::solana_program::entrypoint!(process);

#[program]
pub mod energy {
    use super::*;

    /// One-time setup by the program's upgrade authority; hands authority to the council.
    pub fn initialize(ctx: Context<Initialize>, params: InitializeParams) -> Result<()> {
        instructions::initialize::handler(ctx, params)
    }

    pub fn update_rules(ctx: Context<AdminConfig>, rules: state::ReadingRules) -> Result<()> {
        instructions::admin::update_rules(ctx, rules)
    }

    pub fn set_authority(ctx: Context<AdminConfig>, new_authority: Pubkey) -> Result<()> {
        instructions::admin::set_authority(ctx, new_authority)
    }

    pub fn register_oracle(ctx: Context<RegisterOracle>, oracle: Pubkey) -> Result<()> {
        instructions::oracle::register(ctx, oracle)
    }

    /// Revoke (false) or reinstate (true) an oracle.
    pub fn set_oracle_active(ctx: Context<SetOracleActive>, active: bool) -> Result<()> {
        instructions::oracle::set_active(ctx, active)
    }

    pub fn register_meter(ctx: Context<RegisterMeter>, meter_id: [u8; 32]) -> Result<()> {
        instructions::meter::register(ctx, meter_id)
    }

    pub fn set_meter_status(ctx: Context<SetMeterStatus>, status: state::MeterStatus) -> Result<()> {
        instructions::meter::set_status(ctx, status)
    }

    /// Verifies the oracle's Ed25519 attestation (an earlier instruction of this
    /// transaction) and mints the interval's net surplus to the meter owner.
    pub fn submit_reading(
        ctx: Context<SubmitReading>,
        reading: reading::Reading,
        signature: attestation::SignatureRef,
    ) -> Result<()> {
        instructions::submit_reading::handler(ctx.accounts, reading, signature)
    }

    /// Certify `mwh` MWh of the meter's minted, not yet certified energy.
    pub fn issue_rec(ctx: Context<IssueRec>, mwh: u32) -> Result<()> {
        instructions::rec::issue(ctx, mwh)
    }

    pub fn transfer_rec(ctx: Context<TransferRec>, new_owner: Pubkey) -> Result<()> {
        instructions::rec::transfer(ctx, new_owner)
    }

    /// Claim the certificate's environmental attribute for `beneficiary`; irreversible.
    pub fn retire_rec(ctx: Context<RetireRec>, beneficiary: Pubkey) -> Result<()> {
        instructions::rec::retire(ctx, beneficiary)
    }
}
