use anchor_lang::prelude::*;
pub use governance::events::emit;

#[event]
pub struct OracleRegistered {
    pub oracle: Pubkey,
}

#[event]
pub struct OracleStatusChanged {
    pub oracle: Pubkey,
    pub active: bool,
}

#[event]
pub struct MeterRegistered {
    pub meter: Pubkey,
    pub meter_id: [u8; 32],
    pub owner: Pubkey,
}

#[event]
pub struct MeterStatusChanged {
    pub meter: Pubkey,
    pub status: u8,
}

/// One per accepted reading. `minted_wh` is zero for a meter's first (baseline) reading
/// and for intervals with no net surplus.
#[event]
pub struct ReadingAccepted {
    pub meter: Pubkey,
    pub oracle: Pubkey,
    pub interval_start_ts: i64,
    pub produced_wh: u64,
    pub consumed_wh: u64,
    pub minted_wh: u64,
    pub meter_minted_wh_total: u64,
}

#[event]
pub struct RecIssued {
    pub certificate: Pubkey,
    pub meter: Pubkey,
    pub owner: Pubkey,
    pub serial: u64,
    pub wh_start: u64,
    pub wh_end: u64,
}

#[event]
pub struct RecTransferred {
    pub certificate: Pubkey,
    pub from: Pubkey,
    pub to: Pubkey,
}

#[event]
pub struct RecRetired {
    pub certificate: Pubkey,
    pub owner: Pubkey,
    pub beneficiary: Pubkey,
    pub wh: u64,
}

#[event]
pub struct RulesUpdated {
    pub interval_secs: u32,
    pub max_future_secs: u32,
    pub max_staleness_secs: u32,
    pub max_wh_per_interval: u64,
}

#[event]
pub struct AuthorityChanged {
    pub old: Pubkey,
    pub new: Pubkey,
}
