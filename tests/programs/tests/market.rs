//! The order book end to end: collateral, matching, settlement, fees, and every way
//! around the rules that must fail.
use anchor_lang::error::ErrorCode as AnchorError;
use anchor_lang::prelude::Pubkey;
use gridtokenx_program_tests::*;
use market::engine::{OrderPacket, OrderType, SelfTradeBehavior, Side};
use market::error::MarketError;
use market::events::{OrderCanceled, OrderFilled};
use solana_keypair::Keypair;
use solana_signer::Signer;

async fn trading_world() -> World {
    let mut world = World::new().await;
    world.allow_large_readings().await;
    world
}

#[tokio::test]
async fn taker_fills_across_makers_and_settles_exactly() {
    let mut world = trading_world().await;
    let makers =
        [world.trader(10_000, 0).await, world.trader(10_000, 0).await, world.trader(10_000, 0).await];
    for (maker, price) in makers.iter().zip([100, 101, 102]) {
        world.place(maker, ask(price, 10)).await.result.expect("resting ask");
    }
    let taker = world.trader(0, 5_000_000).await;
    let outcome = world.place(&taker, bid(102, 25)).await;
    outcome.result.expect("taking bid");

    let fills = decode_events::<OrderFilled>(&outcome.logs);
    let summary: Vec<(Pubkey, u64, u64, u64)> =
        fills.iter().map(|f| (f.maker, f.price_ticks, f.lots, f.quote_atoms)).collect();
    assert_eq!(
        summary,
        vec![
            (makers[0].pubkey(), 100, 10, 1_000_000),
            (makers[1].pubkey(), 101, 10, 1_010_000),
            (makers[2].pubkey(), 102, 5, 510_000),
        ]
    );
    // 25 bps of 2_520_000, rounded up in favour of the book.
    let fee: u64 = fills.iter().map(|f| f.taker_fee_quote_atoms).sum();
    assert_eq!(fee, 6_300);
    assert!(fills.iter().all(|f| f.taker == taker.pubkey()));

    let m = world.market_state().await;
    let seat = |t: &Trader| *m.book.seat(t.seat).unwrap();
    assert_eq!((seat(&taker).base_free, seat(&taker).quote_free), (25_000, 5_000_000 - 2_520_000 - 6_300));
    assert_eq!(seat(&makers[0]).quote_free, 1_000_000);
    assert_eq!(seat(&makers[1]).quote_free, 1_010_000);
    assert_eq!((seat(&makers[2]).quote_free, seat(&makers[2]).base_locked), (510_000, 5_000));
    assert_eq!(m.book.header.fees_accrued_quote_atoms, 6_300);
    world.assert_conserved().await;

    // The taker takes the energy home.
    let ix = market::client::withdraw(world.market, taker.accounts(), taker.seat, 25_000, 0);
    world.send(&[ix], &[&taker.key]).await.expect("withdraw");
    assert_eq!(world.token_balance(&taker.base).await, 25_000);

    // Fees leave only through governance, and only what accrued.
    let council = governance::client::council_address();
    let treasury = world.mint_quote(&council, 0).await;
    let too_much = market::client::withdraw_fees(council, world.market, treasury, 6_301);
    assert_error(world.council_exec(too_much).await, MarketError::InsufficientFees);
    let member = world.keys.members[0].insecure_clone();
    let direct = market::client::withdraw_fees(member.pubkey(), world.market, treasury, 6_300);
    assert_error(world.send(&[direct], &[&member]).await, MarketError::Unauthorized);
    world.council_exec(market::client::withdraw_fees(council, world.market, treasury, 6_300)).await.unwrap();
    assert_eq!(world.token_balance(&treasury).await, 6_300);
    world.assert_conserved().await;
}

#[tokio::test]
async fn only_the_council_creates_one_market_per_pair() {
    let mut world = trading_world().await;
    // A second market for the same pair is refused (the pair record already exists).
    assert!(world.create_market(None).await.is_err());

    // A member cannot create a market without the council.
    let member = world.keys.members[0].insecure_clone();
    let market_kp = Keypair::new();
    let rent = world.ctx.banks_client.get_rent().await.unwrap();
    let space = market::state::Market::SPACE;
    let alloc = solana_system_interface::instruction::create_account(
        &member.pubkey(),
        &market_kp.pubkey(),
        rent.minimum_balance(space),
        space as u64,
        &market::ID,
    );
    world.send(&[alloc], &[&member, &market_kp]).await.unwrap();
    let other_quote = Keypair::new();
    let authority = world.keys.quote_mint_authority.pubkey();
    world.create_mint(&other_quote, &authority, 6).await;
    let other_quote = other_quote.pubkey();
    let ix = market::client::create_market(
        member.pubkey(),
        member.pubkey(),
        market_kp.pubkey(),
        world.energy_mint,
        other_quote,
        market::instructions::CreateMarketParams {
            tick_size_quote_atoms: 1,
            lot_size_base_atoms: 1,
            taker_fee_bps: 0,
            price_band: None,
            allow_freeze_authority: false,
            min_order_lots: 0,
        },
    );
    assert_error(world.send(&[ix], &[&member]).await, MarketError::Unauthorized);
}

#[tokio::test]
async fn fake_vaults_and_foreign_token_accounts_are_rejected() {
    let mut world = trading_world().await;
    let trader = world.trader(5_000, 1_000_000).await;
    let thief_vault = world.mint_quote(&Pubkey::new_unique(), 0).await;

    let mut ix = market::client::withdraw(world.market, trader.accounts(), trader.seat, 0, 1_000);
    let quote_vault = market::client::quote_vault_address(&world.market);
    ix.accounts.iter_mut().filter(|m| m.pubkey == quote_vault).for_each(|m| m.pubkey = thief_vault);
    assert_error(world.send(&[ix], &[&trader.key]).await, MarketError::InvalidVault);

    // Base and quote accounts swapped: mints do not match the market's.
    let mut swapped = trader.accounts();
    std::mem::swap(&mut swapped.base, &mut swapped.quote);
    let ix = market::client::deposit(world.market, swapped, trader.seat, 1, 1);
    assert_error(world.send(&[ix], &[&trader.key]).await, AnchorError::ConstraintTokenMint);

    // Someone else's seat.
    let other = world.trader(0, 1_000).await;
    let ix = market::client::withdraw(world.market, trader.accounts(), other.seat, 0, 1);
    assert_error(world.send(&[ix], &[&trader.key]).await, MarketError::SeatMismatch);
    world.assert_conserved().await;
}

#[tokio::test]
async fn invalid_orders_fail_with_their_own_errors() {
    let mut world = trading_world().await;
    let trader = world.trader(5_000, 1_000_000).await;
    // Prices and sizes are whole ticks and lots, so "off tick" and "below lot size" are
    // unrepresentable; zero is the degenerate case left to refuse.
    assert_error(world.place(&trader, bid(100, 0)).await.result, MarketError::InvalidOrder);
    assert_error(world.place(&trader, bid(0, 1)).await.result, MarketError::InvalidOrder);
    assert_error(world.place(&trader, bid(u64::MAX, u64::MAX)).await.result, MarketError::Overflow);
    assert_error(world.place(&trader, bid(100, 11)).await.result, MarketError::InsufficientFunds);
    assert_error(world.place(&trader, ask(100, 6)).await.result, MarketError::InsufficientFunds);
    let mut expired = bid(100, 1);
    expired.expiry_ts = T0;
    world.set_time(T0 + 10 * 900);
    assert_error(world.place(&trader, expired).await.result, MarketError::OrderExpired);
    let m = world.market_state().await;
    assert_eq!((m.book.header.bid_count, m.book.header.ask_count), (0, 0));
}

#[tokio::test]
async fn fill_or_kill_post_only_and_ioc() {
    let mut world = trading_world().await;
    let maker = world.trader(10_000, 0).await;
    let taker = world.trader(0, 10_000_000).await;
    world.place(&maker, ask(100, 5)).await.result.unwrap();

    let fok = order(Side::Bid, OrderType::FillOrKill, 100, 6);
    assert_error(world.place(&taker, fok).await.result, MarketError::FillOrKillNotFilled);
    let post = order(Side::Bid, OrderType::PostOnly, 100, 1);
    assert_error(world.place(&taker, post).await.result, MarketError::PostOnlyWouldCross);

    let ioc = order(Side::Bid, OrderType::ImmediateOrCancel, 100, 8);
    let outcome = world.place(&taker, ioc).await;
    outcome.result.unwrap();
    assert_eq!(decode_events::<OrderFilled>(&outcome.logs).len(), 1);
    let canceled = decode_events::<OrderCanceled>(&outcome.logs);
    assert_eq!((canceled.len(), canceled[0].lots, canceled[0].reason), (1, 3, 3));
    let m = world.market_state().await;
    assert_eq!((m.book.header.bid_count, m.book.header.ask_count), (0, 0), "IOC never rests");

    let fok = order(Side::Ask, OrderType::FillOrKill, 100, 1);
    assert_error(world.place(&maker, fok).await.result, MarketError::FillOrKillNotFilled);
    world.assert_conserved().await;
}

#[tokio::test]
async fn self_trade_policies() {
    let mut world = trading_world().await;
    let me = world.trader(10_000, 10_000_000).await;
    world.place(&me, ask(100, 4)).await.result.unwrap();

    let abort = bid(100, 2);
    assert_error(world.place(&me, abort).await.result, MarketError::SelfTrade);

    let mut decrement = bid(100, 1);
    decrement.self_trade = SelfTradeBehavior::DecrementTake;
    let outcome = world.place(&me, decrement).await;
    outcome.result.unwrap();
    assert!(decode_events::<OrderFilled>(&outcome.logs).is_empty(), "no trade with oneself");
    let m = world.market_state().await;
    assert_eq!(
        (m.book.header.ask_count, m.book.orders(Side::Ask)[0].lots, m.book.header.bid_count),
        (1, 3, 0)
    );

    let mut cancel_resting = bid(100, 2);
    cancel_resting.self_trade = SelfTradeBehavior::CancelResting;
    let outcome = world.place(&me, cancel_resting).await;
    outcome.result.unwrap();
    let canceled = decode_events::<OrderCanceled>(&outcome.logs);
    assert_eq!((canceled[0].side, canceled[0].reason), (1, 2));
    let m = world.market_state().await;
    assert_eq!((m.book.header.ask_count, m.book.header.bid_count), (0, 1), "resting ask canceled, bid rests");
    world.assert_conserved().await;
}

#[tokio::test]
async fn expired_makers_are_removed_not_filled() {
    let mut world = trading_world().await;
    let maker = world.trader(10_000, 0).await;
    let taker = world.trader(0, 10_000_000).await;
    let now = T0 + 10 * 900;
    let mut short_lived = ask(100, 5);
    short_lived.expiry_ts = now + 60;
    world.place(&maker, short_lived).await.result.unwrap();
    world.set_time(now + 61);

    let outcome = world.place(&taker, bid(100, 5)).await;
    outcome.result.unwrap();
    assert!(decode_events::<OrderFilled>(&outcome.logs).is_empty());
    let canceled = decode_events::<OrderCanceled>(&outcome.logs);
    assert_eq!((canceled[0].trader, canceled[0].reason), (maker.pubkey(), 1));
    let m = world.market_state().await;
    let seat = *m.book.seat(maker.seat).unwrap();
    assert_eq!((seat.base_free, seat.base_locked), (10_000, 0), "collateral unlocked");
    assert_eq!((m.book.header.bid_count, m.book.header.ask_count), (1, 0));
    world.assert_conserved().await;
}

#[tokio::test]
async fn match_limit_bounds_a_taker() {
    let mut world = trading_world().await;
    let mut makers = Vec::new();
    for _ in 0..4 {
        makers.push(world.trader(1_000, 0).await);
    }
    for m in &makers {
        world.place(m, ask(100, 1)).await.result.unwrap();
    }
    let taker = world.trader(0, 10_000_000).await;
    let mut limited = bid(100, 4);
    limited.match_limit = 2;
    let outcome = world.place(&taker, limited).await;
    outcome.result.unwrap();
    assert_eq!(decode_events::<OrderFilled>(&outcome.logs).len(), 2);
    let canceled = decode_events::<OrderCanceled>(&outcome.logs);
    assert_eq!((canceled[0].lots, canceled[0].reason), (2, 4), "crossing remainder is not rested");
    let m = world.market_state().await;
    assert_eq!((m.book.header.ask_count, m.book.header.bid_count), (2, 0));
    world.assert_conserved().await;
}

#[tokio::test]
async fn pause_stops_trading_but_never_traps_funds() {
    let mut world = trading_world().await;
    let trader = world.trader(5_000, 1_000_000).await;
    world.place(&trader, bid(100, 3)).await.result.unwrap();
    let guardian = world.keys.guardian.insecure_clone();
    world.send(&[governance::client::pause(guardian.pubkey())], &[&guardian]).await.unwrap();

    assert_error(world.place(&trader, bid(99, 1)).await.result, MarketError::Paused);
    let deposit = market::client::deposit(world.market, trader.accounts(), trader.seat, 0, 1);
    assert_error(world.send(&[deposit], &[&trader.key]).await, MarketError::Paused);
    world
        .send(&[market::client::cancel_all(trader.pubkey(), world.market, trader.seat)], &[&trader.key])
        .await
        .unwrap();
    let exit = market::client::withdraw(world.market, trader.accounts(), trader.seat, 5_000, 1_000_000);
    world.send(&[exit], &[&trader.key]).await.expect("withdraw while paused");
    assert_eq!(world.token_balance(&trader.quote).await, 1_000_000);

    // The market's own switch, through the council.
    world.council_exec(governance::client::unpause()).await.unwrap();
    let council = governance::client::council_address();
    let params =
        market::instructions::UpdateMarketParams { taker_fee_bps: 10, paused: true, price_band: None };
    world.council_exec(market::client::update_market(council, world.market, params)).await.unwrap();
    assert_error(world.place(&trader, bid(99, 1)).await.result, MarketError::Paused);
}

#[tokio::test]
async fn cancel_unlocks_exactly() {
    let mut world = trading_world().await;
    let trader = world.trader(5_000, 1_000_000).await;
    world.place(&trader, bid(100, 3)).await.result.unwrap();
    world.place(&trader, ask(200, 2)).await.result.unwrap();
    let m = world.market_state().await;
    let seat = *m.book.seat(trader.seat).unwrap();
    assert_eq!((seat.quote_locked, seat.base_locked), (300_000, 2_000));
    let bid_id = m.book.orders(Side::Bid)[0].order_id;

    let stranger = world.trader(0, 0).await;
    let steal =
        market::client::cancel_order(stranger.pubkey(), world.market, stranger.seat, Side::Bid, bid_id);
    assert_error(world.send(&[steal], &[&stranger.key]).await, MarketError::OrderNotFound);

    let cancel = market::client::cancel_order(trader.pubkey(), world.market, trader.seat, Side::Bid, bid_id);
    world.send(&[cancel], &[&trader.key]).await.unwrap();
    world
        .send(&[market::client::cancel_all(trader.pubkey(), world.market, trader.seat)], &[&trader.key])
        .await
        .unwrap();
    let m = world.market_state().await;
    let seat = *m.book.seat(trader.seat).unwrap();
    assert_eq!(
        (seat.quote_free, seat.quote_locked, seat.base_free, seat.base_locked),
        (1_000_000, 0, 5_000, 0)
    );
    world.assert_conserved().await;
}

fn price_update(feed_id: [u8; 32], price: i64, exponent: i32, publish_time: i64, full: bool) -> Vec<u8> {
    use market::pyth::{PriceFeedMessage, PriceUpdateV2, VerificationLevel};
    PriceUpdateV2 {
        write_authority: Pubkey::new_unique(),
        verification_level: if full {
            VerificationLevel::Full
        } else {
            VerificationLevel::Partial { num_signatures: 5 }
        },
        price_message: PriceFeedMessage {
            feed_id,
            price,
            conf: 1,
            exponent,
            publish_time,
            prev_publish_time: publish_time - 1,
            ema_price: price,
            ema_conf: 1,
        },
        posted_slot: 1,
    }
    .to_account_data()
}

fn put_account(world: &mut World, key: &Pubkey, owner: Pubkey, data: Vec<u8>) {
    let account =
        solana_account::Account { lamports: 10_000_000, data, owner, executable: false, rent_epoch: 0 };
    world.ctx.set_account(key, &account.into());
}

#[tokio::test]
async fn pyth_price_band_guards_orders() {
    let mut world = trading_world().await;
    let trader = world.trader(0, 10_000_000).await;
    let now = T0 + 10 * 900;
    let feed = Pubkey::new_unique();
    let feed_id = [3; 32];
    // 0.10 quote per kWh = 100 ticks of 0.001 per kWh.
    put_account(&mut world, &feed, market::pyth::PYTH_RECEIVER_ID, price_update(feed_id, 10, -2, now, true));
    let band = market::state::PriceBand {
        price_feed: feed,
        feed_id,
        max_deviation_bps: 500,
        max_staleness_secs: 60,
    };
    let council = governance::client::council_address();
    let params = market::instructions::UpdateMarketParams {
        taker_fee_bps: TAKER_FEE_BPS,
        paused: false,
        price_band: Some(band),
    };
    world.council_exec(market::client::update_market(council, world.market, params)).await.unwrap();

    let market_key = world.market;
    let place = |packet: OrderPacket, feed: Option<Pubkey>| {
        market::client::place_order(trader.pubkey(), market_key, trader.seat, packet, feed)
    };
    let (in_band, too_high, too_low, no_feed) = (
        place(bid(105, 1), Some(feed)),
        place(bid(106, 1), Some(feed)),
        place(bid(94, 1), Some(feed)),
        place(bid(100, 1), None),
    );
    let imposter = Pubkey::new_unique();
    put_account(
        &mut world,
        &imposter,
        market::pyth::PYTH_RECEIVER_ID,
        price_update(feed_id, 10, -2, now, true),
    );
    let wrong_key = place(bid(100, 1), Some(imposter));

    world.send(&[in_band], &[&trader.key]).await.expect("105 ticks is within 5% of 100");
    assert_error(world.send(&[too_high], &[&trader.key]).await, MarketError::PriceOutOfBand);
    assert_error(world.send(&[too_low], &[&trader.key]).await, MarketError::PriceOutOfBand);
    assert_error(world.send(&[no_feed], &[&trader.key]).await, MarketError::MissingPriceFeed);
    assert_error(world.send(&[wrong_key], &[&trader.key]).await, MarketError::InvalidPriceFeed);

    let retry = |p| place(bid(p, 1), Some(feed));
    // Only fully verified updates count, and only from the Pyth receiver program.
    put_account(&mut world, &feed, market::pyth::PYTH_RECEIVER_ID, price_update(feed_id, 10, -2, now, false));
    assert_error(world.send(&[retry(101)], &[&trader.key]).await, MarketError::InvalidPriceFeed);
    put_account(&mut world, &feed, Pubkey::new_unique(), price_update(feed_id, 10, -2, now, true));
    assert_error(world.send(&[retry(102)], &[&trader.key]).await, MarketError::InvalidPriceFeed);
    put_account(&mut world, &feed, market::pyth::PYTH_RECEIVER_ID, price_update([4; 32], 10, -2, now, true));
    assert_error(world.send(&[retry(103)], &[&trader.key]).await, MarketError::InvalidPriceFeed);

    put_account(&mut world, &feed, market::pyth::PYTH_RECEIVER_ID, price_update(feed_id, 10, -2, now, true));
    world.set_time(now + 61);
    assert_error(world.send(&[retry(104)], &[&trader.key]).await, MarketError::StalePrice);
}

/// The engine's conservation property, through the real program and token vaults: a
/// seeded random flow of orders and cancels from several traders, then vault balances
/// must equal seats plus fees, and the book must not be crossed.
#[tokio::test]
async fn random_flow_through_the_program_conserves_vault_balances() {
    let mut world = trading_world().await;
    let mut traders = Vec::new();
    for _ in 0..4 {
        traders.push(world.trader(40_000, 20_000_000).await);
    }
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let (mut landed, mut refused) = (0, 0);
    for _ in 0..40 {
        let t = &traders[next(4) as usize];
        let ix = if next(6) == 0 {
            market::client::cancel_all(t.pubkey(), world.market, t.seat)
        } else {
            let side = if next(2) == 0 { Side::Bid } else { Side::Ask };
            let order_type =
                [OrderType::Limit, OrderType::Limit, OrderType::ImmediateOrCancel, OrderType::PostOnly]
                    [next(4) as usize];
            let mut packet = order(side, order_type, 95 + next(11), 1 + next(8));
            packet.self_trade = SelfTradeBehavior::CancelResting;
            market::client::place_order(t.pubkey(), world.market, t.seat, packet, None)
        };
        match world.send(&[ix], &[&t.key]).await {
            Ok(()) => landed += 1,
            Err(_) => refused += 1,
        }
    }
    assert!(landed > 25, "the flow must mostly trade: {landed} landed, {refused} refused");
    let m = world.market_state().await;
    assert!(!m.book.is_crossed());
    assert!(m.book.header.fees_accrued_quote_atoms > 0, "some orders must have taken liquidity");
    world.assert_conserved().await;
}

#[tokio::test]
async fn seats_are_released_only_when_empty() {
    let mut world = trading_world().await;
    let trader = world.trader(0, 1_000).await;
    let release = market::client::release_seat(trader.pubkey(), world.market, trader.seat);
    assert_error(world.send(std::slice::from_ref(&release), &[&trader.key]).await, MarketError::SeatNotEmpty);
    let exit = market::client::withdraw(world.market, trader.accounts(), trader.seat, 0, 1_000);
    world.send(&[exit, release], &[&trader.key]).await.expect("empty seat released");
    let m = world.market_state().await;
    assert!(m.book.seat(trader.seat).is_none(), "the seat's block is free again");
    let again = market::client::deposit(world.market, trader.accounts(), trader.seat, 0, 1);
    assert_error(world.send(&[again], &[&trader.key]).await, MarketError::SeatMismatch);
}

/// A pause stops every new allocation, seats included; leaving (releasing an empty seat)
/// stays open.
#[tokio::test]
async fn pause_stops_seat_claims_but_not_releases() {
    let mut world = trading_world().await;
    let leaver = world.trader(0, 0).await;
    let guardian = world.keys.guardian.insecure_clone();
    world.send(&[governance::client::pause(guardian.pubkey())], &[&guardian]).await.unwrap();

    let newcomer = Keypair::new();
    world.airdrop(&newcomer.pubkey(), 1_000_000_000).await;
    let claim = market::client::claim_seat(newcomer.pubkey(), world.market);
    assert_error(world.send(std::slice::from_ref(&claim), &[&newcomer]).await, MarketError::Paused);
    let release = market::client::release_seat(leaver.pubkey(), world.market, leaver.seat);
    world.send(&[release], &[&leaver.key]).await.expect("release while paused");

    world.council_exec(governance::client::unpause()).await.unwrap();
    world.send(&[claim], &[&newcomer]).await.expect("claim after unpause");
}

/// A mint whose freeze authority could freeze a vault, as `create_mint` makes one but
/// with `freeze_authority` set.
async fn create_freezable_mint(world: &mut World, mint: &Keypair, freeze_authority: &Pubkey) {
    let payer = world.ctx.payer.insecure_clone();
    let rent = world.ctx.banks_client.get_rent().await.unwrap();
    let space = <spl_token_interface::state::Mint as solana_program_pack::Pack>::LEN;
    let authority = world.keys.quote_mint_authority.pubkey();
    let ixs = [
        solana_system_interface::instruction::create_account(
            &payer.pubkey(),
            &mint.pubkey(),
            rent.minimum_balance(space),
            space as u64,
            &spl_token_interface::ID,
        ),
        spl_token_interface::instruction::initialize_mint2(
            &spl_token_interface::ID,
            &mint.pubkey(),
            &authority,
            Some(freeze_authority),
            6,
        )
        .unwrap(),
    ];
    world.send(&ixs, &[&payer, mint]).await.expect("freezable mint");
}

/// Creates a market for (base, quote) through the council, the way the bootstrap does.
async fn council_create_market(
    world: &mut World,
    base: Pubkey,
    quote: Pubkey,
    allow_freeze: bool,
) -> TxResult {
    let market = Keypair::new();
    let payer = world.keys.members[0].insecure_clone();
    let rent = world.ctx.banks_client.get_rent().await.unwrap();
    let space = market::state::Market::SPACE;
    let alloc = solana_system_interface::instruction::create_account(
        &payer.pubkey(),
        &market.pubkey(),
        rent.minimum_balance(space),
        space as u64,
        &market::ID,
    );
    world.send(&[alloc], &[&payer, &market]).await.unwrap();
    let ix = market::client::create_market(
        governance::client::council_address(),
        payer.pubkey(),
        market.pubkey(),
        base,
        quote,
        market::instructions::CreateMarketParams {
            tick_size_quote_atoms: TICK_SIZE,
            lot_size_base_atoms: LOT_SIZE,
            taker_fee_bps: TAKER_FEE_BPS,
            price_band: None,
            allow_freeze_authority: allow_freeze,
            min_order_lots: 0,
        },
    );
    world.council_exec(ix).await
}

/// The pair record is keyed by the two mints in either order: (quote, energy) is the same
/// pair as (energy, quote), so it cannot get a second market.
#[tokio::test]
async fn the_same_pair_in_reverse_order_gets_no_second_market() {
    let mut world = trading_world().await;
    let (energy, quote) = (world.energy_mint, world.keys.quote_mint.pubkey());
    assert!(council_create_market(&mut world, quote, energy, false).await.is_err(), "reverse order refused");
    assert_eq!(market::client::pair_address(&quote, &energy), market::client::pair_address(&energy, &quote));
}

/// A mint with a freeze authority could have a vault frozen, trapping every trader's
/// funds: such a market is refused unless the council explicitly allows it.
#[tokio::test]
async fn a_mint_with_a_freeze_authority_is_refused() {
    let mut world = trading_world().await;
    let freezable = Keypair::new();
    let freezer = Pubkey::new_unique();
    create_freezable_mint(&mut world, &freezable, &freezer).await;
    let energy = world.energy_mint;
    let refused = council_create_market(&mut world, energy, freezable.pubkey(), false).await;
    assert_error(refused, MarketError::MintHasFreezeAuthority);
    council_create_market(&mut world, energy, freezable.pubkey(), true)
        .await
        .expect("allowed by the council");
}

/// An expired order can no longer fill, so it cannot make a post-only order cross: the
/// post-only bid rests and the expired ask is removed (its collateral unlocked).
#[tokio::test]
async fn an_expired_ask_does_not_refuse_a_post_only_bid() {
    let mut world = trading_world().await;
    let maker = world.trader(10_000, 0).await;
    let taker = world.trader(0, 10_000_000).await;
    let now = T0 + 10 * 900;
    let mut short_lived = ask(100, 5);
    short_lived.expiry_ts = now + 60;
    world.place(&maker, short_lived).await.result.unwrap();
    world.set_time(now + 61);

    let outcome = world.place(&taker, order(Side::Bid, OrderType::PostOnly, 100, 5)).await;
    outcome.result.expect("post-only bid rests: the only crossing ask has expired");
    let canceled = decode_events::<OrderCanceled>(&outcome.logs);
    assert_eq!((canceled.len(), canceled[0].trader, canceled[0].reason), (1, maker.pubkey(), 1));
    let m = world.market_state().await;
    assert_eq!((m.book.header.bid_count, m.book.header.ask_count), (1, 0));
    assert!(!m.book.is_crossed());
    let seat = *m.book.seat(maker.seat).unwrap();
    assert_eq!((seat.base_free, seat.base_locked), (10_000, 0), "collateral unlocked");
    world.assert_conserved().await;
}

/// Expired orders met by a taker are removed and their blocks freed for the next orders:
/// the book holds no space for orders that can no longer fill once someone trades
/// through them.
#[tokio::test]
async fn expired_orders_met_by_a_taker_free_their_blocks() {
    let mut world = trading_world().await;
    let squatter = world.trader(0, 10_000_000).await;
    let now = T0 + 10 * 900;
    for i in 0..8u64 {
        let mut p = bid(1 + i % 7, 1);
        p.expiry_ts = now + 60;
        p.client_order_id = i;
        world.place(&squatter, p).await.result.expect("resting bid");
    }
    // Funded before the clock moves on (minting energy sets the clock).
    let newcomer = world.trader(LOT_SIZE, 0).await;
    world.set_time(now + 61);
    let blocks = world.market_state().await.book.header.block_count;
    let outcome = world.place(&newcomer, ask(1, 1)).await;
    outcome.result.expect("the ask rests");
    let canceled = decode_events::<OrderCanceled>(&outcome.logs);
    assert_eq!(canceled.len(), 8);
    assert!(canceled.iter().all(|c| (c.trader, c.reason) == (squatter.pubkey(), 1)));
    let m = world.market_state().await;
    assert_eq!((m.book.header.bid_count, m.book.header.ask_count), (0, 1));
    // The ask reserved a block before matching (the free list was empty), then freed the
    // eight expired bids' blocks: eight blocks wait for the next orders.
    assert_eq!((m.book.header.block_count, m.book.header.free_count), (blocks + 1, 8));
    let market_key = world.market;
    let len = world.account(&market_key).await.unwrap().data.len();
    world.place(&newcomer, ask(2, 1)).await.result.expect_err("no base left");
    world.place(&squatter, bid(1, 1)).await.result.expect("a bid in a freed block");
    assert_eq!(world.account(&market_key).await.unwrap().data.len(), len, "no growth");
    world.assert_conserved().await;
}

/// `match_limit` at its extreme: 64 one-lot asks under the bid's limit and a taker larger
/// than 64 lots, asking for more than the cap. It must stop cleanly at 64 fills (the SBF
/// build once ran out of heap here), whatever becomes of the remainder.
#[tokio::test]
async fn a_taker_beyond_the_match_limit_stops_cleanly_at_it() {
    let mut world = trading_world().await;
    let maker = world.trader(300 * LOT_SIZE, 0).await;
    let taker = world.trader(0, 1_000_000_000).await;
    let limit = u64::from(market::engine::MAX_MATCH_LIMIT);
    async fn rest_asks(world: &mut World, maker: &Trader, n: u64) {
        for i in 0..n {
            let mut p = ask(100, 1);
            p.client_order_id = i;
            world.place(maker, p).await.result.expect("resting ask");
        }
    }
    // (order type, asks resting, taker lots, canceled remainder (lots, reason), lots rested)
    let cases = [
        (OrderType::ImmediateOrCancel, limit, limit + 1, Some((1, 3)), 0),
        (OrderType::Limit, limit, limit + 1, None, 1),
        (OrderType::Limit, limit + 1, limit + 2, Some((2, 4)), 0),
        (OrderType::ImmediateOrCancel, limit + 1, limit + 2, Some((2, 3)), 0),
    ];
    for (order_type, resting, lots, remainder, rested) in cases {
        world
            .send(&[market::client::cancel_all(maker.pubkey(), world.market, maker.seat)], &[&maker.key])
            .await
            .unwrap();
        world
            .send(&[market::client::cancel_all(taker.pubkey(), world.market, taker.seat)], &[&taker.key])
            .await
            .unwrap();
        rest_asks(&mut world, &maker, resting).await;
        let mut p = order(Side::Bid, order_type, 100, lots);
        p.match_limit = u16::MAX;
        let outcome = world.place(&taker, p).await;
        eprintln!("{order_type:?} of {lots} lots over {resting} asks: {} CU", outcome.compute_units);
        outcome.result.unwrap_or_else(|e| panic!("{order_type:?} {lots} lots: {e:?}\n{:#?}", outcome.logs));
        assert_eq!(decode_events::<OrderFilled>(&outcome.logs).len() as u64, limit);
        let canceled: Vec<(u64, u8)> =
            decode_events::<OrderCanceled>(&outcome.logs).iter().map(|c| (c.lots, c.reason)).collect();
        assert_eq!(canceled, remainder.into_iter().collect::<Vec<_>>());
        let m = world.market_state().await;
        assert_eq!((u64::from(m.book.header.ask_count), u64::from(m.book.header.bid_count)), (resting - limit, rested));
        assert!(!m.book.is_crossed());
    }
    world.assert_conserved().await;
}

/// `cancel_all` at its extreme: one trader holding a whole side of the book. On SBF that
/// costs more than the default 200,000 compute units (an event per order), so the trader
/// asks for more with a compute-budget instruction, as a client must.
#[tokio::test]
async fn cancel_all_of_a_full_side() {
    let mut world = trading_world().await;
    let trader = world.trader(0, 10_000_000).await;
    // What a side held before the book grew; the account grows order by order.
    let full = 256u64;
    for i in 0..full {
        let mut p = bid(1 + i % 7, 1);
        p.client_order_id = i;
        world.place(&trader, p).await.result.expect("resting bid");
    }
    let cancel = market::client::cancel_all(trader.pubkey(), world.market, trader.seat);
    // ComputeBudget SetComputeUnitLimit(1,400,000), the most a transaction may ask for.
    let budget = solana_instruction::Instruction {
        program_id: Pubkey::from_str_const("ComputeBudget111111111111111111111111111111"),
        accounts: vec![],
        data: [&[2u8][..], &1_400_000u32.to_le_bytes()].concat(),
    };
    let outcome = world.process(&[budget, cancel], &[&trader.key]).await;
    eprintln!("cancel_all of {full} orders: {} CU", outcome.compute_units);
    outcome.result.unwrap_or_else(|e| panic!("cancel_all: {e:?}\n{:#?}", outcome.logs));
    assert_eq!(decode_events::<OrderCanceled>(&outcome.logs).len() as u64, full);
    let m = world.market_state().await;
    assert_eq!((m.book.header.bid_count, m.book.seat(trader.seat).unwrap().quote_locked), (0, 0));
    world.assert_conserved().await;
}

/// The book-filling attack: 256 one-lot bids at 1..=7 ticks (0.256 quote tokens at
/// 1 tick), which used to fill the bid side.
async fn fill_bids(world: &mut World, squatter: &Trader) {
    for i in 0..256u64 {
        let mut p = bid(1 + i % 7, 1);
        p.client_order_id = i;
        world.place(squatter, p).await.result.expect("resting bid");
    }
}

/// Book filling no longer blocks anyone: after the 256 bids that used to fill a side, the
/// 257th bid rests — even one no better than the worst — and nothing is evicted. The
/// account grew by one block for it, paid by its trader; the squatter paid for the 256
/// blocks its own bids took.
#[tokio::test]
async fn a_side_grows_past_the_old_capacity_paid_by_who_needs_it() {
    let mut world = trading_world().await;
    let squatter = world.trader(0, 10_000_000).await;
    let market_key = world.market;
    let before = world.account(&market_key).await.unwrap();
    let squatter_lamports = world.account(&squatter.pubkey()).await.unwrap().lamports;
    fill_bids(&mut world, &squatter).await;
    let rent = world.ctx.banks_client.get_rent().await.unwrap();
    let filled = world.account(&market_key).await.unwrap();
    let grown = filled.data.len() - before.data.len();
    assert!(grown >= 255 * market::engine::BLOCK_SIZE, "the account grew with the bids");
    let rent_paid = rent.minimum_balance(filled.data.len()) - rent.minimum_balance(before.data.len());
    assert_eq!(filled.lamports - before.lamports, rent_paid, "the market holds the new blocks' rent");
    let spent = squatter_lamports - world.account(&squatter.pubkey()).await.unwrap().lamports;
    assert!(spent >= rent_paid, "the squatter paid for its blocks ({spent} < {rent_paid})");

    let newcomer = world.trader(0, 1_000_000).await;
    let free = world.market_state().await.book.header.free_count;
    let with_seat = world.account(&market_key).await.unwrap().data.len();
    let outcome = world.place(&newcomer, bid(1, 1)).await;
    outcome.result.expect("a 257th bid rests");
    assert!(decode_events::<OrderCanceled>(&outcome.logs).is_empty(), "nothing evicted");
    let m = world.market_state().await;
    assert_eq!(m.book.header.bid_count, 257);
    assert!(m.book.orders(Side::Bid).iter().any(|o| o.seat == newcomer.seat && o.price_ticks == 1));
    if free == 0 {
        let after = world.account(&market_key).await.unwrap();
        assert_eq!(after.data.len(), with_seat + market::engine::BLOCK_SIZE);
    }
    world.assert_conserved().await;
}

/// The market's minimum order size, set by the council: smaller orders are refused, for
/// taking and resting alike; nobody else can change it.
#[tokio::test]
async fn orders_below_the_minimum_size_are_refused() {
    let mut world = trading_world().await;
    let trader = world.trader(100 * LOT_SIZE, 10_000_000).await;
    let council = governance::client::council_address();
    let set = market::client::set_min_order_size(council, world.market, 10);
    world.council_exec(set).await.expect("the council sets the minimum");
    assert_eq!(world.market_state().await.header.min_order_lots, 10);

    assert_error(world.place(&trader, bid(1, 9)).await.result, MarketError::OrderTooSmall);
    let ioc = order(Side::Ask, OrderType::ImmediateOrCancel, 1, 9);
    assert_error(world.place(&trader, ioc).await.result, MarketError::OrderTooSmall);
    world.place(&trader, bid(1, 10)).await.result.expect("an order at the minimum");

    let outsider = trader.key.insecure_clone();
    let grab = market::client::set_min_order_size(outsider.pubkey(), world.market, 1);
    assert_error(world.send(&[grab], &[&outsider]).await, MarketError::Unauthorized);
}

/// The most events one `place_order` emits short of the 10 MB limit: 64 fills (the match
/// limit, reached by running out of crossing asks, so the remainder rests) and the placed
/// remainder, on a deep book. (An eviction, the one event more `MAX_PLACE_EVENTS` allows
/// for, only happens at the account's size limit: the engine's unit tests cover it.) On
/// SBF a buffer outgrowing its capacity exhausts the bump heap, so this is its extreme.
#[tokio::test]
async fn the_most_events_one_order_emits() {
    let mut world = trading_world().await;
    let squatter = world.trader(0, 10_000_000).await;
    fill_bids(&mut world, &squatter).await;
    let maker = world.trader(100 * LOT_SIZE, 0).await;
    let limit = u64::from(market::engine::MAX_MATCH_LIMIT);
    for i in 0..limit {
        let mut p = ask(100, 1);
        p.client_order_id = i;
        world.place(&maker, p).await.result.expect("resting ask");
    }
    let taker = world.trader(0, 1_000_000_000).await;
    let mut p = bid(100, limit + 1);
    p.match_limit = u16::MAX;
    let ix = market::client::place_order(taker.pubkey(), world.market, taker.seat, p, None);
    // ComputeBudget SetComputeUnitLimit(1,400,000): a taker this large asks for it.
    let budget = solana_instruction::Instruction {
        program_id: Pubkey::from_str_const("ComputeBudget111111111111111111111111111111"),
        accounts: vec![],
        data: [&[2u8][..], &1_400_000u32.to_le_bytes()].concat(),
    };
    let outcome = world.process(&[budget, ix], &[&taker.key]).await;
    eprintln!("64 fills, an eviction and a placement: {} CU", outcome.compute_units);
    outcome.result.unwrap_or_else(|e| panic!("{e:?}\n{:#?}", outcome.logs));
    let filled = decode_events::<OrderFilled>(&outcome.logs).len();
    let canceled = decode_events::<OrderCanceled>(&outcome.logs);
    let placed = decode_events::<market::events::OrderPlaced>(&outcome.logs);
    assert_eq!((filled as u64, canceled.len(), placed.len()), (limit, 0, 1));
    assert_eq!(filled + placed.len() + 1, market::engine::MAX_PLACE_EVENTS);
    let m = world.market_state().await;
    assert_eq!((m.book.header.ask_count, m.book.header.bid_count), (0, 257));
    assert!(!m.book.is_crossed());
    world.assert_conserved().await;
}
