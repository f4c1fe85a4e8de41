//! HTTP for the indexer's REST and the chain's JSON-RPC. Errors are strings shown to the
//! user, so they say which endpoint failed.
use gloo_net::http::Request;
use gridtokenx_app_logic::rpc;

pub async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> Result<T, String> {
    let resp = Request::get(url).send().await.map_err(|e| format!("{url}: {e}"))?;
    if !resp.ok() {
        return Err(format!("{url}: HTTP {}", resp.status()));
    }
    resp.json().await.map_err(|e| format!("{url}: {e}"))
}

/// One JSON-RPC call; `Err` carries the node's message or why the node was not reached.
pub async fn rpc_call(rpc_url: &str, body: String) -> Result<serde_json::Value, String> {
    let resp = Request::post(rpc_url)
        .header("content-type", "application/json")
        .body(body)
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|e| format!("JSON-RPC at {rpc_url} not reached ({e}); is the cluster up and does it allow this origin (CORS)?"))?;
    rpc::result(&resp.text().await.map_err(|e| e.to_string())?)
}

/// An account over JSON-RPC: (owner program, data); an error when there is none.
pub async fn account(rpc_url: &str, address: &str) -> Result<(String, Vec<u8>), String> {
    let result = rpc_call(rpc_url, rpc::account_info(address)).await?;
    let data = rpc::account_data(&result)?.ok_or_else(|| format!("no account at {address}"))?;
    Ok((rpc::account_owner(&result).unwrap_or_default(), data))
}

pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window().expect("window").set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A JSON request to the indexer, with the session's bearer token when given. A refusal is
/// `(HTTP status, the indexer's words)`; status 0 when the indexer was not reached.
pub async fn call_json<T: serde::de::DeserializeOwned>(
    request: gloo_net::http::RequestBuilder,
    token: Option<&str>,
    body: Option<String>,
) -> Result<T, (u16, String)> {
    let request = match token {
        Some(token) => request.header("authorization", &format!("Bearer {token}")),
        None => request,
    };
    let sent = match body {
        Some(body) => request.header("content-type", "application/json").body(body).map_err(|e| (0, e.to_string()))?.send().await,
        None => request.send().await,
    };
    let resp = sent.map_err(|e| (0, format!("the indexer was not reached ({e})")))?;
    if !resp.ok() {
        let text = resp.text().await.unwrap_or_default();
        return Err((resp.status(), gridtokenx_app_logic::settings::error_message(&text)));
    }
    resp.json().await.map_err(|e| (resp.status(), format!("an unreadable answer ({e})")))
}
