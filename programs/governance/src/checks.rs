//! Anchor's account constraint errors, for the programs' hand-written account checks
//! (`market::fast`, `energy::fast`): the same error codes, account names and compared keys
//! that Anchor's generated `try_accounts` reports, from one place.
use anchor_lang::error::ErrorCode;
use anchor_lang::prelude::*;

/// Names the account an error is about, as Anchor does for every account it checks.
pub fn named<T>(result: Result<T>, name: &'static str) -> Result<T> {
    result.map_err(|e| e.with_account_name(name))
}

/// Anchor's `mut` constraint.
pub fn writable<'info>(account: &impl AsRef<AccountInfo<'info>>, name: &'static str) -> Result<()> {
    if account.as_ref().is_writable {
        Ok(())
    } else {
        Err(Error::from(ErrorCode::ConstraintMut).with_account_name(name))
    }
}

/// Anchor's `token::authority` then `token::mint` constraints, on a token account's owner
/// and mint.
pub fn token_owner_and_mint(
    (owner, mint): (&Pubkey, &Pubkey),
    name: &'static str,
    authority: &Pubkey,
    expected_mint: &Pubkey,
) -> Result<()> {
    if owner != authority {
        return Err(Error::from(ErrorCode::ConstraintTokenOwner)
            .with_account_name(name)
            .with_pubkeys((*owner, *authority)));
    }
    if mint != expected_mint {
        return Err(Error::from(ErrorCode::ConstraintTokenMint)
            .with_account_name(name)
            .with_pubkeys((*mint, *expected_mint)));
    }
    Ok(())
}
