//! Two replies compared: equal value for value, except at the paths named as the chain's own
//! (a slot, a blockhash, a signature over a different blockhash), where only the shape must
//! agree — the same JSON type, and for strings the same kind (a base58 key or hash, a base58
//! signature, base64, other text).
//!
//! A path is the reply's keys and array indices joined with dots (`result.value.0.pubkey`);
//! a pattern may use `*` for one segment and `**` for any number of them.
use serde_json::{Map, Value};

/// Every difference between `reference` and `localnet`, one line each, naming the path.
pub fn differences(reference: &Value, localnet: &Value, masked: &[&str]) -> Vec<String> {
    let patterns: Vec<Vec<&str>> = masked.iter().map(|p| p.split('.').collect()).collect();
    let mut found = Vec::new();
    walk(&mut Vec::new(), reference, localnet, &patterns, &mut found);
    found
}

fn walk(path: &mut Vec<String>, reference: &Value, localnet: &Value, masks: &[Vec<&str>], found: &mut Vec<String>) {
    let here = || if path.is_empty() { "(reply)".to_string() } else { path.join(".") };
    if masks.iter().any(|m| matches(m, path)) {
        let (a, b) = (shape(reference), shape(localnet));
        if a != b {
            found.push(format!("{}: shape {} (reference) vs {} (localnet)", here(), a, b));
        }
        return;
    }
    match (reference, localnet) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().filter(|k| !b.contains_key(*k)) {
                found.push(format!("{}.{key}: only the reference has it ({})", here(), brief(&a[key])));
            }
            for key in b.keys().filter(|k| !a.contains_key(*k)) {
                found.push(format!("{}.{key}: only localnet has it ({})", here(), brief(&b[key])));
            }
            for (key, value) in a {
                if let Some(other) = b.get(key) {
                    path.push(key.clone());
                    walk(path, value, other, masks, found);
                    path.pop();
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                found.push(format!("{}: {} items (reference) vs {} (localnet)", here(), a.len(), b.len()));
            }
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                path.push(i.to_string());
                walk(path, x, y, masks, found);
                path.pop();
            }
        }
        (a, b) if a != b => found.push(format!("{}: {} (reference) vs {} (localnet)", here(), brief(a), brief(b))),
        _ => {}
    }
}

fn matches(pattern: &[&str], path: &[String]) -> bool {
    match (pattern.first(), path.first()) {
        (None, None) => true,
        (Some(&"**"), _) => {
            matches(&pattern[1..], path) || (!path.is_empty() && matches(pattern, &path[1..]))
        }
        (Some(p), Some(s)) if *p == "*" || p == s => matches(&pattern[1..], &path[1..]),
        _ => false,
    }
}

/// A value's shape: its JSON type all the way down, strings by kind, arrays as the set of
/// their items' shapes.
pub fn shape(value: &Value) -> Value {
    match value {
        Value::Null => "null".into(),
        Value::Bool(_) => "bool".into(),
        Value::Number(n) if n.is_u64() => "uint".into(),
        Value::Number(n) if n.is_i64() => "int".into(),
        Value::Number(_) => "float".into(),
        Value::String(s) => string_kind(s).into(),
        Value::Array(items) => {
            let mut shapes: Vec<Value> = items.iter().map(shape).collect();
            shapes.sort_by_key(|s| s.to_string());
            shapes.dedup();
            Value::Array(shapes)
        }
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect::<Map<_, _>>()),
    }
}

fn string_kind(s: &str) -> &'static str {
    match bs58::decode(s).into_vec().map(|b| b.len()) {
        Ok(32) if s.len() >= 32 => "base58 key or hash",
        Ok(64) if s.len() >= 64 => "base58 signature",
        _ if s.len() >= 8 && s.len() % 4 == 0 && base64_like(s) => "base64",
        _ => "text",
    }
}

fn base64_like(s: &str) -> bool {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).is_ok()
}

fn brief(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 160 {
        format!("{}…", &text[..text.char_indices().nth(160).map_or(text.len(), |(i, _)| i)])
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equal_replies_have_no_differences_and_unequal_ones_name_the_path() {
        let a = json!({ "result": { "context": { "slot": 5 }, "value": [{ "lamports": 1 }] } });
        let b = json!({ "result": { "context": { "slot": 9 }, "value": [{ "lamports": 2 }] } });
        assert_eq!(differences(&a, &a, &[]), Vec::<String>::new());
        assert_eq!(
            differences(&a, &b, &["result.context.slot"]),
            vec!["result.value.0.lamports: 1 (reference) vs 2 (localnet)".to_string()]
        );
        assert!(differences(&a, &b, &["result.context.slot", "result.value.*.lamports"]).is_empty());
        assert!(differences(&a, &b, &["**.slot", "**.lamports"]).is_empty());
    }

    #[test]
    fn a_masked_path_must_still_have_the_same_shape() {
        let key = "11111111111111111111111111111111";
        let a = json!({ "hash": key, "n": 1 });
        let b = json!({ "hash": "not a key", "n": -1 });
        assert_eq!(differences(&a, &b, &["hash", "n"]).len(), 2);
        let c = json!({ "extra": true });
        assert_eq!(
            differences(&json!({}), &c, &[]),
            vec!["(reply).extra: only localnet has it (true)".to_string()]
        );
    }
}
