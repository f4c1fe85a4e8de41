//! Compute units per instruction, from the logs of every transaction the tests run. With
//! `GRIDTOKENX_CU_LOG=<file>` set, each successful top-level instruction of our programs
//! appends `<program> <instruction> <units>` to the file; `tools/sbf/test.sh` runs the
//! suite against the SBF builds this way and summarizes the file for docs/benchmarks.md.
use std::io::Write;

/// (program, instruction, units) for each top-level instruction of our programs in `logs`.
pub fn per_instruction(logs: &[String]) -> Vec<(&'static str, String, u64)> {
    let programs = [
        (governance::ID.to_string(), "governance"),
        (energy::ID.to_string(), "energy"),
        (market::ID.to_string(), "market"),
    ];
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut current: Option<(&'static str, String)> = None;
    for line in logs {
        let Some(rest) = line.strip_prefix("Program ") else { continue };
        if let Some(name) = rest.strip_prefix("log: Instruction: ") {
            if depth == 1 {
                if let Some((_, n)) = current.as_mut().filter(|(_, n)| n.is_empty()) {
                    *n = name.to_string();
                }
            }
        } else if let Some((id, tail)) = rest.split_once(' ') {
            if tail.starts_with("invoke [") {
                depth += 1;
                if depth == 1 {
                    current = programs.iter().find(|(p, _)| p == id).map(|(_, n)| (*n, String::new()));
                }
            } else if tail.starts_with("consumed ") && depth == 1 {
                let units = tail.split(' ').nth(1).and_then(|n| n.parse().ok());
                if let (Some((program, name)), Some(units)) = (current.take(), units) {
                    out.push((program, name, units));
                }
            } else if tail == "success" || tail.starts_with("failed") {
                depth = depth.saturating_sub(1);
            }
        }
    }
    out
}

/// Appends this transaction's instructions to `$GRIDTOKENX_CU_LOG`, if set.
pub fn record(logs: &[String]) {
    let Some(path) = std::env::var_os("GRIDTOKENX_CU_LOG") else { return };
    let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(path) else { return };
    for (program, name, units) in per_instruction(logs) {
        let _ = writeln!(file, "{program} {name} {units}");
    }
}

#[cfg(test)]
mod tests {
    use super::per_instruction;

    #[test]
    fn top_level_instructions_of_our_programs_only() {
        let (market, token) = (market::ID.to_string(), "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
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
        ]
        .into();
        assert_eq!(per_instruction(&logs), vec![("market", "PlaceOrder".to_string(), 9876)]);
    }
}
