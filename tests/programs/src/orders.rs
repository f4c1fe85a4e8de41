//! Order packets as the market tests write them: client id 7, no expiry, abort on self-trade,
//! up to 16 fills.
use market::engine::{BaseLots, OrderPacket, OrderType, SelfTradeBehavior, Side, Ticks};

pub fn order(side: Side, order_type: OrderType, price: u64, lots: u64) -> OrderPacket {
    OrderPacket {
        side,
        order_type,
        price: Ticks(price),
        lots: BaseLots(lots),
        client_order_id: 7,
        expiry_ts: 0,
        self_trade: SelfTradeBehavior::Abort,
        match_limit: 16,
    }
}

pub fn bid(price: u64, lots: u64) -> OrderPacket {
    order(Side::Bid, OrderType::Limit, price, lots)
}

pub fn ask(price: u64, lots: u64) -> OrderPacket {
    order(Side::Ask, OrderType::Limit, price, lots)
}
