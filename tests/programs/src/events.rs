//! Anchor events out of transaction logs, the way the indexer will read them.
use anchor_lang::{AnchorDeserialize, Discriminator};
use base64::Engine;

/// Every event of type `E` in `logs` ("Program data: <base64>" lines), in order.
pub fn decode_events<E: AnchorDeserialize + Discriminator>(logs: &[String]) -> Vec<E> {
    logs.iter()
        .filter_map(|line| {
            // On-chain programs log "Program data: "; natively run ones prefix it with
            // "Program log: " (see governance::events::emit).
            let line = line.strip_prefix("Program log: ").unwrap_or(line);
            line.strip_prefix("Program data: ")
        })
        .filter_map(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .filter_map(|bytes| {
            let body = bytes.strip_prefix(E::DISCRIMINATOR)?;
            E::deserialize(&mut &body[..]).ok()
        })
        .collect()
}
