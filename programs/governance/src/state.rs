use anchor_lang::prelude::*;

use crate::error::GovernanceError;

pub const COUNCIL_SEED: &[u8] = b"council";
pub const PROPOSAL_SEED: &[u8] = b"proposal";
pub const MAX_MEMBERS: usize = 10;
pub const MAX_GUARDIANS: usize = 4;
pub const MAX_PROPOSAL_ACCOUNTS: usize = 24;
pub const MAX_PROPOSAL_DATA: usize = 1024;

/// The singleton council. Zero-copy because every trading and minting instruction of
/// the other programs loads it to check the emergency pause: a borrow costs nothing,
/// a Borsh decode of 14 keys would cost every trade.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Council {
    pub members: [Pubkey; MAX_MEMBERS],
    pub guardians: [Pubkey; MAX_GUARDIANS],
    pub proposal_count: u64,
    /// Bumped whenever membership or threshold changes, so approvals given under an
    /// old membership can never be counted under a new one.
    pub version: u32,
    pub member_count: u8,
    pub threshold: u8,
    pub guardian_count: u8,
    pub paused: u8,
    pub bump: u8,
    pub _padding: [u8; 7],
}

impl Council {
    pub const SPACE: usize = 8 + std::mem::size_of::<Council>();

    pub fn members(&self) -> &[Pubkey] {
        &self.members[..usize::from(self.member_count).min(MAX_MEMBERS)]
    }

    pub fn guardians(&self) -> &[Pubkey] {
        &self.guardians[..usize::from(self.guardian_count).min(MAX_GUARDIANS)]
    }

    pub fn member_index(&self, key: &Pubkey) -> Option<usize> {
        self.members().iter().position(|m| m == key)
    }

    pub fn is_paused(&self) -> bool {
        self.paused != 0
    }

    /// Validates and stores a new membership; bumps `version`.
    pub fn apply(&mut self, config: &CouncilConfig) -> Result<()> {
        config.validate()?;
        self.members = [Pubkey::default(); MAX_MEMBERS];
        self.members[..config.members.len()].copy_from_slice(&config.members);
        self.member_count = config.members.len() as u8;
        self.threshold = config.threshold;
        self.guardians = [Pubkey::default(); MAX_GUARDIANS];
        self.guardians[..config.guardians.len()].copy_from_slice(&config.guardians);
        self.guardian_count = config.guardians.len() as u8;
        self.version = self.version.checked_add(1).ok_or(GovernanceError::Overflow)?;
        Ok(())
    }
}

/// Membership as passed to `initialize` and `set_council`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct CouncilConfig {
    pub members: Vec<Pubkey>,
    pub threshold: u8,
    pub guardians: Vec<Pubkey>,
}

impl CouncilConfig {
    pub fn validate(&self) -> Result<()> {
        let n = self.members.len();
        require!(
            (1..=MAX_MEMBERS).contains(&n)
                && self.threshold >= 1
                && usize::from(self.threshold) <= n
                && all_distinct(&self.members)
                && !self.members.contains(&Pubkey::default()),
            GovernanceError::InvalidCouncil
        );
        require!(
            self.guardians.len() <= MAX_GUARDIANS
                && all_distinct(&self.guardians)
                && !self.guardians.contains(&Pubkey::default()),
            GovernanceError::InvalidGuardians
        );
        Ok(())
    }
}

fn all_distinct(keys: &[Pubkey]) -> bool {
    keys.iter().enumerate().all(|(i, k)| !keys[..i].contains(k))
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct ProposedAccount {
    pub pubkey: Pubkey,
    pub is_signer: bool,
    pub is_writable: bool,
}

/// An instruction for the council PDA to sign once enough members approve.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct ProposedInstruction {
    pub program_id: Pubkey,
    pub accounts: Vec<ProposedAccount>,
    pub data: Vec<u8>,
}

impl ProposedInstruction {
    pub fn serialized_len(&self) -> usize {
        32 + 4 + self.accounts.len() * (32 + 2) + 4 + self.data.len()
    }
}

#[account]
#[derive(Debug)]
pub struct Proposal {
    pub index: u64,
    pub proposer: Pubkey,
    pub council_version: u32,
    /// Bit i set = member i (in the council's member order at `council_version`) approved.
    pub approvals: u16,
    pub executed: bool,
    pub created_at: i64,
    pub expires_at: i64,
    pub bump: u8,
    pub instruction: ProposedInstruction,
}

impl Proposal {
    pub const FIXED_SPACE: usize = 8 + 8 + 32 + 4 + 2 + 1 + 8 + 8 + 1;

    pub fn space_for(instruction: &ProposedInstruction) -> usize {
        Self::FIXED_SPACE + instruction.serialized_len()
    }

    pub fn approval_count(&self) -> u8 {
        self.approvals.count_ones() as u8
    }
}
