//! A committed transaction in Yellowstone's protobuf form (`solana-storage.proto`), as the
//! yellowstone-grpc plugin converts agave's: the wire transaction, and the status meta with
//! balances, inner instructions, logs, return data, compute and cost units.
use anchor_lang::prelude::Pubkey;
use solana_account_decoder::parse_token::token_amount_to_ui_amount_v3;
use solana_account_decoder::parse_account_data::SplTokenAdditionalDataV2;
use yellowstone_grpc_proto::solana::storage::confirmed_block as cb;

use crate::balances::TokenBalance;
use crate::chain::TxRecord;

pub fn encode_transaction(tx: &solana_transaction::versioned::VersionedTransaction) -> cb::Transaction {
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

/// The status meta; `err` is the record's error, already encoded.
pub fn encode_meta(record: &TxRecord, err: Option<cb::TransactionError>) -> cb::TransactionStatusMeta {
    let balances = record.balances.clone().unwrap_or_default();
    cb::TransactionStatusMeta {
        err,
        fee: record.fee,
        pre_balances: balances.pre,
        post_balances: balances.post,
        inner_instructions: record.inner_instructions.iter().flatten().map(inner_instructions).collect(),
        inner_instructions_none: record.inner_instructions.is_none(),
        log_messages: record.logs.clone(),
        log_messages_none: false,
        pre_token_balances: balances.pre_token.iter().map(token_balance).collect(),
        post_token_balances: balances.post_token.iter().map(token_balance).collect(),
        rewards: Vec::new(),
        loaded_writable_addresses: Vec::new(),
        loaded_readonly_addresses: Vec::new(),
        return_data: record
            .return_data
            .as_ref()
            .map(|r| cb::ReturnData { program_id: r.program_id.to_vec(), data: r.data.clone() }),
        return_data_none: record.return_data.is_none(),
        compute_units_consumed: Some(record.compute_units),
        cost_units: record.cost_units,
    }
}

fn inner_instructions(inner: &solana_transaction_status_client_types::InnerInstructions) -> cb::InnerInstructions {
    cb::InnerInstructions {
        index: u32::from(inner.index),
        instructions: inner
            .instructions
            .iter()
            .map(|i| cb::InnerInstruction {
                program_id_index: u32::from(i.instruction.program_id_index),
                accounts: i.instruction.accounts.clone(),
                data: i.instruction.data.clone(),
                stack_height: i.stack_height,
            })
            .collect(),
    }
}

fn token_balance(b: &TokenBalance) -> cb::TokenBalance {
    let ui = token_amount_to_ui_amount_v3(b.amount, &SplTokenAdditionalDataV2::with_decimals(b.decimals));
    cb::TokenBalance {
        account_index: u32::from(b.account_index),
        mint: Pubkey::new_from_array(b.mint).to_string(),
        ui_token_amount: Some(cb::UiTokenAmount {
            ui_amount: ui.ui_amount.unwrap_or_default(),
            decimals: u32::from(b.decimals),
            amount: ui.amount,
            ui_amount_string: ui.ui_amount_string,
        }),
        owner: Pubkey::new_from_array(b.owner).to_string(),
        program_id: Pubkey::new_from_array(b.program_id).to_string(),
    }
}
