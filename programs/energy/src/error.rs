use anchor_lang::prelude::*;

#[error_code]
#[derive(PartialEq, Eq)]
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
    #[msg("the signed message is not this reading for this program, cluster and meter")]
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
