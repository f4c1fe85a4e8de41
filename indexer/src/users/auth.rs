//! `POST /auth/nonce` and `POST /auth/verify`: a wallet proves it holds its key by signing
//! a SIWS message that carries a single-use nonce, and gets a short-lived bearer token.
//! The token is random; only its SHA-256 is stored, so the sessions table grants nothing
//! if it leaks. `Session` is the extractor every per-user endpoint takes.
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::siws;
use crate::api::{pubkey, AppState, ApiError};

/// How long a nonce may wait for its signature.
pub const NONCE_SECS: i64 = 5 * 60;
/// How long a session token is valid.
pub const SESSION_SECS: i64 = 60 * 60;

pub fn unauthorized(message: impl Into<String>) -> ApiError {
    ApiError(StatusCode::UNAUTHORIZED, message.into())
}

fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

#[derive(Deserialize, ToSchema)]
pub struct NonceRequest {
    /// The wallet (base58 public key) that will sign.
    pub wallet: String,
}

#[derive(Serialize, ToSchema)]
pub struct NonceResponse {
    pub nonce: String,
    /// Sign exactly these bytes (UTF-8) with the wallet, e.g. `signMessage`.
    pub message: String,
    /// Unix seconds after which the nonce is refused.
    pub expires_at: i64,
}

/// A single-use nonce and the SIWS message to sign with it (valid five minutes).
#[utoipa::path(post, path = "/auth/nonce", request_body = NonceRequest,
    responses((status = 200, body = NonceResponse), (status = 400, body = crate::model::ApiError)))]
pub async fn nonce(State(s): State<AppState>, headers: HeaderMap, Json(req): Json<NonceRequest>) -> Result<Json<NonceResponse>, ApiError> {
    let wallet = pubkey("wallet", &req.wallet)?;
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin = siws::Origin::resolve(host);
    let nonce = siws::new_nonce();
    let issued_at = now_secs();
    let expires_at = issued_at + NONCE_SECS;
    let message = siws::message(&origin, &wallet, &nonce, issued_at, expires_at);
    // Nonces nobody signed are dropped here, so the table stays as small as its traffic.
    sqlx::query!("delete from siws_nonces where expires_at < now() - interval '1 hour'").execute(&s.pool).await?;
    sqlx::query!(
        "insert into siws_nonces (nonce, wallet, message, issued_at, expires_at) values ($1, $2, $3, to_timestamp($4), to_timestamp($5))",
        nonce,
        wallet,
        message,
        issued_at as f64,
        expires_at as f64
    )
    .execute(&s.pool)
    .await?;
    Ok(Json(NonceResponse { nonce, message, expires_at }))
}

#[derive(Deserialize, ToSchema)]
pub struct VerifyRequest {
    pub wallet: String,
    /// The message `/auth/nonce` returned, unchanged.
    pub message: String,
    /// The wallet's ed25519 signature of the message bytes, base58.
    pub signature: String,
}

#[derive(Serialize, ToSchema)]
pub struct SessionToken {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// Checks the signed message and opens a one-hour session. The nonce is spent in the
/// same transaction that creates the session: a signed message works once.
#[utoipa::path(post, path = "/auth/verify", request_body = VerifyRequest,
    responses((status = 200, body = SessionToken), (status = 400, body = crate::model::ApiError),
              (status = 401, description = "bad signature, another wallet's message, or a used, expired or unknown nonce", body = crate::model::ApiError)))]
pub async fn verify(State(s): State<AppState>, Json(req): Json<VerifyRequest>) -> Result<Json<SessionToken>, ApiError> {
    let wallet = pubkey("wallet", &req.wallet)?;
    if siws::address_of(&req.message) != Some(wallet.as_str()) {
        return Err(unauthorized(format!("the message is not for wallet {wallet}: sign the message /auth/nonce returned for it")));
    }
    let nonce = siws::nonce_of(&req.message)
        .ok_or_else(|| unauthorized("the message has no Nonce line: sign the message /auth/nonce returned"))?;
    let mut tx = s.pool.begin().await?;
    let issued = sqlx::query!(
        r#"select wallet, message, used, expires_at > now() as "live!" from siws_nonces where nonce = $1 for update"#,
        nonce
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| unauthorized("unknown nonce: request one from /auth/nonce"))?;
    if issued.wallet != wallet {
        return Err(unauthorized("this nonce was issued to another wallet"));
    }
    if issued.used {
        return Err(unauthorized("this nonce was already used: request a new one from /auth/nonce"));
    }
    if !issued.live {
        return Err(unauthorized("this nonce expired: request a new one from /auth/nonce"));
    }
    if issued.message != req.message {
        return Err(unauthorized("the message differs from the one issued with this nonce: sign it unchanged"));
    }
    if !siws::verify(&wallet, &req.message, &req.signature) {
        return Err(unauthorized(format!("the signature is not {wallet}'s signature of this message")));
    }
    let token: [u8; 32] = rand::random();
    let expires_at = now_secs() + SESSION_SECS;
    sqlx::query!("update siws_nonces set used = true where nonce = $1", nonce).execute(&mut *tx).await?;
    sqlx::query!("delete from sessions where expires_at < now()").execute(&mut *tx).await?;
    let hash = Sha256::digest(token);
    sqlx::query!(
        "insert into sessions (token_hash, wallet, expires_at) values ($1, $2, to_timestamp($3))",
        &hash[..],
        wallet,
        expires_at as f64
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Json(SessionToken { token: URL_SAFE_NO_PAD.encode(token), expires_at }))
}

/// The wallet behind a valid `Authorization: Bearer <token>`. Per-user handlers take it
/// and key everything by its wallet, so no token reaches another wallet's data.
pub struct Session {
    pub wallet: String,
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Session, ApiError> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| unauthorized("missing Authorization: Bearer <token>: sign in with /auth/nonce and /auth/verify"))?;
        let token = value
            .strip_prefix("Bearer ")
            .and_then(|t| URL_SAFE_NO_PAD.decode(t.trim()).ok())
            .filter(|t| t.len() == 32)
            .ok_or_else(|| unauthorized("Authorization must be Bearer <token> with the token /auth/verify returned"))?;
        let hash = Sha256::digest(&token);
        let wallet = sqlx::query_scalar!(
            "select wallet from sessions where token_hash = $1 and expires_at > now()",
            &hash[..]
        )
        .fetch_optional(&s.pool)
        .await?
        .ok_or_else(|| unauthorized("the session is unknown or expired: sign in again"))?;
        Ok(Session { wallet })
    }
}
