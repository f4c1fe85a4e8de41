//! The oracle attestation: the exact bytes an oracle signs for a reading, and the parsing
//! of the Ed25519 precompile instruction that proves the signature. This module is the
//! single source of truth for the signed-message encoding; the simulator and every other
//! signer call `reading_message`.
use anchor_lang::prelude::*;

use crate::error::EnergyError;
use crate::reading::Reading;

/// Domain separator: a signature over a reading can never be mistaken for a signature
/// over anything else the same key might sign. v2 added the owner (v1 bound only the meter
/// account, whose address did not depend on its owner: a first-come squatter of a meter id
/// was minted that meter's attested readings).
pub const READING_DOMAIN: &[u8] = b"gridtokenx/reading/v2";
pub const READING_MESSAGE_LEN: usize = READING_DOMAIN.len() + 32 * 4 + 8 * 3;

/// `domain || program_id || cluster_tag || meter || owner || interval_start_ts ||
/// produced_wh || consumed_wh`, integers little-endian. Binding the program, the cluster
/// and the meter account prevents replay across deployments, clusters and meters; the
/// owner is the wallet the oracle's customer record names for this meter id, and the only
/// one the reading can mint to (docs/architecture.md, "How a meter's owner is
/// established"); the interval and counters bind the reading itself.
pub fn reading_message(
    program_id: &Pubkey,
    cluster_tag: &[u8; 32],
    meter: &Pubkey,
    owner: &Pubkey,
    reading: &Reading,
) -> [u8; READING_MESSAGE_LEN] {
    let mut out = [0u8; READING_MESSAGE_LEN];
    let parts: [&[u8]; 8] = [
        READING_DOMAIN,
        program_id.as_ref(),
        cluster_tag,
        meter.as_ref(),
        owner.as_ref(),
        &reading.interval_start_ts.to_le_bytes(),
        &reading.produced_wh.to_le_bytes(),
        &reading.consumed_wh.to_le_bytes(),
    ];
    let mut at = 0;
    for part in parts {
        out[at..at + part.len()].copy_from_slice(part);
        at += part.len();
    }
    out
}

/// Where the proving signature is: instruction `instruction_index` of this transaction
/// must be an Ed25519 precompile instruction, and `entry` selects one of its signatures.
/// Several readings can share one precompile instruction (one entry each).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignatureRef {
    pub instruction_index: u8,
    pub entry: u8,
}

const OFFSETS_START: usize = 2;
const OFFSETS_LEN: usize = 14;
/// The precompile's marker for "data lives in this same instruction".
const THIS_INSTRUCTION: u16 = u16::MAX;

/// Returns `(public key, message)` of signature `entry` of an Ed25519 precompile
/// instruction. The runtime has already verified every signature in that instruction
/// (or the transaction would have failed); what we must check is that the key and the
/// message we read are the ones it verified. So every offset must point into this same
/// instruction: an entry whose data lives in another instruction is rejected, since
/// reading it here would not be reading what was verified.
pub fn signed_message(data: &[u8], entry: u8) -> std::result::Result<(&[u8], &[u8]), EnergyError> {
    let malformed = EnergyError::MalformedSignatureInstruction;
    let count = *data.first().ok_or(malformed)?;
    if entry >= count {
        return Err(malformed);
    }
    let start = OFFSETS_START + usize::from(entry) * OFFSETS_LEN;
    let offsets = data.get(start..start + OFFSETS_LEN).ok_or(malformed)?;
    let field = |i: usize| u16::from_le_bytes([offsets[2 * i], offsets[2 * i + 1]]);
    let (sig_offset, sig_ix, key_offset, key_ix, msg_offset, msg_len, msg_ix) =
        (field(0), field(1), field(2), field(3), field(4), field(5), field(6));
    if sig_ix != THIS_INSTRUCTION || key_ix != THIS_INSTRUCTION || msg_ix != THIS_INSTRUCTION {
        return Err(malformed);
    }
    let slice = |offset: u16, len: usize| {
        let offset = usize::from(offset);
        data.get(offset..offset + len).ok_or(malformed)
    };
    slice(sig_offset, 64)?;
    let key = slice(key_offset, 32)?;
    let message = slice(msg_offset, usize::from(msg_len))?;
    Ok((key, message))
}
