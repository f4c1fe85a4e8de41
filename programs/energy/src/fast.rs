//! The entry of the energy program's hot instruction, `submit_reading`, with its accounts
//! checked here instead of by Anchor's generated `try_accounts`, then the same handler.
//! Every other instruction goes to Anchor's `entry` unchanged, and the `#[program]` module
//! stays the interface (IDL, clients). The market does the same (`market::fast`).
//!
//! Why: profiled on SBF (`tests/programs/tests/cu_profile.rs`), 9,018 of a reading's 13,105 CU
//! went to Anchor's account layer before the handler ran, 1,500 of them re-deriving the config
//! PDA from its seeds.
//!
//! The checks are Anchor's own, in Anchor's order, with Anchor's errors — each account's type
//! in declaration order, then each account's constraints — with two deliberate differences
//! that no transaction can observe: the config is authenticated by owner and discriminator
//! alone (only `initialize` creates an `EnergyConfig`, at its PDA, as for meters and oracles),
//! and the duplicate check over mutable accounts is left out (the five are of five types
//! that no one account can satisfy twice). `tests/programs/tests/account_checks.rs` pins
//! every tampering of every slot to the error Anchor gave, on the native and SBF builds.
use anchor_lang::error::ErrorCode;
use anchor_lang::prelude::*;
use anchor_lang::solana_program::entrypoint::ProgramResult;
use anchor_lang::Discriminator;
use anchor_spl::token::{Mint, Token, TokenAccount};
use governance::checks::{named, token_owner_and_mint, writable};
use governance::Council;
use solana_instructions_sysvar as instructions_sysvar;

use crate::instruction as ix;
use crate::instructions::SubmitReading;
use crate::state::{EnergyConfig, Meter, Oracle};

/// The program's entry: `submit_reading` here, anything else through Anchor's dispatch.
pub fn process<'info>(
    program_id: &'info Pubkey,
    accounts: &'info [AccountInfo<'info>],
    data: &'info [u8],
) -> ProgramResult {
    if *program_id != crate::ID || !data.starts_with(ix::SubmitReading::DISCRIMINATOR) {
        return crate::entry(program_id, accounts, data);
    }
    submit_reading(program_id, accounts, &data[8..]).map_err(|e| {
        e.log();
        e.into()
    })
}

fn submit_reading<'info>(
    program_id: &Pubkey,
    accounts: &'info [AccountInfo<'info>],
    data: &[u8],
) -> Result<()> {
    #[cfg(not(feature = "no-log-ix-name"))]
    msg!("Instruction: SubmitReading");
    let ix::SubmitReading { reading, signature } = AnchorDeserialize::deserialize(&mut &data[..])
        .map_err(|_| Error::from(ErrorCode::InstructionDidNotDeserialize))?;
    let mut accounts = reading_accounts(accounts)?;
    crate::instructions::submit_reading::handler(&mut accounts, reading, signature)?;
    // Anchor's exit: the program's own accounts written back.
    accounts.config.exit(program_id)?;
    accounts.meter.exit(program_id)?;
    accounts.oracle.exit(program_id)
}

/// `SubmitReading`'s accounts, checked as its `#[derive(Accounts)]` does (see the module doc).
fn reading_accounts<'info>(accounts: &'info [AccountInfo<'info>]) -> Result<SubmitReading<'info>> {
    let mut slots = accounts.iter();
    let mut next = |name: &'static str| {
        slots.next().ok_or_else(|| Error::from(ErrorCode::AccountNotEnoughKeys).with_account_name(name))
    };
    let config = named(Account::<EnergyConfig>::try_from(next("config")?), "config")?;
    let council = named(AccountLoader::<Council>::try_from(next("council")?), "council")?;
    let meter = named(Account::<Meter>::try_from(next("meter")?), "meter")?;
    let oracle = named(Account::<Oracle>::try_from(next("oracle")?), "oracle")?;
    let energy_mint = named(Account::<Mint>::try_from(next("energy_mint")?), "energy_mint")?;
    let owner_token_account =
        named(Account::<TokenAccount>::try_from(next("owner_token_account")?), "owner_token_account")?;
    let instructions = UncheckedAccount::try_from(next("instructions")?);
    let token_program = named(Program::<Token>::try_from(next("token_program")?), "token_program")?;

    writable(&config, "config")?;
    has_one(&config.energy_mint, &energy_mint.key(), "config")?;
    has_one(&config.council, &council.key(), "config")?;
    writable(&meter, "meter")?;
    writable(&oracle, "oracle")?;
    writable(&energy_mint, "energy_mint")?;
    writable(&owner_token_account, "owner_token_account")?;
    token_owner_and_mint(
        (&owner_token_account.owner, &owner_token_account.mint),
        "owner_token_account",
        &meter.owner,
        &energy_mint.key(),
    )?;
    if instructions.key() != instructions_sysvar::ID {
        return Err(Error::from(ErrorCode::ConstraintAddress)
            .with_account_name("instructions")
            .with_pubkeys((instructions.key(), instructions_sysvar::ID)));
    }
    Ok(SubmitReading {
        config,
        council,
        meter,
        oracle,
        energy_mint,
        owner_token_account,
        instructions,
        token_program,
    })
}

/// Anchor's `has_one` constraint.
fn has_one(stored: &Pubkey, given: &Pubkey, name: &'static str) -> Result<()> {
    if stored == given {
        Ok(())
    } else {
        Err(Error::from(ErrorCode::ConstraintHasOne).with_account_name(name).with_pubkeys((*stored, *given)))
    }
}
