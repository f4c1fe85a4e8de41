pub mod admin;
pub mod batch;
pub mod cancel;
pub mod create_market;
pub mod funds;
pub mod place_order;
pub mod seat;

#[allow(ambiguous_glob_reexports)]
pub use admin::*;
#[allow(ambiguous_glob_reexports)]
pub use batch::*;
#[allow(ambiguous_glob_reexports)]
pub use cancel::*;
#[allow(ambiguous_glob_reexports)]
pub use create_market::*;
#[allow(ambiguous_glob_reexports)]
pub use funds::*;
#[allow(ambiguous_glob_reexports)]
pub use place_order::*;
#[allow(ambiguous_glob_reexports)]
pub use seat::*;

use anchor_lang::prelude::*;
use governance::Council;

use crate::engine::{CancelReason, EngineEvent, Side};
use crate::error::MarketError;
use crate::events::{OrderCanceled, OrderFilled, OrderPlaced};
use crate::state::{
    account_len, adopt_grown, market_ref, MarketHeader, MAX_ACCOUNT_BYTES, VAULT_AUTHORITY_SEED,
};

/// Trading, deposits and seat claims (everything that creates value or allocates) stop
/// while governance or the market is paused; cancels, withdrawals and seat releases stay
/// open so that a pause never traps anyone's funds (docs/architecture.md, "Pause").
pub(crate) fn ensure_trading(header: &MarketHeader, council: &AccountLoader<Council>) -> Result<()> {
    ensure_trading_with(header, &council.key(), &*council.load()?)
}

/// `ensure_trading` with the council account already checked and mapped.
pub(crate) fn ensure_trading_with(header: &MarketHeader, council_key: &Pubkey, council: &Council) -> Result<()> {
    require_keys_eq!(*council_key, header.council, MarketError::InvalidCouncil);
    require!(header.paused == 0 && !council.is_paused(), MarketError::Paused);
    Ok(())
}

/// Makes sure the book has `need` free blocks before the engine runs: when the free list is
/// short, the market account grows by the blocks missing (at most `MAX_BATCH_ORDERS`, far
/// under the 10 KiB a single instruction may add) and `payer`, the signer who needs the
/// space, pays their rent-exempt lamports. The account never shrinks; freed blocks are
/// reused. At Solana's 10 MB limit it does not grow, and the engine evicts or refuses.
pub(crate) fn reserve_blocks<'info>(
    market: &AccountInfo<'info>,
    payer: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    need: u32,
) -> Result<()> {
    let (short, count, len) = {
        let data = market.try_borrow_data()?;
        let m = market_ref(&data).map_err(MarketError::from)?;
        (m.book.header.blocks_short(need), m.book.header.block_count, data.len())
    };
    if short == 0 {
        return Ok(());
    }
    let new_count = count.checked_add(short).ok_or(MarketError::Overflow)?;
    let new_len = account_len(new_count).ok_or(MarketError::Overflow)?;
    if new_len > MAX_ACCOUNT_BYTES {
        return Ok(());
    }
    let rent = Rent::get()?;
    let lamports = rent.minimum_balance(new_len).saturating_sub(rent.minimum_balance(len));
    if lamports > 0 {
        anchor_lang::system_program::transfer(
            CpiContext::new(
                system_program.key(),
                anchor_lang::system_program::Transfer { from: payer.clone(), to: market.clone() },
            ),
            lamports,
        )?;
    }
    if new_len > len {
        market.resize(new_len)?;
    }
    let mut data = market.try_borrow_mut_data()?;
    adopt_grown(&mut data, new_count).map_err(MarketError::from)?;
    Ok(())
}

pub(crate) fn vault_signer_seeds<'a>(market: &'a Pubkey, bump: &'a [u8; 1]) -> [&'a [u8]; 3] {
    [VAULT_AUTHORITY_SEED, market.as_ref(), bump]
}

fn side_code(side: Side) -> u8 {
    match side {
        Side::Bid => 0,
        Side::Ask => 1,
    }
}

/// The byte `OrderCanceled.reason` carries for each reason (decoders map it back).
pub fn reason_code(reason: CancelReason) -> u8 {
    match reason {
        CancelReason::User => 0,
        CancelReason::Expired => 1,
        CancelReason::SelfTrade => 2,
        CancelReason::IocRemainder => 3,
        CancelReason::MatchLimitRemainder => 4,
        CancelReason::Evicted => 5,
    }
}

/// Turns engine events into Anchor events the indexer decodes, serialized into `buf`.
/// Seats are resolved to trader keys (`trader`) here so that consumers never need the
/// market's seat table.
pub(crate) fn emit_engine_event(
    buf: &mut Vec<u8>,
    market_key: Pubkey,
    trader: impl Fn(u32) -> Pubkey,
    event: EngineEvent,
) {
    match event {
        EngineEvent::Placed { order_id, seat, side, price, lots, client_order_id } => {
            crate::events::emit_into(
                buf,
                &OrderPlaced {
                    market: market_key,
                    order_id,
                    client_order_id,
                    trader: trader(seat),
                    side: side_code(side),
                    price_ticks: price.0,
                    lots: lots.0,
                },
            )
        }
        EngineEvent::Fill {
            maker_seat,
            taker_seat,
            maker_order_id,
            maker_client_order_id,
            taker_side,
            price,
            lots,
            quote_atoms,
            taker_fee_quote_atoms,
        } => crate::events::emit_into(
            buf,
            &OrderFilled {
                market: market_key,
                maker_order_id,
                maker_client_order_id,
                maker: trader(maker_seat),
                taker: trader(taker_seat),
                taker_side: side_code(taker_side),
                price_ticks: price.0,
                lots: lots.0,
                quote_atoms: quote_atoms.0,
                taker_fee_quote_atoms: taker_fee_quote_atoms.0,
            },
        ),
        EngineEvent::Canceled { order_id, seat, side, price, lots, client_order_id, reason } => {
            crate::events::emit_into(
                buf,
                &OrderCanceled {
                    market: market_key,
                    order_id,
                    client_order_id,
                    trader: trader(seat),
                    side: side_code(side),
                    price_ticks: price.0,
                    lots: lots.0,
                    reason: reason_code(reason),
                },
            )
        }
    }
}
