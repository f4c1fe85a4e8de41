//! The chain localnet serves: the bank, its slot clock, and the ledger the RPC needs that
//! the bank does not keep for us (signatures, logs, which accounts exist) — on disk too when
//! localnet has a data dir (`ledger`), so nothing reported confirmed is lost to a crash.
mod cluster;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use solana_account::Account;
use solana_program_test::{BanksClientError, ProgramTestContext};
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;
use solana_transaction_status_client_types::InnerInstructions;

use crate::balances::Balances;
use crate::blocks::{BlockInfo, Blocks};
use crate::events::{ChainEvent, EVENT_BUFFER};
use crate::history::History;
use crate::ledger::{Ledger, Record};

/// A processed transaction as the RPC reports it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct TxRecord {
    pub slot: u64,
    pub err: Option<TransactionError>,
    pub logs: Vec<String>,
    pub compute_units: u64,
    pub fee: u64,
    /// Unix seconds of its slot's Clock sysvar (its block's time).
    pub block_time: i64,
    pub transaction: VersionedTransaction,
    /// Its accounts' balances before and after it; `None` for a transaction recorded by a
    /// localnet that did not keep them (a version 1 ledger).
    pub balances: Option<Balances>,
    /// The instructions its instructions invoked (CPI), per top-level instruction that
    /// invoked any, as a validator records them; `None` when not recorded (a ledger before
    /// version 3).
    pub inner_instructions: Option<Vec<InnerInstructions>>,
    /// What the cost model charges it against the block's limits (`meta.costUnits`); `None`
    /// when not recorded (a ledger before version 3).
    pub cost_units: Option<u64>,
    /// The data its last program set with `set_return_data`, if any.
    pub return_data: Option<ReturnData>,
}

/// A program's return data (`sol_set_return_data`), as the meta reports it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReturnData {
    pub program_id: [u8; 32],
    pub data: Vec<u8>,
}

impl Simulated {
    /// A simulation that did not run: the bank's `TransactionSimulationResult::new_error`.
    pub fn refused(err: TransactionError) -> Simulated {
        Simulated {
            err: Some(err),
            logs: Vec::new(),
            compute_units: 0,
            loaded_accounts_data_size: 0,
            return_data: None,
            inner_instructions: None,
            fee: None,
            balances: None,
            accounts: Vec::new(),
        }
    }
}

impl ReturnData {
    fn new(program_id: &Pubkey, data: Vec<u8>) -> ReturnData {
        ReturnData { program_id: program_id.to_bytes(), data }
    }
}

/// What simulating a transaction produced: everything agave's `simulateTransaction` reports.
#[derive(Debug)]
pub struct Simulated {
    pub err: Option<TransactionError>,
    pub logs: Vec<String>,
    pub compute_units: u64,
    pub loaded_accounts_data_size: u32,
    pub return_data: Option<ReturnData>,
    /// Recorded when asked for (`innerInstructions: true`).
    pub inner_instructions: Option<Vec<InnerInstructions>>,
    /// `None` when the bank refused it before charging a fee.
    pub fee: Option<u64>,
    /// `None` when it did not execute (a blockhash refused at a commitment's bank still has
    /// them, unchanged, as agave reports them).
    pub balances: Option<Balances>,
    /// The accounts it loaded, as it left them (empty when it did not execute).
    pub accounts: Vec<(Pubkey, Account)>,
}

/// A committed transaction and what it left behind: the record its history needs and the
/// state, right after it, of every account it could write (what Geyser streams and the
/// ledger replays).
#[derive(Clone, Debug)]
pub struct Committed {
    pub record: TxRecord,
    pub writes: Vec<(Pubkey, Account)>,
}

impl Committed {
    pub fn signature(&self) -> Signature {
        self.record.transaction.signatures.first().copied().unwrap_or_default()
    }
}

/// What running a transaction produced.
pub struct Executed {
    pub signature: Signature,
    pub err: Option<TransactionError>,
    pub logs: Vec<String>,
    pub compute_units: u64,
    /// Whether the bank committed it (its fee charged, its status recorded). A transaction
    /// the bank refuses before execution (unknown or expired blockhash, already processed,
    /// a fee payer that cannot pay) is not committed, as on a validator, where it never lands.
    pub committed: bool,
}

/// The largest account data the runtime allows (10 MiB).
pub const MAX_PERMITTED_DATA_LENGTH: u64 = 10 * 1024 * 1024;

/// The chain behind every protocol localnet speaks. Everything above it (RPC, PubSub,
/// Geyser, snapshots) goes through these methods, so the engine underneath — today
/// program-test's bank running our programs natively, later LiteSVM running their SBF
/// builds — can change without touching them.
pub struct Chain {
    ctx: ProgramTestContext,
    pub slot: u64,
    /// Slots after which a transaction counts as confirmed and finalized. A development
    /// chain finalizes quickly; a real cluster takes ~32 slots.
    pub confirm_after: u64,
    pub finalize_after: u64,
    /// Every account a transaction or the bootstrap named: `getProgramAccounts` scans these.
    /// Complete because this process is the chain's only writer and every account a
    /// transaction can touch must be listed in it.
    known: BTreeSet<Pubkey>,
    history: History,
    /// Where commits are made durable, with a data dir.
    ledger: Option<Ledger>,
    /// Slots of Geyser window the ledger keeps on disk for replay after a restart.
    pub ledger_keeps_slots: u64,
    /// Why the chain stopped: the ledger could not be written. Nothing more is taken and no
    /// slot advances, so nothing that is not on disk is ever reported confirmed.
    halted: Option<String>,
    events: tokio::sync::broadcast::Sender<ChainEvent>,
    genesis_hash: Option<String>,
    /// The finished blocks, newest `BLOCKS_KEPT`.
    blocks: Blocks,
    /// The blockhash transactions of the current slot see as the latest: the hash of the
    /// previous block.
    current_blockhash: solana_hash::Hash,
    /// Unix seconds of the current slot's Clock sysvar.
    pub slot_time: i64,
    /// The slot whose transactions are being counted, and how many it has committed so far:
    /// the next one's index in its block, and the block's executed transaction count.
    block_transactions: (u64, u64),
    /// Where the RPC and PubSub servers listen (`getClusterNodes`), once they do.
    pub endpoints: Option<(std::net::SocketAddr, std::net::SocketAddr)>,
    /// What the transactions of the slots after the finalized one overwrote: per account, its
    /// state before the first write in each such slot, oldest first. localnet has one bank;
    /// with these it answers a read at `confirmed` or `finalized` from the accounts as that
    /// slot's bank holds them, as agave does.
    overwritten: HashMap<Pubkey, Vec<(u64, Option<Account>)>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("bank unavailable: {0}")]
    Bank(#[from] BanksClientError),
    #[error("address lookup tables are not supported by localnet yet; send a legacy or v0 transaction without lookups")]
    LookupTablesUnsupported,
    #[error("localnet stopped taking transactions: {0}")]
    Halted(String),
    /// The bank cannot sanitize the transaction (agave's RPC: "invalid transaction: …").
    #[error("invalid transaction: {0}")]
    Invalid(TransactionError),
}

impl Chain {
    /// `ctx` must come from a `ProgramTest` with `set_blockhash_ticker(false)`: the chain
    /// registers blockhashes itself, one per slot.
    pub async fn new(ctx: ProgramTestContext, history_capacity: usize) -> Result<Chain, ChainError> {
        let slot = ctx.banks_client.get_root_slot().await?;
        let current_blockhash = ctx.banks_client.get_latest_blockhash().await?;
        let (events, _) = tokio::sync::broadcast::channel(EVENT_BUFFER);
        Ok(Chain {
            ctx,
            slot,
            confirm_after: 1,
            finalize_after: 2,
            known: BTreeSet::new(),
            history: History::new(history_capacity),
            ledger: None,
            ledger_keeps_slots: 0,
            halted: None,
            events,
            genesis_hash: None,
            blocks: Blocks::default(),
            current_blockhash,
            slot_time: unix_now(),
            block_transactions: (slot, 0),
            endpoints: None,
            overwritten: HashMap::new(),
        })
    }

    /// A receiver of everything that happens from now on.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<ChainEvent> {
        self.events.subscribe()
    }

    pub fn remember(&mut self, keys: impl IntoIterator<Item = Pubkey>) {
        self.known.extend(keys);
    }

    pub fn known_accounts(&self) -> impl Iterator<Item = &Pubkey> {
        self.known.iter()
    }

    /// From now on every commit is written to `ledger`, and made durable before the slot
    /// that confirms it begins.
    pub fn attach_ledger(&mut self, ledger: Ledger) {
        self.ledger = Some(ledger);
    }

    /// Puts a transaction read back from the ledger into the history.
    pub fn restore(&mut self, committed: &Committed) {
        let keys = committed.record.transaction.message.static_account_keys();
        self.remember(keys.iter().copied());
        self.count_transaction(committed.record.slot);
        self.history.insert(committed.signature(), committed.record.clone());
    }

    /// Counts a transaction committed in `slot`; returns its index in the slot's block.
    fn count_transaction(&mut self, slot: u64) -> u64 {
        if self.block_transactions.0 != slot {
            self.block_transactions = (slot, 0);
        }
        let index = self.block_transactions.1;
        self.block_transactions.1 += 1;
        index
    }

    /// How many transactions `slot` has committed so far.
    fn transactions_counted(&self, slot: u64) -> u64 {
        if self.block_transactions.0 == slot {
            self.block_transactions.1
        } else {
            0
        }
    }

    /// Puts a block read back from the ledger among the blocks; the next block's parent is
    /// the newest one.
    pub fn restore_block(&mut self, block: BlockInfo) {
        if self.blocks.last().is_none_or(|last| last.slot < block.slot) {
            self.current_blockhash = solana_hash::Hash::new_from_array(block.blockhash);
        }
        self.blocks.insert(block);
    }

    /// Puts the restored blocks' hashes that are still recent back in the bank's blockhash
    /// queue, oldest first, as a validator restarting from its ledger has them: a blockhash
    /// handed out before a restart (a wallet's pending approval) stays valid for the rest of
    /// its 150 blocks, and no new block repeats one of them.
    pub fn restore_blockhashes(&mut self) {
        let Some(newest) = self.blocks.last().map(|b| b.slot) else { return };
        let oldest = newest.saturating_sub(self.ctx.max_processing_age());
        let hashes: Vec<solana_hash::Hash> = self
            .blocks
            .slots_in(oldest, newest)
            .filter_map(|slot| self.blocks.get(slot))
            .map(|b| solana_hash::Hash::new_from_array(b.blockhash))
            .collect();
        let restored = self.ctx.register_blockhashes(&hashes);
        // The bank's replay protection for the transactions of those blocks and of the slot
        // after them (committed, its block not yet finished), which a validator's status
        // cache keeps across a restart (its snapshot carries it): without it, one of them
        // sent again would be executed again.
        let transactions = (oldest..=newest + 1)
            .flat_map(|slot| self.transactions_in(slot))
            .map(|(_, record)| (&record.transaction, record.err.clone().map_or(Ok(()), Err)));
        self.ctx.record_statuses(transactions);
        // A hash is restored only if the process's blockhash counter has not yet passed it:
        // the ledger came from a localnet that made hashes differently, or this process
        // already ran a chain (a restart within one process, as the load example does).
        if restored < hashes.len() {
            eprintln!(
                "localnet: {} of the last {} blocks' hashes could not be restored (a ledger from an older localnet, or a second chain in one process); transactions signed with them need a new blockhash",
                hashes.len() - restored,
                hashes.len()
            );
        }
    }

    pub fn blocks(&self) -> &Blocks {
        &self.blocks
    }

    /// The transactions recorded in `slot`, in execution order.
    pub fn transactions_in(&self, slot: u64) -> impl Iterator<Item = (&Signature, &TxRecord)> {
        self.history.in_slot(slot).filter_map(|s| self.history.get(s).map(|r| (s, r)))
    }

    /// The oldest slot whose transactions the history still holds completely.
    pub fn history_complete_from(&self) -> u64 {
        self.history.complete_from()
    }

    /// Starts a new ledger segment; returns its id, from which a snapshot taken now must be
    /// replayed (0, the first segment, before the ledger exists).
    pub fn rotate_ledger(&mut self) -> Result<u64, ChainError> {
        let Some(ledger) = &mut self.ledger else { return Ok(0) };
        match ledger.rotate() {
            Ok(id) => Ok(id),
            Err(e) => Err(self.halt(e.to_string())),
        }
    }

    /// Deletes the ledger segments a saved snapshot (replayed from `covered_below`) holds and
    /// the retained history and Geyser window no longer need.
    pub fn prune_ledger(&mut self, covered_below: u64) {
        let window_start = self.slot.saturating_sub(self.ledger_keeps_slots);
        let keep_from = self.history.oldest_slot().map_or(window_start, |h| h.min(window_start));
        if let Some(ledger) = &mut self.ledger {
            ledger.prune(covered_below, keep_from);
        }
    }

    /// Ledger segments on disk.
    pub fn ledger_segments(&self) -> usize {
        self.ledger.as_ref().map_or(0, Ledger::segments)
    }

    /// How many blockhashes the bank's status cache (its replay protection) holds entries for:
    /// at most two blockhash lifetimes' worth (`advance_slot`).
    pub fn status_cache_blockhashes(&self) -> usize {
        self.ctx.status_cache_blockhashes()
    }

    /// Transactions in the history.
    pub fn history_len(&self) -> usize {
        self.history.len()
    }

    fn halt(&mut self, reason: String) -> ChainError {
        if self.halted.is_none() {
            eprintln!(
                "localnet: cannot write the ledger ({reason}); the chain stops here: no transaction is taken and no slot begins, so nothing that is not on disk is reported confirmed. Restart localnet once the cause is fixed"
            );
            self.halted = Some(format!("cannot write the ledger ({reason})"));
        }
        ChainError::Halted(reason)
    }

    /// Advances the chain by one slot (the slot timer calls this): the Clock sysvar that
    /// programs read gets the new slot and the wall-clock time, and the bank registers a new
    /// blockhash, as a validator's bank does once per block — so a blockhash lives 150 slots
    /// (60 s at the default 400 ms). We do not warp the bank: a new bank per slot would keep
    /// every slot's accounts in the never-flushed write cache.
    pub fn advance_slot(&mut self) {
        if self.halted.is_some() {
            return;
        }
        // The finished block's hash: the blockhash the next slot's transactions see.
        let blockhash = self.ctx.register_new_blockhash();
        let block = BlockInfo {
            slot: self.slot,
            previous_blockhash: self.current_blockhash.to_bytes(),
            blockhash: blockhash.to_bytes(),
            block_time: self.slot_time,
        };
        // Group commit: the slot's transactions become durable before the slot that confirms
        // them is announced.
        if let Some(ledger) = &mut self.ledger {
            let written = ledger
                .append(&Record::Block(block))
                .and_then(|()| ledger.append(&Record::Slot { slot: self.slot + 1 }))
                .and_then(|()| ledger.seal());
            if let Err(e) = written {
                self.halt(e.to_string());
                return;
            }
        }
        self.blocks.insert(block);
        let executed_transaction_count = self.transactions_counted(self.slot);
        self.current_blockhash = blockhash;
        self.slot += 1;
        // The finalized slot moved on: what was overwritten at or before it is no longer read.
        let finalized = self.slot.saturating_sub(self.finalize_after);
        self.overwritten.retain(|_, states| {
            states.retain(|(slot, _)| *slot > finalized);
            !states.is_empty()
        });
        self.slot_time = unix_now();
        self.set_clock();
        // Once per blockhash lifetime, the bank forgets the statuses of transactions whose
        // blockhash has expired (it would keep two entries for each transaction ever
        // processed: ~300 B). Once per 150 slots rather than every slot: the cost is a
        // rebuild of the entries kept, so the cache holds at most two lifetimes' worth.
        if self.slot.is_multiple_of(self.ctx.max_processing_age()) {
            self.ctx.forget_expired_statuses();
        }
        // No subscribers is not an error.
        let _ = self.events.send(ChainEvent::Block { block, executed_transaction_count });
        let _ = self.events.send(ChainEvent::Slot { slot: self.slot, parent: self.slot.saturating_sub(1) });
    }

    /// Whether transactions may still use `blockhash`: the bank's own rule (at most
    /// `MAX_PROCESSING_AGE` = 150 blockhashes old), the one it applies when it executes.
    pub async fn is_blockhash_valid(&mut self, blockhash: solana_hash::Hash) -> bool {
        self.ctx.is_blockhash_valid(&blockhash)
    }

    /// Whether the bank of `slot` (a slot at some commitment) accepts `blockhash`: it knew it,
    /// and it is at most `MAX_PROCESSING_AGE` (150) blockhashes old there. One blockhash per
    /// slot makes ages counts of slots; a finished slot's bank holds its own block's hash
    /// (registered when the next slot began), the current slot's the previous block's.
    pub fn is_blockhash_valid_at(&self, blockhash: &solana_hash::Hash, slot: u64) -> bool {
        let Some(age) = self.ctx.blockhash_age(blockhash) else { return false };
        let age_there = match self.slot.saturating_sub(slot) {
            0 => Some(age),
            finished_since => age.checked_sub(finished_since - 1),
        };
        age_there.is_some_and(|age| age <= self.ctx.max_processing_age())
    }

    /// The last block height (localnet's slot) at which a transaction with `blockhash` is
    /// still accepted, as agave computes it for `getLatestBlockhash`: the current height plus
    /// `MAX_PROCESSING_AGE` (150) minus the blockhash's age; `None` for a blockhash the bank
    /// does not hold. One blockhash per slot makes the age a number of slots.
    pub fn last_valid_block_height(&self, blockhash: &solana_hash::Hash) -> Option<u64> {
        let age = self.ctx.blockhash_age(blockhash)?;
        (self.slot + self.ctx.max_processing_age()).checked_sub(age)
    }

    pub async fn latest_blockhash(&mut self) -> Result<solana_hash::Hash, ChainError> {
        Ok(self.ctx.banks_client.get_latest_blockhash().await?)
    }

    /// The latest blockhash as the bank of `slot` (a slot at some commitment) answers it, as
    /// agave's `getLatestBlockhash` does: a finished block's bank holds its own hash as the
    /// latest, valid through its block height + 150 (`MAX_PROCESSING_AGE`); the current slot's
    /// bank holds the previous block's hash (`last_valid_block_height`). Returns the slot that
    /// answered, the hash and its last valid block height. A finished block whose hash the
    /// bank no longer accepts or does not know (before the first block) is answered by the
    /// current slot.
    pub async fn latest_blockhash_at(
        &mut self,
        slot: u64,
    ) -> Result<(u64, solana_hash::Hash, u64), ChainError> {
        if slot < self.slot {
            if let Some(block) = self.blocks.get(slot) {
                let hash = solana_hash::Hash::new_from_array(block.blockhash);
                if self.ctx.is_blockhash_valid(&hash) {
                    // One block per slot: the block height is the slot.
                    return Ok((slot, hash, slot + self.ctx.max_processing_age()));
                }
            }
        }
        let hash = self.latest_blockhash().await?;
        let last_valid = self.last_valid_block_height(&hash).unwrap_or(self.slot + 150);
        Ok((self.slot, hash, last_valid))
    }

    /// The rent-exempt minimum for an account of `bytes` bytes; `None` beyond the largest
    /// account the runtime allows (`MAX_PERMITTED_DATA_LENGTH`), where the rent type's own
    /// `minimum_balance` panics.
    pub async fn rent_exempt_minimum(&mut self, bytes: usize) -> Result<Option<u64>, ChainError> {
        Ok(self.ctx.banks_client.get_rent().await?.try_minimum_balance(bytes))
    }

    /// Sends `lamports` from the chain's faucet (the genesis mint account).
    pub async fn airdrop(&mut self, to: &Pubkey, lamports: u64) -> Result<Executed, ChainError> {
        let faucet = self.ctx.payer.insecure_clone();
        let blockhash = self.latest_blockhash().await?;
        let ix = solana_system_interface::instruction::transfer(&faucet.pubkey(), to, lamports);
        let tx = solana_transaction::Transaction::new_signed_with_payer(
            &[ix],
            Some(&faucet.pubkey()),
            &[&faucet],
            blockhash,
        );
        // A faucet transfer that would fail (more lamports than the faucet holds) is refused
        // without charging the faucet's fee, as preflight does for any client.
        let simulated = self.simulate(tx.clone().into(), false).await?;
        if let Some(err) = simulated.err {
            let signature = tx.signatures[0];
            return Ok(Executed { signature, err: Some(err), logs: simulated.logs, compute_units: simulated.compute_units, committed: false });
        }
        self.execute(tx.into()).await
    }

    /// An account as it is now (the processed bank).
    pub async fn account(&mut self, key: &Pubkey) -> Result<Option<Account>, ChainError> {
        Ok(self.ctx.banks_client.get_account(*key).await?)
    }

    /// An account as the bank of `slot` (a slot at some commitment, at most the current one)
    /// holds it: before the first write after `slot`, if any.
    pub async fn account_at(&mut self, key: &Pubkey, slot: u64) -> Result<Option<Account>, ChainError> {
        let before = self.overwritten.get(key).and_then(|states| states.iter().find(|(s, _)| *s > slot));
        match before {
            Some((_, state)) => Ok(state.clone()),
            None => self.account(key).await,
        }
    }

    /// The chain's identity. A restored chain keeps the hash it was first created with.
    pub fn genesis_hash(&self) -> String {
        self.genesis_hash.clone().unwrap_or_else(|| self.ctx.genesis_config().hash().to_string())
    }

    pub fn set_genesis_hash(&mut self, hash: String) {
        self.genesis_hash = Some(hash);
    }

    /// Continues slot numbering where a saved chain stopped, so checkpoints stay valid.
    pub fn resume_at_slot(&mut self, slot: u64) {
        if slot > self.slot {
            self.slot = slot - 1;
            self.advance_slot();
        }
    }

    /// The commitment a transaction of `slot` has reached.
    pub fn commitment_of(&self, slot: u64) -> &'static str {
        let age = self.slot.saturating_sub(slot);
        if age >= self.finalize_after {
            "finalized"
        } else if age >= self.confirm_after {
            "confirmed"
        } else {
            "processed"
        }
    }

    /// Signatures of transactions that named `address`, newest first.
    pub fn signatures_for(&self, address: &Pubkey) -> impl Iterator<Item = &Signature> {
        self.history.signatures_for(address)
    }

    pub fn record(&self, signature: &Signature) -> Option<&TxRecord> {
        self.history.get(signature)
    }

    /// Executes `tx` and commits it, as a validator's banking stage does: a transaction
    /// that fails in execution is committed with its error (its fee charged) and recorded;
    /// one the bank refuses before executing it (blockhash unknown or expired, already
    /// processed, fee payer unable to pay) changes nothing and leaves no record. Preflight
    /// (`simulate` first) is the caller's choice, as `sendTransaction`'s `skipPreflight`.
    pub async fn execute(&mut self, tx: VersionedTransaction) -> Result<Executed, ChainError> {
        if tx.message.address_table_lookups().is_some_and(|l| !l.is_empty()) {
            return Err(ChainError::LookupTablesUnsupported);
        }
        if let Some(reason) = &self.halted {
            return Err(ChainError::Halted(reason.clone()));
        }
        let signature = tx.signatures.first().copied().unwrap_or_default();
        let accounts = tx.message.static_account_keys().to_vec();
        // Its accounts before it, for the balances its meta reports.
        let mut before = Vec::with_capacity(accounts.len());
        for key in &accounts {
            before.push(self.ctx.banks_client.get_account(*key).await?);
        }
        // The bank refuses before executing (nothing committed) or commits, with its error if
        // execution failed.
        let (committed, cost_units) = match self.ctx.process_transaction_recorded(tx.clone()) {
            Ok(done) => done,
            Err(err) => {
                return Ok(Executed { signature, err: Some(err), logs: Vec::new(), compute_units: 0, committed: false })
            }
        };
        let err = committed.status.err();
        let logs = crate::logs::as_validator_logs(committed.log_messages.unwrap_or_default());
        let compute_units = committed.executed_units;
        let fee = committed.fee_details.total_fee();
        let inner_instructions = committed
            .inner_instructions
            .map(|list| solana_transaction_status::map_inner_instructions(list).collect());
        let return_data = committed.return_data.map(|r| ReturnData::new(&r.program_id, r.data));
        // Every account the transaction could write, as it is now (a closed one: zero
        // lamports, no data). Static keys are all it can touch: lookup tables are refused.
        let mut writes = Vec::new();
        let mut after = before.clone();
        for (i, key) in accounts.iter().enumerate() {
            if tx.message.is_maybe_writable_with_reserved_addresses(i, None::<&BTreeSet<Pubkey>>) {
                let account = self.ctx.banks_client.get_account(*key).await?.unwrap_or_default();
                after[i] = Some(account.clone());
                writes.push((*key, account));
            }
        }
        for (i, key) in accounts.iter().enumerate() {
            if !tx.message.is_maybe_writable_with_reserved_addresses(i, None::<&BTreeSet<Pubkey>>) {
                continue;
            }
            let states = self.overwritten.entry(*key).or_default();
            if states.last().is_none_or(|(slot, _)| *slot != self.slot) {
                states.push((self.slot, before[i].clone()));
            }
        }
        let balances = self.balances(&before, &after).await?;
        self.remember(accounts.iter().copied());
        let record = TxRecord {
            slot: self.slot,
            err: err.clone(),
            logs: logs.clone(),
            compute_units,
            fee,
            block_time: self.slot_time,
            transaction: tx,
            balances: Some(balances),
            inner_instructions,
            cost_units: Some(cost_units),
            return_data,
        };
        let committed = Arc::new(Committed { record, writes });
        if let Some(ledger) = &mut self.ledger {
            if let Err(e) = ledger.append(&Record::transaction(&committed)) {
                // Committed in the bank but not on disk: it stays `processed` (the slot never
                // advances again) and a restart forgets it, as a validator forgets a block
                // that never reached the cluster.
                return Err(self.halt(e.to_string()));
            }
        }
        self.history.insert(signature, committed.record.clone());
        let index = self.count_transaction(self.slot);
        let _ = self.events.send(ChainEvent::Transaction {
            signature,
            slot: self.slot,
            index,
            err: err.clone(),
            accounts,
            committed,
        });
        Ok(Executed { signature, err, logs, compute_units, committed: true })
    }

    /// Lamport and token balances from a transaction's accounts before and after it (`None`:
    /// did not exist). A mint's decimals come from the accounts or, when the transaction does
    /// not name the mint, from the bank.
    async fn balances(
        &mut self,
        before: &[Option<Account>],
        after: &[Option<Account>],
    ) -> Result<Balances, ChainError> {
        let mints: BTreeSet<Pubkey> = before
            .iter()
            .chain(after)
            .flatten()
            .filter_map(|a| crate::balances::token_account(a).map(|t| t.mint))
            .collect();
        let mut decimals = std::collections::HashMap::new();
        for mint in mints {
            let account = self.ctx.banks_client.get_account(mint).await?;
            if let Some(state) = account.as_ref().and_then(crate::balances::mint) {
                decimals.insert(mint, state.decimals);
            }
        }
        let lamports = |accounts: &[Option<Account>]| {
            accounts.iter().map(|a| a.as_ref().map_or(0, |a| a.lamports)).collect()
        };
        Ok(Balances {
            pre: lamports(before),
            post: lamports(after),
            pre_token: crate::balances::token_balances(before, |m| decimals.get(m).copied()),
            post_token: crate::balances::token_balances(after, |m| decimals.get(m).copied()),
        })
    }

    /// Runs `tx` without committing it, as agave's `simulateTransaction` does on its bank
    /// (blockhash recent enough, not already processed, fee payer able to pay), with inner
    /// instructions recorded when `inner_instructions`.
    pub async fn simulate(&mut self, tx: VersionedTransaction, inner_instructions: bool) -> Result<Simulated, ChainError> {
        if tx.message.address_table_lookups().is_some_and(|l| !l.is_empty()) {
            return Err(ChainError::LookupTablesUnsupported);
        }
        let keys = tx.message.static_account_keys().to_vec();
        let sim = self.ctx.simulate_transaction_in_full(tx, inner_instructions).map_err(ChainError::Invalid)?;
        let balances = match (sim.pre_balances, sim.post_balances, sim.pre_token_balances, sim.post_token_balances) {
            (Some(pre), Some(post), Some(pre_token), Some(post_token)) => Some(Balances {
                pre,
                post,
                pre_token: pre_token.into_iter().map(crate::balances::TokenBalance::from).collect(),
                post_token: post_token.into_iter().map(crate::balances::TokenBalance::from).collect(),
            }),
            _ => None,
        };
        // Only the transaction's own accounts (agave takes the first `keys.len()`).
        let accounts = sim.post_simulation_accounts.into_iter().take(keys.len()).map(|(k, a)| (k, a.into())).collect();
        Ok(Simulated {
            err: sim.result.err(),
            logs: crate::logs::as_validator_logs(sim.logs),
            compute_units: sim.units_consumed,
            loaded_accounts_data_size: sim.loaded_accounts_data_size,
            return_data: sim.return_data.map(|r| ReturnData::new(&r.program_id, r.data)),
            inner_instructions: sim
                .inner_instructions
                .map(|list| solana_transaction_status::map_inner_instructions(list).collect()),
            fee: sim.fee,
            balances,
            accounts,
        })
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
