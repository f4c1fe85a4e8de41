pub mod approve;
pub mod council_only;
pub mod execute;
pub mod initialize;
pub mod pause;
pub mod propose;

#[allow(ambiguous_glob_reexports)]
pub use approve::*;
#[allow(ambiguous_glob_reexports)]
pub use council_only::*;
#[allow(ambiguous_glob_reexports)]
pub use execute::*;
#[allow(ambiguous_glob_reexports)]
pub use initialize::*;
#[allow(ambiguous_glob_reexports)]
pub use pause::*;
#[allow(ambiguous_glob_reexports)]
pub use propose::*;

pub use crate::state::CouncilConfig;
