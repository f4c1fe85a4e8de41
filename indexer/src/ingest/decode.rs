//! Account and event decoding with the programs' own types: no layout is re-declared here.
//! Anchor accounts are recognised by owner and 8-byte discriminator; zero-copy accounts
//! (council, market) are read with bytemuck from an unaligned copy.
use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountDeserialize, AnchorDeserialize, Discriminator};

/// Every account type the three programs own.

pub enum ProgramAccount {
    Council(Box<governance::state::Council>),
    Proposal(Box<governance::state::Proposal>),
    EnergyConfig(Box<energy::state::EnergyConfig>),
    Oracle(energy::state::Oracle),
    Meter(Box<energy::state::Meter>),
    Certificate(Box<energy::state::Certificate>),
    /// The whole account: header, book header, seats and orders (`MarketState`).
    Market(Box<market::state::MarketState>),
    MarketPair(market::state::MarketPair),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("account owned by {0}, not one of our programs")]
    ForeignOwner(Pubkey),
    #[error("unknown discriminator {0:?} for program {1}")]
    UnknownDiscriminator(Vec<u8>, &'static str),
    #[error("{0} data does not decode: {1}")]
    Malformed(&'static str, String),
}

fn has_discriminator<T: Discriminator>(data: &[u8]) -> bool {
    data.starts_with(T::DISCRIMINATOR)
}

fn anchor<T: AccountDeserialize>(name: &'static str, data: &[u8]) -> Result<T, DecodeError> {
    T::try_deserialize(&mut &data[..]).map_err(|e| DecodeError::Malformed(name, e.to_string()))
}

fn zero_copy<T: bytemuck::Pod + Discriminator>(
    name: &'static str,
    data: &[u8],
) -> Result<Box<T>, DecodeError> {
    let size = std::mem::size_of::<T>();
    let body = data
        .get(T::DISCRIMINATOR.len()..T::DISCRIMINATOR.len() + size)
        .ok_or_else(|| DecodeError::Malformed(name, format!("{} bytes, need {}", data.len(), size + 8)))?;
    let mut boxed: Box<T> = bytemuck::zeroed_box();
    bytemuck::bytes_of_mut(boxed.as_mut()).copy_from_slice(body);
    Ok(boxed)
}

/// Decodes an account of one of our programs. `Ok(None)` for a closed account (no data).
pub fn account(owner: &Pubkey, data: &[u8]) -> Result<Option<ProgramAccount>, DecodeError> {
    use ProgramAccount as A;
    if data.is_empty() {
        return Ok(None);
    }
    let discriminator = || data.get(..8).unwrap_or(data).to_vec();
    let decoded = if *owner == governance::ID {
        if has_discriminator::<governance::state::Council>(data) {
            A::Council(zero_copy("Council", data)?)
        } else if has_discriminator::<governance::state::Proposal>(data) {
            A::Proposal(Box::new(anchor("Proposal", data)?))
        } else {
            return Err(DecodeError::UnknownDiscriminator(discriminator(), "governance"));
        }
    } else if *owner == energy::ID {
        if has_discriminator::<energy::state::EnergyConfig>(data) {
            A::EnergyConfig(Box::new(anchor("EnergyConfig", data)?))
        } else if has_discriminator::<energy::state::Oracle>(data) {
            A::Oracle(anchor("Oracle", data)?)
        } else if has_discriminator::<energy::state::Meter>(data) {
            A::Meter(Box::new(anchor("Meter", data)?))
        } else if has_discriminator::<energy::state::Certificate>(data) {
            A::Certificate(Box::new(anchor("Certificate", data)?))
        } else {
            return Err(DecodeError::UnknownDiscriminator(discriminator(), "energy"));
        }
    } else if *owner == market::ID {
        if has_discriminator::<market::state::Market>(data) {
            A::Market(Box::new(
                market::state::MarketState::decode(data)
                    .map_err(|e| DecodeError::Malformed("Market", format!("{e:?}")))?,
            ))
        } else if has_discriminator::<market::state::MarketPair>(data) {
            A::MarketPair(anchor("MarketPair", data)?)
        } else {
            return Err(DecodeError::UnknownDiscriminator(discriminator(), "market"));
        }
    } else {
        return Err(DecodeError::ForeignOwner(*owner));
    };
    Ok(Some(decoded))
}

/// Every event the three programs emit.

pub enum ProgramEvent {
    CouncilChanged(governance::events::CouncilChanged),
    ProposalCreated(governance::events::ProposalCreated),
    ProposalApproved(governance::events::ProposalApproved),
    ProposalExecuted(governance::events::ProposalExecuted),
    Paused(governance::events::Paused),
    Unpaused(governance::events::Unpaused),
    OracleRegistered(energy::events::OracleRegistered),
    OracleStatusChanged(energy::events::OracleStatusChanged),
    MeterRegistered(energy::events::MeterRegistered),
    MeterStatusChanged(energy::events::MeterStatusChanged),
    ReadingAccepted(energy::events::ReadingAccepted),
    RecIssued(energy::events::RecIssued),
    RecTransferred(energy::events::RecTransferred),
    RecRetired(energy::events::RecRetired),
    RulesUpdated(energy::events::RulesUpdated),
    EnergyAuthorityChanged(energy::events::AuthorityChanged),
    MarketCreated(market::events::MarketCreated),
    MarketUpdated(market::events::MarketUpdated),
    SeatClaimed(market::events::SeatClaimed),
    SeatReleased(market::events::SeatReleased),
    Deposited(market::events::Deposited),
    Withdrawn(market::events::Withdrawn),
    OrderPlaced(market::events::OrderPlaced),
    OrderFilled(market::events::OrderFilled),
    OrderCanceled(market::events::OrderCanceled),
    FeesWithdrawn(market::events::FeesWithdrawn),
}

/// Tries each listed event type of `$program` against the payload's discriminator.
macro_rules! decode_one {
    ($data:expr, $( $variant:ident => $ty:ty ),+ $(,)?) => {{
        let data: &[u8] = $data;
        $(
            if data.starts_with(<$ty as Discriminator>::DISCRIMINATOR) {
                let body = &data[<$ty as Discriminator>::DISCRIMINATOR.len()..];
                return <$ty>::try_from_slice(body)
                    .map(|e| Some((stringify!($variant), ProgramEvent::$variant(e))))
                    .map_err(|e| DecodeError::Malformed(stringify!($variant), e.to_string()));
            }
        )+
        Ok(None)
    }};
}

/// Decodes one event payload (discriminator + Borsh) emitted by `program`. `Ok(None)`:
/// not an event of ours (another program's data, or a log line of unknown shape).
pub fn event(program: &Pubkey, data: &[u8]) -> Result<Option<(&'static str, ProgramEvent)>, DecodeError> {
    if *program == governance::ID {
        use governance::events as g;
        decode_one!(data,
            CouncilChanged => g::CouncilChanged, ProposalCreated => g::ProposalCreated,
            ProposalApproved => g::ProposalApproved, ProposalExecuted => g::ProposalExecuted,
            Paused => g::Paused, Unpaused => g::Unpaused)
    } else if *program == energy::ID {
        use energy::events as e;
        decode_one!(data,
            OracleRegistered => e::OracleRegistered, OracleStatusChanged => e::OracleStatusChanged,
            MeterRegistered => e::MeterRegistered, MeterStatusChanged => e::MeterStatusChanged,
            ReadingAccepted => e::ReadingAccepted, RecIssued => e::RecIssued,
            RecTransferred => e::RecTransferred, RecRetired => e::RecRetired,
            RulesUpdated => e::RulesUpdated, EnergyAuthorityChanged => e::AuthorityChanged)
    } else if *program == market::ID {
        use market::events as m;
        decode_one!(data,
            MarketCreated => m::MarketCreated, MarketUpdated => m::MarketUpdated,
            SeatClaimed => m::SeatClaimed, SeatReleased => m::SeatReleased,
            Deposited => m::Deposited, Withdrawn => m::Withdrawn,
            OrderPlaced => m::OrderPlaced, OrderFilled => m::OrderFilled,
            OrderCanceled => m::OrderCanceled, FeesWithdrawn => m::FeesWithdrawn)
    } else {
        Ok(None)
    }
}

/// The programs whose accounts and transactions the indexer follows.
pub fn programs() -> [Pubkey; 3] {
    [governance::ID, energy::ID, market::ID]
}
