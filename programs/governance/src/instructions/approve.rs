use anchor_lang::prelude::*;

use crate::error::GovernanceError;
use crate::events::ProposalApproved;
use crate::state::{Council, Proposal, COUNCIL_SEED, PROPOSAL_SEED};

#[derive(Accounts)]
pub struct Approve<'info> {
    pub member: Signer<'info>,
    #[account(seeds = [COUNCIL_SEED], bump)]
    pub council: AccountLoader<'info, Council>,
    #[account(mut, seeds = [PROPOSAL_SEED, &proposal.index.to_le_bytes()], bump = proposal.bump)]
    pub proposal: Account<'info, Proposal>,
}

pub fn handler(ctx: Context<Approve>) -> Result<()> {
    let council = ctx.accounts.council.load()?;
    let proposal = &mut ctx.accounts.proposal;
    proposal.ensure_live(&council, Clock::get()?.unix_timestamp)?;
    let member = council.member_index(ctx.accounts.member.key).ok_or(GovernanceError::NotMember)?;
    let bit = 1u16 << member;
    require!(proposal.approvals & bit == 0, GovernanceError::AlreadyApproved);
    proposal.approvals |= bit;
    crate::events::emit(ProposalApproved {
        index: proposal.index,
        member: ctx.accounts.member.key(),
        approvals: proposal.approval_count(),
    });
    Ok(())
}

impl Proposal {
    /// A proposal can be approved or executed only once, before it expires, and only
    /// under the membership it was made for.
    pub fn ensure_live(&self, council: &Council, now: i64) -> Result<()> {
        require!(!self.executed, GovernanceError::AlreadyExecuted);
        require!(now < self.expires_at, GovernanceError::ProposalExpired);
        require_eq!(self.council_version, council.version, GovernanceError::StaleProposal);
        Ok(())
    }
}
