//! Seats cost their claimer and never run out (issue #9, "Seat squatting" and "Growable
//! book"): each claim takes a block of the market account, grown and paid for by the
//! claimer when none is free, and bonds lamports refunded on release.
use anchor_lang::prelude::Pubkey;
use gridtokenx_program_tests::*;
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

/// What the fixed book held; squatters used to take them all for fees alone.
const OLD_SEATS: usize = 256;

/// A block's rent-exempt lamports: what the account's minimum grows by per block.
async fn block_rent(world: &mut World) -> u64 {
    let rent = world.ctx.banks_client.get_rent().await.unwrap();
    rent.minimum_balance(market::engine::BLOCK_SIZE) - rent.minimum_balance(0)
}

/// The attack: throwaway signers, eight claims per transaction, as many seats as
/// the fixed book had. Returns the squatters in claim order.
async fn squat_old_seats(world: &mut World) -> Vec<Keypair> {
    let squatters: Vec<Keypair> = (0..OLD_SEATS).map(|_| Keypair::new()).collect();
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

/// 256 squatters no longer lock anyone out: each paid its seat's block and bond, the
/// account grew by a block per seat, and the 257th and later traders get a seat of their
/// own, paying for theirs.
#[tokio::test]
async fn squatting_costs_the_squatters_and_blocks_no_one() {
    let mut world = World::new().await;
    let bond = seat_bond(&mut world).await;
    let block = block_rent(&mut world).await;
    let market_key = world.market;
    let before = world.account(&market_key).await.unwrap();
    let squatters = squat_old_seats(&mut world).await;

    for s in &squatters {
        let left = world.account(&s.pubkey()).await.unwrap().lamports;
        assert_eq!(left, FUNDING - bond - block, "each claim bonds and pays its block");
    }
    let after = world.account(&market_key).await.unwrap();
    assert_eq!(
        after.data.len() - before.data.len(),
        OLD_SEATS * market::engine::BLOCK_SIZE,
        "a block per seat"
    );
    assert_eq!(after.lamports - before.lamports, (bond + block) * OLD_SEATS as u64);

    // The 257th and 258th traders get seats at once, and pay for them.
    for _ in 0..2 {
        let newcomer = Keypair::new();
        world.airdrop(&newcomer.pubkey(), 1_000_000_000).await;
        let outcome =
            world.process(&[market::client::claim_seat(newcomer.pubkey(), market_key)], &[&newcomer]).await;
        outcome.result.as_ref().unwrap_or_else(|e| panic!("a seat past the old limit: {e:?}"));
        let seat = decode_events::<market::events::SeatClaimed>(&outcome.logs)[0].seat;
        let m = world.market_state().await;
        assert_eq!(m.book.seat(seat).unwrap().trader, newcomer.pubkey().to_bytes());
        // The newcomer trades from that seat.
        world.mint_energy(&newcomer, 0).await;
        let quote = world.mint_quote(&newcomer.pubkey(), 1_000).await;
        let base = spl_associated_token_account_interface::address::get_associated_token_address(
            &newcomer.pubkey(),
            &world.energy_mint,
        );
        let who = market::client::TraderAccounts { trader: newcomer.pubkey(), base, quote };
        world
            .send(&[market::client::deposit(market_key, who, seat, 0, 1_000)], &[&newcomer])
            .await
            .expect("deposit");
    }
    let m = world.market_state().await;
    assert_eq!(m.book.header.seat_count as usize, OLD_SEATS + 2);
    world.assert_conserved().await;
}

/// Below the account's size limit nothing is taken over: a claim naming an idle holder
/// gets a new seat. Claims stop while paused; a release refunds the bond, paused or not,
/// and its block is reused by the next claim instead of growing the account.
#[tokio::test]
async fn claims_releases_bonds_and_reused_blocks() {
    let mut world = World::new().await;
    world.allow_large_readings().await;
    let bond = seat_bond(&mut world).await;
    let market_key = world.market;
    let holding = world.trader(0, 1_000).await;
    let leaver = world.trader(0, 0).await;
    let newcomer = Keypair::new();
    world.airdrop(&newcomer.pubkey(), 1_000_000_000).await;
    world.set_time(T0 + 10 * 900 + IDLE_SLOTS);

    // A trader with a seat gets that seat back, naming a holder or not.
    let again = claim_naming(holding.pubkey(), market_key, leaver.pubkey());
    let outcome = world.process(&[again], &[&holding.key]).await;
    outcome.result.expect("idempotent claim");
    assert_eq!(decode_events::<market::events::SeatClaimed>(&outcome.logs)[0].seat, holding.seat);

    // Paused: no claim (it allocates), but a release still refunds its bond.
    let guardian = world.keys.guardian.insecure_clone();
    world.send(&[governance::client::pause(guardian.pubkey())], &[&guardian]).await.unwrap();
    let take = claim_naming(newcomer.pubkey(), market_key, leaver.pubkey());
    assert_error(world.send(std::slice::from_ref(&take), &[&newcomer]).await, MarketError::Paused);
    let before = world.account(&leaver.pubkey()).await.unwrap().lamports;
    let release = market::client::release_seat(leaver.pubkey(), market_key, leaver.seat);
    let payer = world.ctx.payer.insecure_clone();
    world.send(&[release], &[&payer, &leaver.key]).await.expect("release while paused");
    assert_eq!(world.account(&leaver.pubkey()).await.unwrap().lamports, before + bond, "bond refunded");
    world.council_exec(governance::client::unpause()).await.unwrap();

    // The newcomer names the leaver (no longer holding a seat): it gets the freed block,
    // and the account does not grow.
    let len = world.account(&market_key).await.unwrap().data.len();
    let outcome = world.process(&[take], &[&newcomer]).await;
    outcome.result.as_ref().unwrap_or_else(|e| panic!("claim after unpause: {e:?}"));
    let claimed = decode_events::<market::events::SeatClaimed>(&outcome.logs);
    assert_eq!((claimed.len(), claimed[0].trader, claimed[0].seat), (1, newcomer.pubkey(), leaver.seat));
    assert_eq!(world.account(&market_key).await.unwrap().data.len(), len, "the freed block is reused");
    let m = world.market_state().await;
    assert!(m.book.seat(holding.seat).is_some_and(|s| s.trader == holding.pubkey().to_bytes()));
}
