//! The same transactions on each chain: same keys (fixed seeds), same amounts, each sent
//! through raw `sendTransaction` and awaited at `confirmed`, so the accounts they leave are
//! byte for byte the same on both chains and only slots, blockhashes and the signatures made
//! over them differ.
use std::str::FromStr;

use base64::Engine;
use serde_json::json;
use solana_hash::Hash;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_message::Message;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction::Transaction;
use spl_associated_token_account_interface::address::{
    get_associated_token_address, get_associated_token_address_with_program_id,
};
use spl_associated_token_account_interface::instruction::{
    create_associated_token_account, create_associated_token_account_idempotent,
};

use crate::chains::Endpoint;
use crate::rpc::{result, wait_for};

pub const AIRDROP: u64 = 10_000_000_000;
pub const TRANSFER: u64 = 1_234_567;
pub const DECIMALS: u8 = 6;
pub const MINTED: u64 = 1_000_000_000;
pub const SENT_TOKENS: u64 = 250_000_000;
pub const MINT_SIZE: u64 = 82;
/// The Token-2022 mint's UI multiplier (its scaled-UI-amount extension).
pub const UI_MULTIPLIER: f64 = 2.5;

/// The scenario's keys, the same on every chain.
pub struct Keys {
    pub payer: Keypair,
    pub bob: Keypair,
    pub mint: Keypair,
    /// A Token-2022 mint whose amounts are shown scaled (`UI_MULTIPLIER`).
    pub scaled_mint: Keypair,
}

impl Keys {
    pub fn new() -> Keys {
        let key = |seed: u8| Keypair::new_from_array([seed; 32]);
        Keys { payer: key(1), bob: key(2), mint: key(3), scaled_mint: key(4) }
    }

    pub fn payer_tokens(&self) -> Pubkey {
        get_associated_token_address(&self.payer.pubkey(), &self.mint.pubkey())
    }

    pub fn bob_tokens(&self) -> Pubkey {
        get_associated_token_address(&self.bob.pubkey(), &self.mint.pubkey())
    }

    /// The payer's token account for the Token-2022 mint.
    pub fn payer_scaled_tokens(&self) -> Pubkey {
        get_associated_token_address_with_program_id(
            &self.payer.pubkey(),
            &self.scaled_mint.pubkey(),
            &spl_token_2022_interface::ID,
        )
    }
}

impl Default for Keys {
    fn default() -> Self {
        Keys::new()
    }
}

/// The signatures the scenario landed, each `confirmed`.
#[derive(Clone, Debug)]
pub struct Landed {
    pub airdrop: String,
    /// A SOL transfer.
    pub transfer: String,
    /// `createAccount` + `initializeMint2`.
    pub create_mint: String,
    /// The associated-token program's `create` (CPIs into System and SPL Token).
    pub create_account: String,
    /// `mintToChecked`.
    pub mint_to: String,
    /// `createIdempotent` for bob and `transferChecked` to him.
    pub token_transfer: String,
    /// A Token-2022 mint with the scaled-UI-amount extension, the payer's account for it
    /// and tokens minted to it, in one transaction.
    pub scaled_mint: String,
    /// A transfer of more than the payer holds, sent with `skipPreflight`: committed with its
    /// error, its fee charged.
    pub failed: String,
    /// The slot `transfer` landed in.
    pub transfer_slot: u64,
}

pub async fn run(e: &Endpoint, keys: &Keys) -> Landed {
    let payer = keys.payer.pubkey();
    let airdrop = result(e, "requestAirdrop", json!([payer.to_string(), AIRDROP])).await;
    let airdrop = airdrop.as_str().expect("airdrop signature").to_string();
    wait_for(e, &airdrop, "confirmed").await;

    let transfer_ix = solana_system_interface::instruction::transfer(&payer, &keys.bob.pubkey(), TRANSFER);
    let transfer = send(e, &[transfer_ix], &[&keys.payer], false).await;
    let transfer_slot = wait_for(e, &transfer, "confirmed").await["slot"].as_u64().expect("slot");

    let rent = result(e, "getMinimumBalanceForRentExemption", json!([MINT_SIZE])).await;
    let mint = keys.mint.pubkey();
    let create_mint = send(
        e,
        &[
            solana_system_interface::instruction::create_account(
                &payer,
                &mint,
                rent.as_u64().expect("rent"),
                MINT_SIZE,
                &spl_token_interface::ID,
            ),
            spl_token_interface::instruction::initialize_mint2(
                &spl_token_interface::ID,
                &mint,
                &payer,
                None,
                DECIMALS,
            )
            .expect("initialize_mint2"),
        ],
        &[&keys.payer, &keys.mint],
        false,
    )
    .await;
    wait_for(e, &create_mint, "confirmed").await;

    let create_account = send(
        e,
        &[create_associated_token_account(&payer, &payer, &mint, &spl_token_interface::ID)],
        &[&keys.payer],
        false,
    )
    .await;
    wait_for(e, &create_account, "confirmed").await;

    let mint_to = send(
        e,
        &[spl_token_interface::instruction::mint_to_checked(
            &spl_token_interface::ID,
            &mint,
            &keys.payer_tokens(),
            &payer,
            &[],
            MINTED,
            DECIMALS,
        )
        .expect("mint_to_checked")],
        &[&keys.payer],
        false,
    )
    .await;
    wait_for(e, &mint_to, "confirmed").await;

    let token_transfer = send(
        e,
        &[
            create_associated_token_account_idempotent(&payer, &keys.bob.pubkey(), &mint, &spl_token_interface::ID),
            spl_token_interface::instruction::transfer_checked(
                &spl_token_interface::ID,
                &keys.payer_tokens(),
                &mint,
                &keys.bob_tokens(),
                &payer,
                &[],
                SENT_TOKENS,
                DECIMALS,
            )
            .expect("transfer_checked"),
        ],
        &[&keys.payer],
        false,
    )
    .await;
    wait_for(e, &token_transfer, "confirmed").await;

    let scaled_mint = token_2022(e, keys).await;

    let too_much = solana_system_interface::instruction::transfer(&payer, &keys.bob.pubkey(), 1_000 * AIRDROP);
    let failed = send(e, &[too_much], &[&keys.payer], true).await;
    // Finalized, so reads at agave's default commitment (finalized) see all of it.
    wait_for(e, &failed, "finalized").await;

    Landed { airdrop, transfer, create_mint, create_account, mint_to, token_transfer, scaled_mint, failed, transfer_slot }
}

/// A Token-2022 mint with the scaled-UI-amount extension (`UI_MULTIPLIER`), the payer's
/// associated token account for it and `MINTED` tokens in it: amounts whose `uiAmount` the
/// extension scales.
async fn token_2022(e: &Endpoint, keys: &Keys) -> String {
    use spl_token_2022_interface::extension::{scaled_ui_amount, ExtensionType};
    let (payer, mint, program) = (keys.payer.pubkey(), keys.scaled_mint.pubkey(), spl_token_2022_interface::ID);
    let space = ExtensionType::try_calculate_account_len::<spl_token_2022_interface::state::Mint>(&[
        ExtensionType::ScaledUiAmount,
    ])
    .expect("a mint's size");
    let rent = result(e, "getMinimumBalanceForRentExemption", json!([space])).await;
    let signature = send(
        e,
        &[
            solana_system_interface::instruction::create_account(
                &payer,
                &mint,
                rent.as_u64().expect("rent"),
                space as u64,
                &program,
            ),
            scaled_ui_amount::instruction::initialize(&program, &mint, Some(payer), UI_MULTIPLIER)
                .expect("scaled UI amount"),
            spl_token_2022_interface::instruction::initialize_mint2(&program, &mint, &payer, None, DECIMALS)
                .expect("initialize_mint2"),
            create_associated_token_account(&payer, &payer, &mint, &program),
            spl_token_2022_interface::instruction::mint_to_checked(
                &program,
                &mint,
                &keys.payer_scaled_tokens(),
                &payer,
                &[],
                MINTED,
                DECIMALS,
            )
            .expect("mint_to_checked"),
        ],
        &[&keys.payer, &keys.scaled_mint],
        false,
    )
    .await;
    wait_for(e, &signature, "confirmed").await;
    signature
}

/// The chain's latest blockhash at `confirmed`.
pub async fn blockhash(e: &Endpoint) -> Hash {
    blockhash_at(e, "confirmed").await
}

/// `e`'s processed slot.
pub async fn processed_slot(e: &Endpoint) -> Option<u64> {
    result(e, "getSlot", json!([{ "commitment": "processed" }])).await.as_u64()
}

/// Returns, with the new slot, as soon as `e`'s processed slot moves on: what follows has
/// nearly a whole slot before the next one begins.
pub async fn slot_begun(e: &Endpoint) -> Option<u64> {
    let start = processed_slot(e).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(4);
    loop {
        let now = processed_slot(e).await;
        if now != start {
            return now;
        }
        assert!(std::time::Instant::now() < deadline, "{}: the slot did not move on in 4 s", e.name);
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
}

/// The chain's latest blockhash at `commitment`.
pub async fn blockhash_at(e: &Endpoint, commitment: &str) -> Hash {
    let latest = result(e, "getLatestBlockhash", json!([{ "commitment": commitment }])).await;
    Hash::from_str(latest["value"]["blockhash"].as_str().expect("blockhash")).expect("a hash")
}

/// `instructions` signed over the chain's latest confirmed blockhash, paid by the first
/// signer, as base64 wire bytes, with its signature.
pub async fn signed(e: &Endpoint, instructions: &[Instruction], signers: &[&Keypair]) -> (String, String) {
    signed_at(e, "confirmed", instructions, signers).await
}

/// As [`signed`], over the latest blockhash at `commitment`: what a client whose
/// preflight commitment is `commitment` must use.
pub async fn signed_at(
    e: &Endpoint,
    commitment: &str,
    instructions: &[Instruction],
    signers: &[&Keypair],
) -> (String, String) {
    let hash = blockhash_at(e, commitment).await;
    let message = Message::new_with_blockhash(instructions, Some(&signers[0].pubkey()), &hash);
    let tx = Transaction::new(signers, message, hash);
    let wire = bincode::serialize(&tx).expect("a transaction serializes");
    (base64::engine::general_purpose::STANDARD.encode(wire), tx.signatures[0].to_string())
}

/// Sends `instructions` and returns the signature the chain answered.
pub async fn send(e: &Endpoint, instructions: &[Instruction], signers: &[&Keypair], skip_preflight: bool) -> String {
    let (wire, signature) = signed(e, instructions, signers).await;
    let config = json!({ "encoding": "base64", "skipPreflight": skip_preflight, "preflightCommitment": "confirmed" });
    let answered = result(e, "sendTransaction", json!([wire, config])).await;
    assert_eq!(answered.as_str(), Some(signature.as_str()), "{}: sendTransaction's reply", e.name);
    signature
}
