//! Finds Anchor events in a transaction's log and says which instruction emitted them.
//!
//! On chain an event is a `sol_log_data` line, "Program data: <base64>", logged by the
//! program on top of the invoke stack; natively run programs log the same payload as
//! "Program log: Program data: <base64>" (docs/architecture.md, Events). The stack is
//! followed through "invoke [n]" / "success" / "failed" lines, so an event emitted inside
//! a CPI (e.g. a market update executed by the council) is attributed to the program that
//! emitted it, and keyed by the top-level instruction it happened under.
use anchor_lang::prelude::Pubkey;
use base64::Engine;
use program_logs::Line;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedEvent {
    /// Index of the top-level instruction the event happened under.
    pub ix_index: u32,
    /// Position among the events of that instruction.
    pub event_index: u32,
    /// The program that emitted it.
    pub program: Pubkey,
    pub data: Vec<u8>,
}

/// Every "Program data" payload in `logs`, in order. Lines that do not parse are skipped:
/// a log is program output, not a format we can trust to be well formed.
pub fn events(logs: &[String]) -> Vec<LoggedEvent> {
    let mut stack: Vec<Option<Pubkey>> = Vec::new();
    let mut ix_index: Option<u32> = None;
    let mut event_index = 0u32;
    let mut found = Vec::new();
    for line in logs {
        let line = Line::parse(line);
        if let Line::Invoke { program, depth } = line {
            if depth == 1 {
                ix_index = Some(ix_index.map_or(0, |i| i + 1));
                event_index = 0;
            }
            // The depth says where this invocation sits, whatever came before it.
            stack.truncate(depth.saturating_sub(1));
            stack.push(program.parse().ok());
            continue;
        }
        if line.returned().is_some() {
            stack.pop();
            continue;
        }
        let (Some(payload), Some(Some(program)), Some(ix)) = (line.event_data(), stack.last(), ix_index) else { continue };
        // sol_log_data logs each slice base64-encoded, separated by spaces; Anchor emits one.
        let Some(first) = payload.split(' ').next() else { continue };
        if let Ok(data) = base64::engine::general_purpose::STANDARD.decode(first) {
            found.push(LoggedEvent { ix_index: ix, event_index, program: *program, data });
            event_index += 1;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn attributes_events_to_the_emitting_program_and_top_level_instruction() {
        let (gov, market) = (governance::ID, market::ID);
        let logs: Vec<String> = vec![
            "Program ComputeBudget111111111111111111111111111111 invoke [1]".into(),
            "Program ComputeBudget111111111111111111111111111111 success".into(),
            format!("Program {gov} invoke [1]"),
            format!("Program data: {}", b64(b"gov")),
            format!("Program {market} invoke [2]"),
            format!("Program log: Program data: {}", b64(b"cpi")),
            format!("Program {market} consumed 100 of 200 compute units"),
            format!("Program {market} success"),
            format!("Program data: {}", b64(b"gov-after")),
            format!("Program {gov} success"),
            format!("Program {market} invoke [1]"),
            "Program data: !!!not-base64".into(),
            format!("Program data: {} {}", b64(b"first"), b64(b"second")),
            format!("Program {market} failed: custom program error: 0x1770"),
        ];
        let found = events(&logs);
        let got: Vec<_> = found.iter().map(|e| (e.ix_index, e.event_index, e.program, e.data.clone())).collect();
        assert_eq!(
            got,
            vec![
                (1, 0, gov, b"gov".to_vec()),
                (1, 1, market, b"cpi".to_vec()),
                (1, 2, gov, b"gov-after".to_vec()),
                (2, 0, market, b"first".to_vec()),
            ]
        );
    }

    #[test]
    fn data_outside_any_instruction_is_ignored() {
        assert!(events(&[format!("Program data: {}", b64(b"x"))]).is_empty());
    }
}
