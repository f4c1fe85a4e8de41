//! Posting signed readings to a cluster's JSON-RPC: meters registered once, readings two
//! per transaction (each with its own Ed25519 verify instruction; a transaction holds two
//! within the 1232-byte limit), bounded concurrency, a fresh blockhash and one retry when a
//! blockhash expired, and every outcome classified.
use std::collections::BTreeMap;
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountDeserialize;
use energy::attestation::SignatureRef;
use energy::error::EnergyError;
use energy::state::EnergyConfig;
use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use solana_instruction::error::InstructionError;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::client_error::{Error as ClientError, ErrorKind};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client_api::request::{RpcError, RpcResponseErrorData, MAX_GET_SIGNATURE_STATUSES_QUERY_ITEMS};
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

use crate::oracle::{Oracle, SignedReading};
use crate::Reading;

/// Readings per transaction.
pub const READINGS_PER_TX: usize = 2;

/// What happened to the readings that were posted.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct PostReport {
    pub landed: u64,
    /// Refused by the program, by error name (e.g. "ReadingReplayed").
    pub rejected: BTreeMap<String, u64>,
    /// Never reached a verdict (transport errors, expired twice, ...), by reason.
    pub failed: BTreeMap<String, u64>,
}

impl PostReport {
    pub fn merge(&mut self, other: PostReport) {
        self.landed += other.landed;
        for (k, v) in other.rejected {
            *self.rejected.entry(k).or_default() += v;
        }
        for (k, v) in other.failed {
            *self.failed.entry(k).or_default() += v;
        }
    }
}

/// One simulated meter on chain: its account and its owner's key (a simulation owns its
/// households' keys; they are generated, never derived from a shared secret). The list of
/// them is the simulated utility's customer record (meter id → owner), which the oracle
/// signs for.
pub struct ChainMeter {
    pub meter_id: [u8; 32],
    /// The owner's meter account for this id (`energy::client::meter_address`).
    pub address: Pubkey,
    pub owner: Keypair,
}

impl ChainMeter {
    /// The meter `meter_id` of `owner`.
    pub fn new(meter_id: [u8; 32], owner: Keypair) -> ChainMeter {
        ChainMeter { meter_id, address: energy::client::meter_address(&meter_id, &owner.pubkey()), owner }
    }

    /// Onboards a household: a fresh owner wallet for `meter_id`.
    pub fn onboard(meter_id: [u8; 32]) -> ChainMeter {
        ChainMeter::new(meter_id, Keypair::new())
    }
}

pub struct Poster {
    pub rpc: Arc<RpcClient>,
    pub oracle: Oracle,
    /// Pays transaction fees (and funds owners on a cluster with a faucet).
    pub payer: Keypair,
    pub concurrency: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("RPC {0}")]
    Rpc(#[from] Box<ClientError>),
    #[error("the energy program is not initialized on this cluster (no config account at {0})")]
    NotInitialized(Pubkey),
    #[error("transaction {0} failed on chain: {1}")]
    Failed(Signature, TransactionError),
    #[error("{0} transactions were not confirmed within {1:?}: is the cluster producing blocks?")]
    Unconfirmed(usize, std::time::Duration),
}

/// How long registrations may take to be confirmed (a validator confirms in ~1 s).
const CONFIRM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);
const CONFIRM_POLL: std::time::Duration = std::time::Duration::from_millis(50);

impl From<ClientError> for PostError {
    fn from(e: ClientError) -> Self {
        PostError::Rpc(Box::new(e))
    }
}

/// The cluster tag the energy program was initialized with: oracles must sign for it.
pub async fn cluster_tag(rpc: &RpcClient) -> Result<[u8; 32], PostError> {
    let address = energy::client::config_address();
    let data = rpc.get_account_data(&address).await.map_err(|_| PostError::NotInitialized(address))?;
    let config =
        EnergyConfig::try_deserialize(&mut &data[..]).map_err(|_| PostError::NotInitialized(address))?;
    Ok(config.cluster_tag)
}

impl Poster {
    async fn send(&self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<Signature, ClientError> {
        let mut last = None;
        // One retry with a fresh blockhash if the first one expired on the way.
        for _ in 0..2 {
            let blockhash = self.rpc.get_latest_blockhash().await?;
            let tx = Transaction::new_signed_with_payer(ixs, Some(&signers[0].pubkey()), signers, blockhash);
            match self.rpc.send_transaction(&tx).await {
                Ok(signature) => return Ok(signature),
                Err(e) if transaction_error(&e) == Some(TransactionError::BlockhashNotFound) => {
                    last = Some(e)
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.expect("the loop ran"))
    }

    /// Onboards `meter_ids` with fresh owners and registers them (`register`).
    pub async fn register_meters(&self, meter_ids: &[[u8; 32]]) -> Result<Vec<ChainMeter>, PostError> {
        let meters: Vec<ChainMeter> = meter_ids.iter().copied().map(ChainMeter::onboard).collect();
        self.register(&meters).await?;
        Ok(meters)
    }

    /// The indexes of the `meters` whose account the chain does not hold (a chain restored
    /// from before they were registered, or a new chain under the same genesis), so they can
    /// be registered again with the same owners.
    pub async fn missing_on_chain(&self, meters: &[ChainMeter]) -> Result<Vec<usize>, ClientError> {
        // getMultipleAccounts takes at most 100 accounts.
        const PER_CALL: usize = 100;
        let mut missing = Vec::new();
        for (n, chunk) in meters.chunks(PER_CALL).enumerate() {
            let addresses: Vec<Pubkey> = chunk.iter().map(|m| m.address).collect();
            let accounts = self.rpc.get_multiple_accounts(&addresses).await?;
            for (i, account) in accounts.iter().enumerate() {
                if !account.as_ref().is_some_and(|a| a.owner == energy::ID) {
                    missing.push(n * PER_CALL + i);
                }
            }
        }
        Ok(missing)
    }

    /// Registers onboarded meters, each signed by its owner (funded from the payer), and
    /// creates the owners' energy token accounts.
    pub async fn register<'a>(
        &self,
        meters: impl IntoIterator<Item = &'a ChainMeter>,
    ) -> Result<(), PostError> {
        let mint = energy::client::energy_mint_address();
        let mut signatures = Vec::new();
        for ChainMeter { meter_id, owner, .. } in meters {
            // The owner pays its meter account's rent (~0.0018 SOL) and must itself stay rent-exempt
            // (~0.0009 SOL); the payer covers everything else.
            let fund = solana_system_interface::instruction::transfer(
                &self.payer.pubkey(),
                &owner.pubkey(),
                3_000_000,
            );
            let register = energy::client::register_meter(owner.pubkey(), *meter_id);
            let ata = spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
                &self.payer.pubkey(),
                &owner.pubkey(),
                &mint,
                &spl_token_interface::ID,
            );
            signatures.push(self.send(&[fund, ata, register], &[&self.payer, owner]).await?);
        }
        // Readings name the meter: on a cluster, their preflight (at `confirmed`) fails
        // until the registration is confirmed, and so does every read at that commitment.
        self.confirm(&signatures).await
    }

    /// Waits until every one of `signatures` is confirmed, or fails with the first that
    /// failed on chain, or with how many never were within `CONFIRM_TIMEOUT`.
    async fn confirm(&self, signatures: &[Signature]) -> Result<(), PostError> {
        let deadline = tokio::time::Instant::now() + CONFIRM_TIMEOUT;
        let mut pending = signatures.to_vec();
        while !pending.is_empty() {
            let mut unconfirmed = Vec::new();
            for chunk in pending.chunks(MAX_GET_SIGNATURE_STATUSES_QUERY_ITEMS) {
                let statuses = self.rpc.get_signature_statuses(chunk).await?.value;
                for (signature, status) in chunk.iter().zip(statuses) {
                    match status {
                        Some(s) if s.satisfies_commitment(CommitmentConfig::confirmed()) => {
                            if let Some(err) = s.err {
                                return Err(PostError::Failed(*signature, err));
                            }
                        }
                        _ => unconfirmed.push(*signature),
                    }
                }
            }
            pending = unconfirmed;
            if !pending.is_empty() {
                if tokio::time::Instant::now() >= deadline {
                    return Err(PostError::Unconfirmed(pending.len(), CONFIRM_TIMEOUT));
                }
                tokio::time::sleep(CONFIRM_POLL).await;
            }
        }
        Ok(())
    }

    /// Signs and posts `readings` (meter index, reading) and reports what happened. Each
    /// meter must appear at most once: readings of one meter must land in order.
    pub async fn post(&self, meters: &[ChainMeter], readings: &[(usize, Reading)]) -> PostReport {
        let signed: Vec<(usize, SignedReading)> = readings
            .iter()
            .map(|(i, reading)| {
                let meter = &meters[*i];
                (*i, self.oracle.sign(&meter.meter_id, &meter.owner.pubkey(), *reading))
            })
            .collect();
        self.post_signed(meters, &signed).await
    }

    /// Posts readings this poster's oracle already signed (for `meters[i]`'s owner), as
    /// `post` does: the simulator's outputs sign each reading once for every destination.
    pub async fn post_signed(
        &self,
        meters: &[ChainMeter],
        readings: &[(usize, SignedReading)],
    ) -> PostReport {
        // A hand-rolled window rather than `buffer_unordered`: the stream combinator's closure
        // makes the future fail the `Send` check that spawning it (the control API) needs.
        let mut batches = readings.chunks(READINGS_PER_TX);
        let mut in_flight = FuturesUnordered::new();
        let mut total = PostReport::default();
        loop {
            while in_flight.len() < self.concurrency.max(1) {
                let Some(batch) = batches.next() else { break };
                in_flight.push(self.post_batch(meters, batch));
            }
            match in_flight.next().await {
                Some(report) => total.merge(report),
                None => return total,
            }
        }
    }

    /// One transaction for the batch; if the program refuses it, each reading is retried
    /// alone so that one bad reading neither sinks nor mislabels its neighbour.
    async fn post_batch(&self, meters: &[ChainMeter], batch: &[(usize, SignedReading)]) -> PostReport {
        let mut ixs = Vec::with_capacity(batch.len() * 2);
        for (i, signed) in batch {
            let meter = &meters[*i];
            ixs.push(solana_ed25519_program::new_ed25519_instruction_with_signature(
                &signed.message,
                signed.signature.as_array(),
                &signed.oracle.to_bytes(),
            ));
            let at = (ixs.len() - 1) as u8;
            ixs.push(energy::client::submit_reading(
                meter.address,
                meter.owner.pubkey(),
                signed.oracle,
                signed.reading,
                SignatureRef { instruction_index: at, entry: 0 },
            ));
        }
        let mut report = PostReport::default();
        match self.send(&ixs, &[&self.payer]).await {
            Ok(_) => report.landed += batch.len() as u64,
            Err(e) => {
                let (rejected, reason) = classify(&e);
                if rejected && batch.len() > 1 {
                    for single in batch {
                        report.merge(Box::pin(self.post_batch(meters, std::slice::from_ref(single))).await);
                    }
                } else {
                    let bucket = if rejected { &mut report.rejected } else { &mut report.failed };
                    *bucket.entry(reason).or_default() += batch.len() as u64;
                }
            }
        }
        report
    }
}

fn transaction_error(e: &ClientError) -> Option<TransactionError> {
    match e.kind() {
        ErrorKind::RpcError(RpcError::RpcResponseError {
            data: RpcResponseErrorData::SendTransactionPreflightFailure(sim),
            ..
        }) => sim.err.clone().map(Into::into),
        ErrorKind::TransactionError(err) => Some(err.clone()),
        _ => None,
    }
}

/// `(true, name)` for a program's refusal (named after the energy error), `(false, reason)`
/// for anything that never reached a verdict.
fn classify(e: &ClientError) -> (bool, String) {
    match transaction_error(e) {
        Some(TransactionError::InstructionError(_, InstructionError::Custom(code))) => {
            (true, EnergyError::from_code(code).map_or_else(|| format!("custom error {code}"), |e| e.name()))
        }
        Some(other) => (true, other.to_string()),
        None => (false, e.to_string()),
    }
}
