//! E-mail notifications, per wallet. The wallet signs in to the indexer (Sign-In With
//! Solana: it signs the message the indexer issued, after the app checked it is a sign-in
//! for this wallet on this site), then reads and saves its own settings with the session's
//! token. The token lives in this page's memory, for the wallet that signed in only:
//! another account, a disconnect or a reload signs in again.
use futures::channel::oneshot;
use futures::future::{select, Either};
use gloo_net::http::Request;
use gridtokenx_app_logic::settings::{self, Challenge, Session, Settings};
use gridtokenx_app_logic::units::short;
use leptos::prelude::*;
use wallet_standard_browser::prelude::*;
use wallet_standard_browser::BrowserWallet;

use crate::config::Config;
use crate::net::call_json;
use crate::wallet::use_wallet;

/// `host[:port]` of a URL such as `http://127.0.0.1:8080/`.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split('/').next().unwrap_or_default().to_string()
}

/// Nonce, signature, session, settings: the session's token and the settings it read.
async fn sign_in(
    config: &Config,
    wallet: &BrowserWallet,
    me: &str,
    leaves: oneshot::Receiver<()>,
) -> Result<(String, Settings), String> {
    let api = format!("{}/api/v1", config.indexer_url);
    let words = |(_, e): (u16, String)| e;
    let challenge: Challenge =
        call_json(Request::post(&format!("{api}/auth/nonce")), None, Some(settings::nonce_request(me)))
            .await
            .map_err(words)?;
    let page_host = web_sys::window().and_then(|w| w.location().host().ok()).unwrap_or_default();
    settings::check_challenge(&challenge, me, &[&page_host, &host_of(&config.indexer_url)])?;
    let signing = WalletSolanaSignMessage::sign_message_async(wallet, challenge.message.as_bytes().to_vec());
    // As for transactions: a wallet that disconnects meanwhile ends the sign-in at once.
    let signed = match select(signing, leaves).await {
        Either::Left((signed, _)) => signed.map_err(|e| format!("the wallet did not sign ({e})"))?,
        Either::Right(_) => return Err("the wallet disconnected before it signed".into()),
    };
    let signature =
        signed.try_signature().map_err(|e| format!("the wallet's signature is unreadable ({e})"))?;
    let verify = settings::verify_request(me, &challenge.message, &signature.to_string());
    let session: Session =
        call_json(Request::post(&format!("{api}/auth/verify")), None, Some(verify)).await.map_err(words)?;
    let mine: Settings = call_json(Request::get(&format!("{api}/me/settings")), Some(&session.token), None)
        .await
        .map_err(words)?;
    Ok((session.token, mine))
}

#[component]
pub fn SettingsView() -> impl IntoView {
    let wallet = use_wallet();
    let config = StoredValue::new(expect_context::<Config>());
    // (wallet, token) of the signed-in wallet.
    let session = RwSignal::new(None::<(String, String)>);
    let email = RwSignal::new(String::new());
    let fills = RwSignal::new(false);
    let retired = RwSignal::new(false);
    let status = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let working = RwSignal::new(false);
    let show = move |s: Settings| {
        email.set(s.email.unwrap_or_default());
        fills.set(s.notify_fills);
        retired.set(s.notify_rec_retired);
    };
    let sign_out = move || {
        session.set(None);
        show(Settings::default());
        status.set(String::new());
    };
    // Another account, or none, never sees the previous one's settings.
    Effect::new(move |_| {
        let me = wallet.pubkey().map(|k| k.to_string());
        if session.with_untracked(|s| s.as_ref().map(|(w, _)| w.clone())) != me {
            sign_out();
            error.set(None);
        }
    });
    let sign_in_click = move |_| {
        let (Some(me), Some(connected)) = (wallet.pubkey(), wallet.connected.get_untracked()) else { return };
        let leaves = wallet.account_leaves();
        working.set(true);
        error.set(None);
        status.set("Awaiting your signature in the wallet…".into());
        leptos::task::spawn_local(async move {
            let me = me.to_string();
            let result = sign_in(&config.get_value(), &connected, &me, leaves).await;
            working.set(false);
            status.set(String::new());
            match result {
                // Still the same account: a switch meanwhile ended the sign-in above.
                Ok((token, mine)) => {
                    status.set(format!("Signed in as {}.", short(&me)));
                    session.set(Some((me, token)));
                    show(mine);
                }
                Err(e) => error.set(Some(format!("Not signed in: {e}"))),
            }
        });
    };
    let save = move |_| {
        let Some((_, token)) = session.get_untracked() else { return };
        let form = settings::settings_from_form(
            &email.get_untracked(),
            fills.get_untracked(),
            retired.get_untracked(),
        );
        let body = match form.and_then(|s| serde_json::to_string(&s).map_err(|e| e.to_string())) {
            Ok(body) => body,
            Err(e) => return error.set(Some(e)),
        };
        working.set(true);
        error.set(None);
        status.set("Saving…".into());
        leptos::task::spawn_local(async move {
            let url = format!("{}/api/v1/me/settings", config.get_value().indexer_url);
            let saved: Result<Settings, _> = call_json(Request::put(&url), Some(&token), Some(body)).await;
            working.set(false);
            match saved {
                Ok(s) => {
                    show(s);
                    status.set("Saved.".into());
                }
                Err((401, _)) => {
                    sign_out();
                    error.set(Some("Your session expired: sign in again, then save.".into()));
                }
                Err((_, e)) => {
                    status.set(String::new());
                    error.set(Some(format!("Not saved: {e}")));
                }
            }
        });
    };
    view! {
        <section class="settings" aria-labelledby="settings-h">
            <h2 id="settings-h">"Notifications"</h2>
            {move || match (wallet.pubkey(), session.with(Option::is_some)) {
                (None, _) => view! { <p>"Connect a wallet to manage its notifications."</p> }.into_any(),
                (Some(_), false) => view! {
                    <p>"Sign in with your wallet to see and change its e-mail notifications. It signs a message: no transaction, no funds move."</p>
                    <button data-testid="sign-in" disabled=working on:click=sign_in_click>"Sign in with Solana"</button>
                }.into_any(),
                (Some(_), true) => view! {
                    <label>"E-mail " <input type="email" autocomplete="email" data-testid="settings-email" bind:value=email/></label>
                    <label><input type="checkbox" data-testid="settings-fills" bind:checked=fills/>" when one of my orders fills"</label>
                    <label><input type="checkbox" data-testid="settings-retired" bind:checked=retired/>" when a certificate I own is retired"</label>
                    <button data-testid="settings-save" disabled=working on:click=save>"Save"</button>
                    <button data-testid="sign-out" on:click=move |_| sign_out()>"Sign out"</button>
                }.into_any(),
            }}
            <p class="hint" data-testid="settings-status" role="status" aria-live="polite">{move || status.get()}</p>
            <p class="error" data-testid="settings-error" role="alert">{move || error.get()}</p>
        </section>
    }
}
