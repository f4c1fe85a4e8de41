//! The CLI end to end: JSON lines in the documented schema, signatures that verify, and
//! errors that name the fix.
use std::process::Command;
use std::str::FromStr;

use anchor_lang::prelude::Pubkey;
use energy::reading::Reading;
use gridtokenx_simulator::telemetry::{MeterReadingV1, SCHEMA_V1};
use solana_signature::Signature;

fn simulator() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gridtokenx-simulator"))
}

#[test]
fn emits_signed_readings_in_the_v1_schema() {
    let dir = std::env::temp_dir().join(format!("gtx-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key_path = dir.join("oracle.json");
    let _ = std::fs::remove_file(&key_path);
    let keygen = simulator().args(["keygen", "--out"]).arg(&key_path).output().unwrap();
    assert!(keygen.status.success());
    let printed = String::from_utf8(keygen.stdout).unwrap();
    let again = simulator().args(["keygen", "--out"]).arg(&key_path).output().unwrap();
    assert_eq!(again.status.code(), Some(2), "never overwrites a key");

    let out = simulator()
        .args(["run", "--meters", "3", "--duration", "2h", "--jsonl", "-", "--oracle-key"])
        .arg(&key_path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<MeterReadingV1> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3 * 8);
    for msg in &lines {
        assert_eq!(msg.schema, SCHEMA_V1);
        let meter = Pubkey::from_str(&msg.meter).unwrap();
        let meter_id: Vec<u8> =
            (0..32).map(|i| u8::from_str_radix(&msg.meter_id[2 * i..2 * i + 2], 16).unwrap()).collect();
        let owner = Pubkey::from_str(msg.owner.as_deref().expect("the owner on record")).unwrap();
        assert_eq!(meter, energy::client::meter_address(&meter_id.try_into().unwrap(), &owner));
        let oracle = Pubkey::from_str(msg.oracle.as_deref().unwrap()).unwrap();
        assert_eq!(oracle.to_string(), printed.trim());
        let signature = Signature::from_str(msg.signature.as_deref().unwrap()).unwrap();
        let reading = Reading {
            interval_start_ts: msg.interval_start_ts,
            produced_wh: msg.produced_wh,
            consumed_wh: msg.consumed_wh,
        };
        let message = energy::attestation::reading_message(&energy::ID, &[0; 32], &meter, &owner, &reading);
        assert!(signature.verify(oracle.as_ref(), &message), "signature of {msg:?}");
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("[100%]") && stderr.contains("the chain would mint"), "{stderr}");
}

#[test]
fn bad_arguments_fail_with_the_fix() {
    let out = simulator().args(["run", "--oracle-key", "/nonexistent/oracle.json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pass a Solana keypair JSON file"));
    let out = simulator().args(["run", "--cluster-tag", "not-base58!"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("base58 genesis hash"));
}
