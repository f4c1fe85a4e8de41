use anchor_lang::prelude::*;

#[event]
pub struct CouncilChanged {
    pub version: u32,
    pub members: Vec<Pubkey>,
    pub threshold: u8,
    pub guardians: Vec<Pubkey>,
}

#[event]
pub struct ProposalCreated {
    pub index: u64,
    pub proposer: Pubkey,
    pub program_id: Pubkey,
    pub expires_at: i64,
}

#[event]
pub struct ProposalApproved {
    pub index: u64,
    pub member: Pubkey,
    pub approvals: u8,
}

#[event]
pub struct ProposalExecuted {
    pub index: u64,
    pub executor: Pubkey,
}

#[event]
pub struct Paused {
    pub by: Pubkey,
    pub at: i64,
}

#[event]
pub struct Unpaused {
    pub at: i64,
}

/// Emits an Anchor event. On chain this is exactly Anchor's `emit!`: a `sol_log_data`
/// "Program data: <base64>" log line. Anchor compiles that call to a no-op for native
/// (non-SBF) builds, which run our programs in tests, so there we hand the payload to the
/// runtime's syscall stubs instead; the test harness logs it as
/// "Program log: Program data: <base64>", and every GridTokenX log decoder accepts both.
pub fn emit<E: anchor_lang::Event>(event: E) {
    log_data(&event.data());
}

/// `emit` for instructions that emit many events: serializes into `buf` (cleared first)
/// instead of a fresh vector per event. SBF's bump allocator never frees, so a vector per
/// event adds up — 256 events of Anchor's 256-byte `data()` alone are 64 KiB, twice the heap.
pub fn emit_into<E: anchor_lang::Event>(buf: &mut Vec<u8>, event: &E) {
    buf.clear();
    buf.extend_from_slice(E::DISCRIMINATOR);
    // Writing into a vector cannot fail.
    if event.serialize(buf).is_ok() {
        log_data(buf);
    }
}

fn log_data(data: &[u8]) {
    #[cfg(target_os = "solana")]
    anchor_lang::solana_program::log::sol_log_data(&[data]);
    #[cfg(not(target_os = "solana"))]
    solana_sysvar::program_stubs::sol_log_data(&[data]);
}
