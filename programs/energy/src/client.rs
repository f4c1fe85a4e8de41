//! Instruction builders and address derivations for off-chain callers.
use anchor_lang::prelude::*;
use anchor_lang::solana_program::bpf_loader_upgradeable;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{system_program, InstructionData};
use anchor_spl::associated_token::get_associated_token_address;
use anchor_spl::token;

use crate::attestation::SignatureRef;
use crate::instructions::InitializeParams;
use crate::reading::Reading;
use crate::state::{
    MeterStatus, ReadingRules, CONFIG_SEED, ENERGY_MINT_SEED, METER_SEED, ORACLE_SEED, REC_SEED,
};

pub fn config_address() -> Pubkey {
    Pubkey::find_program_address(&[CONFIG_SEED], &crate::ID).0
}

pub fn energy_mint_address() -> Pubkey {
    Pubkey::find_program_address(&[ENERGY_MINT_SEED], &crate::ID).0
}

pub fn oracle_address(oracle: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[ORACLE_SEED, oracle.as_ref()], &crate::ID).0
}

/// The meter account of `owner` for `meter_id`: one per (id, owner), so registering an id
/// first never blocks its real owner.
pub fn meter_address(meter_id: &[u8; 32], owner: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[METER_SEED, meter_id.as_ref(), owner.as_ref()], &crate::ID).0
}

pub fn certificate_address(meter: &Pubkey, index: u64) -> Pubkey {
    Pubkey::find_program_address(&[REC_SEED, meter.as_ref(), &index.to_le_bytes()], &crate::ID).0
}

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction { program_id: crate::ID, accounts: accounts.to_account_metas(None), data: data.data() }
}

pub fn initialize(authority: Pubkey, params: InitializeParams) -> Instruction {
    build(
        crate::accounts::Initialize {
            authority,
            config: config_address(),
            energy_mint: energy_mint_address(),
            council: governance::client::council_address(),
            program_data: Pubkey::find_program_address(&[crate::ID.as_ref()], &bpf_loader_upgradeable::ID).0,
            token_program: token::ID,
            system_program: system_program::ID,
        },
        crate::instruction::Initialize { params },
    )
}

pub fn update_rules(authority: Pubkey, rules: ReadingRules) -> Instruction {
    build(
        crate::accounts::AdminConfig { authority, config: config_address() },
        crate::instruction::UpdateRules { rules },
    )
}

pub fn set_authority(authority: Pubkey, new_authority: Pubkey) -> Instruction {
    build(
        crate::accounts::AdminConfig { authority, config: config_address() },
        crate::instruction::SetAuthority { new_authority },
    )
}

pub fn register_oracle(authority: Pubkey, payer: Pubkey, oracle: Pubkey) -> Instruction {
    build(
        crate::accounts::RegisterOracle {
            authority,
            payer,
            config: config_address(),
            oracle_account: oracle_address(&oracle),
            system_program: system_program::ID,
        },
        crate::instruction::RegisterOracle { oracle },
    )
}

pub fn set_oracle_active(authority: Pubkey, oracle: Pubkey, active: bool) -> Instruction {
    build(
        crate::accounts::SetOracleActive {
            authority,
            config: config_address(),
            oracle_account: oracle_address(&oracle),
        },
        crate::instruction::SetOracleActive { active },
    )
}

pub fn register_meter(owner: Pubkey, meter_id: [u8; 32]) -> Instruction {
    build(
        crate::accounts::RegisterMeter {
            owner,
            meter: meter_address(&meter_id, &owner),
            system_program: system_program::ID,
            config: config_address(),
            council: governance::client::council_address(),
        },
        crate::instruction::RegisterMeter { meter_id },
    )
}

pub fn set_meter_status(authority: Pubkey, meter: Pubkey, status: MeterStatus) -> Instruction {
    build(
        crate::accounts::SetMeterStatus { authority, config: config_address(), meter },
        crate::instruction::SetMeterStatus { status },
    )
}

/// `owner_token_account` defaults to the owner's associated energy token account.
pub fn submit_reading(
    meter: Pubkey,
    meter_owner: Pubkey,
    oracle: Pubkey,
    reading: Reading,
    signature: SignatureRef,
) -> Instruction {
    let energy_mint = energy_mint_address();
    build(
        crate::accounts::SubmitReading {
            config: config_address(),
            council: governance::client::council_address(),
            meter,
            oracle: oracle_address(&oracle),
            energy_mint,
            owner_token_account: get_associated_token_address(&meter_owner, &energy_mint),
            instructions: solana_instructions_sysvar::ID,
            token_program: token::ID,
        },
        crate::instruction::SubmitReading { reading, signature },
    )
}

pub fn issue_rec(owner: Pubkey, meter: Pubkey, meter_rec_count: u64, mwh: u32) -> Instruction {
    build(
        crate::accounts::IssueRec {
            owner,
            config: config_address(),
            council: governance::client::council_address(),
            meter,
            certificate: certificate_address(&meter, meter_rec_count),
            system_program: system_program::ID,
        },
        crate::instruction::IssueRec { mwh },
    )
}

pub fn transfer_rec(owner: Pubkey, certificate: Pubkey, new_owner: Pubkey) -> Instruction {
    build(crate::accounts::TransferRec { owner, certificate }, crate::instruction::TransferRec { new_owner })
}

pub fn retire_rec(owner: Pubkey, certificate: Pubkey, beneficiary: Pubkey) -> Instruction {
    build(
        crate::accounts::RetireRec { owner, config: config_address(), certificate },
        crate::instruction::RetireRec { beneficiary },
    )
}
