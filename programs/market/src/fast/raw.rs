//! The deployed entrypoint's fast lane. A valid `place_order` or `cancel_order` is read
//! straight from the input buffer the runtime serialized: no `AccountInfo`s built (on our SBF
//! build ~180 CU an account: two `Rc` allocations and the copies), no Borsh, no account
//! checks that cannot fail. It takes only what it can finish alone — every account exactly
//! what the instruction needs, none repeated, no price band, a free block for an order that
//! may rest — and hands anything else, untouched, to `super::process`, the checked path with
//! Anchor's errors. So a refused transaction fails exactly as it did before this lane, and
//! an accepted one runs the same handler code (`place_checked`, `cancel_in`).
use anchor_lang::prelude::*;
use anchor_lang::Discriminator;
use governance::Council;

use crate::engine::{BaseLots, OrderPacket, OrderType, SelfTradeBehavior, Side, Ticks};
use crate::error::MarketError;
use crate::instruction as ix;
use crate::instructions::place_order::{blocks_for, place_checked, EventBuffer, OrderChecks};
use crate::state::{market_mut, Market};

/// One account as the runtime serialized it (solana-program-entrypoint's `deserialize`
/// reads the same layout): flags, key, owner, lamports, data length, data.
#[derive(Clone, Copy)]
struct Raw(*mut u8);

impl Raw {
    fn is_signer(self) -> bool {
        unsafe { *self.0.add(1) != 0 }
    }
    fn is_writable(self) -> bool {
        unsafe { *self.0.add(2) != 0 }
    }
    fn executable(self) -> bool {
        unsafe { *self.0.add(3) != 0 }
    }
    fn key(self) -> &'static Pubkey {
        unsafe { &*(self.0.add(8) as *const Pubkey) }
    }
    fn owner(self) -> &'static Pubkey {
        unsafe { &*(self.0.add(40) as *const Pubkey) }
    }
    fn data_len(self) -> usize {
        unsafe { *(self.0.add(80) as *const u64) as usize }
    }
    fn data(self) -> &'static [u8] {
        unsafe { core::slice::from_raw_parts(self.0.add(88), self.data_len()) }
    }
    /// The one mutable view of the account's data a lane takes, after every read of it.
    fn data_mut(self) -> &'static mut [u8] {
        unsafe { core::slice::from_raw_parts_mut(self.0.add(88), self.data_len()) }
    }
    /// Owned by `program` and starting with `discriminator`.
    fn holds(self, program: &Pubkey, discriminator: &[u8]) -> bool {
        self.owner() == program && self.data().starts_with(discriminator)
    }
}

/// Most accounts the lane reads (place_order's five).
const MAX: usize = 5;

/// The instruction's accounts (the first `MAX`), data and program id; `None` when an
/// account repeats (the checked path resolves duplicates).
///
/// # Safety
/// `input` is the buffer the runtime passes to the entrypoint.
unsafe fn parse(input: *mut u8) -> Option<([Raw; MAX], usize, &'static [u8], &'static Pubkey)> {
    let count = *(input as *const u64) as usize;
    let mut accounts = [Raw(core::ptr::null_mut()); MAX];
    let mut offset = 8usize;
    for i in 0..count {
        let at = input.add(offset);
        if *at != u8::MAX {
            return None;
        }
        let data_len = *(at.add(80) as *const u64) as usize;
        offset += 88 + data_len + anchor_lang::solana_program::entrypoint::MAX_PERMITTED_DATA_INCREASE + 8;
        // Accounts start 8-aligned; the input buffer itself is.
        offset = (offset + 7) & !7;
        if let Some(slot) = accounts.get_mut(i) {
            *slot = Raw(at);
        }
    }
    let data_len = *(input.add(offset) as *const u64) as usize;
    let data = core::slice::from_raw_parts(input.add(offset + 8), data_len);
    let program_id = &*(input.add(offset + 8 + data_len) as *const Pubkey);
    Some((accounts, count, data, program_id))
}

/// The lane's result, or `None` to take the checked path.
///
/// # Safety
/// `input` is the buffer the runtime passes to the entrypoint.
pub unsafe fn try_entry(input: *mut u8) -> Option<u64> {
    let (accounts, count, data, program_id) = parse(input)?;
    if *program_id != crate::ID || data.len() < 8 {
        return None;
    }
    let (disc, args) = data.split_at(8);
    let result = if disc == ix::PlaceOrder::DISCRIMINATOR && count >= 5 {
        place_order(&accounts, program_id, args)?
    } else if disc == ix::CancelOrder::DISCRIMINATOR && count >= 2 {
        cancel_order(&accounts, args)?
    } else {
        return None;
    };
    Some(match result {
        Ok(()) => 0,
        Err(e) => {
            e.log();
            ProgramError::from(e).into()
        }
    })
}

fn place_order(accounts: &[Raw; MAX], program_id: &Pubkey, args: &[u8]) -> Option<Result<()>> {
    governance::cu_mark!("raw: parse");
    let (seat, packet) = place_args(args)?;
    let [trader, market, council, system_program, price_feed] = *accounts;
    governance::cu_mark!("raw: args");
    // First what sends most placements to the checked path, so that they pay little here: a
    // resting order when no block is free (the account must grow), and a price band (it
    // needs the Pyth account). Read from the fixed part alone, before anything else.
    let (short, banded) = {
        let fixed: &Market = bytemuck::try_from_bytes(market.data().get(8..Market::SPACE)?).ok()?;
        (
            fixed.book.blocks_short(blocks_for(core::slice::from_ref(&packet))),
            fixed.header.price_band().is_some(),
        )
    };
    if short > 0 || banded {
        return None;
    }
    governance::cu_mark!("raw: room and band");
    let valid = trader.is_signer()
        && trader.is_writable()
        && market.is_writable()
        && market.holds(program_id, Market::DISCRIMINATOR)
        && council.holds(&governance::ID, Council::DISCRIMINATOR)
        && system_program.key() == &anchor_lang::system_program::ID
        && system_program.executable()
        // Anchor's `None` for the optional price feed: the program's own id.
        && price_feed.key() == program_id;
    if !valid {
        return None;
    }
    let council_state: &Council =
        bytemuck::try_from_bytes(council.data().get(8..8 + core::mem::size_of::<Council>())?).ok()?;
    governance::cu_mark!("raw: account checks");
    let mut market_state = market_mut(market.data_mut()).ok()?;
    governance::cu_mark!("raw: map");
    #[cfg(not(feature = "no-log-ix-name"))]
    msg!("Instruction: PlaceOrder");
    let mut run = || -> Result<()> {
        crate::instructions::ensure_trading_with(market_state.header, council.key(), council_state)?;
        let seat =
            market_state.book.view().seat_of(seat, &trader.key().to_bytes()).map_err(MarketError::from)?;
        governance::cu_mark!("raw: pause, seat");
        let checks = OrderChecks::load(market_state.header, None)?;
        governance::cu_mark!("raw: order checks");
        let mut events = EventBuffer::new();
        governance::cu_mark!("raw: buffers");
        let outcome = place_checked(&mut market_state, *market.key(), &checks, seat, &packet, &mut events)?;
        governance::cu_mark!("raw: events");
        super::return_data(&outcome)
    };
    Some(run())
}

fn cancel_order(accounts: &[Raw; MAX], args: &[u8]) -> Option<Result<()>> {
    let seat = u32::from_le_bytes(args.get(..4)?.try_into().ok()?);
    let side = side(*args.get(4)?)?;
    let order_id = u64::from_le_bytes(args.get(5..13)?.try_into().ok()?);
    let [trader, market, ..] = *accounts;
    if !(trader.is_signer() && market.is_writable() && market.holds(&crate::ID, Market::DISCRIMINATOR)) {
        return None;
    }
    #[cfg(not(feature = "no-log-ix-name"))]
    msg!("Instruction: CancelOrder");
    Some(crate::instructions::cancel::cancel_in(
        market.data_mut(),
        *market.key(),
        *trader.key(),
        seat,
        side,
        order_id,
    ))
}

fn side(byte: u8) -> Option<Side> {
    match byte {
        0 => Some(Side::Bid),
        1 => Some(Side::Ask),
        _ => None,
    }
}

/// `place_order`'s arguments at their Borsh offsets: seat, then the packet. `None` where
/// Borsh would refuse (an unknown enum value, too few bytes); like Anchor's decoding,
/// trailing bytes are ignored.
pub fn place_args(args: &[u8]) -> Option<(u32, OrderPacket)> {
    let u64_at = |at: usize| Some(u64::from_le_bytes(args.get(at..at + 8)?.try_into().ok()?));
    let packet = OrderPacket {
        side: side(*args.get(4)?)?,
        order_type: match *args.get(5)? {
            0 => OrderType::Limit,
            1 => OrderType::PostOnly,
            2 => OrderType::ImmediateOrCancel,
            3 => OrderType::FillOrKill,
            _ => return None,
        },
        price: Ticks(u64_at(6)?),
        lots: BaseLots(u64_at(14)?),
        client_order_id: u64_at(22)?,
        expiry_ts: u64_at(30)? as i64,
        self_trade: match *args.get(38)? {
            0 => SelfTradeBehavior::CancelResting,
            1 => SelfTradeBehavior::DecrementTake,
            2 => SelfTradeBehavior::Abort,
            _ => return None,
        },
        match_limit: u16::from_le_bytes(args.get(39..41)?.try_into().ok()?),
    };
    Some((u32::from_le_bytes(args.get(..4)?.try_into().ok()?), packet))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lane's decoding equals Borsh's for every packet, and refuses what Borsh refuses.
    #[test]
    fn place_args_decode_as_borsh_does() {
        let mut bytes = [0u8; 48];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..20_000 {
            for b in bytes.iter_mut() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *b = state as u8;
            }
            // Most rounds with valid enum bytes, so that decoding is exercised, not only refusal.
            if round % 4 != 0 {
                bytes[4] %= 2;
                bytes[5] %= 4;
                bytes[38] %= 3;
            }
            let len = 35 + round % 14;
            let borsh = ix::PlaceOrder::deserialize(&mut &bytes[..len]).ok().map(|i| (i.seat, i.packet));
            assert_eq!(place_args(&bytes[..len]), borsh, "{:?}", &bytes[..len]);
        }
    }
}
