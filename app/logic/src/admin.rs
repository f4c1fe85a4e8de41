//! The council's view: who may do what, and the proposals as the indexer mirrors them —
//! rebuilt into the very instruction the chain will execute and described in words from
//! the programs' own instruction types. The changes an admin can propose are in `change`.
use std::collections::BTreeMap;

use anchor_lang::{AnchorDeserialize, Discriminator};
use base64::prelude::*;
use serde::Deserialize;
use solana_message::{AccountMeta, Instruction};

pub use crate::change::{parse_fee_bps, Change};
use crate::indexer::Frame;
pub use market::state::{MarketHeader, PriceBand};
use crate::trader::Applied;
use crate::units::short;
use crate::Pubkey;

/// The council as the indexer mirrors it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct Council {
    pub members: Vec<String>,
    pub guardians: Vec<String>,
    pub threshold: i16,
    /// The next proposal's index.
    pub proposal_count: i64,
    pub paused: bool,
}

/// What the connected wallet may do; the chain enforces it anyway.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Role {
    pub member: bool,
    pub guardian: bool,
}

impl Role {
    pub fn any(&self) -> bool {
        self.member || self.guardian
    }
}

impl Council {
    pub fn role(&self, wallet: &str) -> Role {
        Role {
            member: self.members.iter().any(|m| m == wallet),
            guardian: self.guardians.iter().any(|g| g == wallet),
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct ProposedAccountRow {
    pub pubkey: String,
    pub is_signer: bool,
    pub is_writable: bool,
}

/// One proposal as `/api/v1/proposals` and the `proposals` channel carry it.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct ProposalRow {
    pub index: u64,
    pub proposer: String,
    #[serde(default)]
    pub approved_by: Vec<String>,
    pub approval_count: i16,
    pub threshold: Option<i16>,
    /// `open`, `approved` (ready to execute), `executed`, `expired` or `stale`.
    pub status: String,
    pub expires_at: i64,
    pub program_id: String,
    pub accounts: Vec<ProposedAccountRow>,
    /// Instruction data, base64.
    pub data: String,
}

impl ProposalRow {
    /// The instruction the council will sign when the proposal executes.
    pub fn instruction(&self) -> Result<Instruction, String> {
        let key = |s: &str| s.parse::<Pubkey>().map_err(|_| format!("proposal {}: {s:?} is not an address", self.index));
        let accounts = self
            .accounts
            .iter()
            .map(|a| Ok(AccountMeta { pubkey: key(&a.pubkey)?, is_signer: a.is_signer, is_writable: a.is_writable }))
            .collect::<Result<_, String>>()?;
        let data = BASE64_STANDARD.decode(&self.data).map_err(|_| format!("proposal {}: data is not base64", self.index))?;
        Ok(Instruction { program_id: key(&self.program_id)?, accounts, data })
    }

    /// What the proposal does, in words; `mint_decimals` (mint → decimals, read from the
    /// chain) lets a new market's amounts be shown in its quote currency.
    pub fn describe(&self, mint_decimals: &MintDecimals) -> String {
        self.instruction().map(|ix| describe_with(&ix, mint_decimals)).unwrap_or_else(|e| e)
    }

    /// The quote mint of a create-market proposal, whose decimals its description needs.
    pub fn new_market_quote_mint(&self) -> Option<String> {
        let ix = self.instruction().ok()?;
        crate::change::creates_market(&ix).then(|| ix.accounts.get(5).map(|a| a.pubkey.to_string())).flatten()
    }

    pub fn approved_by(&self, wallet: &str) -> bool {
        self.approved_by.iter().any(|a| a == wallet)
    }

    /// The wallet whose signature the execution needs besides the council's (one that
    /// pays rent, e.g. for a new oracle's record): only it can execute the proposal.
    pub fn executor(&self) -> Option<String> {
        let council = governance::client::council_address().to_string();
        self.accounts.iter().find(|a| a.is_signer && a.pubkey != council).map(|a| a.pubkey.clone())
    }

    /// Whether `wallet` can execute the proposal now.
    pub fn executable_by(&self, wallet: &str) -> bool {
        self.status == "approved" && self.executor().is_none_or(|e| e == wallet)
    }
}

/// Decimals of mints by address, as read from the chain.
pub type MintDecimals = BTreeMap<String, u32>;

/// An instruction the council may be asked to sign, in words, decoded with the programs'
/// own instruction types.
pub fn describe(ix: &Instruction) -> String {
    describe_with(ix, &MintDecimals::new())
}

/// `describe`, with the decimals of mints the app has read (`mint_decimals`).
pub fn describe_with(ix: &Instruction, mint_decimals: &MintDecimals) -> String {
    let (disc, args) = ix.data.split_at(ix.data.len().min(8));
    let account = |i: usize| ix.accounts.get(i).map(|a| short(&a.pubkey.to_string())).unwrap_or_default();
    fn decode<T: AnchorDeserialize + Discriminator>(disc: &[u8], args: &[u8]) -> Option<T> {
        (disc == T::DISCRIMINATOR).then(|| T::try_from_slice(args).ok()).flatten()
    }
    let band = |b: Option<market::state::PriceBand>| match b {
        Some(b) => format!(
            "price band ±{} bps of Pyth feed {} (prices at most {} s old)",
            b.max_deviation_bps,
            short(&b.price_feed.to_string()),
            b.max_staleness_secs
        ),
        None => "no price band".into(),
    };
    let keys = |list: &[Pubkey]| list.iter().map(|k| short(&k.to_string())).collect::<Vec<_>>().join(", ");
    use {energy::instruction as e, governance::instruction as g, market::instruction as m};
    let words = if ix.program_id == market::ID {
        if let Some(u) = decode::<m::UpdateMarket>(disc, args) {
            let p = u.params;
            let trading = if p.paused { "paused" } else { "open" };
            Some(format!("Market {}: taker fee {} bps, trading {trading}, {}", account(1), p.taker_fee_bps, band(p.price_band)))
        } else if let Some(c) = decode::<m::CreateMarket>(disc, args) {
            Some(describe_new_market(ix, &c.params, band(c.params.price_band), mint_decimals))
        } else if let Some(w) = decode::<m::WithdrawFees>(disc, args) {
            Some(format!("Market {}: withdraw {} quote atoms of fees", account(1), w.quote_atoms))
        } else {
            decode::<m::SetAuthority>(disc, args).map(|a| format!("Market {}: hand it to {}", account(1), short(&a.new_authority.to_string())))
        }
    } else if ix.program_id == energy::ID {
        if let Some(r) = decode::<e::RegisterOracle>(disc, args) {
            Some(format!("Register oracle {} (its record paid by {})", short(&r.oracle.to_string()), account(1)))
        } else if let Some(a) = decode::<e::SetOracleActive>(disc, args) {
            // The instruction names the oracle's record (a PDA), not the oracle's key.
            let verb = if a.active { "Reactivate" } else { "Revoke" };
            Some(format!("{verb} the oracle recorded at {}", account(2)))
        } else if let Some(m) = decode::<e::SetMeterStatus>(disc, args) {
            Some(format!("Meter {}: {}", account(2), format!("{:?}", m.status).to_lowercase()))
        } else {
            decode::<e::UpdateRules>(disc, args).map(|_| "Change the rules readings are checked against".into())
        }
    } else if ix.program_id == governance::ID {
        if decode::<g::Unpause>(disc, args).is_some() {
            Some("Resume the whole system (unpause)".into())
        } else {
            decode::<g::SetCouncil>(disc, args).map(|s| {
                let c = s.config;
                let guardians =
                    if c.guardians.is_empty() { "no guardians".into() } else { format!("guardians {}", keys(&c.guardians)) };
                format!("Change the council: members {}; {} of {} to approve; {guardians}", keys(&c.members), c.threshold, c.members.len())
            })
        }
    } else {
        None
    };
    words.unwrap_or_else(|| format!("Instruction {} of program {}", hex(disc), short(&ix.program_id.to_string())))
}

/// A create-market proposal in the units people trade in: the lot and smallest order in kWh,
/// the price step in the quote currency per kWh. A quote mint the app does not know the
/// decimals of is described per lot in its smallest unit, saying so.
fn describe_new_market(
    ix: &Instruction,
    p: &market::instructions::CreateMarketParams,
    band: String,
    mint_decimals: &MintDecimals,
) -> String {
    let mint = |i: usize| ix.accounts.get(i).map(|a| a.pubkey.to_string()).unwrap_or_default();
    let (base, quote) = (mint(4), mint(5));
    let energy = base == energy::client::energy_mint_address().to_string();
    let freezable = if p.allow_freeze_authority { ", freezable mints allowed" } else { "" };
    let fee = format!("taker fee {} bps ({}%)", p.taker_fee_bps, crate::units::format_atoms(p.taker_fee_bps.into(), 2));
    let quote_decimals = mint_decimals.get(&quote).copied().or_else(|| crate::units::known_quote_decimals(&quote));
    match quote_decimals.filter(|_| energy) {
        Some(quote_decimals) => {
            let units = crate::units::MarketUnits {
                tick_size_quote_atoms: p.tick_size_quote_atoms,
                lot_size_base_atoms: p.lot_size_base_atoms,
                base_decimals: crate::change::ENERGY_DECIMALS,
                quote_decimals,
                quote: crate::units::TokenName::of_mint(&quote),
            };
            let smallest = match p.min_order_lots {
                0 | 1 => "no smallest order beyond one lot".to_string(),
                lots => format!("smallest order {}", units.size_kwh(lots.into())),
            };
            format!(
                "Create a market: energy against {}, lots of {}, price step {}, {fee}, {smallest}, {band}{freezable}",
                units.quote,
                units.size_kwh(1),
                units.price(1)
            )
        }
        None => format!(
            "Create a market: {} against {} (decimals unknown here), lot {} of the base's smallest unit, tick {} of the quote's smallest unit per lot, {fee}, smallest order {}, {band}{freezable}",
            short(&base),
            short(&quote),
            p.lot_size_base_atoms,
            p.tick_size_quote_atoms,
            crate::units::count(p.min_order_lots.into(), "lot")
        ),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}


/// The market's current settings as the chain holds them (its header), for a change that
/// keeps what it does not touch.
pub fn market_header(account_data: &[u8]) -> Result<MarketHeader, String> {
    let size = std::mem::size_of::<market::state::MarketHeader>();
    if account_data.get(..8) != Some(market::state::Market::DISCRIMINATOR) || account_data.len() < 8 + size {
        return Err("not a market account".into());
    }
    Ok(bytemuck::pod_read_unaligned(&account_data[8..8 + size]))
}

/// The admin view's state, kept from the indexer's `proposals` channel.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AdminState {
    pub council: Option<Council>,
    pub proposals: BTreeMap<u64, ProposalRow>,
    pub loaded: bool,
    seq: Option<i64>,
}

#[derive(Deserialize, Default)]
struct Changes {
    #[serde(default)]
    proposals: Vec<ProposalRow>,
    /// An object in a snapshot, a list (of one) in a delta.
    #[serde(default)]
    council: Option<serde_json::Value>,
}

impl AdminState {
    pub fn apply_frame(&mut self, frame: &Frame) -> Result<Applied, serde_json::Error> {
        let (snapshot, seq, data) = match crate::indexer::frame_to_apply(self.seq, frame) {
            Ok(apply) => apply,
            Err(not) => return Ok(not),
        };
        self.apply(snapshot, data)?;
        self.seq = Some(seq);
        Ok(Applied::Applied)
    }

    fn apply(&mut self, snapshot: bool, data: &serde_json::Value) -> Result<(), serde_json::Error> {
        let changes = Changes::deserialize(data)?;
        if snapshot {
            self.proposals.clear();
            self.council = None;
        }
        for p in changes.proposals {
            self.proposals.insert(p.index, p);
        }
        if let Some(c) = crate::indexer::one_row(changes.council) {
            self.council = Some(Council::deserialize(c)?);
        }
        self.loaded = true;
        Ok(())
    }

    /// Newest first.
    pub fn newest_first(&self) -> Vec<&ProposalRow> {
        self.proposals.values().rev().collect()
    }
}

/// A market's settings as the chain holds them, as a change the forms edit: what a form
/// does not show stays as it is (a fee change cannot silently drop a price band).
pub fn market_change(market: Pubkey, header: &MarketHeader) -> Change {
    Change::Market {
        market,
        taker_fee_bps: header.taker_fee_bps,
        paused: header.paused != 0,
        price_band: header.price_band(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(n: u8) -> Pubkey {
        Pubkey::new_from_array([n; 32])
    }

    fn row(index: u64, ix: &Instruction, status: &str) -> serde_json::Value {
        json!({
            "pubkey": "P", "index": index, "proposer": key(1).to_string(), "council_version": 0,
            "approved_by": [key(1).to_string()], "approval_count": 1, "threshold": 2, "status": status,
            "executed": false, "created_at": 0, "expires_at": 100, "program_id": ix.program_id.to_string(),
            "accounts": ix.accounts.iter().map(|a| json!({"pubkey": a.pubkey.to_string(), "is_signer": a.is_signer, "is_writable": a.is_writable})).collect::<Vec<_>>(),
            "data": BASE64_STANDARD.encode(&ix.data), "history": [],
        })
    }

    #[test]
    fn a_mirrored_proposal_rebuilds_the_instruction_it_will_execute_and_says_what_it_does() {
        let change = Change::Market { market: key(9), taker_fee_bps: 25, paused: false, price_band: None };
        let ix = change.instruction();
        let p: ProposalRow = serde_json::from_value(row(3, &ix, "open")).unwrap();
        assert_eq!(p.instruction().unwrap(), ix, "byte for byte the proposed instruction");
        let words = p.describe(&MintDecimals::new());
        assert!(words.contains("taker fee 25 bps") && words.contains("trading open") && words.contains("no price band"), "{words}");
        assert_eq!(describe(&Change::Unpause.instruction()), "Resume the whole system (unpause)");
        assert!(describe(&Instruction { program_id: key(7), accounts: vec![], data: vec![1, 2] }).starts_with("Instruction 0102 of program"));
        let council = governance::client::council_address();
        let register = energy::client::register_oracle(council, key(1), key(5));
        assert_eq!(
            describe(&register),
            format!("Register oracle {} (its record paid by {})", short(&key(5).to_string()), short(&key(1).to_string()))
        );
        let revoke = energy::client::set_oracle_active(council, key(5), false);
        let record = short(&energy::client::oracle_address(&key(5)).to_string());
        assert_eq!(describe(&revoke), format!("Revoke the oracle recorded at {record}"));
        let config = governance::state::CouncilConfig { members: vec![key(1), key(2)], threshold: 2, guardians: vec![] };
        let words = describe(&governance::client::set_council(config));
        assert!(words.contains("2 of 2 to approve; no guardians") && words.contains(&short(&key(2).to_string())), "{words}");
        let band = market::state::PriceBand { price_feed: key(8), feed_id: [0; 32], max_deviation_bps: 500, max_staleness_secs: 60 };
        let banded = Change::Market { market: key(9), taker_fee_bps: 25, paused: false, price_band: Some(band) };
        let words = describe(&banded.instruction());
        assert!(words.contains("price band ±500 bps of Pyth feed") && words.contains("at most 60 s old"), "{words}");
    }

    #[test]
    fn a_create_market_proposal_is_described_in_kwh_and_the_quote_currency() {
        let usdc = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v".parse::<Pubkey>().unwrap();
        let quote = crate::change::QuoteMint { decimals: 6, freezable: false };
        let params = crate::change::parse_new_market(quote, "0.5", "0.002", "25", "2").unwrap();
        let payer = key(1);
        let market = crate::change::new_market_address(&payer, 4);
        let change = Change::CreateMarket { payer, market, quote_mint: usdc, market_params: params };
        assert_eq!(
            describe(&change.instruction()),
            "Create a market: energy against USDC, lots of 0.5 kWh, price step 0.002 USDC per kWh, taker fee 25 bps (0.25%), smallest order 2 kWh, no price band"
        );
        // A quote mint whose decimals the app cannot know is described without pretending.
        let other = Change::CreateMarket { payer, market, quote_mint: key(3), market_params: params };
        let words = describe(&other.instruction());
        assert!(words.contains("decimals unknown here") && words.contains("tick 1000 of the quote's smallest unit per lot"), "{words}");
        // Once the app has read the mint from the chain, its decimals give the units.
        let p: ProposalRow = serde_json::from_value(row(5, &other.instruction(), "open")).unwrap();
        assert_eq!(p.new_market_quote_mint(), Some(key(3).to_string()));
        let read = MintDecimals::from([(key(3).to_string(), 6)]);
        let words = p.describe(&read);
        assert!(words.contains("lots of 0.5 kWh, price step 0.002") && words.contains(&short(&key(3).to_string())), "{words}");
        let p: ProposalRow = serde_json::from_value(row(4, &change.instruction(), "approved")).unwrap();
        assert_eq!(p.executor(), Some(payer.to_string()), "the proposer pays the market's rent, so executes it");
    }

    #[test]
    fn a_proposal_whose_instruction_needs_another_signer_is_executed_by_it() {
        let council = governance::client::council_address();
        let mut p: ProposalRow = serde_json::from_value(row(4, &energy::client::register_oracle(council, key(1), key(5)), "approved")).unwrap();
        assert_eq!(p.executor(), Some(key(1).to_string()), "the payer of the oracle's record");
        assert!(p.executable_by(&key(1).to_string()));
        assert!(!p.executable_by(&key(2).to_string()), "another member cannot sign for the payer");
        p.status = "open".into();
        assert!(!p.executable_by(&key(1).to_string()), "not before it is approved");
        let fee: ProposalRow = serde_json::from_value(row(5, &Change::Unpause.instruction(), "approved")).unwrap();
        assert_eq!(fee.executor(), None);
        assert!(fee.executable_by(&key(2).to_string()), "anyone executes what only the council signs");
    }

    #[test]
    fn the_wallet_s_role_comes_from_the_council() {
        let c = Council { members: vec!["A".into(), "B".into()], guardians: vec!["G".into()], threshold: 2, ..Council::default() };
        assert_eq!(c.role("A"), Role { member: true, guardian: false });
        assert_eq!(c.role("G"), Role { member: false, guardian: true });
        assert!(!c.role("X").any());
    }

    #[test]
    fn the_proposals_channel_keeps_council_and_proposals_in_sequence() {
        let ix = Change::Unpause.instruction();
        let council = json!({"pubkey": "C", "members": ["A", "B"], "guardians": ["G"], "threshold": 2, "version": 0,
            "proposal_count": 4, "paused": true, "slot": 1});
        let mut s = AdminState::default();
        let snap = Frame::Snapshot { channel: "proposals".into(), seq: 5, data: json!({"proposals": [row(3, &ix, "open")], "council": council}) };
        assert_eq!(s.apply_frame(&snap).unwrap(), Applied::Applied);
        assert_eq!(s.council.as_ref().unwrap().proposal_count, 4);
        let mut approved = row(3, &ix, "approved");
        approved["approval_count"] = json!(2);
        let delta = Frame::Delta { channel: "proposals".into(), seq: 6, prev: None, at_ms: None, data: json!({"proposals": [approved]}) };
        assert_eq!(s.apply_frame(&delta).unwrap(), Applied::Applied);
        assert_eq!(s.proposals[&3].status, "approved");
        let mut council2 = council.clone();
        council2["paused"] = json!(false);
        let delta = Frame::Delta { channel: "proposals".into(), seq: 7, prev: None, at_ms: None, data: json!({"council": [council2]}) };
        s.apply_frame(&delta).unwrap();
        assert!(!s.council.as_ref().unwrap().paused, "a delta's council (a list of one) replaces it");
        assert_eq!(s.apply_frame(&delta).unwrap(), Applied::Stale);
        let late = Frame::Delta { channel: "proposals".into(), seq: 9, prev: None, at_ms: None, data: json!({}) };
        assert_eq!(s.apply_frame(&late).unwrap(), Applied::Gap);
    }
}
