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

    #[test]
    fn fees_are_whole_basis_points_within_the_program_s_bound() {
        assert_eq!(parse_fee_bps(" 25 "), Ok(25));
        assert!(parse_fee_bps("2.5").is_err());
        let max = market::instructions::MAX_TAKER_FEE_BPS;
        assert_eq!(parse_fee_bps(&max.to_string()), Ok(max));
        assert!(parse_fee_bps(&(max + 1).to_string()).unwrap_err().contains("at most"));
    }
}
