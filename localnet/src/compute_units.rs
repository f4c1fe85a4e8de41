//! Compute units per instruction, from transaction logs. With `GRIDTOKENX_CU_LOG=<file>`
//! set, each instruction of our programs in a successful transaction the test harness
//! sends (`tests/programs`' World) appends `<program> <instruction> <units>` to the file; `tools/sbf/test.sh` runs the program test suite against the SBF builds this way
//! and summarizes the file for docs/benchmarks.md.
use std::io::Write;

use program_logs::Line;

/// (program, instruction, units) for each instruction of our programs in `logs`, at any
/// depth: council-executed instructions (market creation, fee withdrawal, ...) only run as
/// CPIs. An instruction's units include those of the CPIs it makes.
pub fn per_instruction(logs: &[String]) -> Vec<(&'static str, String, u64)> {
    let programs = [
        (governance::ID.to_string(), "governance"),
        (energy::ID.to_string(), "energy"),
        (market::ID.to_string(), "market"),
    ];
    let mut out = Vec::new();
    // One entry per invocation in progress: our program and its instruction name, if ours.
    let mut stack: Vec<Option<(&'static str, String)>> = Vec::new();
    for line in logs {
        match Line::parse(line) {
            Line::Log(message) => {
                if let (Some(name), Some(Some((_, n)))) = (message.strip_prefix("Instruction: "), stack.last_mut()) {
                    if n.is_empty() {
                        *n = name.to_string();
                    }
                }
            }
            Line::Invoke { program, .. } => {
                stack.push(programs.iter().find(|(p, _)| p == program).map(|(_, n)| (*n, String::new())));
            }
            Line::Consumed { units, .. } => {
                if let Some(Some((program, name))) = stack.last() {
                    out.push((*program, name.clone(), units));
                }
            }
            Line::Success { .. } | Line::Failed { .. } => {
                stack.pop();
            }
            _ => {}
        }
    }
    out
}

/// Appends this transaction's instructions to `$GRIDTOKENX_CU_LOG`, if set. Tests run in
/// parallel: the lines go out in one append-mode write, so they never interleave.
pub fn record(logs: &[String]) {
    let Some(path) = std::env::var_os("GRIDTOKENX_CU_LOG") else { return };
    let lines: String = per_instruction(logs)
        .into_iter()
        .map(|(program, name, units)| format!("{program} {name} {units}\n"))
        .collect();
    if lines.is_empty() {
        return;
    }
    if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        let _ = file.write_all(lines.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::per_instruction;

    #[test]
    fn our_instructions_at_every_depth_and_nothing_else() {
        let (market, token) = (market::ID.to_string(), "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
        let governance = governance::ID.to_string();
        let logs: Vec<String> = [
            format!("Program {market} invoke [1]"),
            "Program log: Instruction: PlaceOrder".into(),
            format!("Program {token} invoke [2]"),
            "Program log: Instruction: Transfer".into(),
            format!("Program {token} consumed 4645 of 190000 compute units"),
            format!("Program {token} success"),
            format!("Program {market} consumed 9876 of 200000 compute units"),
            format!("Program {market} success"),
            format!("Program {token} invoke [1]"),
            format!("Program {token} consumed 100 of 190000 compute units"),
            format!("Program {token} success"),
            format!("Program {governance} invoke [1]"),
            "Program log: Instruction: Execute".into(),
            format!("Program {market} invoke [2]"),
            "Program log: Instruction: CreateMarket".into(),
            format!("Program {market} consumed 7000 of 150000 compute units"),
            format!("Program {market} success"),
            format!("Program {governance} consumed 30000 of 200000 compute units"),
            format!("Program {governance} success"),
        ]
        .into();
        assert_eq!(
            per_instruction(&logs),
            vec![
                ("market", "PlaceOrder".to_string(), 9876),
                ("market", "CreateMarket".to_string(), 7000),
                ("governance", "Execute".to_string(), 30000),
            ]
        );
    }
}
