//! Bridges syscall stubs between the two Solana crate generations in one process.
//!
//! Natively compiled programs reach the runtime (sysvars, CPI, return data, logs) through
//! a process-wide "syscall stubs" object in `solana-sysvar`. solana-program-test 4.2
//! installs its stubs into `solana-sysvar` 4.x, but Anchor 1.2's `solana-v3` cohort — our
//! programs — calls the registry of `solana-sysvar` 3.x, which would answer every request
//! with "unsupported". So, once, we take program-test's stubs out of the 4.x registry and
//! install forwarders to them in both registries.
//!
//! The bridge also gives event logs a home: `sol_log_data` (which program-test leaves to a
//! default that prints to stdout) becomes a transaction log line
//! "Program log: Program data: <base64>" (see `governance::events::emit`).
//!
//! Everything here only matters while our programs run natively; the SBF build (issue #3)
//! needs none of it.
use std::sync::{Arc, Once};

use anchor_lang::prelude::{AccountInfo, Pubkey};
use anchor_lang::solana_program::entrypoint::ProgramResult;
use base64::Engine;
use solana_instruction::Instruction;

type Inner = Arc<Box<dyn sysvar_v4::program_stubs::SyscallStubs>>;

struct Bridge(Inner);

/// Call after the first `ProgramTest::start*`: that is when program-test installs its stubs.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        struct Placeholder;
        impl sysvar_v4::program_stubs::SyscallStubs for Placeholder {}
        let inner: Inner = Arc::new(sysvar_v4::program_stubs::set_syscall_stubs(Box::new(Placeholder)));
        sysvar_v4::program_stubs::set_syscall_stubs(Box::new(Bridge(inner.clone())));
        sysvar_v3::program_stubs::set_syscall_stubs(Box::new(Bridge(inner)));
    });
}

macro_rules! forward {
    ($trait:path) => {
        impl $trait for Bridge {
            fn sol_log(&self, message: &str) {
                self.0.sol_log(message)
            }
            fn sol_log_compute_units(&self) {
                self.0.sol_log_compute_units()
            }
            fn sol_remaining_compute_units(&self) -> u64 {
                self.0.sol_remaining_compute_units()
            }
            fn sol_invoke_signed(
                &self,
                instruction: &Instruction,
                account_infos: &[AccountInfo],
                signers_seeds: &[&[&[u8]]],
            ) -> ProgramResult {
                self.0.sol_invoke_signed(instruction, account_infos, signers_seeds)
            }
            fn sol_get_sysvar(&self, id: *const u8, var: *mut u8, offset: u64, length: u64) -> u64 {
                self.0.sol_get_sysvar(id, var, offset, length)
            }
            fn sol_get_clock_sysvar(&self, var: *mut u8) -> u64 {
                self.0.sol_get_clock_sysvar(var)
            }
            fn sol_get_epoch_schedule_sysvar(&self, var: *mut u8) -> u64 {
                self.0.sol_get_epoch_schedule_sysvar(var)
            }
            fn sol_get_fees_sysvar(&self, var: *mut u8) -> u64 {
                self.0.sol_get_fees_sysvar(var)
            }
            fn sol_get_rent_sysvar(&self, var: *mut u8) -> u64 {
                self.0.sol_get_rent_sysvar(var)
            }
            fn sol_get_epoch_rewards_sysvar(&self, var: *mut u8) -> u64 {
                self.0.sol_get_epoch_rewards_sysvar(var)
            }
            fn sol_get_last_restart_slot(&self, var: *mut u8) -> u64 {
                self.0.sol_get_last_restart_slot(var)
            }
            fn sol_get_epoch_stake(&self, vote_address: *const u8) -> u64 {
                self.0.sol_get_epoch_stake(vote_address)
            }
            unsafe fn sol_memcpy(&self, dst: *mut u8, src: *const u8, n: usize) {
                unsafe { self.0.sol_memcpy(dst, src, n) }
            }
            unsafe fn sol_memmove(&self, dst: *mut u8, src: *const u8, n: usize) {
                unsafe { self.0.sol_memmove(dst, src, n) }
            }
            unsafe fn sol_memcmp(&self, s1: *const u8, s2: *const u8, n: usize, result: *mut i32) {
                unsafe { self.0.sol_memcmp(s1, s2, n, result) }
            }
            unsafe fn sol_memset(&self, s: *mut u8, c: u8, n: usize) {
                unsafe { self.0.sol_memset(s, c, n) }
            }
            fn sol_get_return_data(&self) -> Option<(Pubkey, Vec<u8>)> {
                self.0.sol_get_return_data()
            }
            fn sol_set_return_data(&self, data: &[u8]) {
                self.0.sol_set_return_data(data)
            }
            fn sol_log_data(&self, fields: &[&[u8]]) {
                let b64 = base64::engine::general_purpose::STANDARD;
                let fields: Vec<String> = fields.iter().map(|f| b64.encode(f)).collect();
                self.0.sol_log(&format!("Program data: {}", fields.join(" ")))
            }
            fn sol_get_processed_sibling_instruction(&self, index: usize) -> Option<Instruction> {
                self.0.sol_get_processed_sibling_instruction(index)
            }
            fn sol_get_stack_height(&self) -> u64 {
                self.0.sol_get_stack_height()
            }
        }
    };
}

forward!(sysvar_v3::program_stubs::SyscallStubs);
forward!(sysvar_v4::program_stubs::SyscallStubs);
