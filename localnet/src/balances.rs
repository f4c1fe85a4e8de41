//! A transaction's balances before and after it, as a validator records them in the
//! transaction status meta: the lamports of every account it names, and the amounts of the
//! SPL Token and Token-2022 accounts among them (`preBalances`, `postTokenBalances`, …).
use anchor_lang::prelude::Pubkey;
use serde::{Deserialize, Serialize};
use solana_account::Account;
use solana_program_pack::{IsInitialized, Pack};

/// Balances of the accounts a transaction names, in the order of its account keys.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Balances {
    pub pre: Vec<u64>,
    pub post: Vec<u64>,
    pub pre_token: Vec<TokenBalance>,
    pub post_token: Vec<TokenBalance>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenBalance {
    /// The account's index among the transaction's account keys.
    pub account_index: u8,
    pub mint: [u8; 32],
    pub owner: [u8; 32],
    pub program_id: [u8; 32],
    pub amount: u64,
    pub decimals: u8,
}

/// A token balance as the bank's balance collector reports it (simulation).
impl From<solana_svm::transaction_balances::SvmTokenInfo> for TokenBalance {
    fn from(t: solana_svm::transaction_balances::SvmTokenInfo) -> TokenBalance {
        TokenBalance {
            account_index: t.account_index,
            mint: t.mint.to_bytes(),
            owner: t.owner.to_bytes(),
            program_id: t.program_id.to_bytes(),
            amount: t.amount,
            decimals: t.decimals,
        }
    }
}

/// The SPL Token and Token-2022 programs, whose accounts have token balances.
pub fn is_token_program(owner: &Pubkey) -> bool {
    *owner == spl_token_interface::ID || *owner == TOKEN_2022_ID
}

/// Token-2022's program id, from its own interface crate (one source of truth: a
/// hand-typed id once made every Token-2022 account look foreign).
pub const TOKEN_2022_ID: Pubkey = Pubkey::new_from_array(spl_token_2022_interface::ID.to_bytes());

/// Length of a token account's base state and of a mint's, the same in both token programs.
const ACCOUNT_LEN: usize = spl_token_interface::state::Account::LEN;
const MINT_LEN: usize = spl_token_interface::state::Mint::LEN;
/// Token-2022 marks an extended account's type right after the base account state.
const ACCOUNT_TYPE_ACCOUNT: u8 = 2;
const ACCOUNT_TYPE_MINT: u8 = 1;

/// A token account's base state, in either token program (Token-2022's extensions ignored).
pub fn token_account(account: &Account) -> Option<spl_token_interface::state::Account> {
    if !is_token_program(&account.owner) {
        return None;
    }
    let data = &account.data;
    let base = match data.len() {
        ACCOUNT_LEN => data.as_slice(),
        n if n > ACCOUNT_LEN && data[ACCOUNT_LEN] == ACCOUNT_TYPE_ACCOUNT => &data[..ACCOUNT_LEN],
        _ => return None,
    };
    let state = spl_token_interface::state::Account::unpack_from_slice(base).ok()?;
    state.is_initialized().then_some(state)
}

/// A mint's base state, in either token program (Token-2022's extensions ignored). A
/// Token-2022 mint with extensions is padded to an account's length before its type byte.
pub fn mint(account: &Account) -> Option<spl_token_interface::state::Mint> {
    if !is_token_program(&account.owner) {
        return None;
    }
    let data = &account.data;
    let extended = data.len() > ACCOUNT_LEN && data[ACCOUNT_LEN] == ACCOUNT_TYPE_MINT;
    if data.len() != MINT_LEN && !extended {
        return None;
    }
    let state = spl_token_interface::state::Mint::unpack_from_slice(&data[..MINT_LEN]).ok()?;
    state.is_initialized.then_some(state)
}

/// The token balances among `accounts` (a transaction's accounts, in key order), with each
/// mint's decimals from `decimals` (`None`: the mint is gone, and so is the balance).
pub fn token_balances(
    accounts: &[Option<Account>],
    decimals: impl Fn(&Pubkey) -> Option<u8>,
) -> Vec<TokenBalance> {
    accounts
        .iter()
        .enumerate()
        .filter_map(|(i, account)| {
            let account = account.as_ref()?;
            let state = token_account(account)?;
            Some(TokenBalance {
                account_index: u8::try_from(i).ok()?,
                mint: state.mint.to_bytes(),
                owner: state.owner.to_bytes(),
                program_id: account.owner.to_bytes(),
                amount: state.amount,
                decimals: decimals(&state.mint)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_account_data(mint: Pubkey, owner: Pubkey, amount: u64) -> Vec<u8> {
        let state = spl_token_interface::state::Account {
            mint,
            owner,
            amount,
            state: spl_token_interface::state::AccountState::Initialized,
            ..Default::default()
        };
        let mut data = vec![0; ACCOUNT_LEN];
        state.pack_into_slice(&mut data);
        data
    }

    #[test]
    fn finds_token_accounts_and_skips_the_rest() {
        let (mint, owner) = (Pubkey::new_unique(), Pubkey::new_unique());
        let token = Account {
            lamports: 1,
            data: token_account_data(mint, owner, 42),
            owner: spl_token_interface::ID,
            ..Default::default()
        };
        let not_token = Account { lamports: 5, ..Default::default() };
        let balances = token_balances(&[Some(not_token), None, Some(token)], |_| Some(6));
        assert_eq!(balances.len(), 1);
        assert_eq!((balances[0].account_index, balances[0].amount, balances[0].decimals), (2, 42, 6));
        assert_eq!(balances[0].mint, mint.to_bytes());
        assert!(token_balances(&[], |_| Some(6)).is_empty());
    }

    #[test]
    fn token_2022_accounts_are_token_accounts() {
        // The address every wallet knows Token-2022 by, typed independently of the constant.
        let token_2022 = Pubkey::from_str_const("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");
        assert!(is_token_program(&token_2022));
        let (mint, owner) = (Pubkey::new_unique(), Pubkey::new_unique());
        // An account with Token-2022's account-type byte and an ImmutableOwner extension.
        let mut data = token_account_data(mint, owner, 7);
        data.extend_from_slice(&[ACCOUNT_TYPE_ACCOUNT, 7, 0, 0, 0]);
        let account = Account { lamports: 1, data, owner: token_2022, ..Default::default() };
        assert_eq!(token_account(&account).map(|t| (t.mint, t.amount)), Some((mint, 7)));
    }
}
