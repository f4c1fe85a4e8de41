//! Test harness for the GridTokenX programs in solana-program-test: our three programs
//! run natively (processor mode, through `localnet::native`) while the SPL Token and
//! Associated Token programs run as the real SBF binaries bundled with program-test.
//!
//! `World::new()` boots a complete deployment the way production does: upgrade
//! authorities initialize governance and energy, and everything after that (oracles,
//! markets) goes through council proposals.

pub mod bench;
pub mod engine_ops;
pub mod events;
pub mod orders;
pub mod world;

pub use events::decode_events;
pub use orders::{ask, bid, order};
pub use world::*;

use solana_instruction::error::InstructionError;
use solana_program_test::BanksClientError;
use solana_transaction_error::TransactionError;

/// The custom error code a failed transaction returned, if any.
pub fn custom_error(result: &Result<(), BanksClientError>) -> Option<u32> {
    match result {
        Err(BanksClientError::TransactionError(TransactionError::InstructionError(
            _,
            InstructionError::Custom(code),
        )))
        | Err(BanksClientError::SimulationError {
            err: TransactionError::InstructionError(_, InstructionError::Custom(code)),
            ..
        }) => Some(*code),
        _ => None,
    }
}

/// Asserts that `result` failed with exactly the Anchor error `expected`.
#[track_caller]
pub fn assert_error(result: Result<(), BanksClientError>, expected: impl Into<u32> + std::fmt::Debug + Copy) {
    let code = expected.into();
    assert_eq!(custom_error(&result), Some(code), "expected error {expected:?} ({code}), got {result:?}");
}
