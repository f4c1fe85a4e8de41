use anchor_lang::prelude::*;

// `from_repr`: clients turn a custom error code back into the variant, and its words.
#[error_code]
#[derive(PartialEq, Eq, strum_macros::FromRepr)]
pub enum GovernanceError {
    #[msg("signer is not the program's upgrade authority")]
    NotUpgradeAuthority,
    #[msg("council needs 1..=10 distinct members and 1 <= threshold <= members")]
    InvalidCouncil,
    #[msg("at most 4 distinct guardians")]
    InvalidGuardians,
    #[msg("signer is not a council member")]
    NotMember,
    #[msg("only the council PDA may sign this: propose it and execute the approved proposal")]
    NotCouncil,
    #[msg("signer is neither a guardian nor a council member")]
    NotGuardian,
    #[msg("this member already approved the proposal")]
    AlreadyApproved,
    #[msg("proposal does not have enough approvals")]
    ThresholdNotMet,
    #[msg("proposal was already executed")]
    AlreadyExecuted,
    #[msg("proposal has expired")]
    ProposalExpired,
    #[msg("council membership changed after this proposal was made; propose again")]
    StaleProposal,
    #[msg("proposed instruction is too large (max 24 accounts, 1024 data bytes)")]
    ProposalTooLarge,
    #[msg("accounts passed to execute do not match the proposal")]
    AccountsMismatch,
    #[msg("a proposal may not execute governance::execute")]
    RecursiveExecute,
    #[msg("the system is already paused")]
    AlreadyPaused,
    #[msg("the system is not paused")]
    NotPaused,
    #[msg("arithmetic overflow")]
    Overflow,
}
