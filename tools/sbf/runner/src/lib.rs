//! Loads an SBF program into LiteSVM and calls it with instruction data, returning what it
//! returned (return data) and the compute units it used.
use litesvm::LiteSVM;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_message::Message;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction::Transaction;

pub struct Program {
    svm: LiteSVM,
    payer: Keypair,
    pub id: Pubkey,
}

/// One call's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The return data, or the transaction error as text.
    pub result: Result<Vec<u8>, String>,
    pub compute_units: u64,
}

impl Program {
    /// Loads `so` (an SBF ELF) under a fresh program id.
    pub fn load(so: &[u8]) -> Result<Program, String> {
        // The most a transaction may ask for: float formatting through `core`'s big-number
        // fallback legitimately needs more than the default 200k.
        let mut budget = solana_compute_budget::compute_budget::ComputeBudget::new_with_defaults(false);
        budget.compute_unit_limit = 1_400_000;
        let mut svm = LiteSVM::new().with_compute_budget(budget);
        let id = Pubkey::new_unique();
        svm.add_program(id, so).map_err(|e| format!("the loader refused the program: {e:?}"))?;
        let payer = Keypair::new();
        svm.airdrop(&payer.pubkey(), 10_000_000_000).map_err(|e| format!("airdrop: {e:?}"))?;
        Ok(Program { svm, payer, id })
    }

    pub fn call(&mut self, data: &[u8]) -> Call {
        // A fresh blockhash per call: identical inputs must not be deduplicated.
        self.svm.expire_blockhash();
        let ix = Instruction { program_id: self.id, accounts: vec![], data: data.to_vec() };
        let message = Message::new(&[ix], Some(&self.payer.pubkey()));
        let tx = Transaction::new(&[&self.payer], message, self.svm.latest_blockhash());
        match self.svm.send_transaction(tx) {
            Ok(meta) => {
                Call { result: Ok(meta.return_data.data), compute_units: meta.compute_units_consumed }
            }
            Err(failed) => Call {
                result: Err(format!("{:?} {:?}", failed.err, failed.meta.logs)),
                compute_units: failed.meta.compute_units_consumed,
            },
        }
    }
}
