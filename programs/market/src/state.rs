use anchor_lang::prelude::*;

use crate::engine::{Book, BookHeader, BookMut, EngineError, MarketParams, OwnedBook, BLOCK_SIZE};

pub const PAIR_SEED: &[u8] = b"pair";
pub const BASE_VAULT_SEED: &[u8] = b"base_vault";
pub const QUOTE_VAULT_SEED: &[u8] = b"quote_vault";
pub const VAULT_AUTHORITY_SEED: &[u8] = b"vault_authority";

/// Optional guard against fat fingers and manipulation: orders priced more than
/// `max_deviation_bps` away from a fresh Pyth price are rejected.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceBand {
    /// A Pyth `PriceUpdateV2` account (pyth-solana-receiver), quoting one whole base
    /// token in whole quote tokens.
    pub price_feed: Pubkey,
    pub feed_id: [u8; 32],
    pub max_deviation_bps: u16,
    pub max_staleness_secs: u32,
}

#[zero_copy]
#[derive(Debug)]
pub struct MarketHeader {
    /// Admin authority: the governance council PDA.
    pub authority: Pubkey,
    /// Governance council whose pause flag halts trading.
    pub council: Pubkey,
    pub base_mint: Pubkey,
    pub quote_mint: Pubkey,
    pub base_vault: Pubkey,
    pub quote_vault: Pubkey,
    /// `Pubkey::default()` when the market has no price band.
    pub price_feed: Pubkey,
    pub feed_id: [u8; 32],
    pub tick_size_quote_atoms: u64,
    pub lot_size_base_atoms: u64,
    pub max_staleness_secs: u32,
    pub taker_fee_bps: u16,
    pub max_deviation_bps: u16,
    pub base_decimals: u8,
    pub quote_decimals: u8,
    pub paused: u8,
    pub vault_authority_bump: u8,
    /// Smallest order accepted, in lots (0 or 1: no minimum). Together with eviction of a
    /// full side's worst order, it makes blocking the book cost far more than it blocks.
    /// Takes the place of former padding, so the layout is unchanged and markets created
    /// before it have no minimum.
    pub min_order_lots: u32,
}

impl MarketHeader {
    pub fn params(&self) -> MarketParams {
        MarketParams {
            tick_size_quote_atoms: self.tick_size_quote_atoms,
            lot_size_base_atoms: self.lot_size_base_atoms,
            taker_fee_bps: self.taker_fee_bps,
        }
    }

    pub fn price_band(&self) -> Option<PriceBand> {
        (self.price_feed != Pubkey::default()).then_some(PriceBand {
            price_feed: self.price_feed,
            feed_id: self.feed_id,
            max_deviation_bps: self.max_deviation_bps,
            max_staleness_secs: self.max_staleness_secs,
        })
    }

    pub fn set_price_band(&mut self, band: Option<PriceBand>) {
        let band = band.unwrap_or(PriceBand {
            price_feed: Pubkey::default(),
            feed_id: [0; 32],
            max_deviation_bps: 0,
            max_staleness_secs: 0,
        });
        self.price_feed = band.price_feed;
        self.feed_id = band.feed_id;
        self.max_deviation_bps = band.max_deviation_bps;
        self.max_staleness_secs = band.max_staleness_secs;
    }
}

/// One account holds the whole market: this fixed part (header and book header), then the
/// book's blocks (`engine::slab`), one per seat or resting order. Makers are credited inside
/// this account when they fill, so a taking order needs no maker accounts and settles
/// atomically with no crank. It is created holding no block (`Market::SPACE` bytes) and
/// grows by whole blocks, paid by the signer who needs them (`instructions::reserve_blocks`).
/// `AccountLoader` maps only this fixed part; `market_mut`/`market_ref` map it all.
#[account(zero_copy)]
pub struct Market {
    pub header: MarketHeader,
    pub book: BookHeader,
}

impl Market {
    /// The account's size at creation: the fixed part, no blocks.
    pub const SPACE: usize = 8 + std::mem::size_of::<Market>();
}

/// Solana's largest account: the book cannot grow past it.
pub const MAX_ACCOUNT_BYTES: usize = 10 * 1024 * 1024;

/// The account size holding `blocks` blocks.
pub fn account_len(blocks: u32) -> Option<usize> {
    (blocks as usize).checked_mul(BLOCK_SIZE)?.checked_add(Market::SPACE)
}

/// The whole market account, mapped: the program's view of it.
pub struct MarketMut<'a> {
    pub header: &'a mut MarketHeader,
    pub book: BookMut<'a>,
}

/// The whole market account, read-only.
pub struct MarketRef<'a> {
    pub header: &'a MarketHeader,
    pub book: Book<'a>,
}

fn split(data: &[u8]) -> std::result::Result<(&Market, &[u8]), EngineError> {
    let disc = Market::DISCRIMINATOR;
    if data.get(..disc.len()) != Some(disc) {
        return Err(EngineError::CorruptBook);
    }
    let fixed = data.get(disc.len()..Market::SPACE).ok_or(EngineError::CorruptBook)?;
    let market = bytemuck::try_from_bytes(fixed).map_err(|_| EngineError::CorruptBook)?;
    Ok((market, &data[Market::SPACE..]))
}

/// Maps a market account's data (discriminator checked): the one constructor of the book's
/// views, used by the program, the tests, the indexer and clients.
pub fn market_ref(data: &[u8]) -> std::result::Result<MarketRef<'_>, EngineError> {
    let (market, tail) = split(data)?;
    Ok(MarketRef { header: &market.header, book: Book::from_bytes(&market.book, tail)? })
}

pub fn market_mut(data: &mut [u8]) -> std::result::Result<MarketMut<'_>, EngineError> {
    split(data)?;
    let (fixed, tail) = data.split_at_mut(Market::SPACE);
    let market: &mut Market =
        bytemuck::try_from_bytes_mut(&mut fixed[8..]).map_err(|_| EngineError::CorruptBook)?;
    Ok(MarketMut { header: &mut market.header, book: BookMut::from_bytes(&mut market.book, tail)? })
}

/// Threads the blocks an account resize just added (up to `new_count` blocks in all) into
/// the book's free list.
pub fn adopt_grown(data: &mut [u8], new_count: u32) -> std::result::Result<(), EngineError> {
    split(data)?;
    let (fixed, tail) = data.split_at_mut(Market::SPACE);
    let market: &mut Market =
        bytemuck::try_from_bytes_mut(&mut fixed[8..]).map_err(|_| EngineError::CorruptBook)?;
    BookMut::from_grown_bytes(&mut market.book, tail, new_count)?.adopt_grown(new_count)
}

/// An owned copy of a market account, for off-chain readers (tests, indexer, clients).
#[derive(Clone)]
pub struct MarketState {
    pub header: MarketHeader,
    pub book: OwnedBook,
}

impl MarketState {
    /// Copies the account out of `data`, which may be unaligned (an RPC response, a
    /// database row); the layout is the program's own.
    pub fn decode(data: &[u8]) -> std::result::Result<MarketState, EngineError> {
        let disc = Market::DISCRIMINATOR;
        if data.get(..disc.len()) != Some(disc) {
            return Err(EngineError::CorruptBook);
        }
        let fixed = data.get(disc.len()..Market::SPACE).ok_or(EngineError::CorruptBook)?;
        let market: Market = bytemuck::try_pod_read_unaligned(fixed).map_err(|_| EngineError::CorruptBook)?;
        let end = account_len(market.book.block_count).ok_or(EngineError::CorruptBook)?;
        let tail = data.get(Market::SPACE..end).ok_or(EngineError::CorruptBook)?;
        let blocks = bytemuck::pod_collect_to_vec(tail);
        Ok(MarketState { header: market.header, book: OwnedBook { header: market.book, blocks } })
    }

    pub fn view(&self) -> MarketRef<'_> {
        MarketRef { header: &self.header, book: self.book.view() }
    }
}

/// Lamports a claimed seat bonds into the market account: the rent-exempt deposit of an
/// account holding one seat. Refunded in full on release or take-over; being at least a
/// bare account's rent-exempt minimum, a refund always lands, even in a wallet emptied to
/// zero since the claim.
pub fn seat_bond(rent: &Rent) -> u64 {
    rent.minimum_balance(std::mem::size_of::<crate::engine::Seat>())
}

/// The pair record's seeds after `PAIR_SEED`: the two mints in byte order, so that
/// (a, b) and (b, a) are the same pair. Base and quote keep their roles in the market;
/// only the uniqueness record is order-free.
pub fn pair_seeds(a: &Pubkey, b: &Pubkey) -> [Pubkey; 2] {
    if a <= b {
        [*a, *b]
    } else {
        [*b, *a]
    }
}

/// Makes {base mint, quote mint} → market unique, whichever mint is base.
#[account]
#[derive(InitSpace)]
pub struct MarketPair {
    pub market: Pubkey,
    pub bump: u8,
}
