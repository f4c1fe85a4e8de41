//! Engine unit tests: each rule on a small book. Random flows live in the property tests
//! (tests/programs/tests/matching_props.rs).
use super::slab;
use super::*;

const P: MarketParams =
    MarketParams { tick_size_quote_atoms: 10, lot_size_base_atoms: 100, taker_fee_bps: 25 };

/// `traders` seats in blocks 0.. with funds; grows as the instructions do.
fn book_with(traders: u8) -> OwnedBook {
    let mut book = OwnedBook::new();
    for t in 0..traders {
        book.reserve(1);
        let seat = book.book_mut().claim_seat(claim([t + 1; 32])).unwrap().seat();
        assert_eq!(seat, u32::from(t));
        book.book_mut().deposit(seat, BaseAtoms(100_000), QuoteAtoms(1_000_000)).unwrap();
    }
    book
}

fn seat(book: &OwnedBook, i: u32) -> Seat {
    *book.view().seat(i).unwrap()
}

/// Each side's orders, best first, and each tree's red-black invariants.
fn sides(book: &OwnedBook) -> (Vec<Order>, Vec<Order>) {
    let v = book.view();
    for (root, kind) in [
        (v.header.bid_root, slab::KIND_BID),
        (v.header.ask_root, slab::KIND_ASK),
        (v.header.seat_root, slab::KIND_SEAT),
    ] {
        tree::check(v.blocks, root, compare_for(kind)).unwrap();
    }
    (v.orders(Side::Bid).map(|(_, o)| *o).collect(), v.orders(Side::Ask).map(|(_, o)| *o).collect())
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

/// Places with a free block reserved first, as the instruction does.
fn place(
    book: &mut OwnedBook,
    seat: u32,
    p: OrderPacket,
) -> Result<(PlaceOutcome, Vec<EngineEvent>), EngineError> {
    book.reserve(1);
    place_fixed(book, seat, p)
}

/// Places without growing: a book at its size limit.
fn place_fixed(
    book: &mut OwnedBook,
    seat: u32,
    p: OrderPacket,
) -> Result<(PlaceOutcome, Vec<EngineEvent>), EngineError> {
    let mut events = Vec::new();
    place_order(&mut book.book_mut(), &P, seat, &p, 100, &mut |e| events.push(e)).map(|o| (o, events))
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
    assert_eq!(book.header.fees_accrued_quote_atoms, shares);
}

#[test]
fn failures_leave_the_book_untouched() {
    let mut book = book_with(2);
    place(&mut book, 0, packet(Side::Ask, OrderType::Limit, 100, 5)).unwrap();
    book.reserve(1);
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
        assert!(before == book);
    }
    assert_eq!(
        place(&mut book, 0, packet(Side::Bid, OrderType::Limit, 100, 1)).unwrap_err(),
        EngineError::SelfTrade
    );
    assert!(before == book);
}

/// The book grows with its users: a thousand orders a side and a thousand seats, each in
/// a block of its own, the trees balanced and every claim O(log n).
#[test]
fn no_capacity_short_of_the_account_limit() {
    let mut book = book_with(1);
    for i in 0..1_000u64 {
        place(&mut book, 0, packet(Side::Bid, OrderType::Limit, 1 + i % 7, 1)).unwrap();
    }
    for t in 1..1_000u64 {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&t.to_le_bytes());
        key[31] = 1;
        book.reserve(1);
        book.book_mut().claim_seat(claim(key)).unwrap();
    }
    assert_eq!(
        (book.header.bid_count, book.header.seat_count, book.header.block_count),
        (1_000, 1_000, 2_000)
    );
    assert_eq!(
        book.book_mut().claim_seat(claim([1; 32])).unwrap(),
        Claimed::Existing(0),
        "claiming again returns the same seat"
    );
    let (bids, _) = sides(&book);
    assert_eq!((bids[0].price_ticks, bids[999].price_ticks), (7, 1));
    // At the size limit (no block free, no growth) a seat claim is refused.
    assert_eq!(book.book_mut().claim_seat(claim([9; 32])).unwrap_err(), EngineError::SeatsFull);
}

/// Freed blocks (filled, canceled, released) go back to the free list and are reused
/// before the account grows.
#[test]
fn freed_blocks_are_reused() {
    let mut book = book_with(2);
    let (out, _) = place(&mut book, 0, packet(Side::Ask, OrderType::Limit, 100, 1)).unwrap();
    let blocks = book.header.block_count;
    // The bid reserves a block it does not use (it fills), and frees the ask's.
    place(&mut book, 1, packet(Side::Bid, OrderType::Limit, 100, 1)).unwrap();
    assert_eq!((book.header.block_count, book.header.free_count), (blocks + 1, 2));
    let mut events = Vec::new();
    place(&mut book, 0, packet(Side::Ask, OrderType::Limit, 101, 1)).unwrap();
    assert_eq!((book.header.block_count, book.header.free_count), (blocks + 1, 1));
    cancel_order(&mut book.book_mut(), &P, 0, Side::Ask, out.order_id + 2, &mut |e| events.push(e)).unwrap();
    assert_eq!((book.header.block_count, book.header.free_count), (blocks + 1, 2));
}

#[test]
fn at_the_size_limit_the_worst_order_gives_way_to_a_better_one() {
    const ORDERS: u64 = 256;
    let mut book = book_with(2);
    for i in 0..ORDERS {
        let mut p = packet(Side::Ask, OrderType::Limit, 10 + i % 7, 1);
        p.client_order_id = i;
        place(&mut book, 0, p).unwrap();
    }
    // No block free and no growth (the account at 10 MB). No better than the worst ask
    // (16): refused, nothing changes.
    assert_eq!(book.header.free_count, 0);
    let before = book.clone();
    assert_eq!(
        place_fixed(&mut book, 1, packet(Side::Ask, OrderType::Limit, 16, 1)).unwrap_err(),
        EngineError::BookFull
    );
    assert!(before == book);
    // Strictly better: the newest ask at the worst price goes, its collateral unlocked.
    let (out, events) = place_fixed(&mut book, 1, packet(Side::Ask, OrderType::Limit, 15, 1)).unwrap();
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
    assert_eq!(seat(&book, 0).base_locked, (ORDERS - 1) * 100);
    assert_eq!(sides(&book).1.len() as u64, ORDERS);
    // An expired worst order gives way to any order.
    let mut book = book_with(2);
    let mut p = packet(Side::Bid, OrderType::Limit, 5, 1);
    p.expiry_ts = 150;
    place(&mut book, 0, p).unwrap();
    let mut events = Vec::new();
    let late = packet(Side::Bid, OrderType::Limit, 1, 1);
    place_order(&mut book.book_mut(), &P, 1, &late, 200, &mut |e| events.push(e)).unwrap();
    assert!(matches!(events[0], EngineEvent::Canceled { reason: CancelReason::Expired, seat: 0, .. }));
    assert_eq!(sides(&book).0.iter().map(|o| o.seat).collect::<Vec<_>>(), vec![1]);
}

#[test]
fn expired_makers_are_removed_and_unlocked() {
    let mut book = book_with(2);
    let mut p = packet(Side::Ask, OrderType::Limit, 100, 5);
    p.expiry_ts = 150;
    place(&mut book, 0, p).unwrap();
    assert_eq!(seat(&book, 0).base_locked, 500);
    let mut events = Vec::new();
    let taker = packet(Side::Bid, OrderType::Limit, 100, 5);
    book.reserve(1);
    place_order(&mut book.book_mut(), &P, 1, &taker, 200, &mut |e| events.push(e)).unwrap();
    assert!(matches!(events[0], EngineEvent::Canceled { reason: CancelReason::Expired, .. }));
    assert_eq!((seat(&book, 0).base_locked, seat(&book, 0).base_free), (0, 100_000));
    assert_eq!((book.header.ask_count, book.header.bid_count), (0, 1));
}

#[test]
fn release_seat_requires_an_empty_seat() {
    let mut book = book_with(1);
    assert_eq!(book.book_mut().release_seat(0).unwrap_err(), EngineError::SeatNotEmpty);
    book.book_mut().withdraw(0, BaseAtoms(100_000), QuoteAtoms(1_000_000)).unwrap();
    place(&mut book, 0, packet(Side::Bid, OrderType::Limit, 1, 1)).unwrap_err();
    book.book_mut().deposit(0, BaseAtoms(100), QuoteAtoms(0)).unwrap();
    let (out, _) = place(&mut book, 0, packet(Side::Ask, OrderType::Limit, 1, 1)).unwrap();
    assert_eq!(book.book_mut().release_seat(0).unwrap_err(), EngineError::SeatNotEmpty, "an open order");
    cancel_order(&mut book.book_mut(), &P, 0, Side::Ask, out.order_id, &mut |_| {}).unwrap();
    book.book_mut().withdraw(0, BaseAtoms(100), QuoteAtoms(0)).unwrap();
    book.book_mut().release_seat(0).unwrap();
    assert_eq!(book.view().seat_of(0, &[1; 32]).unwrap_err(), EngineError::SeatMismatch);
    assert_eq!(book.view().find_seat(&[1; 32]).unwrap(), None);
}

/// No block free and the account unable to grow (10 MB): a claim naming an empty seat idle
/// for `SEAT_IDLE_SLOTS` takes it over and hands back its holder's bond; any other claim
/// changes nothing.
#[test]
fn an_idle_empty_seat_is_taken_over_only_at_the_size_limit() {
    const MAX_SEATS: usize = 256;
    let mut book = OwnedBook::new();
    book.reserve(MAX_SEATS as u32);
    let key = |t: usize| {
        let mut key = [7u8; 32];
        key[..8].copy_from_slice(&(t as u64).to_le_bytes());
        key
    };
    for t in 0..MAX_SEATS {
        let c = SeatClaim { trader: key(t), bond_lamports: 1_000 + t as u64, slot: 100, idle_holder: None };
        assert_eq!(book.book_mut().claim_seat(c).unwrap(), Claimed::Free(t as u32));
    }
    book.book_mut().deposit(3, BaseAtoms(1), QuoteAtoms(0)).unwrap();
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
        assert_eq!(book.book_mut().claim_seat(claim).unwrap_err(), error);
        assert!(before == book);
    }
    // A withdrawal restarts the window.
    book.book_mut().withdraw(3, BaseAtoms(1), QuoteAtoms(0)).unwrap();
    book.book_mut().touch_seat(3, idle).unwrap();
    assert_eq!(book.book_mut().claim_seat(newcomer(key(3), idle)).unwrap_err(), EngineError::SeatNotIdle);

    let taken = book.book_mut().claim_seat(newcomer(key(2), idle)).unwrap();
    assert_eq!(taken, Claimed::TakenOver { seat: 2, holder: key(2), refund_lamports: 1_002 });
    let s = seat(&book, 2);
    assert_eq!((s.trader, s.bond_lamports, s.touched_slot), ([9; 32], 5_000, idle));
    assert_eq!(book.view().find_seat(&[9; 32]).unwrap(), Some(2), "re-keyed in the seat tree");
    assert_eq!(book.view().find_seat(&key(2)).unwrap(), None);
    sides(&book);
    assert_eq!(book.book_mut().release_seat(2).unwrap(), 5_000, "release hands the bond back");
    // With a block free, a claim naming a holder takes the free block instead.
    let c = newcomer(key(4), idle);
    assert_eq!(book.book_mut().claim_seat(SeatClaim { trader: [10; 32], ..c }).unwrap(), Claimed::Free(2));
}
