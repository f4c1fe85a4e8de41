//! Engine unit tests: each rule on a small book. Random flows live in the property tests
//! (tests/programs/tests/matching_props.rs).
use super::*;

const P: MarketParams =
    MarketParams { tick_size_quote_atoms: 10, lot_size_base_atoms: 100, taker_fee_bps: 25 };

fn book_with(traders: u8) -> Box<Book> {
    let mut book: Box<Book> = bytemuck::zeroed_box();
    book.next_order_id = 1;
    for t in 0..traders {
        let seat = book.claim_seat(claim([t + 1; 32])).unwrap().seat();
        book.deposit(seat, BaseAtoms(100_000), QuoteAtoms(1_000_000)).unwrap();
    }
    book
}

fn claim(trader: [u8; 32]) -> SeatClaim {
    SeatClaim { trader, ..SeatClaim::default() }
}

fn packet(side: Side, order_type: OrderType, price: u64, lots: u64) -> OrderPacket {
    OrderPacket {
        side,
        order_type,
        price: Ticks(price),
        lots: BaseLots(lots),
        client_order_id: 0,
        expiry_ts: 0,
        self_trade: SelfTradeBehavior::Abort,
        match_limit: 16,
    }
}

fn place(
    book: &mut Book,
    seat: u32,
    p: OrderPacket,
) -> Result<(PlaceOutcome, Vec<EngineEvent>), EngineError> {
    let mut events = Vec::new();
    place_order(book, &P, seat, &p, 100, &mut |e| events.push(e)).map(|o| (o, events))
}

#[test]
fn price_then_time_priority() {
    let mut book = book_with(4);
    place(&mut book, 0, packet(Side::Ask, OrderType::Limit, 101, 1)).unwrap();
    place(&mut book, 1, packet(Side::Ask, OrderType::Limit, 100, 1)).unwrap();
    place(&mut book, 2, packet(Side::Ask, OrderType::Limit, 100, 1)).unwrap();
    let (out, events) = place(&mut book, 3, packet(Side::Bid, OrderType::Limit, 101, 3)).unwrap();
    let makers: Vec<u32> = events
        .iter()
        .filter_map(|e| if let EngineEvent::Fill { maker_seat, .. } = e { Some(*maker_seat) } else { None })
        .collect();
    assert_eq!(makers, vec![1, 2, 0]);
    assert_eq!(out.quote_atoms_traded, QuoteAtoms((100 + 100 + 101) * 10));
    // 25 bps of 3010 = 7.525, rounded up.
    assert_eq!(out.taker_fee_quote_atoms, QuoteAtoms(8));
}

#[test]
fn fee_shares_sum_exactly() {
    let mut book = book_with(4);
    for seat in 0..3 {
        place(&mut book, seat, packet(Side::Ask, OrderType::Limit, 33, 1)).unwrap();
    }
    let (out, events) = place(&mut book, 3, packet(Side::Bid, OrderType::Limit, 33, 3)).unwrap();
    let shares: u64 = events
        .iter()
        .filter_map(|e| {
            if let EngineEvent::Fill { taker_fee_quote_atoms, .. } = e {
                Some(taker_fee_quote_atoms.0)
            } else {
                None
            }
        })
        .sum();
    assert_eq!(shares, out.taker_fee_quote_atoms.0);
    assert_eq!(book.fees_accrued_quote_atoms, shares);
}

#[test]
fn failures_leave_the_book_untouched() {
    let mut book = book_with(2);
    place(&mut book, 0, packet(Side::Ask, OrderType::Limit, 100, 5)).unwrap();
    let before = book.clone();
    let cases = [
        (packet(Side::Bid, OrderType::FillOrKill, 100, 6), EngineError::FillOrKillNotFilled),
        (packet(Side::Bid, OrderType::PostOnly, 100, 1), EngineError::PostOnlyWouldCross),
        (packet(Side::Bid, OrderType::Limit, 100, 1_000_000), EngineError::InsufficientFunds),
        (packet(Side::Bid, OrderType::Limit, u64::MAX, 2), EngineError::Overflow),
        (packet(Side::Bid, OrderType::Limit, 0, 2), EngineError::InvalidOrder),
    ];
    for (p, err) in cases {
        assert_eq!(place(&mut book, 1, p).unwrap_err(), err);
        assert!(bytemuck::bytes_of(before.as_ref()) == bytemuck::bytes_of(book.as_ref()));
    }
    assert_eq!(
        place(&mut book, 0, packet(Side::Bid, OrderType::Limit, 100, 1)).unwrap_err(),
        EngineError::SelfTrade
    );
    assert!(bytemuck::bytes_of(before.as_ref()) == bytemuck::bytes_of(book.as_ref()));
}

#[test]
fn book_full_and_seats_full() {
    let mut book = book_with(1);
    for i in 0..MAX_ORDERS_PER_SIDE as u64 {
        place(&mut book, 0, packet(Side::Bid, OrderType::Limit, 1 + i % 7, 1)).unwrap();
    }
    assert_eq!(
        place(&mut book, 0, packet(Side::Bid, OrderType::Limit, 1, 1)).unwrap_err(),
        EngineError::BookFull
    );
    for t in 1..MAX_SEATS {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&(t as u64).to_le_bytes());
        key[31] = 1;
        book.claim_seat(claim(key)).unwrap();
    }
    assert_eq!(book.claim_seat(claim([9; 32])).unwrap_err(), EngineError::SeatsFull);
    assert_eq!(book.claim_seat(claim([1; 32])).unwrap(), Claimed::Existing(0), "claiming again returns the same seat");
}

#[test]
fn a_full_side_evicts_its_worst_order_for_a_better_one() {
    let mut book = book_with(2);
    for i in 0..MAX_ORDERS_PER_SIDE as u64 {
        let mut p = packet(Side::Ask, OrderType::Limit, 10 + i % 7, 1);
        p.client_order_id = i;
        place(&mut book, 0, p).unwrap();
    }
    // No better than the worst ask (16): refused, nothing changes.
    let before = book.clone();
    assert_eq!(
        place(&mut book, 1, packet(Side::Ask, OrderType::Limit, 16, 1)).unwrap_err(),
        EngineError::BookFull
    );
    assert!(bytemuck::bytes_of(before.as_ref()) == bytemuck::bytes_of(book.as_ref()));
    // Strictly better: the newest ask at the worst price goes, its collateral unlocked.
    let (out, events) = place(&mut book, 1, packet(Side::Ask, OrderType::Limit, 15, 1)).unwrap();
    assert_eq!(out.posted_lots, BaseLots(1));
    let evicted: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::Canceled { reason: CancelReason::Evicted, seat, price, client_order_id, .. } => {
                Some((*seat, *price, *client_order_id))
            }
            _ => None,
        })
        .collect();
    assert_eq!(evicted, vec![(0, Ticks(16), 251)]);
    assert_eq!(book.seats[0].base_locked, (MAX_ORDERS_PER_SIDE as u64 - 1) * 100);
    assert_eq!(book.asks.live().len(), MAX_ORDERS_PER_SIDE);
}

#[test]
fn expired_makers_are_removed_and_unlocked() {
    let mut book = book_with(2);
    let mut p = packet(Side::Ask, OrderType::Limit, 100, 5);
    p.expiry_ts = 150;
    place(&mut book, 0, p).unwrap();
    assert_eq!(book.seats[0].base_locked, 500);
    let mut events = Vec::new();
    let taker = packet(Side::Bid, OrderType::Limit, 100, 5);
    place_order(&mut book, &P, 1, &taker, 200, &mut |e| events.push(e)).unwrap();
    assert!(matches!(events[0], EngineEvent::Canceled { reason: CancelReason::Expired, .. }));
    assert_eq!((book.seats[0].base_locked, book.seats[0].base_free), (0, 100_000));
    assert_eq!((book.asks.len, book.bids.len), (0, 1));
}

#[test]
fn release_seat_requires_an_empty_seat() {
    let mut book = book_with(1);
    assert_eq!(book.release_seat(0).unwrap_err(), EngineError::SeatNotEmpty);
    book.withdraw(0, BaseAtoms(100_000), QuoteAtoms(1_000_000)).unwrap();
    book.release_seat(0).unwrap();
    assert_eq!(book.seat_of(0, &[1; 32]).unwrap_err(), EngineError::SeatMismatch);
}

/// Every seat taken: a claim naming an empty seat idle for `SEAT_IDLE_SLOTS` takes it
/// over and hands back its holder's bond; any other claim changes nothing.
#[test]
fn an_idle_empty_seat_is_taken_over_only_when_seats_are_full() {
    let mut book: Box<Book> = bytemuck::zeroed_box();
    let key = |t: usize| {
        let mut key = [7u8; 32];
        key[..8].copy_from_slice(&(t as u64).to_le_bytes());
        key
    };
    for t in 0..MAX_SEATS {
        let c = SeatClaim { trader: key(t), bond_lamports: 1_000 + t as u64, slot: 100, idle_holder: None };
        assert_eq!(book.claim_seat(c).unwrap(), Claimed::Free(t as u32));
    }
    book.deposit(3, BaseAtoms(1), QuoteAtoms(0)).unwrap();
    let newcomer = |holder: [u8; 32], slot: u64| SeatClaim {
        trader: [9; 32],
        bond_lamports: 5_000,
        slot,
        idle_holder: Some(holder),
    };
    let idle = 100 + SEAT_IDLE_SLOTS;
    let before = book.clone();
    let refused = [
        (SeatClaim { idle_holder: None, ..newcomer(key(2), idle) }, EngineError::SeatsFull),
        (newcomer(key(2), idle - 1), EngineError::SeatNotIdle),
        (newcomer(key(3), idle), EngineError::SeatNotEmpty),
        (newcomer([8; 32], idle), EngineError::SeatMismatch),
        (newcomer([0; 32], idle), EngineError::SeatMismatch),
    ];
    for (claim, error) in refused {
        assert_eq!(book.claim_seat(claim).unwrap_err(), error);
        assert!(bytemuck::bytes_of(before.as_ref()) == bytemuck::bytes_of(book.as_ref()));
    }
    // A withdrawal restarts the window.
    book.withdraw(3, BaseAtoms(1), QuoteAtoms(0)).unwrap();
    book.touch_seat(3, idle).unwrap();
    assert_eq!(book.claim_seat(newcomer(key(3), idle)).unwrap_err(), EngineError::SeatNotIdle);

    let taken = book.claim_seat(newcomer(key(2), idle)).unwrap();
    assert_eq!(taken, Claimed::TakenOver { seat: 2, holder: key(2), refund_lamports: 1_002 });
    let seat = book.seats[2];
    assert_eq!((seat.trader, seat.bond_lamports, seat.touched_slot), ([9; 32], 5_000, idle));
    assert_eq!(book.release_seat(2).unwrap(), 5_000, "release hands the bond back");
}
