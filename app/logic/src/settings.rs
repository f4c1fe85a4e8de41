//! Sign-In With Solana and the wallet's notification settings on the indexer
//! (docs/indexer.md, "Sign-In With Solana"): the request bodies, the answers, and the checks
//! the app makes before the wallet signs and before a save leaves the page.
use serde::{Deserialize, Serialize};
use serde_json::json;

/// `POST /auth/nonce`'s answer: the SIWS message to sign, unchanged.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Challenge {
    pub nonce: String,
    pub message: String,
}

/// `POST /auth/verify`'s answer: a bearer token for this wallet's own settings.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Session {
    pub token: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// `GET`/`PUT /me/settings`: what the signed-in wallet is told about, and where.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Settings {
    /// The wallet the settings belong to (the indexer decides it from the session).
    #[serde(default, skip_serializing)]
    pub wallet: String,
    pub email: Option<String>,
    pub notify_fills: bool,
    pub notify_rec_retired: bool,
}

pub fn nonce_request(wallet: &str) -> String {
    json!({ "wallet": wallet }).to_string()
}

pub fn verify_request(wallet: &str, message: &str, signature_base58: &str) -> String {
    json!({ "wallet": wallet, "message": message, "signature": signature_base58 }).to_string()
}

/// The message is a sign-in for `wallet` on one of `hosts` (the page's, and the indexer's
/// when `?indexer=` names another): anything else is not signed, whoever sent it.
pub fn check_challenge(challenge: &Challenge, wallet: &str, hosts: &[&str]) -> Result<(), String> {
    let mut lines = challenge.message.lines();
    let first = lines.next().unwrap_or_default();
    let domain = first.strip_suffix(" wants you to sign in with your Solana account:");
    if !domain.is_some_and(|d| hosts.contains(&d)) {
        return Err(format!(
            "the sign-in message is not for this site ({}); nothing was signed",
            hosts.join(", ")
        ));
    }
    if lines.next() != Some(wallet) {
        return Err("the sign-in message names another wallet; nothing was signed".into());
    }
    if !challenge.message.lines().any(|l| l == format!("Nonce: {}", challenge.nonce)) {
        return Err("the sign-in message lacks its nonce; nothing was signed".into());
    }
    Ok(())
}

/// The settings as typed, checked as the indexer will: an e-mail address (or none, which
/// turns every notification off) and the opt-ins, which need one.
pub fn settings_from_form(
    email: &str,
    notify_fills: bool,
    notify_rec_retired: bool,
) -> Result<Settings, String> {
    let email = email.trim();
    let email = if email.is_empty() {
        None
    } else {
        // The indexer parses it strictly; this catches the common slip before the round trip.
        let (user, domain) =
            email.split_once('@').ok_or_else(|| format!("{email:?} is not an e-mail address (no @)"))?;
        if user.is_empty() || domain.is_empty() || email.contains(char::is_whitespace) {
            return Err(format!("{email:?} is not an e-mail address"));
        }
        Some(email.to_string())
    };
    if email.is_none() && (notify_fills || notify_rec_retired) {
        return Err("notifications need an e-mail address".into());
    }
    Ok(Settings { wallet: String::new(), email, notify_fills, notify_rec_retired })
}

/// The `{"error": "..."}` the indexer answers a refusal with, or the body as it is.
pub fn error_message(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
        .unwrap_or_else(|| body.chars().take(200).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge(host: &str, wallet: &str) -> Challenge {
        let message = format!(
            "{host} wants you to sign in with your Solana account:\n{wallet}\n\nSign in.\n\nURI: http://{host}\nVersion: 1\nChain ID: localnet\nNonce: abc\nIssued At: 2026-01-01T00:00:00Z"
        );
        Challenge { nonce: "abc".into(), message }
    }

    #[test]
    fn only_a_sign_in_for_this_wallet_on_this_site_is_signed() {
        let here = ["127.0.0.1:8080"];
        assert_eq!(check_challenge(&challenge("127.0.0.1:8080", "W1"), "W1", &here), Ok(()));
        assert_eq!(
            check_challenge(&challenge("api.example", "W1"), "W1", &["app.example", "api.example"]),
            Ok(())
        );
        assert!(check_challenge(&challenge("evil.example", "W1"), "W1", &here)
            .unwrap_err()
            .contains("not for this site"));
        assert!(check_challenge(&challenge("127.0.0.1:8080", "W2"), "W1", &here)
            .unwrap_err()
            .contains("another wallet"));
        let mut c = challenge("h", "W1");
        c.nonce = "other".into();
        assert!(check_challenge(&c, "W1", &["h"]).unwrap_err().contains("nonce"));
        let empty = Challenge { nonce: String::new(), message: String::new() };
        assert!(check_challenge(&empty, "W1", &["h"]).is_err(), "an empty message is refused, not a panic");
    }

    #[test]
    fn settings_need_an_address_for_any_notification() {
        let s = settings_from_form(" me@example.com ", true, false).unwrap();
        assert_eq!(
            (s.email.as_deref(), s.notify_fills, s.notify_rec_retired),
            (Some("me@example.com"), true, false)
        );
        assert_eq!(settings_from_form("", false, false).unwrap().email, None);
        assert!(settings_from_form("", true, false).unwrap_err().contains("need an e-mail"));
        assert!(settings_from_form("me.example.com", false, false).unwrap_err().contains("no @"));
        assert!(settings_from_form("@example.com", false, false).is_err());
        // The wallet is the session's, never sent.
        let body = serde_json::to_value(&s).unwrap();
        assert_eq!(
            body,
            json!({"email": "me@example.com", "notify_fills": true, "notify_rec_retired": false})
        );
    }

    #[test]
    fn refusals_are_read_from_the_indexer_s_error_body() {
        assert_eq!(
            error_message(r#"{"error":"the session is unknown or expired: sign in again"}"#),
            "the session is unknown or expired: sign in again"
        );
        assert_eq!(error_message("Bad Gateway"), "Bad Gateway");
    }
}
