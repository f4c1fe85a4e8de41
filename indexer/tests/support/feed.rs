//! Synthetic meter account updates, as Yellowstone would deliver them: the pipeline
//! benchmark (examples/ingest_throughput.rs includes this file) and the sequencing tests.
use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountSerialize;
use gridtokenx_indexer::ingest::{AccountUpdate, Update};

/// The address of synthetic meter `i`.
pub fn meter_key(i: u64) -> Pubkey {
    let mut k = [7u8; 32];
    k[..8].copy_from_slice(&i.to_le_bytes());
    Pubkey::new_from_array(k)
}

/// Meter `i`'s account at `slot`, having minted `minted_wh` so far.
pub fn meter_update(i: u64, slot: u64, write_version: u64, minted_wh: u64) -> Update {
    let meter = energy::state::Meter {
        owner: Pubkey::new_from_array([(i % 251) as u8; 32]),
        meter_id: {
            let mut id = [0u8; 32];
            id[..8].copy_from_slice(&i.to_le_bytes());
            id
        },
        status: energy::state::MeterStatus::Active,
        registered_at: 1_800_000_000,
        has_reading: true,
        last_interval_start_ts: 1_800_000_000 + 900 * (i as i64 % 96),
        last_produced_wh: 10_000 + i,
        last_consumed_wh: 5_000 + i,
        minted_wh,
        certified_wh: 0,
        rec_count: 0,
        bump: 255,
    };
    let mut data = Vec::with_capacity(200);
    meter.try_serialize(&mut data).expect("a meter serializes");
    Update::Account(AccountUpdate { pubkey: meter_key(i), owner: energy::ID, slot, write_version, lamports: 2_000_000, data })
}
