//! Sign-In With Solana messages: the text a wallet signs (the EIP-4361 layout with
//! "Solana account", as wallets' `signIn` / `signMessage` show it) and the check of its
//! ed25519 signature. Pure functions: the handlers in `auth.rs` add the database.
use std::str::FromStr;

use solana_signature::Signature;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Shown to the user by the wallet; says what signing grants, and what it does not.
pub const STATEMENT: &str =
    "Sign in to GridTokenX to manage your notification settings. This signature moves no funds and approves no transaction.";

/// Where the message says it comes from, so the wallet can warn on a mismatch with the
/// page asking for the signature.
#[derive(Clone, Debug)]
pub struct Origin {
    pub domain: String,
    pub uri: String,
    /// `Chain ID:` — the cluster (`localnet`, `devnet`, `mainnet`).
    pub chain: String,
}

impl Origin {
    /// From the environment (`INDEXER_SIWS_DOMAIN`, `INDEXER_SIWS_URI`,
    /// `INDEXER_SIWS_CHAIN`), else the host the request reached (the indexer also serves
    /// the web app, so that is the page's origin), `http://<host>`, and `localnet`.
    pub fn resolve(host: Option<&str>) -> Origin {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let domain = env("INDEXER_SIWS_DOMAIN").or_else(|| host.map(str::to_string)).unwrap_or_else(|| "localhost".into());
        let uri = env("INDEXER_SIWS_URI").unwrap_or_else(|| format!("http://{domain}"));
        let chain = env("INDEXER_SIWS_CHAIN").unwrap_or_else(|| "localnet".into());
        Origin { domain, uri, chain }
    }
}

/// RFC 3339 in UTC to the second, as EIP-4361 writes times.
pub fn rfc3339(unix_secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix_secs)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// The message `wallet` signs to prove it holds its key, for one nonce.
pub fn message(origin: &Origin, wallet: &str, nonce: &str, issued_at: i64, expires_at: i64) -> String {
    format!(
        "{domain} wants you to sign in with your Solana account:\n{wallet}\n\n{STATEMENT}\n\nURI: {uri}\nVersion: 1\nChain ID: {chain}\nNonce: {nonce}\nIssued At: {issued}\nExpiration Time: {expires}",
        domain = origin.domain,
        uri = origin.uri,
        chain = origin.chain,
        issued = rfc3339(issued_at),
        expires = rfc3339(expires_at),
    )
}

/// The `Nonce:` field of a message, used to find what was issued.
pub fn nonce_of(message: &str) -> Option<&str> {
    message.lines().find_map(|l| l.strip_prefix("Nonce: ")).map(str::trim).filter(|n| !n.is_empty())
}

/// The address line (the second line) of a message.
pub fn address_of(message: &str) -> Option<&str> {
    message.lines().nth(1)
}

/// A fresh nonce: 128 random bits, base58 (alphanumeric, as EIP-4361 requires).
pub fn new_nonce() -> String {
    bs58::encode(rand::random::<[u8; 16]>()).into_string()
}

/// Whether `signature` (base58) is `wallet`'s (base58 public key) ed25519 signature of
/// exactly these message bytes.
pub fn verify(wallet: &str, message: &str, signature: &str) -> bool {
    let Ok(key) = bs58::decode(wallet).into_vec() else { return false };
    let Ok(sig) = Signature::from_str(signature) else { return false };
    key.len() == 32 && sig.verify(&key, message.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_has_the_siws_layout() {
        let o = Origin { domain: "app.example".into(), uri: "https://app.example".into(), chain: "devnet".into() };
        let m = message(&o, "Wa11et", "abc123XYZ", 1_700_000_000, 1_700_000_300);
        assert_eq!(
            m,
            format!("app.example wants you to sign in with your Solana account:\nWa11et\n\n{STATEMENT}\n\nURI: https://app.example\nVersion: 1\nChain ID: devnet\nNonce: abc123XYZ\nIssued At: 2023-11-14T22:13:20Z\nExpiration Time: 2023-11-14T22:18:20Z")
        );
        assert_eq!(nonce_of(&m), Some("abc123XYZ"));
        assert_eq!(address_of(&m), Some("Wa11et"));
    }

    #[test]
    fn nonces_are_fresh_and_alphanumeric() {
        let (a, b) = (new_nonce(), new_nonce());
        assert_ne!(a, b);
        assert!(a.len() >= 16 && a.chars().all(|c| c.is_ascii_alphanumeric()), "{a}");
    }

    #[test]
    fn garbage_never_verifies() {
        assert!(!verify("not base58 0OIl", "m", "1"));
        assert!(!verify("11111111111111111111111111111111", "m", &bs58::encode([0u8; 64]).into_string()));
    }
}
