//! Transaction logs as a validator writes them. When our programs run natively, the
//! program-test shim that hosts them logs a second "invoke [n]" for each invocation (at the
//! caller's depth for a CPI), a second "success"/"failed" for each return, and an event's
//! `sol_log_data` as "Program log: Program data: …". Clients parse these lines — Anchor's
//! event parser, web3.js, our indexer — so localnet hands out the validator's form: each
//! invocation once, at its true depth, and events as "Program data: …". On the SBF route
//! the logs are already in that form and pass through unchanged.

use program_logs::Line;

/// The logs with the native shim's extra lines removed.
pub fn as_validator_logs(logs: Vec<String>) -> Vec<String> {
    let mut stack: Vec<String> = Vec::new();
    let mut out = Vec::with_capacity(logs.len());
    for line in logs {
        let keep = match Line::parse(&line) {
            Line::Log(message) if message.starts_with("Program data: ") => {
                out.push(message.to_string());
                continue;
            }
            // A real invocation is always one deeper than the one running; the shim's
            // copy is at the same depth or the caller's.
            Line::Invoke { program, depth } if depth > stack.len() => {
                stack.push(program.to_string());
                true
            }
            Line::Invoke { .. } => false,
            // A return of anything but the running program is the shim's copy.
            Line::Success { program } | Line::Failed { program, .. } => {
                let running = stack.last().map(String::as_str) == Some(program);
                if running {
                    stack.pop();
                }
                running
            }
            _ => true,
        };
        if keep {
            out.push(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::as_validator_logs;

    fn lines(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_native_shims_extra_lines_are_removed() {
        let native = lines(&[
            "Program M invoke [1]",
            "Program M invoke [1]",
            "Program T invoke [1]",
            "Program T invoke [2]",
            "Program T consumed 76 of 199999 compute units",
            "Program T success",
            "Program T success",
            "Program log: Program data: AAEC",
            "Program M success",
            "Program M success",
            "Program M invoke [1]",
            "Program M invoke [1]",
            "Program M failed: custom program error: 0x1",
            "Program M failed: custom program error: 0x1",
        ]);
        assert_eq!(
            as_validator_logs(native),
            lines(&[
                "Program M invoke [1]",
                "Program T invoke [2]",
                "Program T consumed 76 of 199999 compute units",
                "Program T success",
                "Program data: AAEC",
                "Program M success",
                "Program M invoke [1]",
                "Program M failed: custom program error: 0x1",
            ])
        );
    }

    #[test]
    fn validator_logs_pass_unchanged() {
        // Including a program that invokes itself, whose two returns look alike.
        let sbf = lines(&[
            "Program G invoke [1]",
            "Program log: Instruction: Execute",
            "Program M invoke [2]",
            "Program data: AAEC",
            "Program M consumed 7000 of 150000 compute units",
            "Program M success",
            "Program G invoke [2]",
            "Program G success",
            "Program G consumed 30000 of 200000 compute units",
            "Program G success",
            "Program T invoke [1]",
            "Program T success",
        ]);
        assert_eq!(as_validator_logs(sbf.clone()), sbf);
    }
}
