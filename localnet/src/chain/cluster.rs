//! What the chain knows about itself as a cluster: its epochs, its one validator (program-
//! test's bootstrap validator, whose identity produces every bank), supply, fees and
//! inflation — all read from the bank and its genesis, so the answers are the bank's own.
use anchor_lang::prelude::Pubkey;
use solana_epoch_schedule::EpochSchedule;
use solana_message::VersionedMessage;

use super::{Chain, ChainError};

/// The bootstrap validator: its identity, vote account and the stake delegated to it.
pub struct Validator {
    pub identity: Pubkey,
    pub vote_account: Pubkey,
    pub stake_lamports: u64,
    pub commission: u8,
}

const VOTE_PROGRAM: Pubkey = Pubkey::from_str_const("Vote111111111111111111111111111111111111111");
const STAKE_PROGRAM: Pubkey = Pubkey::from_str_const("Stake11111111111111111111111111111111111111");

impl Chain {
    pub fn epoch_schedule(&self) -> EpochSchedule {
        self.ctx.genesis_config().epoch_schedule.clone()
    }

    pub fn inflation(&self) -> solana_inflation::Inflation {
        self.ctx.genesis_config().inflation
    }

    /// The fee per signature (5,000 lamports).
    pub fn lamports_per_signature(&self) -> u64 {
        self.ctx.genesis_config().fee_rate_governor.lamports_per_signature
    }

    /// Slots in a year at genesis' slot time: inflation's clock.
    pub fn slots_per_year(&self) -> f64 {
        self.ctx.genesis_config().slots_per_year()
    }

    pub fn is_feature_active(&self, feature: &Pubkey) -> bool {
        self.ctx.is_active(feature)
    }

    /// Every lamport in existence.
    pub fn capitalization(&self) -> u64 {
        self.ctx.capitalization()
    }

    /// Transactions processed since genesis, the bootstrap's included.
    pub fn transaction_count(&self) -> u64 {
        self.ctx.transaction_count()
    }

    /// The validator producing every block: genesis holds its vote account (with the
    /// identity and commission in its state) and the stake account delegating to it.
    pub fn validator(&self) -> Validator {
        let genesis = self.ctx.genesis_config();
        let vote = genesis.accounts.iter().find(|(_, a)| a.owner == VOTE_PROGRAM);
        let (vote_account, commission) = match vote {
            Some((key, account)) => {
                let parsed = solana_account_decoder::parse_vote::parse_vote(&account.data, key)
                    .ok()
                    .and_then(|v| serde_json::to_value(v).ok());
                let commission = parsed
                    .as_ref()
                    .and_then(|v| v["info"]["commission"].as_u64())
                    .and_then(|c| u8::try_from(c).ok())
                    .unwrap_or(0);
                (*key, commission)
            }
            None => (Pubkey::default(), 0),
        };
        let stake_lamports = genesis
            .accounts
            .iter()
            .filter(|(_, a)| a.owner == STAKE_PROGRAM)
            .filter_map(|(_, a)| solana_account_decoder::parse_stake::parse_stake(&a.data).ok())
            .filter_map(|s| serde_json::to_value(s).ok())
            .filter(|s| s["info"]["stake"]["delegation"]["voter"] == vote_account.to_string())
            .filter_map(|s| s["info"]["stake"]["delegation"]["stake"].as_str()?.parse::<u64>().ok())
            .sum();
        Validator { identity: self.ctx.leader_id(), vote_account, stake_lamports, commission }
    }

    /// The fee a transaction with `message` pays, as the bank charges it; `None` when its
    /// blockhash is no longer accepted (agave's `getFeeForMessage` answer then).
    pub async fn fee_for_message(&mut self, message: &VersionedMessage) -> Result<Option<u64>, ChainError> {
        match message {
            VersionedMessage::Legacy(m) => Ok(self.ctx.banks_client.get_fee_for_message(m.clone()).await?),
            // v0: the bank's per-signature fee, as `execute` charges it.
            other => Ok(self
                .ctx
                .is_blockhash_valid(other.recent_blockhash())
                .then(|| self.lamports_per_signature() * u64::from(other.header().num_required_signatures))),
        }
    }

    /// Sets the Clock sysvar to the current slot, its time and its epoch.
    pub(super) fn set_clock(&mut self) {
        let schedule = self.epoch_schedule();
        let epoch = schedule.get_epoch(self.slot);
        let clock = solana_clock::Clock {
            slot: self.slot,
            unix_timestamp: self.slot_time,
            epoch,
            leader_schedule_epoch: schedule.get_leader_schedule_epoch(self.slot),
            ..solana_clock::Clock::default()
        };
        self.ctx.set_sysvar(&clock);
    }
}
