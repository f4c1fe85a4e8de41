//! GridTokenX governance: an M-of-N council that owns every admin authority of the
//! GridTokenX programs, plus guardians that can only pull the emergency brake.
//!
//! Critical changes (oracle set, fees, markets, authority, council membership, unpause)
//! are arbitrary instructions that the council *proposes*, *approves* and *executes*; the
//! execution signs with the council PDA, which is the admin authority of the other programs.
//! `lib.rs` is only the dispatch table: every instruction lives in `instructions/<name>.rs`
//! with its accounts struct and handler side by side.
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

pub mod checks;
pub mod client;
pub mod error;
pub mod events;
pub mod instructions;
pub mod state;

use instructions::*;
pub use state::{Council, Proposal, ProposedAccount, ProposedInstruction};

/// A compute-unit marker for profiling builds: with the calling program's `cu-trace`
/// feature it logs `label` and the units remaining (~200 CU together); without it, nothing.
/// `tests/programs/tests/cu_profile.rs` turns the markers into a cost per phase.
#[macro_export]
macro_rules! cu_mark {
    ($label:literal) => {
        #[cfg(all(feature = "cu-trace", target_os = "solana"))]
        {
            anchor_lang::solana_program::log::sol_log(concat!("cu: ", $label));
            unsafe { anchor_lang::compat::solana_define_syscall::definitions::sol_log_compute_units_() };
        }
    };
}

declare_id!("CYEbdZpRCQrnyR2BCN4p12nMjteUdAfDDEYfWhipCNvH");

#[program]
pub mod governance {
    use super::*;

    /// One-time creation of the council; only the program's upgrade authority may call it.
    pub fn initialize(ctx: Context<Initialize>, config: CouncilConfig) -> Result<()> {
        instructions::initialize::handler(ctx, config)
    }

    /// A member proposes an instruction for the council PDA to sign; counts as their approval.
    pub fn propose(
        ctx: Context<Propose>,
        index: u64,
        instruction: ProposedInstruction,
        expires_in_secs: u32,
    ) -> Result<()> {
        instructions::propose::handler(ctx, index, instruction, expires_in_secs)
    }

    pub fn approve(ctx: Context<Approve>) -> Result<()> {
        instructions::approve::handler(ctx)
    }

    /// Anyone may execute a proposal once it has `threshold` approvals.
    pub fn execute<'info>(ctx: Context<'info, Execute<'info>>) -> Result<()> {
        instructions::execute::handler(ctx)
    }

    /// Emergency brake: any guardian or member, alone.
    pub fn pause(ctx: Context<Pause>) -> Result<()> {
        instructions::pause::handler(ctx)
    }

    /// Only the council (through an executed proposal) releases the brake.
    pub fn unpause(ctx: Context<CouncilOnly>) -> Result<()> {
        instructions::council_only::unpause(ctx)
    }

    /// Replace members, threshold and guardians; invalidates every open proposal.
    pub fn set_council(ctx: Context<CouncilOnly>, config: CouncilConfig) -> Result<()> {
        instructions::council_only::set_council(ctx, config)
    }
}
