//! Matching updates against a `SubscribeRequest`'s named filters, and encoding them as
//! `SubscribeUpdate`s. A filter that cannot be satisfied (bad key, bad memcmp) is refused
//! when the request arrives, with the reason.
use std::collections::HashMap;
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
    CommitmentLevel, SlotStatus as ProtoSlotStatus, SubscribeRequest, SubscribeUpdate,
    SubscribeUpdateAccount, SubscribeUpdateAccountInfo, SubscribeUpdateSlot, SubscribeUpdateTransaction,
    SubscribeUpdateTransactionInfo,
};
use yellowstone_grpc_proto::solana::storage::confirmed_block as cb;

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
    slots: Vec<String>,
    /// How many slots old an update must be to satisfy the requested commitment.
    pub age: u64,
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
            };
            accounts.insert(name.clone(), filter);
        }
        let mut transactions = HashMap::new();
        for (name, f) in &req.transactions {
            let filter = TxFilter {
                failed: f.failed,
                vote: f.vote,
                signature: f.signature.clone(),
                include: keys(&f.account_include, "account_include")?,
                exclude: keys(&f.account_exclude, "account_exclude")?,
                required: keys(&f.account_required, "account_required")?,
            };
            transactions.insert(name.clone(), filter);
        }
        let age = match req.commitment.and_then(|c| CommitmentLevel::try_from(c).ok()) {
            None | Some(CommitmentLevel::Processed) => 0,
            Some(CommitmentLevel::Confirmed) => confirm_after,
            Some(CommitmentLevel::Finalized) => finalize_after,
        };
        Ok(Filters { accounts, transactions, slots: req.slots.keys().cloned().collect(), age })
    }

    /// The update for `entry` with the names of the filters it matched, if any did.
    pub fn apply(&self, entry: &Entry) -> Option<SubscribeUpdate> {
        let (names, update) = match &entry.update {
            Update::Account { pubkey, account, write_version, signature } => {
                let names: Vec<String> = self
                    .accounts
                    .iter()
                    .filter(|(_, f)| f.matches(pubkey, account))
                    .map(|(n, _)| n.clone())
                    .collect();
                let info = SubscribeUpdateAccountInfo {
                    pubkey: pubkey.to_bytes().to_vec(),
                    lamports: account.lamports,
                    owner: account.owner.to_bytes().to_vec(),
                    executable: account.executable,
                    rent_epoch: account.rent_epoch,
                    data: account.data.clone(),
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
            Update::Transaction { signature, record } => {
                let keys = record.transaction.message.static_account_keys();
                let failed = record.err.is_some();
                let names: Vec<String> = self
                    .transactions
                    .iter()
                    .filter(|(_, f)| {
                        f.vote != Some(true)
                            && f.failed.is_none_or(|want| want == failed)
                            && f.signature.as_deref().is_none_or(|s| s == signature.to_string())
                            && (f.include.is_empty() || f.include.iter().any(|k| keys.contains(k)))
                            && !f.exclude.iter().any(|k| keys.contains(k))
                            && f.required.iter().all(|k| keys.contains(k))
                    })
                    .map(|(n, _)| n.clone())
                    .collect();
                let info = SubscribeUpdateTransactionInfo {
                    signature: signature.as_ref().to_vec(),
                    is_vote: false,
                    transaction: Some(encode_transaction(&record.transaction)),
                    meta: Some(cb::TransactionStatusMeta {
                        err: record
                            .err
                            .as_ref()
                            .map(|e| cb::TransactionError { err: bincode::serialize(e).unwrap_or_default() }),
                        fee: record.fee,
                        log_messages: record.logs.clone(),
                        compute_units_consumed: Some(record.compute_units),
                        ..Default::default()
                    }),
                    index: 0,
                };
                (
                    names,
                    UpdateOneof::Transaction(SubscribeUpdateTransaction {
                        transaction: Some(info),
                        slot: entry.slot,
                        bank_id: 0,
                    }),
                )
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
        };
        (!names.is_empty()).then_some(SubscribeUpdate {
            filters: names,
            update_oneof: Some(update),
            created_at: Some(prost_types::Timestamp::from(entry.created_at)),
        })
    }
}

impl AccountFilter {
    fn matches(&self, pubkey: &Pubkey, account: &solana_account::Account) -> bool {
        (self.accounts.is_empty() || self.accounts.contains(pubkey))
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

fn encode_transaction(tx: &solana_transaction::versioned::VersionedTransaction) -> cb::Transaction {
    let m = &tx.message;
    let header = m.header();
    cb::Transaction {
        signatures: tx.signatures.iter().map(|s| s.as_ref().to_vec()).collect(),
        message: Some(cb::Message {
            header: Some(cb::MessageHeader {
                num_required_signatures: u32::from(header.num_required_signatures),
                num_readonly_signed_accounts: u32::from(header.num_readonly_signed_accounts),
                num_readonly_unsigned_accounts: u32::from(header.num_readonly_unsigned_accounts),
            }),
            account_keys: m.static_account_keys().iter().map(|k| k.to_bytes().to_vec()).collect(),
            recent_blockhash: m.recent_blockhash().to_bytes().to_vec(),
            instructions: m
                .instructions()
                .iter()
                .map(|i| cb::CompiledInstruction {
                    program_id_index: u32::from(i.program_id_index),
                    accounts: i.accounts.clone(),
                    data: i.data.clone(),
                })
                .collect(),
            versioned: !matches!(m, solana_message::VersionedMessage::Legacy(_)),
            address_table_lookups: Vec::new(),
            config: None,
        }),
    }
}
