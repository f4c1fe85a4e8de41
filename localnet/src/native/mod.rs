//! Our programs compiled for the host, running in solana-program-test's bank (agave's real
//! runtime) next to the SPL programs as SBF. The engine localnet uses until our programs
//! build to SBF (issue #3); the program test suite uses it too.
pub mod stub_bridge;

use anchor_lang::prelude::{AccountInfo, Pubkey};
use anchor_lang::solana_program::bpf_loader_upgradeable::{self, UpgradeableLoaderState};
use anchor_lang::solana_program::entrypoint::ProgramResult;
use solana_account::Account;
use solana_program_test::{processor, ProgramTest, ProgramTestContext};

// Anchor's entrypoints tie the accounts slice to the AccountInfo lifetime; program-test's
// processor type does not. The runtime keeps both alive for the whole call.
// Each program's entry is the deployed build's: Anchor's `entry`, or `fast::process` where a
// program checks its hot instructions' accounts itself.
macro_rules! native_entry {
    ($name:ident, $entry:path) => {
        fn $name(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
            let accounts: &[AccountInfo] = unsafe { std::mem::transmute(accounts) };
            $entry(program_id, accounts, data)
        }
    };
}
native_entry!(governance_entry, governance::entry);
native_entry!(energy_entry, energy::fast::process);
native_entry!(market_entry, market::fast::process);

/// A ProgramTest with our three programs and, for each, the ProgramData account the
/// upgradeable loader would hold, naming `upgrade_authority` — the initializers check it.
///
/// The programs run natively, unless `SBF_OUT_DIR` (program-test's own variable) names a
/// folder with `governance.so`, `energy.so` and `market.so` from `tools/sbf/build.sh`: then
/// they run as SBF in the same bank, and every test using this exercises the SBF build.
pub fn program_test(upgrade_authority: &Pubkey) -> ProgramTest {
    let mut pt = ProgramTest::default();
    pt.prefer_bpf(std::env::var_os("SBF_OUT_DIR").is_some());
    pt.add_program("governance", governance::ID, processor!(governance_entry));
    pt.add_program("energy", energy::ID, processor!(energy_entry));
    pt.add_program("market", market::ID, processor!(market_entry));
    for id in [governance::ID, energy::ID, market::ID] {
        pt.add_account(
            governance::client::program_data_address(&id),
            program_data_account(upgrade_authority),
        );
    }
    pt
}

pub fn program_data_account(upgrade_authority: &Pubkey) -> Account {
    let state =
        UpgradeableLoaderState::ProgramData { slot: 0, upgrade_authority_address: Some(*upgrade_authority) };
    Account {
        lamports: 10_000_000,
        data: bincode::serialize(&state).expect("ProgramData serializes"),
        owner: bpf_loader_upgradeable::ID,
        executable: false,
        rent_epoch: 0,
    }
}

/// Starts the bank; always use this rather than `ProgramTest::start_with_context`, which
/// leaves natively run programs without sysvars or CPI (see `stub_bridge`).
pub async fn start(pt: ProgramTest) -> ProgramTestContext {
    let ctx = pt.start_with_context().await;
    stub_bridge::install();
    ctx
}
