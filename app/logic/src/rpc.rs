//! Solana JSON-RPC requests the app makes and the parts of the answers it reads. The
//! transport (browser `fetch`) lives in the web crate; keeping bodies and parsing here lets
//! them be tested without a browser.
use serde_json::{json, Value};

pub fn request(method: &str, params: Value) -> String {
    json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string()
}

pub fn latest_blockhash() -> String {
    request("getLatestBlockhash", json!([{"commitment": "confirmed"}]))
}

/// Simulation that needs no signature and replaces the blockhash, so it can run before the
/// wallet is asked (a failing instruction is reported without a signature prompt).
pub fn simulate(tx_base64: &str) -> String {
    request(
        "simulateTransaction",
        json!([tx_base64, {"encoding": "base64", "sigVerify": false, "replaceRecentBlockhash": true, "commitment": "confirmed"}]),
    )
}

pub fn send(tx_base64: &str) -> String {
    request("sendTransaction", json!([tx_base64, {"encoding": "base64", "preflightCommitment": "confirmed"}]))
}

pub fn signature_status(signature: &str) -> String {
    request("getSignatureStatuses", json!([[signature]]))
}

pub fn transaction(signature: &str) -> String {
    request(
        "getTransaction",
        json!([signature, {"encoding": "json", "commitment": "confirmed", "maxSupportedTransactionVersion": 0}]),
    )
}

/// The log lines of a `getTransaction` answer (empty when it has none).
pub fn transaction_logs(result: &Value) -> Vec<String> {
    result
        .pointer("/meta/logMessages")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|l| l.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

pub fn account_info(address: &str) -> String {
    request("getAccountInfo", json!([address, {"encoding": "base64", "commitment": "confirmed"}]))
}

/// An account's data from a `getAccountInfo` answer; `None` when there is no account.
pub fn account_data(result: &Value) -> Result<Option<Vec<u8>>, String> {
    use base64::prelude::*;
    let value = &result["value"];
    if value.is_null() {
        return Ok(None);
    }
    let encoded = value["data"][0].as_str().ok_or("account data is not base64")?;
    BASE64_STANDARD.decode(encoded).map(Some).map_err(|e| format!("account data: {e}"))
}

/// An account's owner program from a `getAccountInfo` answer; `None` when there is no
/// account.
pub fn account_owner(result: &Value) -> Option<String> {
    result.pointer("/value/owner").and_then(Value::as_str).map(str::to_string)
}

/// The `result` of an answer, or its error message.
pub fn result(body: &str) -> Result<Value, String> {
    let v: Value = serde_json::from_str(body).map_err(|e| format!("not JSON-RPC: {e}"))?;
    if let Some(err) = v.get("error") {
        return Err(err.get("message").and_then(Value::as_str).unwrap_or("RPC error").to_string());
    }
    v.get("result").cloned().ok_or_else(|| "JSON-RPC answer without result".to_string())
}

pub fn blockhash(result: &Value) -> Option<String> {
    result.pointer("/value/blockhash").and_then(Value::as_str).map(str::to_string)
}

/// Outcome of a simulation: units consumed, or the failure with the program's log lines.
#[derive(Debug, PartialEq, Eq)]
pub enum Simulated {
    Ok { units: u64 },
    Failed { error: String, logs: Vec<String> },
}

/// `programs`: the program of each instruction of the simulated transaction, in order.
pub fn simulated(result: &Value, programs: &[crate::Pubkey]) -> Simulated {
    let v = &result["value"];
    let logs: Vec<String> =
        v["logs"].as_array().map(|a| a.iter().filter_map(|l| l.as_str().map(str::to_string)).collect()).unwrap_or_default();
    if !v["err"].is_null() {
        return Simulated::Failed { error: crate::errors::explain(&v["err"], &logs, programs), logs };
    }
    Simulated::Ok { units: v["unitsConsumed"].as_u64().unwrap_or(0) }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Status {
    Pending,
    Confirmed,
    Failed(String),
}

pub fn status(result: &Value) -> Status {
    let s = &result["value"][0];
    if s.is_null() {
        return Status::Pending;
    }
    if !s["err"].is_null() {
        return Status::Failed(s["err"].to_string());
    }
    match s["confirmationStatus"].as_str() {
        Some("confirmed") | Some("finalized") => Status::Confirmed,
        _ => Status::Pending,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_and_results_are_told_apart() {
        assert_eq!(result(r#"{"jsonrpc":"2.0","id":1,"result":5}"#), Ok(json!(5)));
        assert_eq!(
            result(r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32002,"message":"preflight failed"}}"#),
            Err("preflight failed".into())
        );
        assert!(result("<html>").unwrap_err().contains("not JSON-RPC"));
    }

    #[test]
    fn a_failed_simulation_shows_the_programs_message() {
        let r = json!({"value": {"err": {"InstructionError": [0, {"Custom": 6002}]}, "logs": [
            "Program 6z8b invoke [1]",
            "Program log: AnchorError occurred. Error Code: Paused. Error Number: 6002. Error Message: trading is paused (by governance or for this market).",
        ], "unitsConsumed": 3000}});
        let Simulated::Failed { error, .. } = simulated(&r, &[]) else { panic!("failed") };
        assert_eq!(error, "trading is paused (by governance or for this market)");
        assert_eq!(simulated(&json!({"value": {"err": null, "logs": [], "unitsConsumed": 4321}}), &[]), Simulated::Ok { units: 4321 });
    }

    #[test]
    fn a_landed_failure_is_explained_from_its_logs() {
        let r = json!({"slot": 9, "meta": {"err": {"InstructionError": [1, {"Custom": 6011}]}, "logMessages": [
            "Program log: AnchorError occurred. Error Code: PostOnlyWouldCross. Error Number: 6011. Error Message: post-only order would cross the book.",
        ]}});
        let err = &r["meta"]["err"];
        let explain = |logs: Vec<String>| crate::errors::explain(err, &logs, &[]);
        assert_eq!(explain(transaction_logs(&r)), "post-only order would cross the book");
        assert_eq!(explain(transaction_logs(&json!(null))), err.to_string(), "no logs: the runtime's error");
    }

    #[test]
    fn account_data_is_decoded_or_absent() {
        let r = json!({"context": {"slot": 1}, "value": {"data": ["AQID", "base64"], "owner": "x", "lamports": 1}});
        assert_eq!(account_data(&r), Ok(Some(vec![1, 2, 3])));
        assert_eq!(account_data(&json!({"context": {"slot": 1}, "value": null})), Ok(None));
        assert!(account_data(&json!({"value": {"data": ["**", "base64"]}})).is_err());
        assert_eq!(account_owner(&r).as_deref(), Some("x"));
        assert_eq!(account_owner(&json!({"value": null})), None);
    }

    #[test]
    fn statuses() {
        assert_eq!(status(&json!({"value": [null]})), Status::Pending);
        assert_eq!(status(&json!({"value": [{"err": null, "confirmationStatus": "processed"}]})), Status::Pending);
        assert_eq!(status(&json!({"value": [{"err": null, "confirmationStatus": "confirmed"}]})), Status::Confirmed);
        assert!(matches!(status(&json!({"value": [{"err": {"x": 1}, "confirmationStatus": "confirmed"}]})), Status::Failed(_)));
    }
}
