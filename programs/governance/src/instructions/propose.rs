use anchor_lang::prelude::*;

use crate::error::GovernanceError;
use crate::events::ProposalCreated;
use crate::state::{
    Council, Proposal, ProposedInstruction, COUNCIL_SEED, MAX_PROPOSAL_ACCOUNTS, MAX_PROPOSAL_DATA,
    PROPOSAL_SEED,
};

pub const DEFAULT_PROPOSAL_LIFETIME_SECS: u32 = 7 * 24 * 3600;
pub const MAX_PROPOSAL_LIFETIME_SECS: u32 = 30 * 24 * 3600;

#[derive(Accounts)]
#[instruction(index: u64, instruction: ProposedInstruction)]
pub struct Propose<'info> {
    #[account(mut)]
    pub proposer: Signer<'info>,
    #[account(mut, seeds = [COUNCIL_SEED], bump)]
    pub council: AccountLoader<'info, Council>,
    #[account(
        init,
        payer = proposer,
        space = Proposal::space_for(&instruction),
        seeds = [PROPOSAL_SEED, &index.to_le_bytes()],
        bump,
    )]
    pub proposal: Account<'info, Proposal>,
    pub system_program: Program<'info, System>,
}

pub fn handler(
    ctx: Context<Propose>,
    index: u64,
    instruction: ProposedInstruction,
    expires_in_secs: u32,
) -> Result<()> {
    require!(
        instruction.accounts.len() <= MAX_PROPOSAL_ACCOUNTS && instruction.data.len() <= MAX_PROPOSAL_DATA,
        GovernanceError::ProposalTooLarge
    );
    let lifetime = match expires_in_secs {
        0 => DEFAULT_PROPOSAL_LIFETIME_SECS,
        secs => secs.min(MAX_PROPOSAL_LIFETIME_SECS),
    };
    let now = Clock::get()?.unix_timestamp;
    let mut council = ctx.accounts.council.load_mut()?;
    // The index is an argument only so the PDA can be derived from it; it must be the next one.
    require_eq!(index, council.proposal_count, GovernanceError::AccountsMismatch);
    let member = council.member_index(ctx.accounts.proposer.key).ok_or(GovernanceError::NotMember)?;
    council.proposal_count = index.checked_add(1).ok_or(GovernanceError::Overflow)?;

    let proposal = &mut ctx.accounts.proposal;
    proposal.index = index;
    proposal.proposer = ctx.accounts.proposer.key();
    proposal.council_version = council.version;
    proposal.approvals = 1 << member;
    proposal.executed = false;
    proposal.created_at = now;
    proposal.expires_at = now.checked_add(i64::from(lifetime)).ok_or(GovernanceError::Overflow)?;
    proposal.bump = ctx.bumps.proposal;
    crate::events::emit(ProposalCreated {
        index,
        proposer: proposal.proposer,
        program_id: instruction.program_id,
        expires_at: proposal.expires_at,
    });
    proposal.instruction = instruction;
    Ok(())
}
