//! Wallet Standard wallets (Phantom, Solflare, Backpack, any compliant one) through
//! `wallet_standard_browser`, which ships the standard's own app-side registry: wallets that
//! registered before the app are replayed, later ones arrive through `register` events (both
//! handshake orders). This module is the app's only door to a wallet.
use futures::channel::oneshot;
use gridtokenx_app_logic::Pubkey;
use leptos::prelude::*;
use wallet_standard_browser::prelude::*;
use wallet_standard_browser::{
    get_wallets, BrowserStandardEventsProperties, BrowserWallet, BrowserWalletInfo, ConnectedWalletStandardEvents,
    StandardEventProperties,
};
use wasm_bindgen::prelude::*;

#[derive(Clone, Copy)]
pub struct WalletCtx {
    pub wallets: RwSignal<Vec<BrowserWalletInfo>, LocalStorage>,
    pub connected: RwSignal<Option<BrowserWallet>, LocalStorage>,
    pub error: RwSignal<Option<String>>,
    /// The connected wallet's `change` listener, dropped (unsubscribed) on disconnect.
    changes: StoredValue<Option<ChangeListener>, LocalStorage>,
    /// Told when the connected account leaves (a disconnect from either side, a switch to
    /// another account, another connect): a flow awaiting that account's signature stops
    /// waiting, and drops whatever the wallet hands over later.
    leaving: StoredValue<Vec<oneshot::Sender<()>>, LocalStorage>,
}

/// A `standard:events` subscription: the wallet switched accounts or disconnected on its
/// own (the user did it in the wallet's UI), and the app follows.
struct ChangeListener {
    off: Box<dyn Fn()>,
    _callback: Closure<dyn Fn(BrowserStandardEventsProperties)>,
}

impl Drop for ChangeListener {
    fn drop(&mut self) {
        (self.off)();
    }
}

impl WalletCtx {
    /// Keeps the app's account in step with the wallet's.
    fn follow_changes(self, wallet: &BrowserWallet) {
        let callback = Closure::<dyn Fn(BrowserStandardEventsProperties)>::new(move |change: BrowserStandardEventsProperties| {
            let Some(accounts) = change.accounts() else { return };
            let next = accounts.into_iter().next();
            let before = self.pubkey();
            match next {
                // Not `forget`: that would drop this very closure while it runs; the
                // listener goes with the next connect or disconnect.
                None => self.connected.set(None),
                Some(account) => self.connected.update(|w| {
                    if let Some(w) = w {
                        w.wallet_account = Some(account);
                    }
                }),
            }
            if self.pubkey() != before {
                self.account_left();
            }
        });
        // A wallet without standard:events simply never tells us; nothing to follow.
        let listener = wallet.on("change", &callback).ok().map(|off| ChangeListener { off, _callback: callback });
        self.changes.set_value(listener);
    }

    /// Drops the connection and its listener; returns the wallet that was connected.
    fn forget(self) -> Option<BrowserWallet> {
        self.changes.set_value(None);
        self.account_left();
        self.connected.try_update(|w| w.take()).flatten()
    }

    /// Tells every flow waiting on the account that it is gone.
    fn account_left(self) {
        for waiting in self.leaving.try_update_value(std::mem::take).unwrap_or_default() {
            // A flow that already finished dropped its receiver; nothing to tell it.
            let _ = waiting.send(());
        }
    }

    /// Resolves when the account connected now leaves (or at once when none is).
    pub fn account_leaves(&self) -> oneshot::Receiver<()> {
        let (tell, told) = oneshot::channel();
        if self.pubkey().is_some() {
            self.leaving.update_value(|list| list.push(tell));
        } else {
            let _ = tell.send(());
        }
        told
    }

    pub fn pubkey(&self) -> Option<Pubkey> {
        self.connected.with(|w| w.as_ref().and_then(|w| w.try_solana_pubkey().ok()))
    }
}

pub fn use_wallet() -> WalletCtx {
    expect_context::<WalletCtx>()
}

pub fn provide() {
    let ctx = WalletCtx {
        wallets: RwSignal::new_local(Vec::new()),
        connected: RwSignal::new_local(None),
        error: RwSignal::new(None),
        changes: StoredValue::new_local(None),
        leaving: StoredValue::new_local(Vec::new()),
    };
    let registry = get_wallets();
    ctx.wallets.set(registry.get().into_iter().filter(is_solana).collect());
    let on_register = Closure::<dyn Fn(BrowserWalletInfo)>::new(move |w: BrowserWalletInfo| {
        if is_solana(&w) {
            ctx.wallets.update(|list| {
                if !list.iter().any(|x| x.name() == w.name()) {
                    list.push(w)
                }
            });
        }
    });
    // The page lives as long as the registry: keep the listener and never unsubscribe.
    std::mem::forget(registry.on_register(&on_register));
    on_register.forget();
    provide_context(ctx);
}

fn is_solana(w: &BrowserWalletInfo) -> bool {
    w.chains().iter().any(|c| c.starts_with("solana:"))
}

fn short(address: &str) -> String {
    if address.len() <= 10 {
        return address.to_string();
    }
    format!("{}…{}", &address[..4], &address[address.len() - 4..])
}

#[component]
pub fn WalletBar() -> impl IntoView {
    let ctx = use_wallet();
    let connect = move |info: BrowserWalletInfo| {
        ctx.error.set(None);
        leptos::task::spawn_local(async move {
            let mut wallet = BrowserWallet::from(info);
            match wallet.connect().await {
                Ok(_) => {
                    ctx.account_left();
                    ctx.follow_changes(&wallet);
                    ctx.connected.set(Some(wallet));
                }
                Err(e) => ctx.error.set(Some(format!("the wallet did not connect: {e}"))),
            }
        });
    };
    let disconnect = move |_| {
        if let Some(mut wallet) = ctx.forget() {
            leptos::task::spawn_local(async move {
                // A wallet without standard:disconnect is simply forgotten.
                let _ = wallet.disconnect().await;
            });
        }
    };
    view! {
        <div class="wallet" data-testid="wallet">
            {move || match ctx.pubkey() {
                Some(key) => {
                    let address = key.to_string();
                    view! {
                        <span data-testid="wallet-address" title=address.clone()>{short(&address)}</span>
                        <button data-testid="disconnect" on:click=disconnect>"Disconnect"</button>
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <For
                            each=move || ctx.wallets.get()
                            key=|w| w.name()
                            children=move |w| {
                                let name = w.name();
                                view! {
                                    <button data-testid="connect" on:click=move |_| connect(w.clone())>
                                        {format!("Connect {name}")}
                                    </button>
                                }
                            }
                        />
                        <Show when=move || ctx.wallets.with(Vec::is_empty)>
                            <span class="hint">"No Solana wallet found: install Phantom or Solflare."</span>
                        </Show>
                    }
                        .into_any()
                }
            }}
            <Show when=move || ctx.error.with(Option::is_some)>
                <p class="error" role="alert">{move || ctx.error.get()}</p>
            </Show>
        </div>
    }
}
