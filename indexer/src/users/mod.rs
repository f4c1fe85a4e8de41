//! Per-user settings behind Sign-In With Solana, and e-mail notifications.
//!
//! - `POST /auth/nonce {wallet}` → a single-use nonce and the SIWS message to sign.
//! - `POST /auth/verify {wallet, message, signature}` → a one-hour bearer token.
//! - `GET` / `PUT /me/settings` (bearer) → the signed-in wallet's e-mail and opt-ins.
//! - `notify::run`: mails opted-in wallets when their orders fill or their RECs retire.
//!
//! The only state the indexer owns (migrations/0003_users.sql); it still holds no keys.
pub mod auth;
pub mod notify;
pub mod settings;
pub mod siws;

use axum::routing::{get, post};
use axum::Router;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};

use crate::api::AppState;

pub use notify::{SmtpArgs, SmtpConfig};

/// Routes under `/api/v1` for sign-in and per-user settings.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/nonce", post(auth::nonce))
        .route("/auth/verify", post(auth::verify))
        .route("/me/settings", get(settings::get_settings).put(settings::put_settings))
}

/// Declares the `bearer` security scheme `/me/settings` names in the OpenAPI document
/// (`#[openapi(modifiers(&crate::users::BearerAuth))]`).
pub struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}
