//! The simulator's oracle signs exactly the message the energy program verifies.
use energy::reading::Reading;
use gridtokenx_simulator::oracle::{Oracle, OracleKeyError};
use solana_keypair::Keypair;
use solana_signer::Signer;

#[test]
fn signatures_verify_over_the_programs_message() {
    let key = Keypair::new();
    let oracle_key = key.pubkey();
    let oracle = Oracle::new(key, energy::ID, [7; 32]);
    let owner = Keypair::new().pubkey();
    let meter = energy::client::meter_address(&[1; 32], &owner);
    let reading = Reading { interval_start_ts: 1_800_000_000, produced_wh: 12, consumed_wh: 3 };
    let signed = oracle.sign(&[1; 32], &owner, reading);
    assert_eq!((signed.oracle, signed.meter, signed.owner), (oracle_key, meter, owner));
    assert!(signed.verifies());
    assert_eq!(
        signed.message,
        energy::attestation::reading_message(&energy::ID, &[7; 32], &meter, &owner, &reading).to_vec()
    );
    // The attestation is for the owner on record only: another owner's account for the same
    // meter id gets another message.
    let squatter = Keypair::new().pubkey();
    let squatted = energy::client::meter_address(&[1; 32], &squatter);
    assert_ne!(
        signed.message,
        energy::attestation::reading_message(&energy::ID, &[7; 32], &squatted, &squatter, &reading).to_vec()
    );

    let mut tampered = signed.clone();
    let last = tampered.message.len() - 1;
    tampered.message[last] ^= 1;
    assert!(!tampered.verifies());
}

#[test]
fn key_files_must_exist_and_be_keypairs() {
    let dir = std::env::temp_dir().join(format!("gtx-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let missing = dir.join("missing.json");
    let err = Oracle::from_file(&missing, energy::ID, [0; 32]).err().unwrap();
    assert!(matches!(err, OracleKeyError::Read { .. }));
    assert!(err.to_string().contains("missing.json"));

    let garbage = dir.join("garbage.json");
    std::fs::write(&garbage, "[1, 2, 3]").unwrap();
    assert!(matches!(Oracle::from_file(&garbage, energy::ID, [0; 32]), Err(OracleKeyError::Format { .. })));

    let key = Keypair::new();
    let good = dir.join("oracle.json");
    std::fs::write(&good, serde_json::to_string(&key.to_bytes().to_vec()).unwrap()).unwrap();
    let oracle = Oracle::from_file(&good, energy::ID, [0; 32]).unwrap();
    assert_eq!(oracle.pubkey(), key.pubkey());
}
