//! The oracle's signature over a reading: the bytes come from the energy crate's
//! `reading_message`, the single definition the program verifies against.
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
    pub meter: Pubkey,
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

    /// `meter` is the meter's account address (its PDA), which the message binds.
    pub fn sign(&self, meter: &Pubkey, reading: Reading) -> SignedReading {
        let message = reading_message(&self.program_id, &self.cluster_tag, meter, &reading).to_vec();
        let signature = self.keypair.sign_message(&message);
        SignedReading { meter: *meter, reading, oracle: self.pubkey(), message, signature }
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
