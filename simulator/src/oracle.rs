//! The oracle's signature over a reading: the bytes come from the energy crate's
//! `reading_message`, the single definition the program verifies against.
//!
//! The oracle attests a meter's readings for the owner on the utility's customer record
//! (meter id → owner wallet, set when the household is onboarded) and for no one else: the
//! signed message binds that owner and the owner's meter account, so a reading can only
//! mint to the real owner (docs/architecture.md, "How a meter's owner is established").
use std::path::Path;

use anchor_lang::prelude::Pubkey;
use energy::attestation::reading_message;
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_signer::Signer;

use crate::Reading;

#[derive(Debug, thiserror::Error)]
pub enum OracleKeyError {
    #[error("cannot read key file {path}: {source} (pass a Solana keypair JSON file)")]
    Read { path: String, source: std::io::Error },
    #[error("key file {path} is not a 64-byte Solana keypair JSON array")]
    Format { path: String },
}

pub struct Oracle {
    keypair: Keypair,
    /// The energy program the readings are for.
    pub program_id: Pubkey,
    /// The cluster's genesis hash, as the energy program was initialized with.
    pub cluster_tag: [u8; 32],
}

/// A reading with the oracle's signature over its canonical message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedReading {
    /// The owner's meter account for the meter id (`energy::client::meter_address`).
    pub meter: Pubkey,
    /// The owner on record, the only wallet the reading can mint to.
    pub owner: Pubkey,
    pub reading: Reading,
    pub oracle: Pubkey,
    pub message: Vec<u8>,
    pub signature: Signature,
}

impl Oracle {
    pub fn new(keypair: Keypair, program_id: Pubkey, cluster_tag: [u8; 32]) -> Oracle {
        Oracle { keypair, program_id, cluster_tag }
    }

    /// Loads the operator's key; there is deliberately no built-in default key.
    pub fn from_file(
        path: &Path,
        program_id: Pubkey,
        cluster_tag: [u8; 32],
    ) -> Result<Oracle, OracleKeyError> {
        Ok(Oracle::new(read_keypair(path)?, program_id, cluster_tag))
    }

    pub fn keypair_clone(&self) -> Keypair {
        self.keypair.insecure_clone()
    }

    pub fn pubkey(&self) -> Pubkey {
        self.keypair.pubkey()
    }

    /// Attests `reading` of meter `meter_id` for `owner`, the owner on the customer record:
    /// the message binds the owner and the owner's meter account for that id.
    pub fn sign(&self, meter_id: &[u8; 32], owner: &Pubkey, reading: Reading) -> SignedReading {
        let meter = energy::client::meter_address(meter_id, owner);
        let message = reading_message(&self.program_id, &self.cluster_tag, &meter, owner, &reading).to_vec();
        let signature = self.keypair.sign_message(&message);
        SignedReading { meter, owner: *owner, reading, oracle: self.pubkey(), message, signature }
    }
}

/// Reads a Solana keypair JSON file (64 bytes).
pub fn read_keypair(path: &Path) -> Result<Keypair, OracleKeyError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|source| OracleKeyError::Read { path: shown.clone(), source })?;
    let bytes: Vec<u8> =
        serde_json::from_str(&text).map_err(|_| OracleKeyError::Format { path: shown.clone() })?;
    Keypair::try_from(bytes.as_slice()).map_err(|_| OracleKeyError::Format { path: shown })
}

impl SignedReading {
    pub fn verifies(&self) -> bool {
        self.signature.verify(self.oracle.as_ref(), &self.message)
    }
}
