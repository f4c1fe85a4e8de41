use anchor_lang::prelude::*;

use crate::engine::{Book, MarketParams};

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

/// One account holds the whole market: header, trader seats and both book sides.
/// Makers are credited inside this account when they fill, so a taking order needs no
/// maker accounts and settles atomically with no crank. Too large for a CPI allocation,
/// it is created by the client (system create_account) and initialized by create_market.
#[account(zero_copy)]
pub struct Market {
    pub header: MarketHeader,
    pub book: Book,
}

impl Market {
    pub const SPACE: usize = 8 + std::mem::size_of::<Market>();
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
