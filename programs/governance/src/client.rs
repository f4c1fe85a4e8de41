//! Instruction builders and address derivations for off-chain callers (tests, localnet
//! bootstrap, simulator, app). Clients never re-encode instruction data themselves.
use anchor_lang::prelude::*;
use anchor_lang::solana_program::bpf_loader_upgradeable;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::{system_program, InstructionData};

use crate::state::{CouncilConfig, ProposedAccount, ProposedInstruction, COUNCIL_SEED, PROPOSAL_SEED};

pub fn council_address() -> Pubkey {
    Pubkey::find_program_address(&[COUNCIL_SEED], &crate::ID).0
}

pub fn proposal_address(index: u64) -> Pubkey {
    Pubkey::find_program_address(&[PROPOSAL_SEED, &index.to_le_bytes()], &crate::ID).0
}

pub fn program_data_address(program_id: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[program_id.as_ref()], &bpf_loader_upgradeable::ID).0
}

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction { program_id: crate::ID, accounts: accounts.to_account_metas(None), data: data.data() }
}

pub fn initialize(authority: Pubkey, config: CouncilConfig) -> Instruction {
    build(
        crate::accounts::Initialize {
            authority,
            council: council_address(),
            program_data: program_data_address(&crate::ID),
            system_program: system_program::ID,
        },
        crate::instruction::Initialize { config },
    )
}

/// Wraps `instruction` (which the council PDA is to sign) into a proposal.
pub fn propose(proposer: Pubkey, index: u64, instruction: &Instruction, expires_in_secs: u32) -> Instruction {
    let proposed = ProposedInstruction {
        program_id: instruction.program_id,
        accounts: instruction
            .accounts
            .iter()
            .map(|m| ProposedAccount { pubkey: m.pubkey, is_signer: m.is_signer, is_writable: m.is_writable })
            .collect(),
        data: instruction.data.clone(),
    };
    build(
        crate::accounts::Propose {
            proposer,
            council: council_address(),
            proposal: proposal_address(index),
            system_program: system_program::ID,
        },
        crate::instruction::Propose { index, instruction: proposed, expires_in_secs },
    )
}

pub fn approve(member: Pubkey, index: u64) -> Instruction {
    build(
        crate::accounts::Approve { member, council: council_address(), proposal: proposal_address(index) },
        crate::instruction::Approve {},
    )
}

/// `instruction` must be the same one that was proposed: its program and accounts are
/// appended as remaining accounts. Signer flags are dropped for the council (the program
/// signs for it) and kept for any other signer, who must sign this transaction too.
pub fn execute(executor: Pubkey, index: u64, instruction: &Instruction) -> Instruction {
    let council = council_address();
    let mut ix = build(
        crate::accounts::Execute { executor, council, proposal: proposal_address(index) },
        crate::instruction::Execute {},
    );
    ix.accounts.push(AccountMeta::new_readonly(instruction.program_id, false));
    ix.accounts.extend(instruction.accounts.iter().map(|m| AccountMeta {
        pubkey: m.pubkey,
        is_signer: m.is_signer && m.pubkey != council,
        is_writable: m.is_writable,
    }));
    ix
}

pub fn pause(guardian: Pubkey) -> Instruction {
    build(crate::accounts::Pause { guardian, council: council_address() }, crate::instruction::Pause {})
}

/// To be proposed, not sent directly: only the council PDA can sign it.
pub fn unpause() -> Instruction {
    let mut ix =
        build(crate::accounts::CouncilOnly { council: council_address() }, crate::instruction::Unpause {});
    ix.accounts[0].is_signer = true;
    ix
}

/// To be proposed, not sent directly: only the council PDA can sign it.
pub fn set_council(config: CouncilConfig) -> Instruction {
    let mut ix = build(
        crate::accounts::CouncilOnly { council: council_address() },
        crate::instruction::SetCouncil { config },
    );
    ix.accounts[0].is_signer = true;
    ix
}
