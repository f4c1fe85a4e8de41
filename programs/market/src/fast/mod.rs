//! The entry of the hot instructions — place, replace, batch, cancel, deposit, withdraw —
//! with their accounts checked here instead of by Anchor's generated `try_accounts`, then
//! the same handlers Anchor's dispatch calls. Every other instruction goes to Anchor's
//! `entry` unchanged, and the `#[program]` module stays the interface (IDL, clients).
//!
//! Why: on SBF, Anchor's account layer cost more than the trading itself. Profiled with
//! `tests/programs/tests/cu_profile.rs`: 2,299 of place's 7,071 CU went before the handler
//! ran and 820 after it; 11,230 of deposit's 18,526 (a `HashSet` of the mutable accounts,
//! `Box`es, the market mapped once per constraint).
//!
//! The checks are Anchor's own, in Anchor's order, with Anchor's errors: each account's type
//! in declaration order (Anchor's own `try_from`: signer; owner and discriminator; program
//! id; token account layout), then duplicate mutable accounts, then each account's
//! constraints (mut, address, token authority and mint). `tests/programs/tests/account_checks.rs`
//! pins every tampering of every slot to the error Anchor gave, on the native and SBF builds.
use anchor_lang::error::ErrorCode;
use anchor_lang::prelude::*;
use anchor_lang::solana_program::entrypoint::ProgramResult;
use anchor_lang::Discriminator;
use anchor_spl::token::{Token, TokenAccount};
use governance::checks::{named, token_owner_and_mint, writable};
use governance::Council;

use crate::error::MarketError;
use crate::instruction as ix;
use crate::instructions::{CancelOrders, MoveFunds, PlaceOrder};
use crate::state::Market;

pub mod raw;

/// The program's entry: a hot instruction here, anything else through Anchor's dispatch.
pub fn process<'info>(
    program_id: &'info Pubkey,
    accounts: &'info [AccountInfo<'info>],
    data: &'info [u8],
) -> ProgramResult {
    governance::cu_mark!("entrypoint");
    match dispatch(program_id, accounts, data) {
        Some(result) => result.map_err(|e| {
            e.log();
            e.into()
        }),
        None => crate::entry(program_id, accounts, data),
    }
}

fn dispatch<'info>(
    program_id: &'info Pubkey,
    accounts: &'info [AccountInfo<'info>],
    data: &'info [u8],
) -> Option<Result<()>> {
    // A foreign program id is Anchor's error to report.
    if *program_id != crate::ID || data.len() < 8 {
        return None;
    }
    let (disc, args) = data.split_at(8);
    type Handler = for<'a> fn(&Pubkey, &'a [AccountInfo<'a>], &[u8]) -> Result<()>;
    let (name, handler): (&str, Handler) = match disc {
        d if d == ix::PlaceOrder::DISCRIMINATOR => ("Instruction: PlaceOrder", place_order),
        d if d == ix::CancelOrder::DISCRIMINATOR => ("Instruction: CancelOrder", cancel_order),
        d if d == ix::ReplaceOrder::DISCRIMINATOR => ("Instruction: ReplaceOrder", replace_order),
        d if d == ix::BatchOrders::DISCRIMINATOR => ("Instruction: BatchOrders", batch_orders),
        d if d == ix::Deposit::DISCRIMINATOR => ("Instruction: Deposit", deposit),
        d if d == ix::Withdraw::DISCRIMINATOR => ("Instruction: Withdraw", withdraw),
        _ => return None,
    };
    // Anchor's dispatch logs the name; so does this entry, for the same logs.
    #[cfg(not(feature = "no-log-ix-name"))]
    msg!(name);
    #[cfg(feature = "no-log-ix-name")]
    let _ = name;
    Some(handler(program_id, accounts, args))
}

/// Instruction data decoded as Anchor's handler decodes it.
fn args<T: AnchorDeserialize>(data: &[u8]) -> Result<T> {
    T::deserialize(&mut &data[..]).map_err(|_| ErrorCode::InstructionDidNotDeserialize.into())
}

/// Sets return data as Anchor's handler does for a non-unit result.
fn return_data<T: AnchorSerialize>(value: &T) -> Result<()> {
    let mut bytes = Vec::with_capacity(256);
    value.serialize(&mut bytes)?;
    anchor_lang::solana_program::program::set_return_data(&bytes);
    Ok(())
}

fn place_order<'info>(program_id: &Pubkey, accounts: &'info [AccountInfo<'info>], data: &[u8]) -> Result<()> {
    let ix::PlaceOrder { seat, packet } = args(data)?;
    governance::cu_mark!("dispatch, args");
    let accounts = place_accounts(program_id, accounts)?;
    governance::cu_mark!("account checks");
    return_data(&crate::instructions::place_order::handler(&accounts, seat, packet)?)
}

fn replace_order<'info>(
    program_id: &Pubkey,
    accounts: &'info [AccountInfo<'info>],
    data: &[u8],
) -> Result<()> {
    let ix::ReplaceOrder { seat, order_id, packet } = args(data)?;
    let accounts = place_accounts(program_id, accounts)?;
    return_data(&crate::instructions::batch::replace_order(&accounts, seat, order_id, packet)?)
}

fn batch_orders<'info>(
    program_id: &Pubkey,
    accounts: &'info [AccountInfo<'info>],
    data: &[u8],
) -> Result<()> {
    let ix::BatchOrders { seat, cancels, places } = args(data)?;
    let accounts = place_accounts(program_id, accounts)?;
    return_data(&crate::instructions::batch::batch_orders(&accounts, seat, cancels, places)?)
}

fn cancel_order<'info>(_: &Pubkey, accounts: &'info [AccountInfo<'info>], data: &[u8]) -> Result<()> {
    let ix::CancelOrder { seat, side, order_id } = args(data)?;
    governance::cu_mark!("dispatch, args");
    let mut slots = Slots(accounts);
    let trader = named(Signer::try_from(slots.next("trader")?), "trader")?;
    let market = named(AccountLoader::<Market>::try_from(slots.next("market")?), "market")?;
    writable(&market, "market")?;
    crate::instructions::cancel::cancel_order(&CancelOrders { trader, market }, seat, side, order_id)
}

fn deposit<'info>(_: &Pubkey, accounts: &'info [AccountInfo<'info>], data: &[u8]) -> Result<()> {
    let ix::Deposit { seat, base_atoms, quote_atoms } = args(data)?;
    governance::cu_mark!("dispatch, args");
    let accounts = funds_accounts(accounts)?;
    governance::cu_mark!("account checks");
    crate::instructions::funds::deposit(&accounts, seat, base_atoms, quote_atoms)
}

fn withdraw<'info>(_: &Pubkey, accounts: &'info [AccountInfo<'info>], data: &[u8]) -> Result<()> {
    let ix::Withdraw { seat, base_atoms, quote_atoms } = args(data)?;
    crate::instructions::funds::withdraw(&funds_accounts(accounts)?, seat, base_atoms, quote_atoms)
}

/// `PlaceOrder`'s accounts, checked as its `#[derive(Accounts)]` does.
fn place_accounts<'info>(
    program_id: &Pubkey,
    accounts: &'info [AccountInfo<'info>],
) -> Result<PlaceOrder<'info>> {
    let mut slots = Slots(accounts);
    let trader = named(Signer::try_from(slots.next("trader")?), "trader")?;
    let market = named(AccountLoader::<Market>::try_from(slots.next("market")?), "market")?;
    let council = named(AccountLoader::<Council>::try_from(slots.next("council")?), "council")?;
    let system_program = named(Program::<System>::try_from(slots.next("system_program")?), "system_program")?;
    // Anchor's `Option`: the program's own id in the slot means "none".
    let feed = slots.next("price_feed")?;
    let price_feed = (feed.key != program_id).then(|| UncheckedAccount::try_from(feed));
    writable(&trader, "trader")?;
    writable(&market, "market")?;
    Ok(PlaceOrder { trader, market, council, system_program, price_feed })
}

/// `MoveFunds`' accounts, checked as its `#[derive(Accounts)]` does.
fn funds_accounts<'info>(accounts: &'info [AccountInfo<'info>]) -> Result<MoveFunds<'info>> {
    let mut slots = Slots(accounts);
    let trader = named(Signer::try_from(slots.next("trader")?), "trader")?;
    let market = named(AccountLoader::<Market>::try_from(slots.next("market")?), "market")?;
    let council = named(AccountLoader::<Council>::try_from(slots.next("council")?), "council")?;
    let trader_base = token_account(slots.next("trader_base")?, "trader_base")?;
    let trader_quote = token_account(slots.next("trader_quote")?, "trader_quote")?;
    let base_vault = token_account(slots.next("base_vault")?, "base_vault")?;
    let quote_vault = token_account(slots.next("quote_vault")?, "quote_vault")?;
    let vault_authority = UncheckedAccount::try_from(slots.next("vault_authority")?);
    let token_program = named(Program::<Token>::try_from(slots.next("token_program")?), "token_program")?;

    // Anchor's duplicate check over the mutable `Account` fields, reporting the later one.
    let mutable = [
        (trader_base.key(), "trader_base"),
        (trader_quote.key(), "trader_quote"),
        (base_vault.key(), "base_vault"),
        (quote_vault.key(), "quote_vault"),
    ];
    for (i, (key, name)) in mutable.iter().enumerate() {
        if mutable[..i].iter().any(|(earlier, _)| earlier == key) {
            return Err(Error::from(ErrorCode::ConstraintDuplicateMutableAccount).with_account_name(*name));
        }
    }

    writable(&market, "market")?;
    let header = market.load()?.header;
    writable(&*trader_base, "trader_base")?;
    token_owner_and_mint(
        (&trader_base.owner, &trader_base.mint),
        "trader_base",
        &trader.key(),
        &header.base_mint,
    )?;
    writable(&*trader_quote, "trader_quote")?;
    token_owner_and_mint(
        (&trader_quote.owner, &trader_quote.mint),
        "trader_quote",
        &trader.key(),
        &header.quote_mint,
    )?;
    writable(&*base_vault, "base_vault")?;
    address(&base_vault, "base_vault", &header.base_vault)?;
    writable(&*quote_vault, "quote_vault")?;
    address(&quote_vault, "quote_vault", &header.quote_vault)?;
    Ok(MoveFunds {
        trader,
        market,
        council,
        trader_base,
        trader_quote,
        base_vault,
        quote_vault,
        vault_authority,
        token_program,
    })
}

/// The accounts of an instruction in order; running out is Anchor's `AccountNotEnoughKeys`.
struct Slots<'info>(&'info [AccountInfo<'info>]);

impl<'info> Slots<'info> {
    fn next(&mut self, name: &'static str) -> Result<&'info AccountInfo<'info>> {
        let (first, rest) = self
            .0
            .split_first()
            .ok_or_else(|| Error::from(ErrorCode::AccountNotEnoughKeys).with_account_name(name))?;
        self.0 = rest;
        Ok(first)
    }
}

fn token_account<'info>(
    info: &'info AccountInfo<'info>,
    name: &'static str,
) -> Result<Box<Account<'info, TokenAccount>>> {
    named(Account::try_from(info).map(Box::new), name)
}

/// The vaults' `address = ... @ MarketError::InvalidVault` constraint.
fn address(account: &Account<TokenAccount>, name: &'static str, expected: &Pubkey) -> Result<()> {
    if account.key() != *expected {
        return Err(Error::from(MarketError::InvalidVault)
            .with_account_name(name)
            .with_pubkeys((account.key(), *expected)));
    }
    Ok(())
}
