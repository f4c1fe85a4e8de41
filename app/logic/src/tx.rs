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

/// A market as transactions need it: its address and its two mints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketKeys {
    pub market: Pubkey,
    pub base_mint: Pubkey,
    pub quote_mint: Pubkey,
}

impl MarketKeys {
    /// The trader's associated token accounts for the market's two mints.
    pub fn trader_accounts(&self, trader: Pubkey) -> market::client::TraderAccounts {
        let ata = |mint| anchor_spl::associated_token::get_associated_token_address(&trader, mint);
        market::client::TraderAccounts { trader, base: ata(&self.base_mint), quote: ata(&self.quote_mint) }
    }

    /// Idempotent creation of the trader's two associated token accounts.
    pub fn create_trader_accounts(&self, trader: Pubkey) -> Vec<Instruction> {
        [self.base_mint, self.quote_mint].iter().map(|mint| create_associated_account(trader, mint)).collect()
    }
}

/// The ATA program's `CreateIdempotent` (instruction 1) of `owner`'s account for `mint`,
/// paid by the owner: a no-op when it exists. Built from the program's published layout
/// with this crate's own `Instruction` type (the interface crate's builder returns another
/// `solana-instruction` release's type).
pub fn create_associated_account(owner: Pubkey, mint: &Pubkey) -> Instruction {
    use anchor_lang::solana_program::instruction::AccountMeta;
    Instruction {
        program_id: anchor_spl::associated_token::ID,
        accounts: vec![
            AccountMeta::new(owner, true),
            AccountMeta::new(anchor_spl::associated_token::get_associated_token_address(&owner, mint), false),
            AccountMeta::new_readonly(owner, false),
            AccountMeta::new_readonly(*mint, false),
            AccountMeta::new_readonly(anchor_lang::system_program::ID, false),
            AccountMeta::new_readonly(anchor_spl::token::ID, false),
        ],
        data: vec![1],
    }
}

/// What the user asked for, before any chain state is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    ClaimSeat { market: Pubkey },
    /// Moves base (energy) and quote atoms from the trader's token accounts into the seat.
    Deposit { market: MarketKeys, seat: u32, base_atoms: u64, quote_atoms: u64 },
    Withdraw { market: MarketKeys, seat: u32, base_atoms: u64, quote_atoms: u64 },
    /// `price_feed`: the market's Pyth account when it has a price band.
    Place { market: Pubkey, seat: u32, packet: market::engine::OrderPacket, price_feed: Option<Pubkey> },
    Cancel { market: Pubkey, seat: u32, side: market::engine::Side, order_id: u64 },
    CancelAll { market: Pubkey, seat: u32 },
    /// A council member proposes `change` as proposal `index` (the council's next one);
    /// proposing counts as the proposer's approval.
    Propose { index: u64, change: crate::change::Change, expires_in_secs: u32 },
    Approve { index: u64 },
    /// `instruction`: the proposal's own, rebuilt from the mirror (the program checks it
    /// byte for byte).
    Execute { index: u64, instruction: Instruction },
    /// A guardian stops every new allocation at once; only the council resumes.
    Pause,
    /// The owner registers a meter by its 32-byte id, and gets an energy token account
    /// (idempotent) for what its readings will mint.
    RegisterMeter { meter_id: [u8; 32] },
    /// Certifies `mwh` whole MWh of the meter's minted energy as the meter's certificate
    /// number `rec_count` (the meter's count so far).
    IssueRec { meter: Pubkey, rec_count: u64, mwh: u32 },
    TransferRec { certificate: Pubkey, new_owner: Pubkey },
    /// Retired for `beneficiary`: the claim is theirs and the certificate can move no more.
    RetireRec { certificate: Pubkey, beneficiary: Pubkey },
}

impl Action {
    pub fn label(&self) -> &'static str {
        match self {
            Action::ClaimSeat { .. } => "Claim a seat",
            Action::Deposit { .. } => "Deposit",
            Action::Withdraw { .. } => "Withdraw",
            Action::Place { .. } => "Place the order",
            Action::Cancel { .. } => "Cancel the order",
            Action::CancelAll { .. } => "Cancel all orders",
            Action::Propose { .. } => "Propose",
            Action::Approve { .. } => "Approve",
            Action::Execute { .. } => "Execute",
            Action::Pause => "Pause",
            Action::RegisterMeter { .. } => "Register the meter",
            Action::IssueRec { .. } => "Issue a certificate",
            Action::TransferRec { .. } => "Transfer the certificate",
            Action::RetireRec { .. } => "Retire the certificate",
        }
    }

    pub fn instructions(&self, trader: Pubkey) -> Vec<Instruction> {
        use market::client;
        match self {
            Action::ClaimSeat { market } => vec![client::claim_seat(trader, *market)],
            Action::Deposit { market, seat, base_atoms, quote_atoms } => {
                // The program moves both mints' accounts, and a trader who never held energy
                // has no energy account yet: create both when missing (idempotent, paid by
                // the trader), as a wallet does before a first transfer.
                let mut ixs = market.create_trader_accounts(trader);
                ixs.push(client::deposit(market.market, market.trader_accounts(trader), *seat, *base_atoms, *quote_atoms));
                ixs
            }
            Action::Withdraw { market, seat, base_atoms, quote_atoms } => {
                vec![client::withdraw(market.market, market.trader_accounts(trader), *seat, *base_atoms, *quote_atoms)]
            }
            Action::Place { market, seat, packet, price_feed } => {
                vec![client::place_order(trader, *market, *seat, *packet, *price_feed)]
            }
            Action::Cancel { market, seat, side, order_id } => {
                vec![client::cancel_order(trader, *market, *seat, *side, *order_id)]
            }
            Action::CancelAll { market, seat } => vec![client::cancel_all(trader, *market, *seat)],
            Action::Propose { index, change, expires_in_secs } => {
                vec![governance::client::propose(trader, *index, &change.instruction(), *expires_in_secs)]
            }
            Action::Approve { index } => vec![governance::client::approve(trader, *index)],
            Action::Execute { index, instruction } => {
                let execute = governance::client::execute(trader, *index, instruction);
                if crate::change::creates_market(instruction) {
                    // The proposer allocates the new market's account in the same transaction,
                    // so no rent is spent on a proposal that is never executed.
                    vec![crate::change::allocate_market(trader, *index), execute]
                } else {
                    vec![execute]
                }
            }
            Action::Pause => vec![governance::client::pause(trader)],
            Action::RegisterMeter { meter_id } => {
                let energy_account = create_associated_account(trader, &energy::client::energy_mint_address());
                vec![energy::client::register_meter(trader, *meter_id), energy_account]
            }
            Action::IssueRec { meter, rec_count, mwh } => vec![energy::client::issue_rec(trader, *meter, *rec_count, *mwh)],
            Action::TransferRec { certificate, new_owner } => {
                vec![energy::client::transfer_rec(trader, *certificate, *new_owner)]
            }
            Action::RetireRec { certificate, beneficiary } => {
                vec![energy::client::retire_rec(trader, *certificate, *beneficiary)]
            }
        }
    }
}

/// The program of each of the transaction's instructions, in order: what an
/// `InstructionError`'s index refers to.
pub fn program_ids(tx: &VersionedTransaction) -> Vec<Pubkey> {
    let keys = tx.message.static_account_keys();
    tx.message.instructions().iter().map(|ix| keys.get(usize::from(ix.program_id_index)).copied().unwrap_or_default()).collect()
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
    fn executing_a_new_market_allocates_its_account_first_in_the_same_transaction() {
        use crate::change::{self, Change, QuoteMint};
        let payer = key(1);
        let params = change::parse_new_market(QuoteMint { decimals: 6, freezable: false }, "1", "0.001", "0", "").unwrap();
        let market = change::new_market_address(&payer, 9);
        let create = Change::CreateMarket { payer, market, quote_mint: key(4), market_params: params }.instruction();
        let ixs = Action::Execute { index: 9, instruction: create.clone() }.instructions(payer);
        assert_eq!(ixs, [change::allocate_market(payer, 9), governance::client::execute(payer, 9, &create)]);
        let unpause = Action::Execute { index: 2, instruction: Change::Unpause.instruction() }.instructions(payer);
        assert_eq!(unpause.len(), 1, "other proposals allocate nothing");
    }

    #[test]
    fn funds_move_through_the_traders_associated_token_accounts() {
        let trader = key(1);
        let m = MarketKeys { market: key(2), base_mint: key(3), quote_mint: key(4) };
        let ixs = Action::Deposit { market: m, seat: 7, base_atoms: 5, quote_atoms: 6 }.instructions(trader);
        // Both token accounts are created first when missing, then the deposit.
        assert_eq!(ixs.len(), 3);
        let ata_id: Pubkey = "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL".parse().unwrap();
        assert!(ixs[..2].iter().all(|ix| ix.program_id == ata_id && ix.data == [1]), "create idempotent");
        let ix = &ixs[2];
        assert_eq!(&ix.data[..8], market::instruction::Deposit::DISCRIMINATOR);
        let accounts = m.trader_accounts(trader);
        // The ATA program's own derivation: [owner, token program, mint].
        let ata_program: Pubkey = "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL".parse().unwrap();
        let token: Pubkey = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA".parse().unwrap();
        let expected = Pubkey::find_program_address(&[trader.as_ref(), token.as_ref(), key(4).as_ref()], &ata_program).0;
        assert_eq!(accounts.quote, expected);
        for a in [accounts.base, accounts.quote] {
            assert!(ix.accounts.iter().any(|meta| meta.pubkey == a && meta.is_writable), "{a} is written");
        }
        let withdraw = &Action::Withdraw { market: m, seat: 7, base_atoms: 5, quote_atoms: 6 }.instructions(trader)[0];
        assert_eq!(&withdraw.data[..8], market::instruction::Withdraw::DISCRIMINATOR);
    }

    #[test]
    fn orders_and_cancels_are_the_programs_own_instructions() {
        use market::engine::{BaseLots, OrderPacket, OrderType, SelfTradeBehavior, Side, Ticks};
        let (trader, market) = (key(1), key(2));
        let packet = OrderPacket {
            side: Side::Bid,
            order_type: OrderType::PostOnly,
            price: Ticks(120),
            lots: BaseLots(2),
            client_order_id: 9,
            expiry_ts: 0,
            self_trade: SelfTradeBehavior::CancelResting,
            match_limit: 32,
        };
        let place = &Action::Place { market, seat: 3, packet, price_feed: None }.instructions(trader)[0];
        assert_eq!(&place.data[..8], market::instruction::PlaceOrder::DISCRIMINATOR);
        // Anchor's encoding of the arguments, from the program's own instruction type.
        let encoded = anchor_lang::InstructionData::data(&market::instruction::PlaceOrder { seat: 3, packet });
        assert_eq!(place.data, encoded);
        let cancel = &Action::Cancel { market, seat: 3, side: Side::Ask, order_id: 77 }.instructions(trader)[0];
        assert_eq!(&cancel.data[..8], market::instruction::CancelOrder::DISCRIMINATOR);
        let all = &Action::CancelAll { market, seat: 3 }.instructions(trader)[0];
        assert_eq!(&all.data[..8], market::instruction::CancelAll::DISCRIMINATOR);
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
