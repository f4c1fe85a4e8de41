//! Attested minting and certificates, and every forgery, replay and shortcut that must fail.
use anchor_lang::error::ErrorCode as AnchorError;
use anchor_lang::prelude::Pubkey;
use energy::error::EnergyError;
use energy::events::{ReadingAccepted, RecRetired};
use energy::reading::Reading;
use energy::state::{Certificate, CertificateStatus, EnergyConfig, Meter, MeterStatus};
use gridtokenx_program_tests::*;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_program_test::BanksClientError;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;
use spl_associated_token_account_interface::address::get_associated_token_address;

const METER_ID: [u8; 32] = [1; 32];

fn reading(k: i64, produced_wh: u64, consumed_wh: u64) -> Reading {
    Reading { interval_start_ts: T0 + k * 900, produced_wh, consumed_wh }
}

/// A world with one registered meter whose baseline (interval 0) is accepted, and the
/// clock inside interval 5.
async fn metered_world() -> (World, Keypair, Pubkey) {
    let mut world = World::new().await;
    let owner = Keypair::new();
    world.airdrop(&owner.pubkey(), 1_000_000_000).await;
    let meter = world.register_meter(&owner, METER_ID).await;
    world.set_time(T0 + 5 * 900);
    world.submit_reading(&meter, &owner.pubkey(), reading(0, 10_000, 2_000)).await.result.expect("baseline");
    (world, owner, meter)
}

async fn energy_balance(world: &mut World, owner: &Keypair) -> u64 {
    let ata = get_associated_token_address(&owner.pubkey(), &world.energy_mint);
    world.token_balance(&ata).await
}

#[tokio::test]
async fn attested_surplus_is_minted_once_and_audited() {
    let (mut world, owner, meter) = metered_world().await;
    assert_eq!(energy_balance(&mut world, &owner).await, 0, "baseline mints nothing");

    let outcome = world.submit_reading(&meter, &owner.pubkey(), reading(1, 14_500, 2_700)).await;
    outcome.result.expect("reading accepted");
    assert_eq!(energy_balance(&mut world, &owner).await, 3_800);
    let events = decode_events::<ReadingAccepted>(&outcome.logs);
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].minted_wh, events[0].meter_minted_wh_total), (3_800, 3_800));
    assert_eq!(events[0].oracle, world.keys.oracle.pubkey());

    // A deficit interval mints nothing but still advances the cursor.
    world.submit_reading(&meter, &owner.pubkey(), reading(2, 15_000, 4_000)).await.result.unwrap();
    assert_eq!(energy_balance(&mut world, &owner).await, 3_800);

    let m: Meter = world.anchor_account(&meter).await;
    assert_eq!((m.minted_wh, m.last_produced_wh, m.last_interval_start_ts), (3_800, 15_000, T0 + 1_800));
    let c: EnergyConfig = world.anchor_account(&energy::client::config_address()).await;
    assert_eq!(c.total_minted_wh, 3_800);
}

#[tokio::test]
async fn replayed_and_out_of_order_readings_are_rejected() {
    let (mut world, owner, meter) = metered_world().await;
    world.submit_reading(&meter, &owner.pubkey(), reading(2, 12_000, 2_000)).await.result.unwrap();
    let replay = world.submit_reading(&meter, &owner.pubkey(), reading(2, 12_000, 2_000)).await;
    assert_error(replay.result, EnergyError::ReadingReplayed);
    let older = world.submit_reading(&meter, &owner.pubkey(), reading(1, 11_000, 2_000)).await;
    assert_error(older.result, EnergyError::ReadingOutOfOrder);
    assert_eq!(energy_balance(&mut world, &owner).await, 2_000);
}

#[tokio::test]
async fn future_stale_misaligned_and_implausible_readings_are_rejected() {
    let (mut world, owner, meter) = metered_world().await;
    let future = world.submit_reading(&meter, &owner.pubkey(), reading(5, 11_000, 2_000)).await;
    assert_error(future.result, EnergyError::ReadingFromFuture);
    let mut odd = reading(1, 11_000, 2_000);
    odd.interval_start_ts += 1;
    assert_error(
        world.submit_reading(&meter, &owner.pubkey(), odd).await.result,
        EnergyError::MisalignedInterval,
    );
    // 50 kWh per interval is the configured ceiling.
    let spike = world.submit_reading(&meter, &owner.pubkey(), reading(1, 10_000 + 50_001, 2_000)).await;
    assert_error(spike.result, EnergyError::ImplausibleProduction);
    let backwards = world.submit_reading(&meter, &owner.pubkey(), reading(1, 9_999, 2_000)).await;
    assert_error(backwards.result, EnergyError::CounterRegression);
    world.set_time(T0 + 2 * 86_400);
    let stale = world.submit_reading(&meter, &owner.pubkey(), reading(1, 11_000, 2_000)).await;
    assert_error(stale.result, EnergyError::ReadingStale);
    assert_eq!(energy_balance(&mut world, &owner).await, 0);
}

/// Submits [verify, submit] where the verify instruction was produced by `signer` over
/// the message for (`program_id`, `cluster`) and the oracle account is `oracle`'s.
#[allow(clippy::too_many_arguments)]
async fn submit_signed(
    world: &mut World,
    signer: &Keypair,
    oracle: &Pubkey,
    meter: &Pubkey,
    owner: &Keypair,
    r: Reading,
    program_id: &Pubkey,
    cluster: &[u8; 32],
) -> TxResult {
    let ixs = World::signed_reading_ixs(signer, oracle, meter, &owner.pubkey(), r, program_id, cluster);
    world.send_unsigned(&ixs).await
}

/// [verify, submit] for `r`, correctly signed by the world's oracle.
fn oracle_signed(world: &World, meter: &Pubkey, owner: &Keypair, r: Reading) -> [Instruction; 2] {
    let oracle = &world.keys.oracle;
    World::signed_reading_ixs(oracle, &oracle.pubkey(), meter, &owner.pubkey(), r, &energy::ID, &CLUSTER_TAG)
}

/// Points every occurrence of account `from` in `ix` at `to`.
fn swap_account(ix: &mut Instruction, from: Pubkey, to: Pubkey) {
    ix.accounts.iter_mut().filter(|m| m.pubkey == from).for_each(|m| m.pubkey = to);
}

#[tokio::test]
async fn forged_and_misdirected_signatures_are_rejected() {
    let (mut world, owner, meter) = metered_world().await;
    let oracle = world.keys.oracle.insecure_clone();
    let r = reading(1, 12_000, 2_000);

    // A signature that does not verify: the precompile fails the whole transaction.
    let mut ixs = oracle_signed(&world, &meter, &owner, r);
    let last = ixs[0].data.len() - 1;
    ixs[0].data[last] ^= 1;
    let forged = world.send_unsigned(&ixs).await;
    assert!(
        matches!(forged, Err(BanksClientError::TransactionError(TransactionError::InstructionError(0, _)))),
        "precompile must reject a forged signature: {forged:?}"
    );

    // A valid signature by a key that is not this oracle.
    let impostor = Keypair::new();
    let res =
        submit_signed(&mut world, &impostor, &oracle.pubkey(), &meter, &owner, r, &energy::ID, &CLUSTER_TAG)
            .await;
    assert_error(res, EnergyError::OracleKeyMismatch);
    // ...and pointing at the impostor's own (nonexistent) oracle account.
    let res = submit_signed(
        &mut world,
        &impostor,
        &impostor.pubkey(),
        &meter,
        &owner,
        r,
        &energy::ID,
        &CLUSTER_TAG,
    )
    .await;
    assert_error(res, AnchorError::AccountNotInitialized);

    // The registered oracle's signature, but for another program or another cluster.
    let other_program = Pubkey::new_unique();
    let res =
        submit_signed(&mut world, &oracle, &oracle.pubkey(), &meter, &owner, r, &other_program, &CLUSTER_TAG)
            .await;
    assert_error(res, EnergyError::MessageMismatch);
    let res =
        submit_signed(&mut world, &oracle, &oracle.pubkey(), &meter, &owner, r, &energy::ID, &[0; 32]).await;
    assert_error(res, EnergyError::MessageMismatch);

    // The registered oracle's signature for this meter account but another owner.
    let [verify, _] = World::signed_reading_ixs(
        &oracle,
        &oracle.pubkey(),
        &meter,
        &Pubkey::new_unique(),
        r,
        &energy::ID,
        &CLUSTER_TAG,
    );
    let [_, submit] = oracle_signed(&world, &meter, &owner, r);
    assert_error(world.send_unsigned(&[verify, submit]).await, EnergyError::MessageMismatch);

    // The oracle signed one reading; the submitter claims another.
    let mut ixs = oracle_signed(&world, &meter, &owner, r);
    let inflated = Reading { produced_wh: 60_000, ..r };
    ixs[1] = energy::client::submit_reading(
        meter,
        owner.pubkey(),
        oracle.pubkey(),
        inflated,
        energy::attestation::SignatureRef { instruction_index: 0, entry: 0 },
    );
    assert_error(world.send_unsigned(&ixs).await, EnergyError::MessageMismatch);

    // No signature instruction at all.
    let alone = energy::client::submit_reading(
        meter,
        owner.pubkey(),
        oracle.pubkey(),
        r,
        energy::attestation::SignatureRef { instruction_index: 0, entry: 0 },
    );
    assert_error(world.send_unsigned(&[alone]).await, EnergyError::MissingSignature);

    // A verify instruction whose offsets point at "instruction 0" explicitly instead of
    // "this instruction": it verifies, but we only trust data the precompile read in place.
    let mut ixs = oracle_signed(&world, &meter, &owner, r);
    for field in [1usize, 3, 6] {
        let at = 2 + 2 * field;
        ixs[0].data[at..at + 2].copy_from_slice(&0u16.to_le_bytes());
    }
    assert_error(world.send_unsigned(&ixs).await, EnergyError::MalformedSignatureInstruction);

    assert_eq!(energy_balance(&mut world, &owner).await, 0, "nothing minted by any forgery");
}

#[tokio::test]
async fn surplus_goes_only_to_the_meter_owner() {
    let (mut world, owner, meter) = metered_world().await;
    let thief = Keypair::new();
    let mint = world.energy_mint;
    let thief_ata = world.ata(&thief.pubkey(), &mint).await;
    let mut ixs = oracle_signed(&world, &meter, &owner, reading(1, 12_000, 2_000));
    swap_account(&mut ixs[1], get_associated_token_address(&owner.pubkey(), &mint), thief_ata);
    assert_error(world.send_unsigned(&ixs).await, AnchorError::ConstraintTokenOwner);
}

/// Front-running a meter id: an attacker registers the victim's meter id before the victim
/// does. The oracle attests readings only for the owner on its customer record (the
/// victim), and those attestations are public (telemetry carries them); submitted against
/// the attacker's account they must never mint to the attacker, and the victim must still
/// be able to register the meter and receive every mint.
#[tokio::test]
async fn a_front_run_meter_id_mints_only_to_its_real_owner() {
    let mut world = World::new().await;
    let (victim, attacker) = (Keypair::new(), Keypair::new());
    for key in [&victim, &attacker] {
        world.airdrop(&key.pubkey(), 1_000_000_000).await;
    }
    let squatted = world.register_meter(&attacker, METER_ID).await;
    world.set_time(T0 + 5 * 900);

    let readings = [reading(0, 10_000, 2_000), reading(1, 14_500, 2_700)];
    let oracle = world.keys.oracle.pubkey();
    let mut stolen = Vec::new();
    for r in readings {
        let [verify, _] = world.attested_reading_ixs(&METER_ID, &victim.pubkey(), r);
        let submit = energy::client::submit_reading(
            squatted,
            attacker.pubkey(),
            oracle,
            r,
            energy::attestation::SignatureRef { instruction_index: 0, entry: 0 },
        );
        stolen.push(world.send_unsigned(&[verify, submit]).await);
    }
    assert_eq!(energy_balance(&mut world, &attacker).await, 0, "the attacker was minted the victim's energy");
    for result in stolen {
        assert_error(result, EnergyError::MessageMismatch);
    }

    // The real owner registers the same meter id and receives the mint.
    let meter = world.register_meter(&victim, METER_ID).await;
    assert_ne!(meter, squatted);
    for r in readings {
        let ixs = world.attested_reading_ixs(&METER_ID, &victim.pubkey(), r);
        world.send_unsigned(&ixs).await.expect("the owner's attested reading lands");
    }
    assert_eq!(energy_balance(&mut world, &victim).await, 3_800);
    assert_eq!(energy_balance(&mut world, &attacker).await, 0);
    let m: Meter = world.anchor_account(&meter).await;
    assert_eq!((m.owner, m.meter_id, m.minted_wh), (victim.pubkey(), METER_ID, 3_800));
    let squatter: Meter = world.anchor_account(&squatted).await;
    assert_eq!((squatter.has_reading, squatter.minted_wh), (false, 0), "nothing ever verified for it");
}

#[tokio::test]
async fn fake_mint_is_rejected() {
    let (mut world, owner, meter) = metered_world().await;
    let fake_mint = world.keys.quote_mint.pubkey();
    let fake_ata = world.ata(&owner.pubkey(), &fake_mint).await;
    let mut ixs = oracle_signed(&world, &meter, &owner, reading(1, 12_000, 2_000));
    let energy_mint = world.energy_mint;
    swap_account(&mut ixs[1], get_associated_token_address(&owner.pubkey(), &energy_mint), fake_ata);
    swap_account(&mut ixs[1], energy_mint, fake_mint);
    assert_error(world.send_unsigned(&ixs).await, AnchorError::ConstraintHasOne);
}

#[tokio::test]
async fn revoked_oracles_suspended_meters_and_pauses_stop_minting() {
    let (mut world, owner, meter) = metered_world().await;
    let council = governance::client::council_address();
    let oracle = world.keys.oracle.pubkey();

    // Only the council may revoke.
    let member = world.keys.members[0].insecure_clone();
    let direct = energy::client::set_oracle_active(member.pubkey(), oracle, false);
    assert_error(world.send(&[direct], &[&member]).await, EnergyError::Unauthorized);

    world.council_exec(energy::client::set_oracle_active(council, oracle, false)).await.unwrap();
    let res = world.submit_reading(&meter, &owner.pubkey(), reading(1, 12_000, 2_000)).await;
    assert_error(res.result, EnergyError::OracleRevoked);
    world.council_exec(energy::client::set_oracle_active(council, oracle, true)).await.unwrap();

    world
        .council_exec(energy::client::set_meter_status(council, meter, MeterStatus::Suspended))
        .await
        .unwrap();
    let res = world.submit_reading(&meter, &owner.pubkey(), reading(1, 12_000, 2_000)).await;
    assert_error(res.result, EnergyError::MeterSuspended);
    world.council_exec(energy::client::set_meter_status(council, meter, MeterStatus::Active)).await.unwrap();

    let guardian = world.keys.guardian.insecure_clone();
    world.send(&[governance::client::pause(guardian.pubkey())], &[&guardian]).await.unwrap();
    let res = world.submit_reading(&meter, &owner.pubkey(), reading(1, 12_000, 2_000)).await;
    assert_error(res.result, EnergyError::Paused);
    world.council_exec(governance::client::unpause()).await.unwrap();
    world.submit_reading(&meter, &owner.pubkey(), reading(1, 12_000, 2_000)).await.result.unwrap();
    assert_eq!(energy_balance(&mut world, &owner).await, 2_000);
}

#[tokio::test]
async fn front_running_energy_initialize_fails() {
    let mut world = World::bare().await;
    world.init_governance().await.unwrap();
    let squatter = Keypair::new();
    world.airdrop(&squatter.pubkey(), 1_000_000_000).await;
    let ix = energy::client::initialize(
        squatter.pubkey(),
        energy::instructions::InitializeParams { cluster_tag: CLUSTER_TAG, rules: reading_rules() },
    );
    assert_error(world.send(&[ix], &[&squatter]).await, EnergyError::NotUpgradeAuthority);
    world.init_energy().await.expect("the upgrade authority can");
}

#[tokio::test]
async fn certificates_are_issued_once_transferred_and_retired() {
    let (mut world, owner, meter) = metered_world().await;
    let council = governance::client::council_address();
    let mut rules = reading_rules();
    rules.max_wh_per_interval = 2_000_000;
    world.council_exec(energy::client::update_rules(council, rules)).await.unwrap();
    world
        .submit_reading(&meter, &owner.pubkey(), reading(1, 10_000 + 1_500_000, 2_000))
        .await
        .result
        .unwrap();

    let zero = energy::client::issue_rec(owner.pubkey(), meter, 0, 0);
    assert_error(world.send(&[zero], &[&owner]).await, EnergyError::InvalidCertificateAmount);
    let stranger = Keypair::new();
    world.airdrop(&stranger.pubkey(), 1_000_000_000).await;
    let theft = energy::client::issue_rec(stranger.pubkey(), meter, 0, 1);
    assert_error(world.send(&[theft], &[&stranger]).await, EnergyError::NotOwner);

    world
        .send(&[energy::client::issue_rec(owner.pubkey(), meter, 0, 1)], &[&owner])
        .await
        .expect("1 MWh certified");
    let again = energy::client::issue_rec(owner.pubkey(), meter, 1, 1);
    assert_error(world.send(&[again], &[&owner]).await, EnergyError::InsufficientUncertifiedEnergy);

    let cert_key = energy::client::certificate_address(&meter, 0);
    let cert: Certificate = world.anchor_account(&cert_key).await;
    assert_eq!((cert.wh_start, cert.wh_end, cert.serial), (0, 1_000_000, 0));

    let buyer = Keypair::new();
    world.airdrop(&buyer.pubkey(), 1_000_000_000).await;
    world
        .send(&[energy::client::transfer_rec(owner.pubkey(), cert_key, buyer.pubkey())], &[&owner])
        .await
        .unwrap();
    let stale_owner = energy::client::retire_rec(owner.pubkey(), cert_key, owner.pubkey());
    assert_error(world.send(&[stale_owner], &[&owner]).await, EnergyError::NotOwner);

    let beneficiary = Pubkey::new_unique();
    let outcome =
        world.process(&[energy::client::retire_rec(buyer.pubkey(), cert_key, beneficiary)], &[&buyer]).await;
    outcome.result.unwrap();
    let retired = decode_events::<RecRetired>(&outcome.logs);
    assert_eq!((retired[0].wh, retired[0].beneficiary), (1_000_000, beneficiary));
    let cert: Certificate = world.anchor_account(&cert_key).await;
    assert_eq!(cert.status, CertificateStatus::Retired);

    let twice = energy::client::retire_rec(buyer.pubkey(), cert_key, beneficiary);
    assert_error(world.send(&[twice], &[&buyer]).await, EnergyError::CertificateRetired);
    let moved = energy::client::transfer_rec(buyer.pubkey(), cert_key, owner.pubkey());
    assert_error(world.send(&[moved], &[&buyer]).await, EnergyError::CertificateRetired);

    let c: EnergyConfig = world.anchor_account(&energy::client::config_address()).await;
    assert_eq!(
        (c.total_certified_wh, c.total_retired_wh, c.total_minted_wh),
        (1_000_000, 1_000_000, 1_500_000)
    );
}

/// A pause stops every new allocation: no meter registers while governance is paused.
#[tokio::test]
async fn pause_stops_meter_registration() {
    let mut world = World::new().await;
    let owner = Keypair::new();
    world.airdrop(&owner.pubkey(), 1_000_000_000).await;
    let guardian = world.keys.guardian.insecure_clone();
    world.send(&[governance::client::pause(guardian.pubkey())], &[&guardian]).await.unwrap();

    let register = energy::client::register_meter(owner.pubkey(), METER_ID);
    assert_error(world.send(std::slice::from_ref(&register), &[&owner]).await, EnergyError::Paused);
    world.council_exec(governance::client::unpause()).await.unwrap();
    world.send(&[register], &[&owner]).await.expect("registers after unpause");
}
