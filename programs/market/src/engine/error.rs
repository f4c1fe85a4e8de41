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
    /// The named seat was claimed or withdrawn from too recently to be taken over.
    SeatNotIdle,
    InsufficientFunds,
    OrderNotFound,
    InvalidEnum,
    Overflow,
    /// A block index or link in the account points nowhere sensible.
    CorruptBook,
}
