//! Instruction builders and address derivations for off-chain callers.
use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{system_program, InstructionData};
use anchor_spl::token;

use crate::engine::{OrderPacket, Side};
use crate::instructions::{CancelRef, CreateMarketParams, UpdateMarketParams};
use crate::state::{pair_seeds, BASE_VAULT_SEED, PAIR_SEED, QUOTE_VAULT_SEED, VAULT_AUTHORITY_SEED};

/// The same address for (base, quote) and (quote, base).
pub fn pair_address(base_mint: &Pubkey, quote_mint: &Pubkey) -> Pubkey {
    let [low, high] = pair_seeds(base_mint, quote_mint);
    Pubkey::find_program_address(&[PAIR_SEED, low.as_ref(), high.as_ref()], &crate::ID).0
}

pub fn base_vault_address(market: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[BASE_VAULT_SEED, market.as_ref()], &crate::ID).0
}

pub fn quote_vault_address(market: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[QUOTE_VAULT_SEED, market.as_ref()], &crate::ID).0
}

pub fn vault_authority_address(market: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[VAULT_AUTHORITY_SEED, market.as_ref()], &crate::ID).0
}

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction { program_id: crate::ID, accounts: accounts.to_account_metas(None), data: data.data() }
}

/// `authority` is the council PDA: propose this instruction, do not send it directly.
pub fn create_market(
    authority: Pubkey,
    payer: Pubkey,
    market: Pubkey,
    base_mint: Pubkey,
    quote_mint: Pubkey,
    params: CreateMarketParams,
) -> Instruction {
    build(
        crate::accounts::CreateMarket {
            authority,
            payer,
            market,
            pair: pair_address(&base_mint, &quote_mint),
            base_mint,
            quote_mint,
            base_vault: base_vault_address(&market),
            quote_vault: quote_vault_address(&market),
            vault_authority: vault_authority_address(&market),
            council: governance::client::council_address(),
            token_program: token::ID,
            system_program: system_program::ID,
        },
        crate::instruction::CreateMarket { params },
    )
}

fn claim_accounts(trader: Pubkey, market: Pubkey, idle_holder: Option<Pubkey>) -> crate::accounts::ClaimSeat {
    crate::accounts::ClaimSeat {
        trader,
        market,
        council: governance::client::council_address(),
        system_program: system_program::ID,
        idle_holder,
    }
}

/// The trader's seat: its own, else a new one (the trader pays the block's rent when the
/// book has no free block, and bonds `state::seat_bond` lamports).
pub fn claim_seat(trader: Pubkey, market: Pubkey) -> Instruction {
    build(claim_accounts(trader, market, None), crate::instruction::ClaimSeat {})
}

/// When the market account is at Solana's 10 MB limit: takes over the seat of `idle_holder`, which must be empty
/// and idle for `engine::SEAT_IDLE_SLOTS`; the holder gets its bond back. (Same
/// instruction as `claim_seat`: a free seat, if one opened meanwhile, is taken instead.)
pub fn take_over_seat(trader: Pubkey, market: Pubkey, idle_holder: Pubkey) -> Instruction {
    build(claim_accounts(trader, market, Some(idle_holder)), crate::instruction::ClaimSeat {})
}

/// Refunds the seat's bond to the trader.
pub fn release_seat(trader: Pubkey, market: Pubkey, seat: u32) -> Instruction {
    build(crate::accounts::ReleaseSeat { trader, market }, crate::instruction::ReleaseSeat { seat })
}

/// Token accounts of the trader for the market's base and quote mints.
#[derive(Clone, Copy, Debug)]
pub struct TraderAccounts {
    pub trader: Pubkey,
    pub base: Pubkey,
    pub quote: Pubkey,
}

fn move_funds(market: Pubkey, who: TraderAccounts) -> crate::accounts::MoveFunds {
    crate::accounts::MoveFunds {
        trader: who.trader,
        market,
        council: governance::client::council_address(),
        trader_base: who.base,
        trader_quote: who.quote,
        base_vault: base_vault_address(&market),
        quote_vault: quote_vault_address(&market),
        vault_authority: vault_authority_address(&market),
        token_program: token::ID,
    }
}

pub fn deposit(
    market: Pubkey,
    who: TraderAccounts,
    seat: u32,
    base_atoms: u64,
    quote_atoms: u64,
) -> Instruction {
    build(move_funds(market, who), crate::instruction::Deposit { seat, base_atoms, quote_atoms })
}

pub fn withdraw(
    market: Pubkey,
    who: TraderAccounts,
    seat: u32,
    base_atoms: u64,
    quote_atoms: u64,
) -> Instruction {
    build(move_funds(market, who), crate::instruction::Withdraw { seat, base_atoms, quote_atoms })
}

/// `price_feed` is needed only when the market has a price band.
pub fn place_order(
    trader: Pubkey,
    market: Pubkey,
    seat: u32,
    packet: OrderPacket,
    price_feed: Option<Pubkey>,
) -> Instruction {
    build(place_accounts(trader, market, price_feed), crate::instruction::PlaceOrder { seat, packet })
}

/// Cancels `order_id` on `packet.side` and places `packet`; fails (placing nothing) if that
/// order is no longer on the book.
pub fn replace_order(
    trader: Pubkey,
    market: Pubkey,
    seat: u32,
    order_id: u64,
    packet: OrderPacket,
    price_feed: Option<Pubkey>,
) -> Instruction {
    build(
        place_accounts(trader, market, price_feed),
        crate::instruction::ReplaceOrder { seat, order_id, packet },
    )
}

/// Cancels, then places, for one trader (each list at most `MAX_BATCH_ORDERS`). Cancels
/// of orders no longer on the book are skipped. `price_feed` as for `place_order`.
pub fn batch_orders(
    trader: Pubkey,
    market: Pubkey,
    seat: u32,
    cancels: Vec<CancelRef>,
    places: Vec<OrderPacket>,
    price_feed: Option<Pubkey>,
) -> Instruction {
    build(
        place_accounts(trader, market, price_feed),
        crate::instruction::BatchOrders { seat, cancels, places },
    )
}

pub fn cancel_order(trader: Pubkey, market: Pubkey, seat: u32, side: Side, order_id: u64) -> Instruction {
    build(
        crate::accounts::CancelOrders { trader, market },
        crate::instruction::CancelOrder { seat, side, order_id },
    )
}

pub fn cancel_all(trader: Pubkey, market: Pubkey, seat: u32) -> Instruction {
    build(crate::accounts::CancelOrders { trader, market }, crate::instruction::CancelAll { seat })
}

pub fn update_market(authority: Pubkey, market: Pubkey, params: UpdateMarketParams) -> Instruction {
    build(crate::accounts::AdminMarket { authority, market }, crate::instruction::UpdateMarket { params })
}

/// `authority` is the council PDA: propose this instruction.
pub fn set_min_order_size(authority: Pubkey, market: Pubkey, min_order_lots: u32) -> Instruction {
    build(
        crate::accounts::AdminMarket { authority, market },
        crate::instruction::SetMinOrderSize { min_order_lots },
    )
}

pub fn set_authority(authority: Pubkey, market: Pubkey, new_authority: Pubkey) -> Instruction {
    build(
        crate::accounts::AdminMarket { authority, market },
        crate::instruction::SetAuthority { new_authority },
    )
}

pub fn withdraw_fees(
    authority: Pubkey,
    market: Pubkey,
    destination: Pubkey,
    quote_atoms: u64,
) -> Instruction {
    build(
        crate::accounts::WithdrawFees {
            authority,
            market,
            quote_vault: quote_vault_address(&market),
            destination,
            vault_authority: vault_authority_address(&market),
            token_program: token::ID,
        },
        crate::instruction::WithdrawFees { quote_atoms },
    )
}

/// The accounts of every instruction that places orders (`place_order`, `replace_order`,
/// `batch_orders`): the trader signs and is writable, since it pays for the blocks its
/// resting orders need when the book has none free (the System program moves the rent).
fn place_accounts(trader: Pubkey, market: Pubkey, price_feed: Option<Pubkey>) -> crate::accounts::PlaceOrder {
    crate::accounts::PlaceOrder {
        trader,
        market,
        council: governance::client::council_address(),
        system_program: system_program::ID,
        price_feed,
    }
}
