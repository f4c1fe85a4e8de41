use anchor_lang::prelude::*;

// `from_repr`: clients turn a custom error code back into the variant, and its words.
#[error_code]
#[derive(PartialEq, Eq, strum_macros::FromRepr)]
pub enum EnergyError {
    #[msg("signer is not the program's upgrade authority")]
    NotUpgradeAuthority,
    #[msg("signer is not the energy program's authority (the governance council)")]
    Unauthorized,
    #[msg("the system is paused by governance")]
    Paused,
    #[msg("council account is not the governance council PDA")]
    InvalidCouncil,
    #[msg("reading rules out of range")]
    InvalidRules,
    #[msg("meter is suspended")]
    MeterSuspended,
    #[msg("signer does not own this meter or certificate")]
    NotOwner,
    #[msg("oracle is revoked")]
    OracleRevoked,
    #[msg("no Ed25519 signature instruction at the given index")]
    MissingSignature,
    #[msg("Ed25519 instruction is malformed or references data outside itself")]
    MalformedSignatureInstruction,
    #[msg("the attestation was signed by a different key than this oracle")]
    OracleKeyMismatch,
    #[msg("the signed message is not this reading for this program, cluster, meter and owner")]
    MessageMismatch,
    #[msg("interval start is not aligned to the interval length")]
    MisalignedInterval,
    #[msg("reading for this interval was already accepted")]
    ReadingReplayed,
    #[msg("reading is older than the meter's latest accepted interval")]
    ReadingOutOfOrder,
    #[msg("reading's interval ends in the future")]
    ReadingFromFuture,
    #[msg("reading is too old to be accepted")]
    ReadingStale,
    #[msg("cumulative counter went backwards")]
    CounterRegression,
    #[msg("production exceeds what the interval allows")]
    ImplausibleProduction,
    #[msg("not enough minted, uncertified energy for this many certificates")]
    InsufficientUncertifiedEnergy,
    #[msg("certificate amount must be at least 1 MWh")]
    InvalidCertificateAmount,
    #[msg("certificate is already retired")]
    CertificateRetired,
    #[msg("arithmetic overflow")]
    Overflow,
}

impl EnergyError {
    /// Every variant in declaration order (so `ALL[i]` has code 6000 + i).
    pub const ALL: [EnergyError; 23] = [
        EnergyError::NotUpgradeAuthority,
        EnergyError::Unauthorized,
        EnergyError::Paused,
        EnergyError::InvalidCouncil,
        EnergyError::InvalidRules,
        EnergyError::MeterSuspended,
        EnergyError::NotOwner,
        EnergyError::OracleRevoked,
        EnergyError::MissingSignature,
        EnergyError::MalformedSignatureInstruction,
        EnergyError::OracleKeyMismatch,
        EnergyError::MessageMismatch,
        EnergyError::MisalignedInterval,
        EnergyError::ReadingReplayed,
        EnergyError::ReadingOutOfOrder,
        EnergyError::ReadingFromFuture,
        EnergyError::ReadingStale,
        EnergyError::CounterRegression,
        EnergyError::ImplausibleProduction,
        EnergyError::InsufficientUncertifiedEnergy,
        EnergyError::InvalidCertificateAmount,
        EnergyError::CertificateRetired,
        EnergyError::Overflow,
    ];

    /// The energy error a custom program error code stands for, if any.
    pub fn from_code(code: u32) -> Option<EnergyError> {
        let index = code.checked_sub(anchor_lang::error::ERROR_CODE_OFFSET)?;
        Self::ALL.get(index as usize).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::EnergyError;

    #[test]
    fn codes_round_trip() {
        for (i, e) in EnergyError::ALL.iter().enumerate() {
            assert_eq!(u32::from(*e), 6000 + i as u32);
            assert_eq!(EnergyError::from_code(u32::from(*e)), Some(*e));
        }
        assert_eq!(EnergyError::from_code(5999), None);
    }
}
