use anchor_lang::prelude::*;

use crate::error::EnergyError;

pub const CONFIG_SEED: &[u8] = b"config";
pub const ENERGY_MINT_SEED: &[u8] = b"energy_mint";
pub const ORACLE_SEED: &[u8] = b"oracle";
pub const METER_SEED: &[u8] = b"meter";
pub const REC_SEED: &[u8] = b"rec";
/// Energy token decimals: one base atom is one Wh.
pub const ENERGY_DECIMALS: u8 = 3;
/// One renewable energy certificate certifies one MWh.
pub const WH_PER_MWH: u64 = 1_000_000;

/// Limits every reading is checked against; set by the council.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct ReadingRules {
    /// Length of a metering interval; readings are aligned to multiples of it.
    pub interval_secs: u32,
    /// Clock skew tolerated between the oracle and the cluster.
    pub max_future_secs: u32,
    /// How long after its interval ends a reading may still be submitted.
    pub max_staleness_secs: u32,
    /// Largest production one meter may report for one interval.
    pub max_wh_per_interval: u64,
}

impl ReadingRules {
    pub fn validate(&self) -> Result<()> {
        require!(
            (60..=86_400).contains(&self.interval_secs)
                && self.max_future_secs <= 3_600
                && (self.interval_secs..=30 * 86_400).contains(&self.max_staleness_secs)
                && self.max_wh_per_interval > 0,
            EnergyError::InvalidRules
        );
        Ok(())
    }
}

#[account]
#[derive(InitSpace, Debug)]
pub struct EnergyConfig {
    /// Admin authority: the governance council PDA.
    pub authority: Pubkey,
    /// The governance council account whose pause flag halts minting.
    pub council: Pubkey,
    pub energy_mint: Pubkey,
    /// Identifies the cluster (its genesis hash) inside every signed reading, so an
    /// attestation for devnet can never be replayed on mainnet.
    pub cluster_tag: [u8; 32],
    pub rules: ReadingRules,
    pub total_minted_wh: u64,
    pub total_certified_wh: u64,
    pub total_retired_wh: u64,
    pub rec_count: u64,
    pub bump: u8,
}

#[account]
#[derive(InitSpace, Debug)]
pub struct Oracle {
    pub oracle: Pubkey,
    pub active: bool,
    pub registered_at: i64,
    pub readings_attested: u64,
    pub bump: u8,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum MeterStatus {
    Active,
    Suspended,
}

#[account]
#[derive(InitSpace, Debug)]
pub struct Meter {
    pub owner: Pubkey,
    /// Opaque 32-byte identity, e.g. a hash of the utility's meter serial.
    pub meter_id: [u8; 32],
    pub status: MeterStatus,
    pub registered_at: i64,
    /// False until the first attested reading, which only sets the baseline.
    pub has_reading: bool,
    pub last_interval_start_ts: i64,
    /// Cumulative counters as of the end of the last accepted interval.
    pub last_produced_wh: u64,
    pub last_consumed_wh: u64,
    /// Everything minted for this meter; `certified_wh <= minted_wh` always.
    pub minted_wh: u64,
    pub certified_wh: u64,
    pub rec_count: u64,
    pub bump: u8,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum CertificateStatus {
    Active,
    Retired,
}

/// A renewable energy certificate. It certifies the meter's minted energy in the
/// half-open range `[wh_start, wh_end)` of its minted counter: ranges of one meter never
/// overlap, which is what makes double counting impossible and auditable.
#[account]
#[derive(InitSpace, Debug)]
pub struct Certificate {
    pub meter: Pubkey,
    pub owner: Pubkey,
    pub serial: u64,
    pub wh_start: u64,
    pub wh_end: u64,
    pub issued_at: i64,
    pub status: CertificateStatus,
    pub retired_at: i64,
    pub beneficiary: Pubkey,
    pub bump: u8,
}
