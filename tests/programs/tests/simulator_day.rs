//! Simulated meters against the real energy program: the oracle's signatures verify on
//! chain, several readings share a transaction, and every meter's minted balance equals
//! the surplus computed from its own readings.
use energy::attestation::SignatureRef;
use gridtokenx_program_tests::*;
use simulator::fleet::{Fleet, FleetConfig};
use simulator::oracle::Oracle;
use solana_keypair::Keypair;
use solana_signer::Signer;
use spl_associated_token_account_interface::address::get_associated_token_address;

#[tokio::test]
async fn a_simulated_morning_mints_exactly_the_metered_surplus() {
    let mut world = World::new().await;
    // 06:00–12:00 solar time in Bangkok, when rooftops start exporting.
    let start = T0 + 23 * 3_600;
    let mut fleet =
        Fleet::new(FleetConfig { meters: 4, start_unix_s: start, seed: 11, ..FleetConfig::default() });
    let oracle = Oracle::new(world.keys.oracle.insecure_clone(), energy::ID, CLUSTER_TAG);

    let mut owners = Vec::new();
    let mut meters = Vec::new();
    let ids: Vec<[u8; 32]> = fleet.meters.iter().map(|m| m.meter_id).collect();
    for m in &fleet.meters {
        let owner = Keypair::new();
        world.airdrop(&owner.pubkey(), 1_000_000_000).await;
        meters.push(world.register_meter(&owner, m.meter_id).await);
        owners.push(owner);
    }
    let intervals: Vec<_> = (0..24).map(|_| fleet.advance_interval()).collect();
    world.set_time(fleet.now_s + 60);

    let mut expected = vec![0u64; meters.len()];
    let mut previous: Vec<Option<energy::reading::Reading>> = vec![None; meters.len()];
    for interval in &intervals {
        // Two meters per transaction: [verify, submit, verify, submit].
        for chunk in interval.readings.chunks(2) {
            let mut ixs = Vec::new();
            for (i, reading) in chunk {
                let signed = oracle.sign(&ids[*i], &owners[*i].pubkey(), *reading);
                assert!(signed.verifies());
                assert_eq!(signed.meter, meters[*i]);
                ixs.push(solana_ed25519_program::new_ed25519_instruction_with_signature(
                    &signed.message,
                    signed.signature.as_array(),
                    &signed.oracle.to_bytes(),
                ));
                let at = ixs.len() as u8 - 1;
                ixs.push(energy::client::submit_reading(
                    meters[*i],
                    owners[*i].pubkey(),
                    oracle.pubkey(),
                    *reading,
                    SignatureRef { instruction_index: at, entry: 0 },
                ));
                if let Some(prev) = previous[*i] {
                    let produced = reading.produced_wh - prev.produced_wh;
                    let consumed = reading.consumed_wh - prev.consumed_wh;
                    expected[*i] += produced.saturating_sub(consumed);
                }
                previous[*i] = Some(*reading);
            }
            world.send_unsigned(&ixs).await.expect("simulated readings land");
        }
    }
    let mint = world.energy_mint;
    for (owner, want) in owners.iter().zip(&expected) {
        let balance = world.token_balance(&get_associated_token_address(&owner.pubkey(), &mint)).await;
        assert_eq!(balance, *want);
    }
    assert!(expected.iter().sum::<u64>() > 0, "a sunny morning must export something");
}
