//! Black-box: the methods wallets, web3.js, Anchor and the solana CLI use beyond the basics
//! (issue #11), through the real solana-rpc-client, which decodes every reply into agave's
//! own types — a reply of another shape fails here. Each asserts a value localnet must know.
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use gridtokenx_localnet::keys::DeploymentKeys;
use gridtokenx_localnet::node::{Node, Options};
use serde_json::{json, Value};
use solana_commitment_config::CommitmentConfig;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_message::{v0, Message, VersionedMessage};
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::client_error::ErrorKind;
use solana_rpc_client_api::config::{RpcBlockConfig, RpcTransactionConfig};
use solana_rpc_client_api::request::{RpcError, RpcRequest, TokenAccountsFilter};
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction::Transaction;
use solana_transaction_status_client_types::{
    EncodedTransaction, TransactionDetails, UiMessage, UiTransactionEncoding,
};

const COMPUTE_BUDGET: Pubkey = Pubkey::from_str_const("ComputeBudget111111111111111111111111111111");

async fn node() -> (Node, DeploymentKeys, RpcClient) {
    let keys = DeploymentKeys::random();
    let node =
        Node::start(&keys, Options::ephemeral(Duration::from_millis(100))).await.expect("localnet starts");
    let client = RpcClient::new_with_commitment(node.rpc_url.clone(), CommitmentConfig::confirmed());
    (node, keys, client)
}

fn code_of(err: &solana_rpc_client_api::client_error::Error) -> Option<(i64, String)> {
    match err.kind() {
        ErrorKind::RpcError(RpcError::RpcResponseError { code, message, .. }) => {
            Some((*code, message.clone()))
        }
        _ => None,
    }
}

async fn funded(rpc: &RpcClient) -> Keypair {
    let who = Keypair::new();
    let sig = rpc.request_airdrop(&who.pubkey(), 10_000_000_000).await.unwrap();
    while !rpc.confirm_transaction(&sig).await.unwrap() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    who
}

async fn send(rpc: &RpcClient, payer: &Keypair, ixs: &[Instruction], signers: &[&Keypair]) -> Signature {
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), signers, blockhash);
    rpc.send_and_confirm_transaction(&tx).await.expect("lands")
}

/// Waits until `signature` is finalized: the default commitment of the ledger methods.
async fn finalized(rpc: &RpcClient, signature: &Signature) {
    loop {
        let status = rpc.get_signature_statuses(&[*signature]).await.unwrap().value[0].clone();
        if status.is_some_and(|s| s.confirmations.is_none()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_in_its_block_and_in_every_transaction_encoding() {
    let (_node, _keys, rpc) = node().await;
    let alice = funded(&rpc).await;
    let bob = Pubkey::new_unique();
    let lamports = 1_000_000;
    let ix = solana_system_interface::instruction::transfer(&alice.pubkey(), &bob, lamports);
    let signature = send(&rpc, &alice, &[ix], &[&alice]).await;
    finalized(&rpc, &signature).await;

    // json: the raw message and the balances before and after.
    let tx = rpc.get_transaction(&signature, UiTransactionEncoding::Json).await.unwrap();
    let meta = tx.transaction.meta.clone().unwrap();
    let EncodedTransaction::Json(ui) = &tx.transaction.transaction else { panic!("json") };
    let UiMessage::Raw(message) = &ui.message else { panic!("a raw message") };
    let bob_at = message.account_keys.iter().position(|k| *k == bob.to_string()).unwrap();
    assert_eq!(meta.post_balances[bob_at] - meta.pre_balances[bob_at], lamports);
    assert_eq!(meta.pre_balances[0] - meta.post_balances[0], lamports + 5_000);
    assert_eq!(meta.fee, 5_000);
    assert!(tx.transaction.version.is_none(), "no version without maxSupportedTransactionVersion");
    // jsonParsed: the System transfer parsed.
    let parsed = rpc.get_transaction(&signature, UiTransactionEncoding::JsonParsed).await.unwrap();
    let parsed = serde_json::to_value(&parsed.transaction.transaction).unwrap();
    let instruction = &parsed["message"]["instructions"][0];
    assert_eq!(
        (instruction["program"].as_str(), instruction["parsed"]["type"].as_str()),
        (Some("system"), Some("transfer"))
    );
    assert_eq!(instruction["parsed"]["info"]["lamports"], lamports);
    // base58 and base64: the wire transaction itself.
    for encoding in [UiTransactionEncoding::Base58, UiTransactionEncoding::Base64] {
        let wire = rpc.get_transaction(&signature, encoding).await.unwrap();
        assert_eq!(wire.transaction.transaction.decode().unwrap().signatures[0], signature, "{encoding}");
    }

    // Its block holds it; the block's parent's hash is its previous blockhash.
    let block = rpc.get_block(tx.slot).await.unwrap();
    let in_block = block
        .transactions
        .iter()
        .any(|t| t.transaction.decode().is_none_or(|d| d.signatures[0] == signature));
    assert!(in_block && !block.transactions.is_empty());
    assert_eq!(block.parent_slot, tx.slot - 1);
    assert_eq!(rpc.get_block(tx.slot - 1).await.unwrap().blockhash, block.previous_blockhash);
    assert_eq!(rpc.get_block_time(tx.slot).await.unwrap(), block.block_time.unwrap());
    assert_eq!(Some(block.block_time.unwrap()), tx.block_time);
    let details = |transaction_details, encoding| RpcBlockConfig {
        encoding: Some(encoding),
        transaction_details: Some(transaction_details),
        rewards: Some(false),
        commitment: Some(CommitmentConfig::finalized()),
        max_supported_transaction_version: Some(0),
    };
    let signatures = rpc
        .get_block_with_config(tx.slot, details(TransactionDetails::Signatures, UiTransactionEncoding::Json))
        .await
        .unwrap();
    assert!(signatures.signatures.unwrap().contains(&signature.to_string()));
    let base64 = rpc
        .get_block_with_config(tx.slot, details(TransactionDetails::Full, UiTransactionEncoding::Base64))
        .await
        .unwrap();
    let decoded: Vec<Signature> =
        base64.transactions.unwrap().iter().map(|t| t.transaction.decode().unwrap().signatures[0]).collect();
    assert!(decoded.contains(&signature));
    let none = rpc
        .get_block_with_config(tx.slot, details(TransactionDetails::None, UiTransactionEncoding::Json))
        .await
        .unwrap();
    assert!(none.transactions.is_none() && none.signatures.is_none() && none.rewards.is_none());

    // The block list around it.
    assert_eq!(
        rpc.get_blocks(tx.slot - 2, Some(tx.slot)).await.unwrap(),
        vec![tx.slot - 2, tx.slot - 1, tx.slot]
    );
    assert_eq!(rpc.get_blocks_with_limit(tx.slot, 1).await.unwrap(), vec![tx.slot]);
    let first = rpc.get_first_available_block().await.unwrap();
    assert!(first < tx.slot);
    assert_eq!(rpc.minimum_ledger_slot().await.unwrap(), first);

    // agave's errors: a block not there yet, one before the first, `processed`.
    let current = rpc.get_slot().await.unwrap();
    let err = rpc.get_block(current + 1_000).await.unwrap_err();
    assert_eq!(code_of(&err), Some((-32004, format!("Block not available for slot {}", current + 1_000))));
    if first > 0 {
        let err = rpc.get_block(first - 1).await.unwrap_err();
        assert_eq!(code_of(&err).map(|c| c.0), Some(-32001));
    }
    let processed =
        RpcBlockConfig { commitment: Some(CommitmentConfig::processed()), ..RpcBlockConfig::default() };
    let err = rpc.get_block_with_config(tx.slot, processed).await.unwrap_err();
    assert_eq!(code_of(&err).map(|c| c.0), Some(-32602));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versioned_transactions_need_max_supported_transaction_version() {
    let (_node, _keys, rpc) = node().await;
    let alice = funded(&rpc).await;
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let ix =
        solana_system_interface::instruction::transfer(&alice.pubkey(), &Pubkey::new_unique(), 1_000_000);
    let message = v0::Message::try_compile(&alice.pubkey(), &[ix], &[], blockhash).unwrap();
    let tx = VersionedTransaction::try_new(VersionedMessage::V0(message), &[&alice]).unwrap();
    let signature = rpc.send_and_confirm_transaction(&tx).await.unwrap();
    finalized(&rpc, &signature).await;

    let err = rpc.get_transaction(&signature, UiTransactionEncoding::Json).await.unwrap_err();
    let (code, message) = code_of(&err).unwrap();
    assert_eq!(code, -32015);
    assert!(message.contains("\"maxSupportedTransactionVersion\": 0"), "{message}");
    let config = RpcTransactionConfig {
        encoding: Some(UiTransactionEncoding::Json),
        commitment: None,
        max_supported_transaction_version: Some(0),
    };
    let tx = rpc.get_transaction_with_config(&signature, config).await.unwrap();
    assert_eq!(serde_json::to_value(tx.transaction.version).unwrap(), json!(0));
    let err = rpc.get_block(tx.slot).await.unwrap_err();
    assert_eq!(code_of(&err).map(|c| c.0), Some(-32015));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_mint_its_supply_holders_delegates_and_token_balances() {
    let (_node, _keys, rpc) = node().await;
    let authority = funded(&rpc).await;
    let mint = Keypair::new();
    let token = spl_token_interface::ID;
    let rent = |len| rpc.get_minimum_balance_for_rent_exemption(len);
    let create = |key: &Pubkey, lamports, len| {
        solana_system_interface::instruction::create_account(
            &authority.pubkey(),
            key,
            lamports,
            len as u64,
            &token,
        )
    };
    let mint_rent = rent(82).await.unwrap();
    send(
        &rpc,
        &authority,
        &[
            create(&mint.pubkey(), mint_rent, 82),
            spl_token_interface::instruction::initialize_mint2(
                &token,
                &mint.pubkey(),
                &authority.pubkey(),
                None,
                3,
            )
            .unwrap(),
        ],
        &[&authority, &mint],
    )
    .await;
    let account_rent = rent(165).await.unwrap();
    let holders: Vec<(Keypair, Pubkey, u64)> =
        [500u64, 7_250, 42].iter().map(|amount| (Keypair::new(), Pubkey::new_unique(), *amount)).collect();
    let mut mint_signature = None;
    for (account, owner, amount) in &holders {
        let sig = send(
            &rpc,
            &authority,
            &[
                create(&account.pubkey(), account_rent, 165),
                spl_token_interface::instruction::initialize_account3(
                    &token,
                    &account.pubkey(),
                    &mint.pubkey(),
                    owner,
                )
                .unwrap(),
                spl_token_interface::instruction::mint_to(
                    &token,
                    &mint.pubkey(),
                    &account.pubkey(),
                    &authority.pubkey(),
                    &[],
                    *amount,
                )
                .unwrap(),
            ],
            &[&authority, account],
        )
        .await;
        mint_signature = Some(sig);
    }

    let supply = rpc.get_token_supply(&mint.pubkey()).await.unwrap();
    assert_eq!(
        (supply.amount.as_str(), supply.decimals, supply.ui_amount_string.as_str()),
        ("7792", 3, "7.792")
    );
    let largest = rpc.get_token_largest_accounts(&mint.pubkey()).await.unwrap();
    let amounts: Vec<&str> = largest.iter().map(|a| a.amount.amount.as_str()).collect();
    assert_eq!(amounts, ["7250", "500", "42"]);
    assert_eq!(largest[0].address, holders[1].0.pubkey().to_string());

    // The mint parsed as agave's account decoder parses it.
    let parsed: Value = rpc
        .send(RpcRequest::GetAccountInfo, json!([mint.pubkey().to_string(), { "encoding": "jsonParsed" }]))
        .await
        .unwrap();
    assert_eq!(parsed["value"]["data"]["parsed"]["type"], "mint");
    assert_eq!(parsed["value"]["data"]["parsed"]["info"]["supply"], "7792");
    // A data slice of it, in base64: bytes 36..44 are the supply.
    let sliced: Value = rpc
        .send(
            RpcRequest::GetAccountInfo,
            json!([mint.pubkey().to_string(), { "encoding": "base64", "dataSlice": { "offset": 36, "length": 8 } }]),
        )
        .await
        .unwrap();
    let bytes = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        sliced["value"]["data"][0].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(bytes, 7_792u64.to_le_bytes());

    // A delegate approved by the first holder's owner finds that account.
    let (account, _, _) = &holders[0];
    let owner = Keypair::new();
    let delegate = Pubkey::new_unique();
    let other = Keypair::new();
    send(
        &rpc,
        &authority,
        &[
            create(&other.pubkey(), account_rent, 165),
            spl_token_interface::instruction::initialize_account3(
                &token,
                &other.pubkey(),
                &mint.pubkey(),
                &owner.pubkey(),
            )
            .unwrap(),
            spl_token_interface::instruction::approve(
                &token,
                &other.pubkey(),
                &delegate,
                &owner.pubkey(),
                &[],
                5,
            )
            .unwrap(),
        ],
        &[&authority, &other, &owner],
    )
    .await;
    let delegated = rpc
        .get_token_accounts_by_delegate(&delegate, TokenAccountsFilter::Mint(mint.pubkey()))
        .await
        .unwrap();
    assert_eq!(delegated.len(), 1);
    assert_eq!(delegated[0].pubkey, other.pubkey().to_string());
    assert_ne!(delegated[0].pubkey, account.pubkey().to_string());

    // The mint_to's meta: the holder's token balance before (none) and after.
    let signature = mint_signature.unwrap();
    finalized(&rpc, &signature).await;
    let tx = rpc.get_transaction(&signature, UiTransactionEncoding::Json).await.unwrap();
    let meta = tx.transaction.meta.unwrap();
    let post: Vec<_> = Option::from(meta.post_token_balances).unwrap();
    assert_eq!(post.len(), 1);
    assert_eq!(post[0].ui_token_amount.amount, "42");
    assert_eq!(post[0].mint, mint.pubkey().to_string());
    let pre: Vec<_> = Option::from(meta.pre_token_balances).unwrap();
    assert!(pre.is_empty(), "the account did not exist before");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fees_epochs_supply_and_the_one_validator() {
    let (node, _keys, rpc) = node().await;
    let alice = funded(&rpc).await;
    let bob = Keypair::new();

    // getFeeForMessage: 5,000 lamports per signature.
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let two_signers = Message::new_with_blockhash(
        &[solana_system_interface::instruction::transfer(&bob.pubkey(), &alice.pubkey(), 1)],
        Some(&alice.pubkey()),
        &blockhash,
    );
    assert_eq!(rpc.get_fee_for_message(&two_signers).await.unwrap(), 10_000);
    let stale = Message::new_with_blockhash(&[], Some(&alice.pubkey()), &solana_hash::Hash::new_unique());
    let fee: Value = rpc
        .send(
            RpcRequest::GetFeeForMessage,
            json!([base64::Engine::encode(&base64::engine::general_purpose::STANDARD, stale.serialize())]),
        )
        .await
        .unwrap();
    assert!(fee["value"].is_null(), "an unknown blockhash has no fee: {fee}");

    // A transaction that offers 7 micro-lamports per compute unit sets its block's price.
    let price = Instruction::new_with_bytes(
        COMPUTE_BUDGET,
        &[[3u8].as_slice(), &7u64.to_le_bytes()].concat(),
        vec![],
    );
    let signature = send(
        &rpc,
        &alice,
        &[price, solana_system_interface::instruction::transfer(&alice.pubkey(), &bob.pubkey(), 1_000_000)],
        &[&alice],
    )
    .await;
    let slot = rpc.get_signature_statuses(&[signature]).await.unwrap().value[0].clone().unwrap().slot;
    let fees = rpc.get_recent_prioritization_fees(&[bob.pubkey()]).await.unwrap();
    assert_eq!(fees.iter().find(|f| f.slot == slot).map(|f| f.prioritization_fee), Some(7));
    assert!(fees.iter().filter(|f| f.slot != slot).all(|f| f.prioritization_fee == 0));

    // Epochs: the info agrees with the schedule.
    let epoch = rpc.get_epoch_info().await.unwrap();
    let schedule = rpc.get_epoch_schedule().await.unwrap();
    assert_eq!(schedule.get_epoch_and_slot_index(epoch.absolute_slot), (epoch.epoch, epoch.slot_index));
    assert_eq!(schedule.get_slots_in_epoch(epoch.epoch), epoch.slots_in_epoch);
    assert_eq!(
        epoch.transaction_count,
        Some(rpc.get_transaction_count().await.unwrap()).filter(|n| *n > 0).or(epoch.transaction_count)
    );

    // The one validator: the same identity everywhere, with the genesis stake.
    let identity = rpc.get_identity().await.unwrap();
    let nodes = rpc.get_cluster_nodes().await.unwrap();
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0].pubkey, identity.to_string());
    assert_eq!(nodes[0].rpc.map(|a| format!("http://{a}")), Some(node.rpc_url.clone()));
    let votes = rpc.get_vote_accounts().await.unwrap();
    assert_eq!(votes.current[0].node_pubkey, identity.to_string());
    assert!(votes.current[0].activated_stake > 0 && votes.delinquent.is_empty());
    let current = rpc.get_slot().await.unwrap();
    let leaders = rpc.get_slot_leaders(current, 3).await.unwrap();
    assert_eq!(leaders, vec![identity; 3]);
    let schedule_of_epoch = rpc.get_leader_schedule(None).await.unwrap().unwrap();
    assert_eq!(schedule_of_epoch[&identity.to_string()].len() as u64, epoch.slots_in_epoch);
    let commitment = rpc.get_block_commitment(current - 1).await.unwrap();
    assert_eq!(commitment.total_stake, votes.current[0].activated_stake);

    // Supply: every lamport circulates; the faucet is among the largest accounts.
    let supply = rpc.supply().await.unwrap().value;
    assert_eq!((supply.total, supply.non_circulating), (supply.circulating, 0));
    let largest = rpc.get_largest_accounts_with_config(Default::default()).await.unwrap().value;
    assert!(largest.len() <= 20 && largest.windows(2).all(|w| w[0].lamports >= w[1].lamports));
    assert!(largest[0].lamports <= supply.total);

    assert!(rpc.get_inflation_governor().await.unwrap().initial > 0.0);
    assert!(rpc.get_inflation_rate().await.unwrap().total > 0.0);
    assert_eq!(rpc.get_stake_minimum_delegation().await.unwrap(), 1_000_000_000);
    // One sample per finished minute, as agave's sampler: none yet a few seconds in.
    let samples = rpc.get_recent_performance_samples(Some(5)).await.unwrap();
    assert!(samples.iter().all(|s| s.num_slots > 0 && s.sample_period_secs == 60), "{samples:?}");
    assert!(rpc.get_max_retransmit_slot().await.unwrap() >= current);
    assert!(rpc.get_max_shred_insert_slot().await.unwrap() >= current);
    assert_eq!(code_of(&rpc.get_highest_snapshot_slot().await.unwrap_err()).map(|c| c.0), Some(-32008));
    let production = rpc.get_block_production().await.unwrap().value;
    let (leader_slots, produced) = production.by_identity[&identity.to_string()];
    assert_eq!(leader_slots, produced);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_method_localnet_does_not_serve_is_named_and_a_made_up_one_is_not_found() {
    let (node, _keys, _rpc) = node().await;
    let http = reqwest::Client::new();
    let call = |method: &str| {
        let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": [] });
        http.post(&node.rpc_url).json(&body).send()
    };
    let reply: Value = call("getInflationReward").await.unwrap().json().await.unwrap();
    assert_eq!(reply["error"]["code"], -32601);
    assert_eq!(
        reply["error"]["message"],
        "getInflationReward is not supported by localnet; see docs/localnet.md"
    );
    for made_up in ["getEverything", "getConfirmedBlock", "accountSubscribe"] {
        let reply: Value = call(made_up).await.unwrap().json().await.unwrap();
        assert_eq!(
            (reply["error"]["code"].as_i64(), reply["error"]["message"].as_str()),
            (Some(-32601), Some("Method not found")),
            "{made_up}"
        );
    }
    // Every method agave serves is served by localnet or named as not supported.
    for method in gridtokenx_localnet::rpc::known::AGAVE_METHODS {
        let reply: Value = call(method).await.unwrap().json().await.unwrap();
        assert_ne!(reply["error"]["message"], "Method not found", "{method}");
    }
}
