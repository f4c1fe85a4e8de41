//! `GET` / `PUT /me/settings`: the signed-in wallet's notification settings. There is
//! deliberately no wallet in the path: the session decides whose settings these are.
use std::str::FromStr;

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Session;
use crate::api::{bad_request, AppState, ApiError};

#[derive(Serialize, ToSchema, Debug)]
pub struct UserSettings {
    /// The signed-in wallet these settings belong to.
    pub wallet: String,
    pub email: Option<String>,
    /// E-mail when one of the wallet's orders fills (as maker or taker).
    pub notify_fills: bool,
    /// E-mail when a REC the wallet owns is retired.
    pub notify_rec_retired: bool,
}

#[derive(Deserialize, ToSchema)]
pub struct SettingsUpdate {
    /// `null` removes the address (and with it every notification).
    pub email: Option<String>,
    #[serde(default)]
    pub notify_fills: bool,
    #[serde(default)]
    pub notify_rec_retired: bool,
}

/// The caller's settings; defaults (no e-mail, nothing on) before the first `PUT`.
#[utoipa::path(get, path = "/me/settings", security(("bearer" = [])),
    responses((status = 200, body = UserSettings), (status = 401, body = crate::model::ApiError)))]
pub async fn get_settings(State(s): State<AppState>, session: Session) -> Result<Json<UserSettings>, ApiError> {
    let row = sqlx::query!(
        "select email, notify_fills, notify_rec_retired from user_settings where wallet = $1",
        session.wallet
    )
    .fetch_optional(&s.pool)
    .await?;
    Ok(Json(match row {
        Some(r) => UserSettings { wallet: session.wallet, email: r.email, notify_fills: r.notify_fills, notify_rec_retired: r.notify_rec_retired },
        None => UserSettings { wallet: session.wallet, email: None, notify_fills: false, notify_rec_retired: false },
    }))
}

/// Replaces the caller's settings.
#[utoipa::path(put, path = "/me/settings", security(("bearer" = [])), request_body = SettingsUpdate,
    responses((status = 200, body = UserSettings), (status = 400, body = crate::model::ApiError),
              (status = 401, body = crate::model::ApiError)))]
pub async fn put_settings(
    State(s): State<AppState>,
    session: Session,
    Json(update): Json<SettingsUpdate>,
) -> Result<Json<UserSettings>, ApiError> {
    let email = match update.email.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(
            lettre::Address::from_str(text)
                .map_err(|e| bad_request(format!("email {text:?} is not an e-mail address ({e})")))?
                .to_string(),
        ),
    };
    if email.is_none() && (update.notify_fills || update.notify_rec_retired) {
        return Err(bad_request("notifications need an email address: set email too"));
    }
    let r = sqlx::query!(
        r#"insert into user_settings (wallet, email, notify_fills, notify_rec_retired, updated_at)
           values ($1, $2, $3, $4, now())
           on conflict (wallet) do update set email = excluded.email, notify_fills = excluded.notify_fills,
             notify_rec_retired = excluded.notify_rec_retired, updated_at = now()
           returning email, notify_fills, notify_rec_retired"#,
        session.wallet,
        email,
        update.notify_fills,
        update.notify_rec_retired
    )
    .fetch_one(&s.pool)
    .await?;
    Ok(Json(UserSettings { wallet: session.wallet, email: r.email, notify_fills: r.notify_fills, notify_rec_retired: r.notify_rec_retired }))
}
