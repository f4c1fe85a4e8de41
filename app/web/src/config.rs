//! Where the app talks to, shown in the header. The indexer is the page's own origin (it
//! serves `app/dist`); the chain's JSON-RPC and the cluster come from the query string
//! (`?rpc=…&cluster=devnet`) and default to the local stack of `make demo`.
use web_sys::UrlSearchParams;

#[derive(Clone, Debug)]
pub struct Config {
    pub indexer_url: String,
    pub ws_url: String,
    pub rpc_url: String,
    /// Wallet Standard chain id, e.g. `solana:localnet`.
    pub cluster: String,
}

impl Config {
    pub fn from_page() -> Config {
        let location = web_sys::window().expect("a browser window").location();
        let origin = location.origin().unwrap_or_else(|_| "http://127.0.0.1:8080".into());
        let query = UrlSearchParams::new_with_str(&location.search().unwrap_or_default()).ok();
        let param = |name: &str| query.as_ref().and_then(|q| q.get(name)).filter(|v| !v.is_empty());
        let indexer_url = param("indexer").unwrap_or(origin);
        let ws_url = format!("{}/api/v1/ws", indexer_url.replacen("http", "ws", 1));
        Config {
            rpc_url: param("rpc").unwrap_or_else(|| "http://127.0.0.1:8899".into()),
            cluster: format!("solana:{}", param("cluster").unwrap_or_else(|| "localnet".into())),
            ws_url,
            indexer_url,
        }
    }
}
