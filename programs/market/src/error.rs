use anchor_lang::prelude::*;

use crate::engine::EngineError;

// `from_repr`: clients turn a custom error code back into the variant, and its words.
#[error_code]
#[derive(PartialEq, Eq, strum_macros::FromRepr)]
pub enum MarketError {
    #[msg("signer is not the market's authority (the governance council)")]
    Unauthorized,
    #[msg("council account is not the governance council this market answers to")]
    InvalidCouncil,
    #[msg("trading is paused (by governance or for this market)")]
    Paused,
    #[msg("market parameters out of range")]
    InvalidMarketParams,
    #[msg("vault account is not this market's vault")]
    InvalidVault,
    #[msg("this market has a price band: pass its Pyth price account")]
    MissingPriceFeed,
    #[msg("price account is not the market's fully verified Pyth PriceUpdateV2 for its feed")]
    InvalidPriceFeed,
    #[msg("reference price is too old")]
    StalePrice,
    #[msg("order price is outside the allowed band around the reference price")]
    PriceOutOfBand,
    #[msg("cannot withdraw more fees than have accrued")]
    InsufficientFees,
    // Engine errors, one for one.
    #[msg("order price and size must be positive")]
    InvalidOrder,
    #[msg("order expiry is not in the future")]
    OrderExpired,
    #[msg("order would trade against the trader's own resting order")]
    SelfTrade,
    #[msg("fill-or-kill order cannot be filled completely")]
    FillOrKillNotFilled,
    #[msg("post-only order would cross the book")]
    PostOnlyWouldCross,
    #[msg("the market account is at Solana's 10 MB limit and this order is no better than the worst of its side")]
    BookFull,
    #[msg("the market account is at Solana's 10 MB limit (name the holder of an idle empty seat to take it over)")]
    SeatsFull,
    #[msg("seat index does not belong to this trader")]
    SeatMismatch,
    #[msg("seat still holds funds or orders")]
    SeatNotEmpty,
    #[msg("not enough free balance in the seat")]
    InsufficientFunds,
    #[msg("no such order of this trader on that side")]
    OrderNotFound,
    #[msg("invalid enum value")]
    InvalidEnum,
    #[msg("arithmetic overflow")]
    Overflow,
    // Appended: codes above stay stable.
    #[msg("a mint has a freeze authority (it could freeze a vault); the council must allow it explicitly")]
    MintHasFreezeAuthority,
    #[msg("order is smaller than the market's minimum order size")]
    OrderTooSmall,
    #[msg("that seat was claimed or withdrawn from too recently to be taken over")]
    SeatNotIdle,
    #[msg("a batch takes at most MAX_BATCH_ORDERS cancels and MAX_BATCH_ORDERS placements")]
    BatchTooLarge,
    #[msg("the market account's book is corrupt (a block index points nowhere)")]
    CorruptBook,
}

impl From<EngineError> for MarketError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::InvalidOrder => MarketError::InvalidOrder,
            EngineError::OrderExpired => MarketError::OrderExpired,
            EngineError::SelfTrade => MarketError::SelfTrade,
            EngineError::FillOrKillNotFilled => MarketError::FillOrKillNotFilled,
            EngineError::PostOnlyWouldCross => MarketError::PostOnlyWouldCross,
            EngineError::BookFull => MarketError::BookFull,
            EngineError::SeatsFull => MarketError::SeatsFull,
            EngineError::SeatMismatch => MarketError::SeatMismatch,
            EngineError::SeatNotEmpty => MarketError::SeatNotEmpty,
            EngineError::SeatNotIdle => MarketError::SeatNotIdle,
            EngineError::InsufficientFunds => MarketError::InsufficientFunds,
            EngineError::OrderNotFound => MarketError::OrderNotFound,
            EngineError::InvalidEnum => MarketError::InvalidEnum,
            EngineError::Overflow => MarketError::Overflow,
            EngineError::CorruptBook => MarketError::CorruptBook,
        }
    }
}
