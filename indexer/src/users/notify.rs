//! E-mail notifications: a fill of one of a wallet's orders (from the `trader:<wallet>`
//! deltas ingest publishes) and the retirement of a REC a wallet owned (polled from
//! `certificate_events`: no WebSocket channel carries it). Only wallets that opted in
//! through `/me/settings` get mail.
//!
//! At most once per (wallet, event): the `notifications_sent` row is inserted in a
//! transaction that commits only after the SMTP server accepted the message, so a replayed
//! event (an ingest restart, a delta seen twice) finds the row and sends nothing, and a
//! failed send leaves no row behind. Events that happen while no notifier runs are not
//! mailed later (the retirement cursor starts at the newest retirement on start).
use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::Value;
use sqlx::PgPool;
use tokio::sync::broadcast::error::RecvError;

use crate::fanout::{Delta, Fanout};

const SENT: &str = "indexer_notifications_sent_total";
const FAILED: &str = "indexer_notifications_failed_total";
/// How often `certificate_events` is polled for retirements.
const POLL: Duration = Duration::from_secs(2);

#[derive(clap::Args, Clone, Debug)]
pub struct SmtpArgs {
    /// SMTP server for notification e-mails: smtp://host:port (no TLS: a local relay),
    /// smtp://user:pass@host:587?tls=required (STARTTLS) or smtps://host:465. Empty: no
    /// notifications.
    #[arg(long, env = "INDEXER_SMTP_URL", default_value = "", hide_env_values = true)]
    pub smtp_url: String,
    /// Sender of notification e-mails.
    #[arg(long, env = "INDEXER_SMTP_FROM", default_value = "GridTokenX <noreply@gridtokenx.local>")]
    pub smtp_from: String,
}

#[derive(Clone)]
pub struct SmtpConfig {
    pub transport: AsyncSmtpTransport<Tokio1Executor>,
    pub from: Mailbox,
}

impl SmtpConfig {
    /// `None` when no SMTP URL is configured (notifications off).
    pub fn from_args(args: &SmtpArgs) -> anyhow::Result<Option<SmtpConfig>> {
        if args.smtp_url.trim().is_empty() {
            return Ok(None);
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(args.smtp_url.trim())
            .map_err(|e| anyhow::anyhow!("INDEXER_SMTP_URL is not usable ({e}): use smtp://host:port, smtp://host:587?tls=required or smtps://host"))?
            .timeout(Some(Duration::from_secs(15)))
            .build();
        let from = args
            .smtp_from
            .parse()
            .map_err(|e| anyhow::anyhow!("INDEXER_SMTP_FROM {:?} is not a mailbox ({e}): use \"Name <user@domain>\"", args.smtp_from))?;
        Ok(Some(SmtpConfig { transport, from }))
    }
}

/// Runs until the fan-out closes. Never returns an error: a database or SMTP failure is
/// logged and that event skipped, the notifier carries on. It subscribes to the fan-out
/// when called, not when first polled: `tokio::spawn(run(..))` followed at once by a
/// publish must not lose that delta.
pub fn run(pool: PgPool, fanout: Fanout, smtp: SmtpConfig) -> impl std::future::Future<Output = ()> + Send + 'static {
    let deltas = fanout.subscribe();
    follow(pool, deltas, smtp)
}

async fn follow(pool: PgPool, mut deltas: tokio::sync::broadcast::Receiver<Arc<Delta>>, smtp: SmtpConfig) {
    let mut cursor = match newest_retirement(&pool).await {
        Ok(slot) => slot,
        Err(e) => {
            tracing::warn!("notifier: reading certificate_events failed ({e}); mailing retirements from slot 0");
            -1
        }
    };
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            received = deltas.recv() => match received {
                Ok(delta) => on_delta(&pool, &smtp, &delta).await,
                Err(RecvError::Lagged(n)) => tracing::warn!("notifier fell behind the delta stream: {n} deltas skipped, their fills are not mailed"),
                Err(RecvError::Closed) => return,
            },
            _ = tick.tick() => match retirements(&pool, &smtp, cursor).await {
                Ok(next) => cursor = next,
                Err(e) => tracing::warn!("notifier: polling retirements failed ({e}); retrying"),
            },
        }
    }
}

async fn newest_retirement(pool: &PgPool) -> sqlx::Result<i64> {
    Ok(sqlx::query_scalar!("select max(slot) from certificate_events where kind = 'retired'")
        .fetch_one(pool)
        .await?
        .unwrap_or(-1))
}

/// Fills on `trader:<wallet>`: the channel names the wallet, which is the fill's maker or
/// taker (the sink pushes every fill to both parties' channels).
async fn on_delta(pool: &PgPool, smtp: &SmtpConfig, delta: &Arc<Delta>) {
    let Some(wallet) = delta.channel.strip_prefix("trader:") else { return };
    let Some(fills) = delta.data.get("fills").and_then(Value::as_array) else { return };
    let email = match sqlx::query_scalar!(
        "select email from user_settings where wallet = $1 and notify_fills and email is not null",
        wallet
    )
    .fetch_optional(pool)
    .await
    {
        Ok(Some(Some(email))) => email,
        Ok(_) => return,
        Err(e) => return tracing::warn!("notifier: reading settings of {wallet} failed ({e}); fill not mailed"),
    };
    for fill in fills {
        let s = |k: &str| match &fill[k] {
            Value::String(v) => v.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        let role = if s("maker") == wallet { "maker" } else if s("taker") == wallet { "taker" } else { continue };
        let key = format!("fill:{}:{}:{}", s("signature"), s("ix_index"), s("event_index"));
        let subject = format!("GridTokenX: your order filled ({} lots at {} ticks)", s("lots"), s("price_ticks"));
        let body = format!(
            "Your order on market {market} filled.\n\nRole: {role}\nLots: {lots}\nPrice (ticks): {price}\nQuote (atoms): {quote}\nTaker side: {side}\nSlot: {slot}\nTransaction: {sig}\n",
            market = s("market"),
            lots = s("lots"),
            price = s("price_ticks"),
            quote = s("quote_atoms"),
            side = s("taker_side"),
            slot = s("slot"),
            sig = s("signature"),
        );
        send_once(pool, smtp, wallet, &email, &key, &subject, &body).await;
    }
}

/// Mails retirements in slots `cursor..` to their owners who opted in; returns the next
/// cursor. The cursor's own slot is read again next time (ingest may still be writing
/// it); `notifications_sent` makes the repeat send nothing.
async fn retirements(pool: &PgPool, smtp: &SmtpConfig, cursor: i64) -> sqlx::Result<i64> {
    let high = newest_retirement(pool).await?;
    if high < cursor {
        return Ok(cursor);
    }
    let rows = sqlx::query!(
        r#"select e.signature, e.ix_index, e.event_index, e.slot, e.certificate, e.meter, e.beneficiary, e.wh,
                  e.from_owner as "owner!", s.email as "email!"
           from certificate_events e join user_settings s on s.wallet = e.from_owner
           where e.kind = 'retired' and e.slot between $1 and $2 and s.notify_rec_retired and s.email is not null
           order by e.slot, e.signature, e.ix_index, e.event_index"#,
        cursor,
        high
    )
    .fetch_all(pool)
    .await?;
    for r in rows {
        let key = format!("retired:{}:{}:{}", r.signature, r.ix_index, r.event_index);
        let wh = r.wh.map(|w| w.to_string()).unwrap_or_default();
        let subject = format!("GridTokenX: your REC {} was retired", r.certificate);
        let body = format!(
            "The renewable energy certificate {cert} you owned was retired.\n\nEnergy (Wh): {wh}\nMeter: {meter}\nBeneficiary: {beneficiary}\nSlot: {slot}\nTransaction: {sig}\n",
            cert = r.certificate,
            meter = r.meter.unwrap_or_default(),
            beneficiary = r.beneficiary.unwrap_or_default(),
            slot = r.slot,
            sig = r.signature,
        );
        send_once(pool, smtp, &r.owner, &r.email, &key, &subject, &body).await;
    }
    Ok(high)
}

/// Sends unless this (wallet, event) was sent before; failures are logged, not returned.
async fn send_once(pool: &PgPool, smtp: &SmtpConfig, wallet: &str, email: &str, key: &str, subject: &str, body: &str) {
    match try_send_once(pool, smtp, wallet, email, key, subject, body).await {
        Ok(true) => {
            metrics::counter!(SENT).increment(1);
            tracing::info!(wallet, event = key, "notification mailed");
        }
        Ok(false) => {}
        Err(e) => {
            metrics::counter!(FAILED).increment(1);
            tracing::warn!(wallet, event = key, "notification not sent: {e:#}");
        }
    }
}

/// The row and the send succeed or fail together: the transaction that inserts the
/// `notifications_sent` row commits only once the SMTP server took the message. `false`:
/// already sent.
async fn try_send_once(
    pool: &PgPool,
    smtp: &SmtpConfig,
    wallet: &str,
    email: &str,
    key: &str,
    subject: &str,
    body: &str,
) -> anyhow::Result<bool> {
    let mut tx = pool.begin().await?;
    let fresh = sqlx::query_scalar!(
        "insert into notifications_sent (wallet, event_key) values ($1, $2) on conflict do nothing returning 1",
        wallet,
        key
    )
    .fetch_optional(&mut *tx)
    .await?
    .is_some();
    if !fresh {
        return Ok(false);
    }
    let to: Mailbox = email.parse().map_err(|e| anyhow::anyhow!("stored address {email:?} is invalid ({e})"))?;
    let message = Message::builder()
        .from(smtp.from.clone())
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_string())?;
    smtp.transport.send(message).await?;
    tx.commit().await?;
    Ok(true)
}
