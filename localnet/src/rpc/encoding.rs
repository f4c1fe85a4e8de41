//! A recorded transaction as `getTransaction` and `getBlock` return it, built from the
//! official reply types (`solana-transaction-status-client-types`) the way agave's
//! `solana-transaction-status` encodes a confirmed transaction: `json` (raw message),
//! `jsonParsed` (account keys with their roles, instructions parsed where localnet knows the
//! program), `base58` / `base64` (the wire bytes), with the status meta beside it.
use anchor_lang::prelude::Pubkey;
use base64::Engine;
use solana_account_decoder::parse_account_data::SplTokenAdditionalDataV2;
use solana_account_decoder::parse_token::token_amount_to_ui_amount_v3;
use solana_message::compiled_instruction::CompiledInstruction;
use solana_message::VersionedMessage;
use solana_transaction::versioned::{TransactionVersion, VersionedTransaction};
use solana_transaction_status_client_types::option_serializer::OptionSerializer;
use solana_transaction_status_client_types::{
    EncodedTransaction, EncodedTransactionWithStatusMeta, ParsedAccount, ParsedAccountSource,
    TransactionBinaryEncoding, UiAccountsList, UiAddressTableLookup,
    UiCompiledInstruction, UiInnerInstructions, UiInstruction, UiLoadedAddresses, UiReturnDataEncoding, UiTransactionReturnData, UiMessage, UiParsedMessage, UiRawMessage, UiTransaction, UiTransactionEncoding, UiTransactionError,
    UiTransactionStatusMeta, UiTransactionTokenBalance,
};

use super::params::ledger_error;
use super::RpcError;
use crate::balances::TokenBalance;
use crate::chain::{ReturnData, TxRecord};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
/// A top-level instruction's stack height, as agave reports it.
const TRANSACTION_LEVEL_STACK_HEIGHT: u32 = 1;

/// The `version` a reply carries, or agave's refusal: without `maxSupportedTransactionVersion`
/// only legacy transactions are returned, and without a version field; with it, every
/// version up to it, each with its version.
pub fn reply_version(
    tx: &VersionedTransaction,
    max_supported: Option<u8>,
) -> Result<Option<TransactionVersion>, RpcError> {
    match (tx.version(), max_supported) {
        (TransactionVersion::Legacy(_), None) => Ok(None),
        (version @ TransactionVersion::Legacy(_), Some(_)) => Ok(Some(version)),
        (TransactionVersion::Number(n), Some(max)) if n <= max => Ok(Some(TransactionVersion::Number(n))),
        (TransactionVersion::Number(n), _) => Err(ledger_error::unsupported_transaction_version(n)),
    }
}

/// A recorded transaction and its meta in `encoding` (`transactionDetails: full`).
pub fn encode_full(
    record: &TxRecord,
    encoding: UiTransactionEncoding,
    version: Option<TransactionVersion>,
) -> Result<EncodedTransactionWithStatusMeta, RpcError> {
    let tx = &record.transaction;
    let parsed = encoding == UiTransactionEncoding::JsonParsed;
    let transaction = match encoding {
        UiTransactionEncoding::Json => {
            EncodedTransaction::Json(UiTransaction { signatures: signatures(tx), message: raw_message(tx) })
        }
        UiTransactionEncoding::JsonParsed => EncodedTransaction::Json(UiTransaction {
            signatures: signatures(tx),
            message: parsed_message(tx),
        }),
        UiTransactionEncoding::Base64 => {
            EncodedTransaction::Binary(B64.encode(wire_bytes(tx)?), TransactionBinaryEncoding::Base64)
        }
        UiTransactionEncoding::Base58 => EncodedTransaction::Binary(
            bs58::encode(wire_bytes(tx)?).into_string(),
            TransactionBinaryEncoding::Base58,
        ),
        // agave's legacy name for base58, answered in the legacy shape (a bare string).
        UiTransactionEncoding::Binary => {
            EncodedTransaction::LegacyBinary(bs58::encode(wire_bytes(tx)?).into_string())
        }
    };
    Ok(EncodedTransactionWithStatusMeta { transaction, meta: Some(meta(record, parsed)), version })
}

/// `transactionDetails: accounts`: signatures, account keys with their roles, and the
/// balance part of the meta, as agave's `build_simple_ui_transaction_status_meta`.
pub fn encode_accounts(
    record: &TxRecord,
    version: Option<TransactionVersion>,
    show_rewards: bool,
) -> EncodedTransactionWithStatusMeta {
    let tx = &record.transaction;
    let full = meta(record, false);
    let meta = UiTransactionStatusMeta {
        inner_instructions: OptionSerializer::Skip,
        log_messages: OptionSerializer::Skip,
        rewards: if show_rewards { OptionSerializer::Some(Vec::new()) } else { OptionSerializer::Skip },
        loaded_addresses: OptionSerializer::Skip,
        return_data: OptionSerializer::Skip,
        compute_units_consumed: OptionSerializer::Skip,
        cost_units: OptionSerializer::Skip,
        ..full
    };
    EncodedTransactionWithStatusMeta {
        transaction: EncodedTransaction::Accounts(UiAccountsList {
            signatures: signatures(tx),
            account_keys: parsed_accounts(&tx.message),
        }),
        meta: Some(meta),
        version,
    }
}

fn wire_bytes(tx: &VersionedTransaction) -> Result<Vec<u8>, RpcError> {
    bincode::serialize(tx).map_err(RpcError::internal)
}

fn signatures(tx: &VersionedTransaction) -> Vec<String> {
    tx.signatures.iter().map(ToString::to_string).collect()
}

fn lookups(message: &VersionedMessage) -> Option<Vec<UiAddressTableLookup>> {
    message.address_table_lookups().map(|l| l.iter().map(UiAddressTableLookup::from).collect())
}

fn raw_message(tx: &VersionedTransaction) -> UiMessage {
    let message = &tx.message;
    UiMessage::Raw(UiRawMessage {
        header: *message.header(),
        account_keys: message.static_account_keys().iter().map(ToString::to_string).collect(),
        recent_blockhash: message.recent_blockhash().to_string(),
        instructions: message
            .instructions()
            .iter()
            .map(|ix| UiCompiledInstruction::from(ix, Some(TRANSACTION_LEVEL_STACK_HEIGHT)))
            .collect(),
        address_table_lookups: lookups(message),
        transaction_config: None,
    })
}

fn parsed_accounts(message: &VersionedMessage) -> Vec<ParsedAccount> {
    message
        .static_account_keys()
        .iter()
        .enumerate()
        .map(|(i, key)| ParsedAccount {
            pubkey: key.to_string(),
            writable: message
                .is_maybe_writable_with_reserved_addresses(i, None::<&std::collections::BTreeSet<Pubkey>>),
            signer: message.is_signer(i),
            source: Some(ParsedAccountSource::Transaction),
        })
        .collect()
}

fn parsed_message(tx: &VersionedTransaction) -> UiMessage {
    let message = &tx.message;
    let keys = message.static_account_keys();
    UiMessage::Parsed(UiParsedMessage {
        account_keys: parsed_accounts(message),
        recent_blockhash: message.recent_blockhash().to_string(),
        instructions: message.instructions().iter().map(|ix| parsed_instruction(ix, keys)).collect(),
        address_table_lookups: lookups(message),
        transaction_config: None,
    })
}

/// An instruction as agave's own parser shows it (System, SPL Token and Token-2022, the
/// associated-token program, Memo, Stake, Vote, the loaders, address lookup tables), else
/// partially decoded: `solana-transaction-status`'s `parse_ui_instruction`, so jsonParsed is
/// agave's by construction.
fn parsed_instruction(ix: &CompiledInstruction, keys: &[Pubkey]) -> UiInstruction {
    let keys = solana_message::AccountKeys::new(keys, None);
    solana_transaction_status::parse_ui_instruction(ix, &keys, Some(TRANSACTION_LEVEL_STACK_HEIGHT))
}

/// Token balances as agave's ledger gives them back: its stored form keeps `uiAmount` as a
/// float, and a zero comes back as `null`.
pub fn token_balances(balances: &[TokenBalance]) -> Vec<UiTransactionTokenBalance> {
    balances
        .iter()
        .map(|b| UiTransactionTokenBalance {
            account_index: b.account_index,
            mint: Pubkey::new_from_array(b.mint).to_string(),
            ui_token_amount: {
                let mut amount =
                    token_amount_to_ui_amount_v3(b.amount, &SplTokenAdditionalDataV2::with_decimals(b.decimals));
                amount.ui_amount = amount.ui_amount.filter(|a| *a != 0.0);
                amount
            },
            owner: OptionSerializer::Some(Pubkey::new_from_array(b.owner).to_string()),
            program_id: OptionSerializer::Some(Pubkey::new_from_array(b.program_id).to_string()),
        })
        .collect()
}

/// The status meta, as agave's `UiTransactionStatusMeta::from` (json, base58, base64) and
/// `parse_ui_transaction_status_meta` (jsonParsed) build it. What an older ledger did not
/// record is `null` (inner instructions) or absent (cost units), as agave shows it.
fn meta(record: &TxRecord, parsed: bool) -> UiTransactionStatusMeta {
    let err = record.err.clone().map(UiTransactionError::from);
    let balances = record.balances.clone().unwrap_or_default();
    let keys = record.transaction.message.static_account_keys();
    let inner_instructions = record.inner_instructions.clone().map(|list| {
        list.into_iter()
            .map(|inner| {
                if parsed {
                    solana_transaction_status::parse_ui_inner_instructions(
                        inner,
                        &solana_message::AccountKeys::new(keys, None),
                    )
                } else {
                    UiInnerInstructions::from(inner)
                }
            })
            .collect()
    });
    UiTransactionStatusMeta {
        err: err.clone(),
        status: err.map_or(Ok(()), Err),
        fee: record.fee,
        pre_balances: balances.pre,
        post_balances: balances.post,
        inner_instructions: inner_instructions.into(),
        log_messages: OptionSerializer::Some(record.logs.clone()),
        pre_token_balances: OptionSerializer::Some(token_balances(&balances.pre_token)),
        post_token_balances: OptionSerializer::Some(token_balances(&balances.post_token)),
        rewards: OptionSerializer::Some(Vec::new()),
        // jsonParsed names loaded addresses among the account keys instead.
        loaded_addresses: if parsed {
            OptionSerializer::Skip
        } else {
            OptionSerializer::Some(UiLoadedAddresses::default())
        },
        return_data: OptionSerializer::or_skip(record.return_data.as_ref().map(return_data)),
        compute_units_consumed: OptionSerializer::Some(record.compute_units),
        cost_units: OptionSerializer::or_skip(record.cost_units),
    }
}

/// Return data as agave shows it: the program and the data in base64.
pub fn return_data(r: &ReturnData) -> UiTransactionReturnData {
    UiTransactionReturnData {
        program_id: Pubkey::new_from_array(r.program_id).to_string(),
        data: (B64.encode(&r.data), UiReturnDataEncoding::Base64),
    }
}
