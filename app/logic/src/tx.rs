//! Transactions as the wallet is asked to sign them: the programs' own instruction builders
//! (`market::client`, one source of truth for encodings), a fee payer, a fresh blockhash,
//! and a compute-unit limit measured by simulation rather than guessed.
use anchor_lang::prelude::Pubkey;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_hash::Hash;
use solana_message::{Instruction, Message, VersionedMessage};
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;

/// The most one transaction may ask for.
pub const MAX_COMPUTE_UNITS: u32 = 1_400_000;

/// What the user asked for, before any chain state is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    ClaimSeat { market: Pubkey },
}

impl Action {
    pub fn label(&self) -> &'static str {
        match self {
            Action::ClaimSeat { .. } => "Claim a seat",
        }
    }

    pub fn instructions(&self, trader: Pubkey) -> Vec<Instruction> {
        match self {
            Action::ClaimSeat { market } => vec![market::client::claim_seat(trader, *market)],
        }
    }
}

/// An unsigned legacy transaction (one empty signature slot per required signer): what
/// `solana:signTransaction` takes. `compute_units` prepends the compute-budget limit.
pub fn unsigned(payer: Pubkey, ixs: &[Instruction], blockhash: Hash, compute_units: Option<u32>) -> VersionedTransaction {
    let mut all = Vec::with_capacity(ixs.len() + 1);
    if let Some(units) = compute_units {
        all.push(ComputeBudgetInstruction::set_compute_unit_limit(units));
    }
    all.extend_from_slice(ixs);
    let message = Message::new_with_blockhash(&all, Some(&payer), &blockhash);
    let signers = message.header.num_required_signatures as usize;
    VersionedTransaction { signatures: vec![Signature::default(); signers], message: VersionedMessage::Legacy(message) }
}

/// The limit to ask for after a simulation consumed `consumed` units: 10% and 1,000 units
/// of headroom (state can move between simulation and landing, e.g. a book that grew), never
/// above the transaction maximum.
pub fn compute_unit_limit(consumed: u64) -> u32 {
    let padded = consumed.saturating_add(consumed / 10).saturating_add(1_000);
    padded.min(MAX_COMPUTE_UNITS as u64) as u32
}

/// Wire bytes (as `sendTransaction` and wallets take them, before base64).
pub fn wire(tx: &VersionedTransaction) -> Vec<u8> {
    // Serializing a transaction to a Vec cannot fail: every field has a fixed encoding.
    bincode::serialize(tx).expect("a transaction serializes")
}

pub fn from_wire(bytes: &[u8]) -> Result<VersionedTransaction, bincode::Error> {
    bincode::deserialize(bytes)
}

pub fn parse_hash(s: &str) -> Option<Hash> {
    s.parse().ok()
}

/// The transaction's id: its first (the fee payer's) signature, in base58.
pub fn signature_of(tx: &VersionedTransaction) -> Option<String> {
    tx.signatures.first().filter(|s| **s != Signature::default()).map(|s| s.to_string())
}

pub fn parse_pubkey(s: &str) -> Option<Pubkey> {
    let bytes: [u8; 32] = bs58::decode(s).into_vec().ok()?.try_into().ok()?;
    Some(Pubkey::new_from_array(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::Discriminator;

    fn key(n: u8) -> Pubkey {
        Pubkey::new_from_array([n; 32])
    }

    #[test]
    fn claim_seat_is_the_market_programs_own_instruction() {
        let (trader, market) = (key(1), key(2));
        let ixs = Action::ClaimSeat { market }.instructions(trader);
        assert_eq!(ixs.len(), 1);
        assert_eq!(ixs[0].program_id, market::ID);
        assert_eq!(&ixs[0].data[..8], market::instruction::ClaimSeat::DISCRIMINATOR);
        let signer: Vec<_> = ixs[0].accounts.iter().filter(|a| a.is_signer).map(|a| a.pubkey).collect();
        assert_eq!(signer, vec![trader], "the trader signs, nobody else");
    }

    #[test]
    fn unsigned_transaction_has_one_empty_slot_for_the_payer_and_round_trips() {
        let trader = key(1);
        let ixs = Action::ClaimSeat { market: key(2) }.instructions(trader);
        let tx = unsigned(trader, &ixs, Hash::new_from_array([9; 32]), Some(12_345));
        assert_eq!(tx.signatures, vec![Signature::default()]);
        let VersionedMessage::Legacy(m) = &tx.message else { panic!("legacy message") };
        assert_eq!(m.account_keys[0], trader, "the trader pays");
        assert_eq!(m.recent_blockhash, Hash::new_from_array([9; 32]));
        // Compute budget first, then claim_seat.
        assert_eq!(m.instructions.len(), 2);
        let budget = m.account_keys[m.instructions[0].program_id_index as usize];
        assert_eq!(budget.to_string(), "ComputeBudget111111111111111111111111111111");
        assert_eq!(from_wire(&wire(&tx)).unwrap(), tx);
    }

    #[test]
    fn compute_limit_has_headroom_and_a_ceiling() {
        assert_eq!(compute_unit_limit(10_000), 12_000);
        assert_eq!(compute_unit_limit(0), 1_000);
        assert_eq!(compute_unit_limit(u64::MAX), MAX_COMPUTE_UNITS);
    }

    #[test]
    fn pubkeys_parse_only_from_32_byte_base58() {
        assert_eq!(parse_pubkey(&key(3).to_string()), Some(key(3)));
        assert_eq!(parse_pubkey("not-base58!"), None);
        assert_eq!(parse_pubkey("abc"), None);
    }
}
