//! The identities of a deployment: loaded from `localnet/dev-keys/` for the demo, or
//! fresh for each test.
use std::path::Path;

use solana_keypair::Keypair;

pub struct DeploymentKeys {
    pub upgrade_authority: Keypair,
    /// The council; the first member proposes, pays and executes at bootstrap.
    pub members: Vec<Keypair>,
    pub guardian: Keypair,
    pub oracle: Keypair,
    pub quote_mint: Keypair,
    pub quote_mint_authority: Keypair,
    pub market: Keypair,
    /// Funded demo traders.
    pub traders: Vec<Keypair>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot load dev key {path}: {reason} (the dev keys live in localnet/dev-keys/)")]
pub struct KeyError {
    path: String,
    reason: String,
}

impl DeploymentKeys {
    pub fn random() -> DeploymentKeys {
        DeploymentKeys {
            upgrade_authority: Keypair::new(),
            members: (0..3).map(|_| Keypair::new()).collect(),
            guardian: Keypair::new(),
            oracle: Keypair::new(),
            quote_mint: Keypair::new(),
            quote_mint_authority: Keypair::new(),
            market: Keypair::new(),
            traders: (0..2).map(|_| Keypair::new()).collect(),
        }
    }

    /// The committed DEV-ONLY keys.
    pub fn load(dir: &Path) -> Result<DeploymentKeys, KeyError> {
        let load = |name: &str| read_keypair(&dir.join(format!("{name}.json")));
        Ok(DeploymentKeys {
            upgrade_authority: load("upgrade-authority")?,
            members: vec![load("council-1")?, load("council-2")?, load("council-3")?],
            guardian: load("guardian")?,
            oracle: load("oracle")?,
            quote_mint: load("quote-mint")?,
            quote_mint_authority: load("quote-mint-authority")?,
            market: load("market")?,
            traders: vec![load("alice")?, load("bob")?],
        })
    }
}

/// Reads a Solana keypair JSON file (an array of 64 bytes).
pub fn read_keypair(path: &Path) -> Result<Keypair, KeyError> {
    let err = |reason: String| KeyError { path: path.display().to_string(), reason };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let bytes: Vec<u8> = serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
    Keypair::try_from(bytes.as_slice()).map_err(|e| err(e.to_string()))
}
