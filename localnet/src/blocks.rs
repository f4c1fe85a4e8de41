//! The blocks localnet has produced: one per slot, since the chain never skips one. What
//! `getBlock`, `getBlockTime`, `getBlocks` and friends need that the transaction history does
//! not hold — each block's hash, its parent's and its time — kept for the newest
//! `BLOCKS_KEPT` slots and written to the ledger, so a restart still serves them.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Blocks kept: 100,000 slots, ~11 hours at 400 ms, ~12 MB.
pub const BLOCKS_KEPT: usize = 100_000;

/// A finished block. Its hash is the blockhash the bank registered when the next slot
/// began: transactions of the next block name it as their recent blockhash, as on a
/// validator, where a block's last entry hash is the next block's `previousBlockhash`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockInfo {
    pub slot: u64,
    pub previous_blockhash: [u8; 32],
    pub blockhash: [u8; 32],
    /// Unix seconds of the slot's Clock sysvar (every transaction's `blockTime`).
    pub block_time: i64,
}

impl BlockInfo {
    /// Slots are never skipped: a block's parent is the slot before it.
    pub fn parent_slot(&self) -> u64 {
        self.slot.saturating_sub(1)
    }
}

#[derive(Default)]
pub struct Blocks {
    by_slot: BTreeMap<u64, BlockInfo>,
}

impl Blocks {
    pub fn insert(&mut self, block: BlockInfo) {
        self.by_slot.insert(block.slot, block);
        while self.by_slot.len() > BLOCKS_KEPT {
            self.by_slot.pop_first();
        }
    }

    pub fn get(&self, slot: u64) -> Option<&BlockInfo> {
        self.by_slot.get(&slot)
    }

    pub fn first(&self) -> Option<&BlockInfo> {
        self.by_slot.values().next()
    }

    pub fn last(&self) -> Option<&BlockInfo> {
        self.by_slot.values().next_back()
    }

    /// Slots of the kept blocks in `from..=to`, oldest first.
    pub fn slots_in(&self, from: u64, to: u64) -> impl Iterator<Item = u64> + '_ {
        // `BTreeMap::range` panics on an inverted range.
        (from <= to).then(|| self.by_slot.range(from..=to)).into_iter().flatten().map(|(slot, _)| *slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_blocks_and_lists_ranges() {
        let mut blocks = Blocks::default();
        for slot in 0..(BLOCKS_KEPT as u64 + 5) {
            blocks.insert(BlockInfo { slot, previous_blockhash: [0; 32], blockhash: [1; 32], block_time: 0 });
        }
        assert_eq!(blocks.first().map(|b| b.slot), Some(5));
        assert!(blocks.get(4).is_none());
        assert_eq!(blocks.slots_in(3, 7).collect::<Vec<_>>(), vec![5, 6, 7]);
        assert_eq!(blocks.slots_in(7, 3).count(), 0);
    }
}
