//! GridTokenX market: a fully collateralized central limit order book for energy tokens
//! against a quote token. Orders match at placement and settle atomically inside the
//! market account (no crank); taker fees accrue to a vault only governance can drain.
//!
//! The matching itself is `engine`, plain Rust over the book with no runtime in sight;
//! `instructions/` validates accounts, moves tokens and turns engine events into Anchor
//! events. Tokens: classic SPL Token for both sides (see docs/architecture.md).
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

pub mod client;
pub mod engine;
pub mod error;
pub mod events;
pub mod fast;
pub mod instructions;
pub mod pyth;
pub mod state;

use engine::{OrderPacket, PlaceOutcome, Side};
use instructions::*;

declare_id!("6z8bMuju4P6UYcZAHnC6WAEf6KqSkfe73dpfGKJwakHn");

/// The deployed program's entrypoint: a valid place or cancel straight from the input
/// buffer (`fast::raw`), else the hot instructions' own account checks (`fast::process`),
/// else Anchor's dispatch. It replaces Anchor's entrypoint, so the feature comes with
/// `no-entrypoint` (tools/sbf/programs/market enables it).
#[cfg(feature = "fast-entry")]
mod deployed {
    use anchor_lang::solana_program::entrypoint::{deserialize, SUCCESS};

    /// # Safety
    /// Called by the runtime with its serialized input.
    #[no_mangle]
    pub unsafe extern "C" fn entrypoint(input: *mut u8) -> u64 {
        if let Some(result) = crate::fast::raw::try_entry(input) {
            return result;
        }
        let (program_id, accounts, data) = deserialize(input);
        match crate::fast::process(program_id, &accounts, data) {
            Ok(()) => SUCCESS,
            Err(error) => error.into(),
        }
    }
    anchor_lang::solana_program::entrypoint::custom_heap_default!();
    anchor_lang::solana_program::entrypoint::custom_panic_default!();
}

#[program]
pub mod market {
    use super::*;

    /// Council-only; the market account must be allocated (zeroed, owned by this
    /// program, `Market::SPACE` bytes: no blocks yet) beforehand.
    pub fn create_market(ctx: Context<CreateMarket>, params: CreateMarketParams) -> Result<()> {
        instructions::create_market::handler(ctx, params)
    }

    pub fn update_market(ctx: Context<AdminMarket>, params: UpdateMarketParams) -> Result<()> {
        instructions::admin::update_market(ctx, params)
    }

    /// Council-only: the smallest order the market accepts, in lots (0: none).
    pub fn set_min_order_size(ctx: Context<AdminMarket>, min_order_lots: u32) -> Result<()> {
        instructions::admin::set_min_order_size(ctx, min_order_lots)
    }

    pub fn set_authority(ctx: Context<AdminMarket>, new_authority: Pubkey) -> Result<()> {
        instructions::admin::set_authority(ctx, new_authority)
    }

    pub fn withdraw_fees(ctx: Context<WithdrawFees>, quote_atoms: u64) -> Result<()> {
        instructions::admin::withdraw_fees(ctx, quote_atoms)
    }

    /// Returns the trader's seat index (its block), the hint every trading instruction
    /// takes. Grows the market by a block when none is free (the trader pays) and bonds
    /// `state::seat_bond` lamports; at the 10 MB limit, `idle_holder` names an empty seat
    /// idle for `engine::SEAT_IDLE_SLOTS` to take over (its holder is refunded).
    pub fn claim_seat(ctx: Context<ClaimSeat>) -> Result<u32> {
        instructions::seat::claim(ctx)
    }

    /// Frees the trader's seat once it holds nothing and has no open orders, and refunds
    /// its bond.
    pub fn release_seat(ctx: Context<ReleaseSeat>, seat: u32) -> Result<()> {
        instructions::seat::release(ctx, seat)
    }

    pub fn deposit(ctx: Context<MoveFunds>, seat: u32, base_atoms: u64, quote_atoms: u64) -> Result<()> {
        instructions::funds::deposit(ctx.accounts, seat, base_atoms, quote_atoms)
    }

    pub fn withdraw(ctx: Context<MoveFunds>, seat: u32, base_atoms: u64, quote_atoms: u64) -> Result<()> {
        instructions::funds::withdraw(ctx.accounts, seat, base_atoms, quote_atoms)
    }

    pub fn place_order(ctx: Context<PlaceOrder>, seat: u32, packet: OrderPacket) -> Result<PlaceOutcome> {
        instructions::place_order::handler(ctx.accounts, seat, packet)
    }

    /// Cancels one order and places its successor, with every check of `place_order`.
    pub fn replace_order(
        ctx: Context<PlaceOrder>,
        seat: u32,
        order_id: u64,
        packet: OrderPacket,
    ) -> Result<PlaceOutcome> {
        instructions::batch::replace_order(ctx.accounts, seat, order_id, packet)
    }

    /// Up to `MAX_BATCH_ORDERS` cancels, then up to `MAX_BATCH_ORDERS` placements, for one
    /// trader (a market maker's requote in one instruction).
    pub fn batch_orders(
        ctx: Context<PlaceOrder>,
        seat: u32,
        cancels: Vec<CancelRef>,
        places: Vec<OrderPacket>,
    ) -> Result<BatchOutcome> {
        instructions::batch::batch_orders(ctx.accounts, seat, cancels, places)
    }

    pub fn cancel_order(ctx: Context<CancelOrders>, seat: u32, side: Side, order_id: u64) -> Result<()> {
        instructions::cancel::cancel_order(ctx.accounts, seat, side, order_id)
    }

    pub fn cancel_all(ctx: Context<CancelOrders>, seat: u32) -> Result<u32> {
        instructions::cancel::cancel_all(ctx.accounts, seat)
    }
}
