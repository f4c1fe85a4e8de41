//! Seats are a shared, bounded resource: claiming one must cost the claimer, and seats
//! nobody uses must never keep a trader who needs one out (issue #9, "Seat squatting").
use anchor_lang::prelude::Pubkey;
use gridtokenx_program_tests::*;
use market::engine::MAX_SEATS;
use market::error::MarketError;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// Lamports each throwaway signer starts with: enough for any bond, nothing more.
const FUNDING: u64 = 10_000_000;
/// Slots an empty seat must stay untouched before someone else may take it over
/// (docs/architecture.md, "Seats"); the harness's clock moves one slot a second.
const IDLE_SLOTS: i64 = market::engine::SEAT_IDLE_SLOTS as i64;

/// What claiming a seat bonds: the rent-exempt deposit of an account holding one seat.
async fn seat_bond(world: &mut World) -> u64 {
    let rent = world.ctx.banks_client.get_rent().await.unwrap();
    rent.minimum_balance(std::mem::size_of::<market::engine::Seat>())
}

fn claim_naming(trader: Pubkey, market: Pubkey, holder: Pubkey) -> Instruction {
    market::client::take_over_seat(trader, market, holder)
}

/// The attack: throwaway signers, eight claims per transaction, until every seat
/// of the market is taken. Returns the squatters in seat order.
async fn squat_every_seat(world: &mut World) -> Vec<Keypair> {
    let squatters: Vec<Keypair> = (0..MAX_SEATS).map(|_| Keypair::new()).collect();
    let payer = world.ctx.payer.insecure_clone();
    for chunk in squatters.chunks(16) {
        let fund: Vec<Instruction> = chunk
            .iter()
            .map(|k| solana_system_interface::instruction::transfer(&payer.pubkey(), &k.pubkey(), FUNDING))
            .collect();
        world.send(&fund, &[&payer]).await.expect("fund squatters");
    }
    for chunk in squatters.chunks(8) {
        let claims: Vec<Instruction> =
            chunk.iter().map(|k| market::client::claim_seat(k.pubkey(), world.market)).collect();
        let signers: Vec<&Keypair> = std::iter::once(&payer).chain(chunk).collect();
        world.send(&claims, &signers).await.expect("squatters claim");
    }
    squatters
}

#[tokio::test]
async fn squatting_every_seat_costs_bonds_and_blocks_no_one() {
    let mut world = World::new().await;
    let bond = seat_bond(&mut world).await;
    let market_key = world.market;
    let market_lamports = world.account(&market_key).await.unwrap().lamports;
    let squatters = squat_every_seat(&mut world).await;

    // Every seat is bonded: the squatters' lamports sit in the market account.
    for s in &squatters {
        assert_eq!(world.account(&s.pubkey()).await.unwrap().lamports, FUNDING - bond, "each claim bonds");
    }
    let bonded = world.account(&market_key).await.unwrap().lamports - market_lamports;
    assert_eq!(bonded, bond * MAX_SEATS as u64);

    // A trader who needs a seat while the squatters' seats are fresh is refused.
    let newcomer = Keypair::new();
    world.airdrop(&newcomer.pubkey(), 1_000_000_000).await;
    let plain = market::client::claim_seat(newcomer.pubkey(), market_key);
    assert_error(world.send(&[plain], &[&newcomer]).await, MarketError::SeatsFull);
    let early = claim_naming(newcomer.pubkey(), market_key, squatters[17].pubkey());
    world.set_time(T0 + IDLE_SLOTS - 1);
    assert_error(world.send(&[early], &[&newcomer]).await, MarketError::SeatNotIdle);

    // Once they have been idle and empty for the window, the newcomer takes one over and
    // its squatter gets the bond back.
    world.set_time(T0 + IDLE_SLOTS);
    let victim = &squatters[17];
    let before = world.account(&victim.pubkey()).await.unwrap().lamports;
    let outcome = world.process(&[claim_naming(newcomer.pubkey(), market_key, victim.pubkey())], &[&newcomer]).await;
    outcome.result.as_ref().unwrap_or_else(|e| panic!("a trader who needs a seat gets one: {e:?}"));
    let claimed = decode_events::<market::events::SeatClaimed>(&outcome.logs);
    assert_eq!((claimed.len(), claimed[0].trader, claimed[0].seat), (1, newcomer.pubkey(), 17));
    assert_eq!(world.account(&victim.pubkey()).await.unwrap().lamports, before + bond, "bond refunded");
    let m = world.market_state().await;
    assert_eq!(m.book.seats[17].trader, newcomer.pubkey().to_bytes());

    // The newcomer trades from that seat.
    world.mint_energy(&newcomer, 0).await;
    let quote = world.mint_quote(&newcomer.pubkey(), 1_000).await;
    let base = spl_associated_token_account_interface::address::get_associated_token_address(&newcomer.pubkey(), &world.energy_mint);
    let who = market::client::TraderAccounts { trader: newcomer.pubkey(), base, quote };
    world.send(&[market::client::deposit(market_key, who, 17, 0, 1_000)], &[&newcomer]).await.expect("deposit");
}

/// Only an empty seat can be taken over, only by a trader who needs one, never while
/// paused; releasing a seat hands its bond back, paused or not.
#[tokio::test]
async fn take_over_rules_and_bond_refunds() {
    let mut world = World::new().await;
    world.allow_large_readings().await;
    let bond = seat_bond(&mut world).await;
    let market_key = world.market;
    let holding = world.trader(0, 1_000).await;
    let leaver = world.trader(0, 0).await;
    let rest = squat_every_seat_left(&mut world).await;
    let newcomer = Keypair::new();
    world.airdrop(&newcomer.pubkey(), 1_000_000_000).await;
    world.set_time(T0 + 10 * 900 + IDLE_SLOTS);

    // A seat holding funds belongs to a trader: it is never taken.
    let grab = claim_naming(newcomer.pubkey(), market_key, holding.pubkey());
    assert_error(world.send(&[grab], &[&newcomer]).await, MarketError::SeatNotEmpty);
    // Someone holding no seat cannot be named.
    let nobody = claim_naming(newcomer.pubkey(), market_key, Pubkey::new_unique());
    assert_error(world.send(&[nobody], &[&newcomer]).await, MarketError::SeatMismatch);
    // A trader with a seat gets that seat back and takes nothing over.
    let again = claim_naming(holding.pubkey(), market_key, rest[0].pubkey());
    let outcome = world.process(&[again], &[&holding.key]).await;
    outcome.result.expect("idempotent claim");
    assert_eq!(decode_events::<market::events::SeatClaimed>(&outcome.logs)[0].seat, holding.seat);
    let m = world.market_state().await;
    assert!(m.book.seats.iter().any(|s| s.trader == rest[0].pubkey().to_bytes()), "nothing taken over");

    // Paused: no take-over (it allocates), but a release still refunds its bond.
    let guardian = world.keys.guardian.insecure_clone();
    world.send(&[governance::client::pause(guardian.pubkey())], &[&guardian]).await.unwrap();
    let take = claim_naming(newcomer.pubkey(), market_key, rest[0].pubkey());
    assert_error(world.send(std::slice::from_ref(&take), &[&newcomer]).await, MarketError::Paused);
    let before = world.account(&leaver.pubkey()).await.unwrap().lamports;
    let release = market::client::release_seat(leaver.pubkey(), market_key, leaver.seat);
    let payer = world.ctx.payer.insecure_clone();
    world.send(&[release], &[&payer, &leaver.key]).await.expect("release while paused");
    assert_eq!(world.account(&leaver.pubkey()).await.unwrap().lamports, before + bond, "bond refunded");
    world.council_exec(governance::client::unpause()).await.unwrap();
    world.send(&[take], &[&newcomer]).await.expect("take-over after unpause");
}

/// Claims every seat still free with throwaway signers (as `squat_every_seat`).
async fn squat_every_seat_left(world: &mut World) -> Vec<Keypair> {
    let taken = world.market_state().await.book.seats.iter().filter(|s| s.trader != [0; 32]).count();
    let squatters: Vec<Keypair> = (taken..MAX_SEATS).map(|_| Keypair::new()).collect();
    let payer = world.ctx.payer.insecure_clone();
    for chunk in squatters.chunks(6) {
        let mut ixs = Vec::new();
        for k in chunk {
            ixs.push(solana_system_interface::instruction::transfer(&payer.pubkey(), &k.pubkey(), FUNDING));
            ixs.push(market::client::claim_seat(k.pubkey(), world.market));
        }
        let signers: Vec<&Keypair> = std::iter::once(&payer).chain(chunk).collect();
        world.send(&ixs, &signers).await.expect("squatters claim");
    }
    squatters
}

