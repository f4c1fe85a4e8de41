use anchor_lang::prelude::*;
use anchor_spl::token::{self, Mint, MintTo, Token, TokenAccount};
use governance::Council;
use solana_instructions_sysvar as instructions_sysvar;

use crate::attestation::{reading_message, signed_message, SignatureRef};
use crate::error::EnergyError;
use crate::events::ReadingAccepted;
use crate::reading::{surplus_to_mint, Cursor, Reading};
use crate::state::{EnergyConfig, Meter, MeterStatus, Oracle, CONFIG_SEED};

/// Anyone may submit (the oracle, a gateway, the simulator): authority comes from the
/// oracle's signature, not from the submitter. Meter and Oracle are authenticated by
/// owner + discriminator alone, since this program creates them only at their PDAs;
/// skipping the seed re-derivation keeps the hot path cheap. The signed message binds the
/// meter account and `meter.owner`, so the oracle's attestation for one owner never
/// verifies for another owner's account of the same meter id.
#[derive(Accounts)]
pub struct SubmitReading<'info> {
    #[account(mut, seeds = [CONFIG_SEED], bump = config.bump, has_one = energy_mint, has_one = council)]
    pub config: Account<'info, EnergyConfig>,
    pub council: AccountLoader<'info, Council>,
    #[account(mut)]
    pub meter: Account<'info, Meter>,
    #[account(mut)]
    pub oracle: Account<'info, Oracle>,
    #[account(mut)]
    pub energy_mint: Account<'info, Mint>,
    #[account(
        mut,
        token::mint = energy_mint,
        token::authority = meter.owner,
    )]
    pub owner_token_account: Account<'info, TokenAccount>,
    /// CHECK: address-checked; parsed with the sysvar helpers.
    #[account(address = instructions_sysvar::ID)]
    pub instructions: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(accounts: &mut SubmitReading, reading: Reading, signature: SignatureRef) -> Result<()> {
    governance::cu_mark!("reading: accounts");
    super::ensure_not_paused(&accounts.council)?;
    governance::cu_mark!("reading: pause");
    let meter_key = accounts.meter.key();
    let config = &accounts.config;
    require!(accounts.meter.status == MeterStatus::Active, EnergyError::MeterSuspended);
    require!(accounts.oracle.active, EnergyError::OracleRevoked);

    let message =
        reading_message(&crate::ID, &config.cluster_tag, &meter_key, &accounts.meter.owner, &reading);
    governance::cu_mark!("reading: message");
    verify_attestation(&accounts.instructions, signature, &accounts.oracle.oracle, &message)?;
    governance::cu_mark!("reading: attestation");

    let meter = &mut accounts.meter;
    let cursor = Cursor {
        has_reading: meter.has_reading,
        last_interval_start_ts: meter.last_interval_start_ts,
        last_produced_wh: meter.last_produced_wh,
        last_consumed_wh: meter.last_consumed_wh,
    };
    let minted_wh = surplus_to_mint(&config.rules, &cursor, &reading, Clock::get()?.unix_timestamp)?;

    let next = Cursor::advanced(&reading);
    meter.has_reading = next.has_reading;
    meter.last_interval_start_ts = next.last_interval_start_ts;
    meter.last_produced_wh = next.last_produced_wh;
    meter.last_consumed_wh = next.last_consumed_wh;
    meter.minted_wh = meter.minted_wh.checked_add(minted_wh).ok_or(EnergyError::Overflow)?;
    let meter_minted_wh_total = meter.minted_wh;
    let oracle = &mut accounts.oracle;
    oracle.readings_attested = oracle.readings_attested.checked_add(1).ok_or(EnergyError::Overflow)?;
    governance::cu_mark!("reading: rules");

    if minted_wh > 0 {
        let config = &mut accounts.config;
        config.total_minted_wh =
            config.total_minted_wh.checked_add(minted_wh).ok_or(EnergyError::Overflow)?;
        let seeds: &[&[u8]] = &[CONFIG_SEED, &[config.bump]];
        token::mint_to(
            CpiContext::new_with_signer(
                accounts.token_program.key(),
                MintTo {
                    mint: accounts.energy_mint.to_account_info(),
                    to: accounts.owner_token_account.to_account_info(),
                    authority: accounts.config.to_account_info(),
                },
                &[seeds],
            ),
            minted_wh,
        )?;
    }
    governance::cu_mark!("reading: mint");
    crate::events::emit(ReadingAccepted {
        meter: meter_key,
        oracle: accounts.oracle.oracle,
        interval_start_ts: reading.interval_start_ts,
        produced_wh: reading.produced_wh,
        consumed_wh: reading.consumed_wh,
        minted_wh,
        meter_minted_wh_total,
    });
    governance::cu_mark!("reading: event");
    Ok(())
}

/// The instruction at `signature.instruction_index` must be an Ed25519 precompile
/// instruction whose entry `signature.entry` verified `oracle`'s signature over exactly
/// `expected_message`.
fn verify_attestation(
    instructions: &AccountInfo,
    signature: SignatureRef,
    oracle: &Pubkey,
    expected_message: &[u8],
) -> Result<()> {
    let ix = instructions_sysvar::load_instruction_at_checked(
        usize::from(signature.instruction_index),
        instructions,
    )
    .map_err(|_| EnergyError::MissingSignature)?;
    require_keys_eq!(ix.program_id, ed25519_program::ID, EnergyError::MissingSignature);
    let (key, message) = signed_message(&ix.data, signature.entry)?;
    require!(key == oracle.as_ref(), EnergyError::OracleKeyMismatch);
    require!(message == expected_message, EnergyError::MessageMismatch);
    Ok(())
}

/// The ed25519 signature-verification precompile. A constant, not `declare_id!`: a second
/// `declare_id!` in the crate gave the IDL builder a second program address to print, and
/// idl/energy.json named the precompile instead of this program (which one won varied).
mod ed25519_program {
    use anchor_lang::prelude::*;

    pub const ID: Pubkey = pubkey!("Ed25519SigVerify111111111111111111111111111");
}
