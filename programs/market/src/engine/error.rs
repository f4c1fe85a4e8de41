/// Everything the engine can refuse. Mapped one to one onto `MarketError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineError {
    InvalidOrder,
    OrderExpired,
    SelfTrade,
    FillOrKillNotFilled,
    PostOnlyWouldCross,
    BookFull,
    SeatsFull,
    SeatMismatch,
    SeatNotEmpty,
    InsufficientFunds,
    OrderNotFound,
    InvalidEnum,
    Overflow,
}
