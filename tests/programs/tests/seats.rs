//! Seats are a shared, bounded resource: claiming one must cost the claimer, and seats
//! nobody uses must never keep a trader who needs one out (issue #9, "Seat squatting").
use anchor_lang::prelude::{AccountMeta, Pubkey, Rent};
use gridtokenx_program_tests::*;
use market::engine::MAX_SEATS;
use market::error::MarketError;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// Lamports each throwaway signer starts with: enough for any bond, nothing more.
const FUNDING: u64 = 10_000_000;
/// Slots an empty seat must stay untouched before someone else may take it over
/// (docs/architecture.md, "Seats").
const IDLE_SLOTS: i64 = 9_000;

/// What claiming a seat bonds: the rent-exempt deposit of an account holding one seat.
fn seat_bond(rent: &Rent) -> u64 {
    rent.minimum_balance(std::mem::size_of::<market::engine::Seat>())
}

/// `claim_seat` naming the holder of an idle, empty seat to take over when no seat is free.
fn claim_naming(trader: Pubkey, market: Pubkey, holder: Pubkey) -> Instruction {
    let mut ix = market::client::claim_seat(trader, market);
    ix.accounts.push(AccountMeta::new(holder, false));
    ix
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
    let rent = world.ctx.banks_client.get_rent().await.unwrap();
    let bond = seat_bond(&rent);
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
