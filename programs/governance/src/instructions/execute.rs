use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program::invoke_signed;

use crate::error::GovernanceError;
use crate::events::ProposalExecuted;
use crate::state::{Council, Proposal, COUNCIL_SEED, PROPOSAL_SEED};

#[derive(Accounts)]
pub struct Execute<'info> {
    pub executor: Signer<'info>,
    /// Read-only here on purpose: the proposed instruction may rewrite the council
    /// (set_council, unpause), and a writable copy would be written back over it on exit.
    #[account(seeds = [COUNCIL_SEED], bump)]
    pub council: AccountLoader<'info, Council>,
    #[account(mut, seeds = [PROPOSAL_SEED, &proposal.index.to_le_bytes()], bump = proposal.bump)]
    pub proposal: Account<'info, Proposal>,
    // remaining_accounts: the target program, then exactly the proposal's accounts in order.
}

pub fn handler<'info>(ctx: Context<'info, Execute<'info>>) -> Result<()> {
    let bump = {
        let council = ctx.accounts.council.load()?;
        ctx.accounts.proposal.ensure_live(&council, Clock::get()?.unix_timestamp)?;
        require!(
            ctx.accounts.proposal.approval_count() >= council.threshold,
            GovernanceError::ThresholdNotMet
        );
        council.bump
    };

    let proposed = &ctx.accounts.proposal.instruction;
    let remaining = ctx.remaining_accounts;
    require!(
        !(proposed.program_id == crate::ID
            && proposed.data.starts_with(crate::instruction::Execute::DISCRIMINATOR)),
        GovernanceError::RecursiveExecute
    );
    let (program, accounts) = remaining.split_first().ok_or(GovernanceError::AccountsMismatch)?;
    require!(
        program.key == &proposed.program_id && accounts.len() == proposed.accounts.len(),
        GovernanceError::AccountsMismatch
    );
    let mut metas = Vec::with_capacity(accounts.len());
    for (info, meta) in accounts.iter().zip(&proposed.accounts) {
        require!(info.key == &meta.pubkey, GovernanceError::AccountsMismatch);
        metas.push(AccountMeta {
            pubkey: meta.pubkey,
            is_signer: meta.is_signer,
            is_writable: meta.is_writable,
        });
    }
    let instruction =
        Instruction { program_id: proposed.program_id, accounts: metas, data: proposed.data.clone() };

    // Mark executed and persist it before the CPI, so nothing the CPI does can execute
    // this proposal a second time.
    ctx.accounts.proposal.executed = true;
    ctx.accounts.proposal.exit(&crate::ID)?;
    invoke_signed(&instruction, remaining, &[&[COUNCIL_SEED, &[bump]]])?;

    crate::events::emit(ProposalExecuted {
        index: ctx.accounts.proposal.index,
        executor: ctx.accounts.executor.key(),
    });
    Ok(())
}
