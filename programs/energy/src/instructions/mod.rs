pub mod admin;
pub mod initialize;
pub mod meter;
pub mod oracle;
pub mod rec;
pub mod submit_reading;

#[allow(ambiguous_glob_reexports)]
pub use admin::*;
#[allow(ambiguous_glob_reexports)]
pub use initialize::*;
#[allow(ambiguous_glob_reexports)]
pub use meter::*;
#[allow(ambiguous_glob_reexports)]
pub use oracle::*;
#[allow(ambiguous_glob_reexports)]
pub use rec::*;
#[allow(ambiguous_glob_reexports)]
pub use submit_reading::*;

use anchor_lang::prelude::*;
use governance::Council;

use crate::error::EnergyError;

/// Everything that creates value or allocates (minting, certifying, registering a meter)
/// stops while governance is paused; exits (transferring or retiring certificates) and
/// the council's own instructions stay open (docs/architecture.md, "Pause").
pub(crate) fn ensure_not_paused(council: &AccountLoader<Council>) -> Result<()> {
    require!(!council.load()?.is_paused(), EnergyError::Paused);
    Ok(())
}
