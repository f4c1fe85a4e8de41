//! Reading validation as a pure function of (rules, meter cursor, reading, clock), so that
//! every rejection rule is unit-testable without a runtime.
use anchor_lang::prelude::*;

use crate::error::EnergyError;
use crate::state::ReadingRules;

/// What an oracle attests: the meter's cumulative counters at the end of the interval
/// starting at `interval_start_ts`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    pub interval_start_ts: i64,
    pub produced_wh: u64,
    pub consumed_wh: u64,
}

/// The part of a meter's state that readings advance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub has_reading: bool,
    pub last_interval_start_ts: i64,
    pub last_produced_wh: u64,
    pub last_consumed_wh: u64,
}

/// Returns the Wh to mint: the net surplus (production minus consumption) since the last
/// accepted reading, or zero for the first reading, which only sets the baseline (energy
/// produced before registration is never minted).
pub fn surplus_to_mint(
    rules: &ReadingRules,
    cursor: &Cursor,
    reading: &Reading,
    now_ts: i64,
) -> std::result::Result<u64, EnergyError> {
    let interval = i64::from(rules.interval_secs);
    if interval <= 0 || reading.interval_start_ts.rem_euclid(interval) != 0 {
        return Err(EnergyError::MisalignedInterval);
    }
    if cursor.has_reading {
        if reading.interval_start_ts == cursor.last_interval_start_ts {
            return Err(EnergyError::ReadingReplayed);
        }
        if reading.interval_start_ts < cursor.last_interval_start_ts {
            return Err(EnergyError::ReadingOutOfOrder);
        }
    }
    let interval_end = reading.interval_start_ts.checked_add(interval).ok_or(EnergyError::Overflow)?;
    if interval_end > now_ts.saturating_add(i64::from(rules.max_future_secs)) {
        return Err(EnergyError::ReadingFromFuture);
    }
    if now_ts > interval_end.saturating_add(i64::from(rules.max_staleness_secs)) {
        return Err(EnergyError::ReadingStale);
    }
    if !cursor.has_reading {
        return Ok(0);
    }
    let produced =
        reading.produced_wh.checked_sub(cursor.last_produced_wh).ok_or(EnergyError::CounterRegression)?;
    let consumed =
        reading.consumed_wh.checked_sub(cursor.last_consumed_wh).ok_or(EnergyError::CounterRegression)?;
    // A meter that was offline for k intervals may report k intervals' worth at once.
    let intervals =
        reading.interval_start_ts.checked_sub(cursor.last_interval_start_ts).ok_or(EnergyError::Overflow)?
            / interval;
    let max_produced = u64::try_from(intervals)
        .ok()
        .and_then(|k| k.checked_mul(rules.max_wh_per_interval))
        .unwrap_or(u64::MAX);
    if produced > max_produced {
        return Err(EnergyError::ImplausibleProduction);
    }
    Ok(produced.saturating_sub(consumed))
}

impl Cursor {
    /// A meter with no accepted reading yet.
    pub const NONE: Cursor =
        Cursor { has_reading: false, last_interval_start_ts: 0, last_produced_wh: 0, last_consumed_wh: 0 };

    pub fn advanced(reading: &Reading) -> Self {
        Cursor {
            has_reading: true,
            last_interval_start_ts: reading.interval_start_ts,
            last_produced_wh: reading.produced_wh,
            last_consumed_wh: reading.consumed_wh,
        }
    }
}

#[cfg(test)]
mod tests;
