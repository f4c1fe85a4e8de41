//! The council's view: who may do what, the proposals as the indexer mirrors them — rebuilt
//! into the very instruction the chain will execute and described in words from the
//! programs' own instruction types — and the changes an admin can propose, each built by
//! the programs' own instruction builders.
use std::collections::BTreeMap;

use anchor_lang::{AnchorDeserialize, Discriminator};
use base64::prelude::*;
use serde::Deserialize;
use solana_message::{AccountMeta, Instruction};

use crate::indexer::{Frame, Market};
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

    /// What the proposal does, in words.
    pub fn describe(&self) -> String {
        self.instruction().map(|ix| describe(&ix)).unwrap_or_else(|e| e)
    }

    pub fn approved_by(&self, wallet: &str) -> bool {
        self.approved_by.iter().any(|a| a == wallet)
    }
}

/// An instruction the council may be asked to sign, in words, decoded with the programs'
/// own instruction types.
pub fn describe(ix: &Instruction) -> String {
    let (disc, args) = ix.data.split_at(ix.data.len().min(8));
    let account = |i: usize| ix.accounts.get(i).map(|a| short(&a.pubkey.to_string())).unwrap_or_default();
    fn decode<T: AnchorDeserialize + Discriminator>(disc: &[u8], args: &[u8]) -> Option<T> {
        (disc == T::DISCRIMINATOR).then(|| T::try_from_slice(args).ok()).flatten()
    }
    let band = |b: Option<market::state::PriceBand>| match b {
        Some(b) => format!("price band ±{} bps", b.max_deviation_bps),
        None => "no price band".into(),
    };
    use {energy::instruction as e, governance::instruction as g, market::instruction as m};
    let words = if ix.program_id == market::ID {
        if let Some(u) = decode::<m::UpdateMarket>(disc, args) {
            let p = u.params;
            let trading = if p.paused { "paused" } else { "open" };
            Some(format!("Market {}: taker fee {} bps, trading {trading}, {}", account(1), p.taker_fee_bps, band(p.price_band)))
        } else if let Some(c) = decode::<m::CreateMarket>(disc, args) {
            let p = c.params;
            Some(format!(
                "Create a market: tick {} quote atoms, lot {} base atoms, taker fee {} bps, {}{}",
                p.tick_size_quote_atoms,
                p.lot_size_base_atoms,
                p.taker_fee_bps,
                band(p.price_band),
                if p.allow_freeze_authority { ", freezable mints allowed" } else { "" }
            ))
        } else if let Some(w) = decode::<m::WithdrawFees>(disc, args) {
            Some(format!("Market {}: withdraw {} quote atoms of fees", account(1), w.quote_atoms))
        } else {
            decode::<m::SetAuthority>(disc, args).map(|a| format!("Market {}: hand it to {}", account(1), short(&a.new_authority.to_string())))
        }
    } else if ix.program_id == energy::ID {
        if let Some(r) = decode::<e::RegisterOracle>(disc, args) {
            Some(format!("Register oracle {}", short(&r.oracle.to_string())))
        } else if let Some(a) = decode::<e::SetOracleActive>(disc, args) {
            Some(if a.active { "Reactivate an oracle".into() } else { "Revoke an oracle".into() })
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
                format!(
                    "Change the council: {} members, threshold {}, {} guardians",
                    s.config.members.len(),
                    s.config.threshold,
                    s.config.guardians.len()
                )
            })
        }
    } else {
        None
    };
    words.unwrap_or_else(|| format!("Instruction {} of program {}", hex(disc), short(&ix.program_id.to_string())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}


/// The changes the admin view offers to propose, each one instruction the council signs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Market settings: taker fee, trading paused or open; the price band is kept as is.
    Market { market: Pubkey, taker_fee_bps: u16, paused: bool, price_band: Option<market::state::PriceBand> },
    /// Lifts a guardian's system-wide pause.
    Unpause,
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
        }
    }
}

/// A fee typed in basis points, within what the market program accepts.
pub fn parse_fee_bps(text: &str) -> Result<u16, String> {
    let bps: u16 = text.trim().parse().map_err(|_| format!("{text:?} is not a whole number of basis points"))?;
    if bps > market::instructions::MAX_TAKER_FEE_BPS {
        return Err(format!("at most {} bps", market::instructions::MAX_TAKER_FEE_BPS));
    }
    Ok(bps)
}

/// The market's current settings as the chain holds them (its header), for a change that
/// keeps what it does not touch.
pub fn market_header(account_data: &[u8]) -> Result<market::state::MarketHeader, String> {
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

/// The markets list's row as the admin form starts from it.
pub fn market_change(m: &Market, header: &market::state::MarketHeader) -> Option<Change> {
    Some(Change::Market {
        market: m.pubkey.parse().ok()?,
        taker_fee_bps: header.taker_fee_bps,
        paused: header.paused != 0,
        price_band: header.price_band(),
    })
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
        let words = p.describe();
        assert!(words.contains("taker fee 25 bps") && words.contains("trading open") && words.contains("no price band"), "{words}");
        assert_eq!(describe(&Change::Unpause.instruction()), "Resume the whole system (unpause)");
        assert!(describe(&Instruction { program_id: key(7), accounts: vec![], data: vec![1, 2] }).starts_with("Instruction 0102 of program"));
        let council = governance::client::council_address();
        let register = energy::client::register_oracle(council, key(1), key(5));
        assert_eq!(describe(&register), format!("Register oracle {}", short(&key(5).to_string())));
        let revoke = energy::client::set_oracle_active(council, key(5), false);
        assert_eq!(describe(&revoke), "Revoke an oracle");
    }

    #[test]
    fn the_wallet_s_role_comes_from_the_council() {
        let c = Council { members: vec!["A".into(), "B".into()], guardians: vec!["G".into()], threshold: 2, ..Council::default() };
        assert_eq!(c.role("A"), Role { member: true, guardian: false });
        assert_eq!(c.role("G"), Role { member: false, guardian: true });
        assert!(!c.role("X").any());
    }

    #[test]
    fn fees_are_whole_basis_points_within_the_program_s_bound() {
        assert_eq!(parse_fee_bps(" 25 "), Ok(25));
        assert!(parse_fee_bps("2.5").is_err());
        let max = market::instructions::MAX_TAKER_FEE_BPS;
        assert_eq!(parse_fee_bps(&max.to_string()), Ok(max));
        assert!(parse_fee_bps(&(max + 1).to_string()).unwrap_err().contains("at most"));
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
