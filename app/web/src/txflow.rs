//! One transaction from click to confirmation, with a state the UI shows at each step.
//! A rejected signature, a wallet that disconnects before it signs, a failed simulation or
//! a send error ends in `Failed` with the reason in words; nothing stays pending.
use base64::prelude::*;
use futures::channel::oneshot;
use futures::future::{select, Either};
use gridtokenx_app_logic::rpc::{self, Simulated, Status};
use gridtokenx_app_logic::tx::{self, Action};
use gridtokenx_app_logic::Pubkey;
use leptos::prelude::*;
use wallet_standard_browser::prelude::*;
use wallet_standard_browser::{BrowserWallet, SolanaSignTransactionProps};

use crate::config::Config;
use crate::net::{rpc_call, sleep_ms};
use crate::wallet::WalletCtx;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxState {
    Idle,
    Preparing,
    AwaitingSignature,
    Sent(String),
    Confirmed(String),
    Failed(String),
}

impl TxState {
    pub fn busy(&self) -> bool {
        matches!(self, TxState::Preparing | TxState::AwaitingSignature | TxState::Sent(_))
    }
}

/// Runs `action` for the connected account in the background; does nothing when no wallet
/// is connected (the views offer no action then).
pub fn send(config: Config, wallet: WalletCtx, action: Action, state: RwSignal<TxState>) {
    let (Some(payer), Some(connected)) = (wallet.pubkey(), wallet.connected.get_untracked()) else { return };
    // Taken now, while this account is the connected one.
    let leaves = wallet.account_leaves();
    leptos::task::spawn_local(run(config, connected, payer, action, state, leaves));
}

async fn run(
    config: Config,
    wallet: BrowserWallet,
    payer: Pubkey,
    action: Action,
    state: RwSignal<TxState>,
    leaves: oneshot::Receiver<()>,
) {
    let outcome = steps(&config, &wallet, payer, &action, state, leaves).await;
    match outcome {
        Ok(signature) => state.set(TxState::Confirmed(signature)),
        Err(reason) => state.set(TxState::Failed(format!("{}: {reason}", action.label()))),
    }
}

async fn steps(
    config: &Config,
    wallet: &BrowserWallet,
    payer: Pubkey,
    action: &Action,
    state: RwSignal<TxState>,
    mut leaves: oneshot::Receiver<()>,
) -> Result<String, String> {
    state.set(TxState::Preparing);
    let rpc_url = &config.rpc_url;
    let latest = rpc_call(rpc_url, rpc::latest_blockhash()).await?;
    let blockhash = rpc::blockhash(&latest).and_then(|h| tx::parse_hash(&h)).ok_or("no blockhash from the node")?;
    let ixs = action.instructions(payer);
    // Simulate first: a refused instruction is reported before the wallet is bothered,
    // and the units it used set the limit we ask for.
    let probe = tx::unsigned(payer, &ixs, blockhash, Some(tx::MAX_COMPUTE_UNITS));
    let simulated = rpc_call(rpc_url, rpc::simulate(&BASE64_STANDARD.encode(tx::wire(&probe)))).await?;
    let units = match rpc::simulated(&simulated, &tx::program_ids(&probe)) {
        Simulated::Ok { units } => units,
        Simulated::Failed { error, .. } => return Err(error),
    };
    let unsigned = tx::unsigned(payer, &ixs, blockhash, Some(tx::compute_unit_limit(units)));
    let programs = tx::program_ids(&unsigned);

    const LEFT: &str = "the wallet disconnected before it signed; nothing was sent";
    // `Ok(None)`: still connected; a sender dropped counts as gone.
    if !matches!(leaves.try_recv(), Ok(None)) {
        return Err(LEFT.into());
    }
    state.set(TxState::AwaitingSignature);
    let props = SolanaSignTransactionProps::builder().transaction(unsigned).chain(Some(config.cluster.clone())).build();
    // A wallet that disconnects may never answer, or answer late: the flow ends when the
    // account leaves, and a signature handed over after that is dropped, never sent.
    let signed = match select(Box::pin(wallet.sign_transaction(props)), leaves).await {
        Either::Left((signed, _)) => signed.map_err(|e| format!("the wallet did not sign ({e})"))?.signed_transaction_bytes(),
        Either::Right(_) => return Err(LEFT.into()),
    };
    let signature = tx::from_wire(&signed)
        .ok()
        .and_then(|t| tx::signature_of(&t))
        .ok_or("the wallet returned an unsigned or unreadable transaction")?;

    rpc_call(rpc_url, rpc::send(&BASE64_STANDARD.encode(&signed))).await?;
    state.set(TxState::Sent(signature.clone()));
    // A blockhash lives ~60 s; past that the transaction can no longer land.
    for _ in 0..120 {
        match rpc::status(&rpc_call(rpc_url, rpc::signature_status(&signature)).await?) {
            Status::Confirmed => return Ok(signature),
            Status::Failed(e) => {
                // The program's reason is in the transaction's logs, as in a simulation.
                let logs = rpc_call(rpc_url, rpc::transaction(&signature)).await.map(|t| rpc::transaction_logs(&t));
                let err: serde_json::Value = serde_json::from_str(&e).unwrap_or(serde_json::Value::String(e));
                return Err(format!("failed on chain: {}", gridtokenx_app_logic::errors::explain(&err, &logs.unwrap_or_default(), &programs)));
            }
            Status::Pending => sleep_ms(500).await,
        }
    }
    Err("not confirmed within 60 s (blockhash expired); try again".into())
}

#[component]
pub fn TxStatus(state: RwSignal<TxState>) -> impl IntoView {
    view! {
        <p class="tx" data-testid="tx-status" role="status" aria-live="polite">
            {move || match state.get() {
                TxState::Idle => String::new(),
                TxState::Preparing => "Preparing…".into(),
                TxState::AwaitingSignature => "Awaiting your signature in the wallet…".into(),
                TxState::Sent(s) => format!("Sent {s}, waiting for confirmation…"),
                TxState::Confirmed(s) => format!("Confirmed {s}"),
                TxState::Failed(reason) => format!("Failed: {reason}"),
            }}
        </p>
    }
}
