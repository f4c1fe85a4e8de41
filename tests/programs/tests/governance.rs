//! Council lifecycle and every way around it that must fail.
use governance::error::GovernanceError;
use governance::state::Council;
use gridtokenx_program_tests::*;
use solana_keypair::Keypair;
use solana_signer::Signer;

async fn council(world: &mut World) -> Box<Council> {
    world.zero_copy::<Council>(&governance::client::council_address()).await
}

#[tokio::test]
async fn only_the_upgrade_authority_can_initialize() {
    let mut world = World::bare().await;
    let squatter = Keypair::new();
    world.airdrop(&squatter.pubkey(), 1_000_000_000).await;
    let ix = governance::client::initialize(squatter.pubkey(), world.council_config());
    assert_error(world.send(&[ix], &[&squatter]).await, GovernanceError::NotUpgradeAuthority);

    world.init_governance().await.expect("upgrade authority initializes");
    let c = council(&mut world).await;
    assert_eq!((c.member_count, c.threshold, c.guardian_count, c.paused), (3, 2, 1, 0));
    assert!(world.init_governance().await.is_err(), "second initialize must fail");
}

#[tokio::test]
async fn invalid_councils_are_rejected() {
    let mut world = World::bare().await;
    let mut config = world.council_config();
    config.threshold = 4;
    let authority = world.keys.upgrade_authority.insecure_clone();
    let ix = governance::client::initialize(authority.pubkey(), config.clone());
    assert_error(world.send(&[ix], &[&authority]).await, GovernanceError::InvalidCouncil);
    config.threshold = 2;
    config.members[1] = config.members[0];
    let ix = governance::client::initialize(authority.pubkey(), config);
    assert_error(world.send(&[ix], &[&authority]).await, GovernanceError::InvalidCouncil);
}

#[tokio::test]
async fn proposals_need_members_threshold_and_run_once() {
    let mut world = World::new().await;
    let outsider = Keypair::new();
    world.airdrop(&outsider.pubkey(), 1_000_000_000).await;
    let target = governance::client::unpause();

    let index = world.next_proposal;
    let ix = governance::client::propose(outsider.pubkey(), index, &target, 0);
    assert_error(world.send(&[ix], &[&outsider]).await, GovernanceError::NotMember);

    // Pause so that the proposed unpause can succeed.
    let guardian = world.keys.guardian.insecure_clone();
    world.send(&[governance::client::pause(guardian.pubkey())], &[&guardian]).await.unwrap();

    let index = world.propose(&target).await.unwrap();
    assert_error(world.execute(index, &target).await, GovernanceError::ThresholdNotMet);
    let proposer = world.keys.members[0].insecure_clone();
    assert_error(
        world.send(&[governance::client::approve(proposer.pubkey(), index)], &[&proposer]).await,
        GovernanceError::AlreadyApproved,
    );
    let ix = governance::client::approve(outsider.pubkey(), index);
    assert_error(world.send(&[ix], &[&outsider]).await, GovernanceError::NotMember);

    let approver = world.keys.members[2].insecure_clone();
    world.send(&[governance::client::approve(approver.pubkey(), index)], &[&approver]).await.unwrap();
    world.execute(index, &target).await.expect("executes with 2 of 3");
    assert_eq!(council(&mut world).await.paused, 0);
    assert_error(world.execute(index, &target).await, GovernanceError::AlreadyExecuted);
}

#[tokio::test]
async fn guardians_pause_but_only_the_council_unpauses() {
    let mut world = World::new().await;
    let outsider = Keypair::new();
    world.airdrop(&outsider.pubkey(), 1_000_000_000).await;
    assert_error(
        world.send(&[governance::client::pause(outsider.pubkey())], &[&outsider]).await,
        GovernanceError::NotGuardian,
    );
    let guardian = world.keys.guardian.insecure_clone();
    let outcome = world.process(&[governance::client::pause(guardian.pubkey())], &[&guardian]).await;
    outcome.result.unwrap();
    let paused = decode_events::<governance::events::Paused>(&outcome.logs);
    assert_eq!(paused.len(), 1);
    assert_eq!(paused[0].by, guardian.pubkey());
    assert_error(
        world.send(&[governance::client::pause(guardian.pubkey())], &[&guardian]).await,
        GovernanceError::AlreadyPaused,
    );

    // A member (or the guardian) cannot unpause alone: the council PDA must sign.
    let mut direct = governance::client::unpause();
    direct.accounts[0].is_signer = false;
    let member = world.keys.members[0].insecure_clone();
    assert_error(world.send(&[direct], &[&member]).await, GovernanceError::NotCouncil);
    assert_eq!(council(&mut world).await.paused, 1);

    world.council_exec(governance::client::unpause()).await.expect("council unpauses");
    assert_eq!(council(&mut world).await.paused, 0);
}

#[tokio::test]
async fn membership_change_invalidates_open_proposals() {
    let mut world = World::new().await;
    let guardian = world.keys.guardian.insecure_clone();
    world.send(&[governance::client::pause(guardian.pubkey())], &[&guardian]).await.unwrap();
    let pending = world.propose(&governance::client::unpause()).await.unwrap();

    let mut config = world.council_config();
    let newcomer = Keypair::new();
    config.members.push(newcomer.pubkey());
    config.threshold = 3;
    world.council_exec(governance::client::set_council(config)).await.expect("set_council");
    let c = council(&mut world).await;
    assert_eq!((c.member_count, c.threshold, c.version), (4, 3, 2));

    let approver = world.keys.members[1].insecure_clone();
    assert_error(
        world.send(&[governance::client::approve(approver.pubkey(), pending)], &[&approver]).await,
        GovernanceError::StaleProposal,
    );
}

#[tokio::test]
async fn expired_and_mismatched_executions_fail() {
    let mut world = World::new().await;
    let guardian = world.keys.guardian.insecure_clone();
    world.send(&[governance::client::pause(guardian.pubkey())], &[&guardian]).await.unwrap();
    let target = governance::client::unpause();
    let index = world.propose(&target).await.unwrap();
    let approver = world.keys.members[1].insecure_clone();
    world.send(&[governance::client::approve(approver.pubkey(), index)], &[&approver]).await.unwrap();

    // Accounts that differ from the proposal are refused.
    let mut wrong = governance::client::execute(world.keys.members[0].pubkey(), index, &target);
    let last = wrong.accounts.len() - 1;
    wrong.accounts[last].pubkey = governance::client::proposal_address(index);
    let executor = world.keys.members[0].insecure_clone();
    assert_error(world.send(&[wrong], &[&executor]).await, GovernanceError::AccountsMismatch);

    world.set_time(T0 + 8 * 24 * 3600);
    assert_error(world.execute(index, &target).await, GovernanceError::ProposalExpired);
}

#[tokio::test]
async fn proposal_cannot_execute_governance_execute() {
    let mut world = World::new().await;
    let inner =
        governance::client::execute(world.keys.members[0].pubkey(), 0, &governance::client::unpause());
    let index = world.propose(&inner).await.unwrap();
    let approver = world.keys.members[1].insecure_clone();
    world.send(&[governance::client::approve(approver.pubkey(), index)], &[&approver]).await.unwrap();
    assert_error(world.execute(index, &inner).await, GovernanceError::RecursiveExecute);
}
