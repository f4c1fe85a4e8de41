//! Matching updates against a `SubscribeRequest`'s named filters, and encoding them as
//! `SubscribeUpdate`s. A filter that cannot be satisfied (bad key, bad memcmp, bad data
//! slices) is refused when the request arrives, with the reason; a filter localnet cannot
//! serve (`blocks`, `entry`, `block_footer`) is answered `UNIMPLEMENTED`, never ignored.
use std::collections::HashMap;
use std::ops::Range;
use std::str::FromStr;

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use solana_program_pack::Pack;
use tonic::Status;
use yellowstone_grpc_proto::geyser::subscribe_request_filter_accounts_filter::Filter as AccountFilterKind;
use yellowstone_grpc_proto::geyser::subscribe_request_filter_accounts_filter_lamports::Cmp;
use yellowstone_grpc_proto::geyser::subscribe_request_filter_accounts_filter_memcmp::Data;
use yellowstone_grpc_proto::geyser::subscribe_update::UpdateOneof;
use yellowstone_grpc_proto::geyser::{
    CommitmentLevel, SlotStatus as ProtoSlotStatus, SubscribeRequest, SubscribeRequestAccountsDataSlice,
    SubscribeRequestFilterTransactions, SubscribeUpdate, SubscribeUpdateAccount, SubscribeUpdateAccountInfo,
    SubscribeUpdateBlockMeta, SubscribeUpdateSlot, SubscribeUpdateTransaction,
    SubscribeUpdateTransactionInfo, SubscribeUpdateTransactionStatus,
};
use yellowstone_grpc_proto::solana::storage::confirmed_block as cb;

use super::encode::{encode_meta, encode_transaction};
use super::feed::{Entry, SlotStatus, Update};

enum DataFilter {
    Memcmp { offset: usize, bytes: Vec<u8> },
    Size(u64),
    TokenAccount,
    Lamports(Cmp),
}

struct AccountFilter {
    accounts: Vec<Pubkey>,
    owners: Vec<Pubkey>,
    data: Vec<DataFilter>,
    /// `nonempty_txn_signature`: whether the update must (true) or must not (false) come from
    /// a transaction. Every localnet account update comes from one (no startup updates).
    from_transaction: Option<bool>,
}

struct TxFilter {
    failed: Option<bool>,
    vote: Option<bool>,
    signature: Option<String>,
    include: Vec<Pubkey>,
    exclude: Vec<Pubkey>,
    required: Vec<Pubkey>,
}

pub struct Filters {
    accounts: HashMap<String, AccountFilter>,
    transactions: HashMap<String, TxFilter>,
    /// The same filters as `transactions`, answered with a transaction's status only.
    transactions_status: HashMap<String, TxFilter>,
    slots: Vec<String>,
    blocks_meta: Vec<String>,
    /// Parts of every account update's data sent (all of it when empty).
    data_slices: DataSlices,
    /// How many slots old an update must be to satisfy the requested commitment.
    pub age: u64,
}

/// `accounts_data_slice` as yellowstone-grpc's server applies it
/// (`FilterAccountsDataSlice` in yellowstone-grpc-geyser's `plugin/filter/filter.rs`): the
/// slices must come sorted by offset and must not overlap, or the subscription is refused;
/// an update carries the concatenation of the slices its data holds completely (a slice
/// that runs past the end of the data is left out, not cut short).
#[derive(Default)]
struct DataSlices(Vec<Range<u64>>);

impl DataSlices {
    fn parse(slices: &[SubscribeRequestAccountsDataSlice]) -> Result<DataSlices, Status> {
        // An offset + length beyond u64 ends past any account's data: never applied.
        let ranges: Vec<Range<u64>> =
            slices.iter().map(|s| s.offset..s.offset.saturating_add(s.length)).collect();
        let refused = |why: &str| Status::invalid_argument(format!("failed to create filter: {why}"));
        for (i, a) in ranges.iter().enumerate() {
            if ranges[i + 1..].iter().any(|b| a.start > b.start) {
                return Err(refused("data slices out of order"));
            }
            if ranges[..i].iter().any(|b| a.start < b.end) {
                return Err(refused("data slices overlapped"));
            }
        }
        Ok(DataSlices(ranges))
    }

    fn apply(&self, data: &[u8]) -> Vec<u8> {
        if self.0.is_empty() {
            return data.to_vec();
        }
        let len = data.len() as u64;
        self.0
            .iter()
            .filter(|r| r.end <= len)
            .flat_map(|r| &data[r.start as usize..r.end as usize])
            .copied()
            .collect()
    }
}

fn keys(list: &[String], what: &str) -> Result<Vec<Pubkey>, Status> {
    list.iter()
        .map(|k| {
            Pubkey::from_str(k)
                .map_err(|_| Status::invalid_argument(format!("{what}: {k:?} is not a base58 public key")))
        })
        .collect()
}

impl Filters {
    pub fn parse(req: &SubscribeRequest, confirm_after: u64, finalize_after: u64) -> Result<Filters, Status> {
        let mut accounts = HashMap::new();
        for (name, f) in &req.accounts {
            let mut data = Vec::new();
            for filter in &f.filters {
                data.push(match &filter.filter {
                    Some(AccountFilterKind::Memcmp(m)) => {
                        let bytes = match &m.data {
                            Some(Data::Bytes(b)) => b.clone(),
                            Some(Data::Base58(s)) => bs58::decode(s)
                                .into_vec()
                                .map_err(|_| Status::invalid_argument("memcmp: invalid base58"))?,
                            Some(Data::Base64(s)) => base64::engine::general_purpose::STANDARD
                                .decode(s)
                                .map_err(|_| Status::invalid_argument("memcmp: invalid base64"))?,
                            None => return Err(Status::invalid_argument("memcmp: no data")),
                        };
                        DataFilter::Memcmp { offset: m.offset as usize, bytes }
                    }
                    Some(AccountFilterKind::Datasize(n)) => DataFilter::Size(*n),
                    Some(AccountFilterKind::TokenAccountState(true)) => DataFilter::TokenAccount,
                    Some(AccountFilterKind::TokenAccountState(false)) => continue,
                    Some(AccountFilterKind::Lamports(l)) => DataFilter::Lamports(
                        l.cmp.ok_or_else(|| Status::invalid_argument("lamports: no comparison"))?,
                    ),
                    None => return Err(Status::invalid_argument("accounts filter: empty filter")),
                });
            }
            let filter = AccountFilter {
                accounts: keys(&f.account, "account")?,
                owners: keys(&f.owner, "owner")?,
                data,
                from_transaction: f.nonempty_txn_signature,
            };
            accounts.insert(name.clone(), filter);
        }
        unsupported(req)?;
        let age = match req.commitment.and_then(|c| CommitmentLevel::try_from(c).ok()) {
            None | Some(CommitmentLevel::Processed) => 0,
            Some(CommitmentLevel::Confirmed) => confirm_after,
            Some(CommitmentLevel::Finalized) => finalize_after,
        };
        Ok(Filters {
            accounts,
            transactions: TxFilter::parse_all(&req.transactions)?,
            transactions_status: TxFilter::parse_all(&req.transactions_status)?,
            slots: req.slots.keys().cloned().collect(),
            blocks_meta: req.blocks_meta.keys().cloned().collect(),
            data_slices: DataSlices::parse(&req.accounts_data_slice)?,
            age,
        })
    }

    /// Whether the request names any filter (a request with only a ping changes nothing).
    pub fn any_in(req: &SubscribeRequest) -> bool {
        !(req.accounts.is_empty()
            && req.transactions.is_empty()
            && req.transactions_status.is_empty()
            && req.slots.is_empty()
            && req.blocks.is_empty()
            && req.blocks_meta.is_empty()
            && req.entry.is_empty()
            && req.block_footer.is_empty())
    }

    /// The updates for `entry`, each with the names of the filters it matched: none when no
    /// filter did; for a transaction, its `transactions` update and then its
    /// `transactions_status` update, as yellowstone-grpc sends them.
    pub fn apply(&self, entry: &Entry) -> Vec<SubscribeUpdate> {
        let created_at = Some(prost_types::Timestamp::from(entry.created_at));
        let filtered = |names: Vec<String>, oneof: UpdateOneof| {
            (!names.is_empty()).then(|| SubscribeUpdate {
                filters: names,
                update_oneof: Some(oneof),
                created_at,
            })
        };
        let (names, oneof) = match &entry.update {
            Update::Account { pubkey, account, write_version, signature } => {
                let names: Vec<String> = self
                    .accounts
                    .iter()
                    .filter(|(_, f)| f.matches(pubkey, account))
                    .map(|(n, _)| n.clone())
                    .collect();
                if names.is_empty() {
                    return Vec::new();
                }
                let info = SubscribeUpdateAccountInfo {
                    pubkey: pubkey.to_bytes().to_vec(),
                    lamports: account.lamports,
                    owner: account.owner.to_bytes().to_vec(),
                    executable: account.executable,
                    rent_epoch: account.rent_epoch,
                    data: self.data_slices.apply(&account.data),
                    write_version: *write_version,
                    txn_signature: Some(signature.as_ref().to_vec()),
                };
                let update = UpdateOneof::Account(SubscribeUpdateAccount {
                    account: Some(info),
                    slot: entry.slot,
                    is_startup: false,
                    bank_id: None,
                });
                (names, update)
            }
            Update::Transaction { signature, record, index } => {
                let err = record
                    .err
                    .as_ref()
                    .map(|e| cb::TransactionError { err: bincode::serialize(e).unwrap_or_default() });
                let status = SubscribeUpdateTransactionStatus {
                    slot: entry.slot,
                    signature: signature.as_ref().to_vec(),
                    is_vote: false,
                    index: *index,
                    err: err.clone(),
                    bank_id: 0,
                };
                let status = filtered(
                    TxFilter::matching(&self.transactions_status, signature, record),
                    UpdateOneof::TransactionStatus(status),
                );
                let names = TxFilter::matching(&self.transactions, signature, record);
                if names.is_empty() {
                    return status.into_iter().collect();
                }
                let info = SubscribeUpdateTransactionInfo {
                    signature: signature.as_ref().to_vec(),
                    is_vote: false,
                    transaction: Some(encode_transaction(&record.transaction)),
                    meta: Some(encode_meta(record, err)),
                    index: *index,
                };
                let transaction = filtered(
                    names,
                    UpdateOneof::Transaction(SubscribeUpdateTransaction {
                        transaction: Some(info),
                        slot: entry.slot,
                        bank_id: 0,
                    }),
                );
                return transaction.into_iter().chain(status).collect();
            }
            Update::Slot { slot, parent, status } => {
                let status = match status {
                    SlotStatus::Processed => ProtoSlotStatus::SlotProcessed,
                    SlotStatus::Confirmed => ProtoSlotStatus::SlotConfirmed,
                    SlotStatus::Finalized => ProtoSlotStatus::SlotFinalized,
                };
                let update = UpdateOneof::Slot(SubscribeUpdateSlot {
                    slot: *slot,
                    parent: *parent,
                    status: status as i32,
                    dead_error: None,
                    bank_id: None,
                });
                (self.slots.clone(), update)
            }
            Update::BlockMeta { block, executed_transaction_count } => {
                let hash = |bytes: &[u8; 32]| solana_hash::Hash::new_from_array(*bytes).to_string();
                let meta = SubscribeUpdateBlockMeta {
                    slot: block.slot,
                    blockhash: hash(&block.blockhash),
                    // localnet pays no rewards.
                    rewards: Some(cb::Rewards { rewards: Vec::new(), num_partitions: None }),
                    block_time: Some(cb::UnixTimestamp { timestamp: block.block_time }),
                    // One block per slot since the first: the block height is the slot (as
                    // getBlock and getBlockHeight answer).
                    block_height: Some(cb::BlockHeight { block_height: block.slot }),
                    parent_slot: block.parent_slot(),
                    parent_blockhash: hash(&block.previous_blockhash),
                    executed_transaction_count: *executed_transaction_count,
                    // localnet makes no PoH entries.
                    entries_count: 0,
                    bank_id: 0,
                };
                (self.blocks_meta.clone(), UpdateOneof::BlockMeta(meta))
            }
        };
        filtered(names, oneof).into_iter().collect()
    }
}

/// Filters localnet cannot serve are answered `UNIMPLEMENTED`, naming them, instead of being
/// ignored: full blocks (`blocks`), PoH entries (`entry`; localnet makes none), Alpenglow
/// block footers (`block_footer`), cuckoo filters and token-account expansion.
fn unsupported(req: &SubscribeRequest) -> Result<(), Status> {
    let tx_filters = || req.transactions.values().chain(req.transactions_status.values());
    let named = [
        ("blocks", !req.blocks.is_empty(), "use blocks_meta, transactions and accounts"),
        ("entry", !req.entry.is_empty(), "localnet makes no PoH entries"),
        ("block_footer", !req.block_footer.is_empty(), "localnet has no Alpenglow block footers"),
        (
            "cuckoo_accounts_filter",
            req.accounts.values().any(|f| f.cuckoo_accounts_filter.is_some()),
            "list the accounts",
        ),
        (
            "cuckoo_account_include",
            tx_filters().any(|f| f.cuckoo_account_include.is_some()),
            "use account_include",
        ),
        ("token_accounts", tx_filters().any(|f| f.token_accounts.is_some()), "name the token accounts"),
    ];
    match named.iter().find(|(_, used, _)| *used) {
        Some((name, _, why)) => Err(Status::unimplemented(format!(
            "the `{name}` filter is not supported by localnet ({why}); see docs/localnet.md"
        ))),
        None => Ok(()),
    }
}

impl TxFilter {
    fn parse_all(
        filters: &HashMap<String, SubscribeRequestFilterTransactions>,
    ) -> Result<HashMap<String, TxFilter>, Status> {
        filters
            .iter()
            .map(|(name, f)| {
                let filter = TxFilter {
                    failed: f.failed,
                    vote: f.vote,
                    signature: f.signature.clone(),
                    include: keys(&f.account_include, "account_include")?,
                    exclude: keys(&f.account_exclude, "account_exclude")?,
                    required: keys(&f.account_required, "account_required")?,
                };
                Ok((name.clone(), filter))
            })
            .collect()
    }

    /// localnet has no vote transactions: a filter for votes only matches nothing.
    fn matches(&self, signature: &solana_signature::Signature, record: &crate::chain::TxRecord) -> bool {
        let keys = record.transaction.message.static_account_keys();
        self.vote != Some(true)
            && self.failed.is_none_or(|want| want == record.err.is_some())
            && self.signature.as_deref().is_none_or(|s| s == signature.to_string())
            && (self.include.is_empty() || self.include.iter().any(|k| keys.contains(k)))
            && !self.exclude.iter().any(|k| keys.contains(k))
            && self.required.iter().all(|k| keys.contains(k))
    }

    /// The names of the filters in `filters` that `record` matches.
    fn matching(
        filters: &HashMap<String, TxFilter>,
        signature: &solana_signature::Signature,
        record: &crate::chain::TxRecord,
    ) -> Vec<String> {
        filters.iter().filter(|(_, f)| f.matches(signature, record)).map(|(n, _)| n.clone()).collect()
    }
}

impl AccountFilter {
    fn matches(&self, pubkey: &Pubkey, account: &solana_account::Account) -> bool {
        self.from_transaction != Some(false)
            && (self.accounts.is_empty() || self.accounts.contains(pubkey))
            && (self.owners.is_empty() || self.owners.contains(&account.owner))
            && self.data.iter().all(|f| match f {
                DataFilter::Memcmp { offset, bytes } => {
                    // An offset near usize::MAX must not overflow: it matches nothing.
                    offset.checked_add(bytes.len()).and_then(|end| account.data.get(*offset..end))
                        == Some(bytes.as_slice())
                }
                DataFilter::Size(n) => account.data.len() as u64 == *n,
                DataFilter::TokenAccount => {
                    spl_token_interface::state::Account::unpack(&account.data).is_ok()
                }
                DataFilter::Lamports(cmp) => match cmp {
                    Cmp::Eq(v) => account.lamports == *v,
                    Cmp::Ne(v) => account.lamports != *v,
                    Cmp::Lt(v) => account.lamports < *v,
                    Cmp::Gt(v) => account.lamports > *v,
                },
            })
    }
}
