//! The changes the council view offers to propose — each one instruction for the council
//! PDA to sign, built by the programs' own `client.rs` builders — and the checks of what an
//! admin types into their forms: bad input is an error in words before any wallet is asked.
use anchor_lang::AnchorDeserialize;
use governance::state::CouncilConfig;
use market::pyth::{PriceFeedMessage, PriceUpdateV2, PRICE_UPDATE_V2_DISCRIMINATOR, PYTH_RECEIVER_ID};
use market::state::PriceBand;
use solana_message::Instruction;

use crate::Pubkey;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A market's settings: taker fee, trading paused or open, price band. Each form changes
    /// what it shows and keeps the rest as the chain holds it now.
    Market { market: Pubkey, taker_fee_bps: u16, paused: bool, price_band: Option<PriceBand> },
    /// Lifts a guardian's system-wide pause.
    Unpause,
    /// A new oracle. `payer` pays its record's rent, so the execution needs its signature:
    /// the proposer pays, and only the proposer can execute.
    RegisterOracle { oracle: Pubkey, payer: Pubkey },
    /// Revokes (`active: false`) or reactivates a registered oracle.
    OracleActive { oracle: Pubkey, active: bool },
    /// Suspends or reactivates a meter, by its account's address.
    MeterStatus { meter: Pubkey, suspended: bool },
    /// New members, approvals needed and guardians; every open proposal goes stale.
    Council(CouncilConfig),
    /// A market for energy against `quote_mint`. Its account is too large for the program
    /// to allocate by CPI, so `payer` (the proposer, who alone can execute it) allocates
    /// it at `market` in the execution's own transaction (`allocate_market`).
    CreateMarket { payer: Pubkey, market: Pubkey, quote_mint: Pubkey, market_params: NewMarket },
}

/// A new market's parameters in atoms, as the market program takes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewMarket {
    pub tick_size_quote_atoms: u64,
    pub lot_size_base_atoms: u64,
    pub taker_fee_bps: u16,
    pub min_order_lots: u32,
    pub price_band: Option<PriceBand>,
    pub allow_freeze_authority: bool,
}

/// The energy mint's decimals: 1 atom = 1 Wh.
pub const ENERGY_DECIMALS: u32 = energy::state::ENERGY_DECIMALS as u32;

/// A quote mint as read from the chain: what the create-market form needs to know of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuoteMint {
    pub decimals: u32,
    /// A freeze authority could freeze the market's vault; the council must say it accepts that.
    pub freezable: bool,
}

/// An SPL Token mint account as `getAccountInfo` returns it (owner and data).
pub fn quote_mint(owner: &str, data: &[u8]) -> Result<QuoteMint, String> {
    use anchor_lang::AccountDeserialize;
    if owner != anchor_spl::token::ID.to_string() {
        return Err(format!("not a token mint (owned by {owner}, not the SPL Token program)"));
    }
    let mint = anchor_spl::token::Mint::try_deserialize(&mut &data[..])
        .map_err(|_| "not a token mint account".to_string())?;
    Ok(QuoteMint { decimals: mint.decimals.into(), freezable: mint.freeze_authority.is_some() })
}

/// The seed of a new market's account: the proposal's index makes it one per proposal.
fn market_seed(index: u64) -> String {
    format!("market-{index}")
}

/// Where proposal `index` by `payer` puts its new market: an address derived from the
/// payer's key, so no extra keypair has to sign the allocation.
pub fn new_market_address(payer: &Pubkey, index: u64) -> Pubkey {
    Pubkey::create_with_seed(payer, &market_seed(index), &market::ID).expect("a short seed")
}

/// The allocation of proposal `index`'s market account, owned by the market program and
/// rent-exempt at the clusters' rent (the program initializes it on execution).
pub fn allocate_market(payer: Pubkey, index: u64) -> Instruction {
    use anchor_lang::solana_program::{rent::Rent, system_instruction};
    let space = market::state::Market::SPACE;
    system_instruction::create_account_with_seed(
        &payer,
        &new_market_address(&payer, index),
        &payer,
        &market_seed(index),
        Rent::default().minimum_balance(space),
        space as u64,
        &market::ID,
    )
}

/// Whether `ix` creates a market (its execution must allocate the account first).
pub fn creates_market(ix: &Instruction) -> bool {
    use anchor_lang::Discriminator;
    ix.program_id == market::ID && ix.data.starts_with(market::instruction::CreateMarket::DISCRIMINATOR)
}

/// A create-market form in people's units: the lot in kWh, the price step in the quote
/// currency per kWh, the fee in basis points and the smallest order in kWh (empty: none).
/// Each is converted to the atoms the program takes exactly, or refused in words.
pub fn parse_new_market(
    quote: QuoteMint,
    lot_kwh: &str,
    price_step_per_kwh: &str,
    fee_bps: &str,
    min_order_kwh: &str,
) -> Result<NewMarket, String> {
    use crate::order::parse_atoms;
    let positive = |what: &str, text: &str, decimals: u32| -> Result<u128, String> {
        let atoms = parse_atoms(text.trim(), decimals).map_err(|e| format!("{what}: {e}"))?;
        if atoms == 0 {
            return Err(format!("{what}: must be more than 0"));
        }
        Ok(atoms)
    };
    let lot = positive("lot", lot_kwh, ENERGY_DECIMALS)?;
    let step_per_kwh = positive("price step", price_step_per_kwh, quote.decimals)?;
    // The program prices per lot: a tick is the step per kWh times the lot's kWh, which must
    // come out a whole number of the quote's atoms, or the step shown would be a lie.
    let kwh = 10u128.pow(ENERGY_DECIMALS);
    let tick = step_per_kwh * lot;
    if tick % kwh != 0 {
        return Err(format!(
            "a price step of {} per kWh on lots of {} is not a whole number of the quote's smallest unit per lot; choose a larger step or lot",
            price_step_per_kwh.trim(),
            crate::units::kwh(lot, ENERGY_DECIMALS)
        ));
    }
    let min_order = match min_order_kwh.trim() {
        "" => 0,
        text => parse_atoms(text, ENERGY_DECIMALS).map_err(|e| format!("smallest order: {e}"))?,
    };
    if min_order % lot != 0 {
        return Err(format!(
            "the smallest order must be a whole number of lots of {}",
            crate::units::kwh(lot, ENERGY_DECIMALS)
        ));
    }
    let too_large = |what: &str| format!("{what} is too large");
    Ok(NewMarket {
        tick_size_quote_atoms: u64::try_from(tick / kwh).map_err(|_| too_large("the price step"))?,
        lot_size_base_atoms: u64::try_from(lot).map_err(|_| too_large("the lot"))?,
        taker_fee_bps: parse_fee_bps(fee_bps)?,
        min_order_lots: u32::try_from(min_order / lot).map_err(|_| too_large("the smallest order"))?,
        price_band: None,
        allow_freeze_authority: quote.freezable,
    })
}

impl Change {
    pub fn instruction(&self) -> Instruction {
        let council = governance::client::council_address();
        match self {
            Change::Market { market, taker_fee_bps, paused, price_band } => {
                let params = market::instructions::UpdateMarketParams {
                    taker_fee_bps: *taker_fee_bps,
                    paused: *paused,
                    price_band: *price_band,
                };
                market::client::update_market(council, *market, params)
            }
            Change::Unpause => governance::client::unpause(),
            Change::RegisterOracle { oracle, payer } => {
                energy::client::register_oracle(council, *payer, *oracle)
            }
            Change::OracleActive { oracle, active } => {
                energy::client::set_oracle_active(council, *oracle, *active)
            }
            Change::MeterStatus { meter, suspended } => {
                use energy::state::MeterStatus;
                let status = if *suspended { MeterStatus::Suspended } else { MeterStatus::Active };
                energy::client::set_meter_status(council, *meter, status)
            }
            Change::Council(config) => governance::client::set_council(config.clone()),
            Change::CreateMarket { payer, market, quote_mint, market_params: p } => {
                let params = market::instructions::CreateMarketParams {
                    tick_size_quote_atoms: p.tick_size_quote_atoms,
                    lot_size_base_atoms: p.lot_size_base_atoms,
                    taker_fee_bps: p.taker_fee_bps,
                    price_band: p.price_band,
                    allow_freeze_authority: p.allow_freeze_authority,
                    min_order_lots: p.min_order_lots,
                };
                let energy_mint = energy::client::energy_mint_address();
                market::client::create_market(council, *payer, *market, energy_mint, *quote_mint, params)
            }
        }
    }
}

/// A fee typed in basis points, within what the market program accepts.
pub fn parse_fee_bps(text: &str) -> Result<u16, String> {
    let bps: u16 =
        text.trim().parse().map_err(|_| format!("{text:?} is not a whole number of basis points"))?;
    if bps > market::instructions::MAX_TAKER_FEE_BPS {
        return Err(format!("at most {} bps", market::instructions::MAX_TAKER_FEE_BPS));
    }
    Ok(bps)
}

/// An address typed by a person; `what` names the field in the error.
pub fn parse_address(what: &str, text: &str) -> Result<Pubkey, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("enter the {what}'s address"));
    }
    crate::tx::parse_pubkey(text)
        .ok_or_else(|| format!("{what}: {text:?} is not an address (base58, 32 bytes)"))
}

/// A price band from the form: the Pyth price account (its feed id is read from the
/// account itself, so nobody types 64 hex digits), the most a limit price may stray from
/// the reference, and the oldest reference price accepted.
pub fn parse_band(
    price_feed: Pubkey,
    feed: &PriceFeedMessage,
    deviation_bps: &str,
    staleness_secs: &str,
) -> Result<PriceBand, String> {
    let deviation: u16 =
        deviation_bps.trim().parse().ok().filter(|d| (1..=10_000).contains(d)).ok_or_else(|| {
            format!("the deviation {deviation_bps:?} must be whole basis points from 1 to 10000")
        })?;
    let staleness: u32 = staleness_secs
        .trim()
        .parse()
        .ok()
        .filter(|s| *s >= 1)
        .ok_or_else(|| format!("the age {staleness_secs:?} must be whole seconds, at least 1"))?;
    Ok(PriceBand {
        price_feed,
        feed_id: feed.feed_id,
        max_deviation_bps: deviation,
        max_staleness_secs: staleness,
    })
}

/// A Pyth `PriceUpdateV2` account as `getAccountInfo` returns it (owner and data).
pub fn price_feed(owner: &str, data: &[u8]) -> Result<PriceFeedMessage, String> {
    if owner != PYTH_RECEIVER_ID.to_string() {
        return Err(format!("not a Pyth price account (owned by {owner}, not the Pyth receiver)"));
    }
    let body =
        data.strip_prefix(&PRICE_UPDATE_V2_DISCRIMINATOR[..]).ok_or("not a Pyth price update account")?;
    PriceUpdateV2::deserialize(&mut &body[..])
        .map(|u| u.price_message)
        .map_err(|_| "an unreadable Pyth price update".into())
}

/// The reference price of a feed in words ("0.12": quote tokens per whole base token).
pub fn feed_price(feed: &PriceFeedMessage) -> String {
    let sign = if feed.price < 0 { "-" } else { "" };
    let magnitude = u128::from(feed.price.unsigned_abs());
    // Pyth's exponents are small (about -12..=0); the clamp keeps a hostile one from
    // overflowing.
    let shift = feed.exponent.unsigned_abs().min(30);
    let text = if feed.exponent < 0 {
        crate::units::format_atoms(magnitude, shift)
    } else {
        magnitude.saturating_mul(10u128.pow(shift)).to_string()
    };
    format!("{sign}{text}")
}

/// A council from the form: addresses separated by spaces, commas or new lines, and the
/// number of approvals needed; checked by the governance program's own rule.
pub fn parse_council(members: &str, threshold: &str, guardians: &str) -> Result<CouncilConfig, String> {
    let keys = |what: &str, text: &str| -> Result<Vec<Pubkey>, String> {
        text.split(|c: char| c.is_whitespace() || c == ',')
            .filter(|t| !t.is_empty())
            .map(|t| parse_address(what, t))
            .collect()
    };
    let threshold: u8 = threshold
        .trim()
        .parse()
        .map_err(|_| format!("approvals needed: {threshold:?} is not a whole number"))?;
    let config = CouncilConfig {
        members: keys("member", members)?,
        threshold,
        guardians: keys("guardian", guardians)?,
    };
    config.validate().map_err(|e| match e {
        anchor_lang::error::Error::AnchorError(a) => a.error_msg.clone(),
        other => other.to_string(),
    })?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::Discriminator;

    fn key(n: u8) -> Pubkey {
        Pubkey::new_from_array([n; 32])
    }

    fn feed() -> PriceFeedMessage {
        PriceFeedMessage {
            feed_id: [7; 32],
            price: 12,
            conf: 1,
            exponent: -2,
            publish_time: 1,
            prev_publish_time: 1,
            ema_price: 12,
            ema_conf: 1,
        }
    }

    #[test]
    fn each_change_is_the_programs_own_instruction_for_the_council_to_sign() {
        let council = governance::client::council_address();
        let signers = |ix: &Instruction| {
            ix.accounts.iter().filter(|a| a.is_signer).map(|a| a.pubkey).collect::<Vec<_>>()
        };

        let register = Change::RegisterOracle { oracle: key(5), payer: key(1) }.instruction();
        assert_eq!(register, energy::client::register_oracle(council, key(1), key(5)));
        assert_eq!(signers(&register), [council, key(1)], "the payer signs the execution too");

        let revoke = Change::OracleActive { oracle: key(5), active: false }.instruction();
        assert_eq!(&revoke.data[..8], energy::instruction::SetOracleActive::DISCRIMINATOR);
        assert_eq!(signers(&revoke), [council]);

        let suspend = Change::MeterStatus { meter: key(6), suspended: true }.instruction();
        assert_eq!(
            suspend,
            energy::client::set_meter_status(council, key(6), energy::state::MeterStatus::Suspended)
        );

        let config = CouncilConfig { members: vec![key(1), key(2)], threshold: 2, guardians: vec![key(3)] };
        assert_eq!(Change::Council(config.clone()).instruction(), governance::client::set_council(config));
    }

    #[test]
    fn addresses_and_councils_are_checked_in_words() {
        assert_eq!(parse_address("oracle", &format!(" {} ", key(4))), Ok(key(4)));
        assert!(parse_address("oracle", "").unwrap_err().contains("enter the oracle's address"));
        assert!(parse_address("oracle", "0OIl").unwrap_err().contains("not an address"));

        let (a, b, g) = (key(1).to_string(), key(2).to_string(), key(3).to_string());
        let c = parse_council(&format!("{a}\n{b}"), "2", &g).unwrap();
        assert_eq!((c.members, c.threshold, c.guardians), (vec![key(1), key(2)], 2, vec![key(3)]));
        assert_eq!(parse_council(&format!("{a}, {b}"), " 1 ", "").unwrap().guardians, Vec::<Pubkey>::new());
        // The program's own rule, in its own words.
        let too_many = parse_council(&a, "2", "").unwrap_err();
        assert!(too_many.contains("threshold <= members"), "{too_many}");
        assert!(parse_council(&format!("{a} {a}"), "1", "").unwrap_err().contains("distinct"));
        assert!(parse_council(&a, "two", "").unwrap_err().contains("not a whole number"));
        assert!(parse_council(&a, "1", "nope").unwrap_err().contains("guardian"));
    }

    #[test]
    fn a_band_takes_its_feed_id_from_the_pyth_account() {
        let account = PriceUpdateV2 {
            write_authority: key(9),
            verification_level: market::pyth::VerificationLevel::Full,
            price_message: feed(),
            posted_slot: 3,
        }
        .to_account_data();
        let read = price_feed(&PYTH_RECEIVER_ID.to_string(), &account).unwrap();
        assert_eq!(read, feed());
        assert_eq!(feed_price(&read), "0.12");
        assert!(price_feed(&key(1).to_string(), &account).unwrap_err().contains("not a Pyth price account"));
        assert!(
            price_feed(&PYTH_RECEIVER_ID.to_string(), &account[..20]).is_err(),
            "truncated: an error, not a panic"
        );

        let band = parse_band(key(8), &read, "500", "60").unwrap();
        assert_eq!(
            band,
            PriceBand {
                price_feed: key(8),
                feed_id: [7; 32],
                max_deviation_bps: 500,
                max_staleness_secs: 60
            }
        );
        assert!(parse_band(key(8), &read, "0", "60").unwrap_err().contains("from 1 to 10000"));
        assert!(parse_band(key(8), &read, "500", "0").unwrap_err().contains("at least 1"));
    }

    fn usdc() -> QuoteMint {
        QuoteMint { decimals: 6, freezable: false }
    }

    #[test]
    fn a_new_market_is_typed_in_kwh_and_the_quote_and_proposed_in_atoms() {
        // The demo market: lots of 1 kWh, a step of 0.001 per kWh, 25 bps, orders of ≥ 2 kWh.
        let m = parse_new_market(usdc(), "1", "0.001", "25", "2").unwrap();
        assert_eq!(
            m,
            NewMarket {
                tick_size_quote_atoms: 1_000,
                lot_size_base_atoms: 1_000,
                taker_fee_bps: 25,
                min_order_lots: 2,
                price_band: None,
                allow_freeze_authority: false,
            }
        );
        // A lot of 0.1 kWh at 0.01 per kWh: 0.001 per lot, 1000 quote atoms.
        let small = parse_new_market(usdc(), "0.1", "0.01", "0", "").unwrap();
        assert_eq!(
            (small.tick_size_quote_atoms, small.lot_size_base_atoms, small.min_order_lots),
            (1_000, 100, 0)
        );
        let freezable =
            parse_new_market(QuoteMint { freezable: true, ..usdc() }, "1", "0.001", "0", "").unwrap();
        assert!(freezable.allow_freeze_authority, "a freezable quote mint is accepted knowingly");

        assert!(parse_new_market(usdc(), "0", "0.001", "0", "")
            .unwrap_err()
            .contains("lot: must be more than 0"));
        assert!(parse_new_market(usdc(), "1", "0.0000001", "0", "")
            .unwrap_err()
            .contains("more than 6 decimals"));
        let odd = parse_new_market(usdc(), "0.001", "0.000001", "0", "").unwrap_err();
        assert!(odd.contains("not a whole number of the quote's smallest unit per lot"), "{odd}");
        assert!(parse_new_market(usdc(), "1", "0.001", "5000", "").unwrap_err().contains("at most"));
        assert!(parse_new_market(usdc(), "2", "0.001", "0", "3")
            .unwrap_err()
            .contains("whole number of lots of 2 kWh"));
    }

    #[test]
    fn a_new_market_is_the_market_program_s_own_instruction_and_its_account_is_the_payer_s_to_allocate() {
        let payer = key(1);
        let market = new_market_address(&payer, 7);
        assert_ne!(market, new_market_address(&payer, 8), "one account per proposal");
        let params = parse_new_market(usdc(), "1", "0.001", "25", "1").unwrap();
        let change = Change::CreateMarket { payer, market, quote_mint: key(3), market_params: params };
        let ix = change.instruction();
        let council = governance::client::council_address();
        let expected = market::client::create_market(
            council,
            payer,
            market,
            energy::client::energy_mint_address(),
            key(3),
            market::instructions::CreateMarketParams {
                tick_size_quote_atoms: 1_000,
                lot_size_base_atoms: 1_000,
                taker_fee_bps: 25,
                price_band: None,
                allow_freeze_authority: false,
                min_order_lots: 1,
            },
        );
        assert_eq!(ix, expected);
        assert!(creates_market(&ix) && !creates_market(&Change::Unpause.instruction()));

        let alloc = allocate_market(payer, 7);
        assert_eq!(alloc.program_id, anchor_lang::solana_program::system_program::ID);
        let writable: Vec<_> = alloc.accounts.iter().filter(|a| a.is_writable).map(|a| a.pubkey).collect();
        assert_eq!(writable, [payer, market], "the payer funds the market's account at its derived address");
        let signers: Vec<_> = alloc.accounts.iter().filter(|a| a.is_signer).map(|a| a.pubkey).collect();
        assert_eq!(signers, [payer], "no keypair besides the payer's wallet signs");
    }

    #[test]
    fn a_quote_mint_is_read_from_its_token_account() {
        use anchor_lang::solana_program::program_pack::Pack;
        use anchor_spl::token::spl_token::state::Mint;
        let mut data = vec![0; Mint::LEN];
        let mint = Mint {
            decimals: 6,
            is_initialized: true,
            freeze_authority: Some(key(2)).into(),
            ..Mint::default()
        };
        Mint::pack(mint, &mut data).unwrap();
        let token = anchor_spl::token::ID.to_string();
        assert_eq!(quote_mint(&token, &data), Ok(QuoteMint { decimals: 6, freezable: true }));
        assert!(quote_mint(&key(1).to_string(), &data).unwrap_err().contains("not a token mint"));
        assert!(quote_mint(&token, &data[..10]).is_err(), "truncated: an error, not a panic");
    }

    #[test]
    fn fees_are_whole_basis_points_within_the_program_s_bound() {
        assert_eq!(parse_fee_bps(" 25 "), Ok(25));
        assert!(parse_fee_bps("2.5").is_err());
        let max = market::instructions::MAX_TAKER_FEE_BPS;
        assert_eq!(parse_fee_bps(&max.to_string()), Ok(max));
        assert!(parse_fee_bps(&(max + 1).to_string()).unwrap_err().contains("at most"));
    }
}
