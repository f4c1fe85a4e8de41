//! One parser for the lines a Solana runtime writes into a transaction's log.
//!
//! Three readers follow the invoke stack through these lines: localnet (dropping the
//! duplicates the native program-test shim adds), its compute-unit log, and the indexer
//! (attributing events to the program and instruction that emitted them). They used to
//! split the strings each in their own way; a change in the validator's format now has
//! one place to go.
//!
//! The forms, as agave's `stable_log` writes them:
//! - `Program <id> invoke [<depth>]`
//! - `Program <id> consumed <units> of <budget> compute units`
//! - `Program <id> success`
//! - `Program <id> failed: <error>`
//! - `Program return: <id> <base64>`
//! - `Program data: <base64> <base64> …` (`sol_log_data`; Anchor events)
//! - `Program log: <message>` (`msg!`)
//!
//! Anything else (e.g. "Log truncated") is [`Line::Other`].

/// One log line, borrowed from the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line<'a> {
    Invoke { program: &'a str, depth: usize },
    Consumed { program: &'a str, units: u64, budget: u64 },
    Success { program: &'a str },
    Failed { program: &'a str, error: &'a str },
    Return { program: &'a str, data: &'a str },
    /// The base64 slices of a `sol_log_data` call, space separated.
    Data(&'a str),
    Log(&'a str),
    Other,
}

impl<'a> Line<'a> {
    pub fn parse(line: &'a str) -> Self {
        let Some(rest) = line.strip_prefix("Program ") else { return Line::Other };
        if let Some(data) = rest.strip_prefix("data: ") {
            return Line::Data(data);
        }
        if let Some(message) = rest.strip_prefix("log: ") {
            return Line::Log(message);
        }
        if let Some(ret) = rest.strip_prefix("return: ") {
            return match ret.split_once(' ') {
                Some((program, data)) => Line::Return { program, data },
                None => Line::Other,
            };
        }
        let Some((program, tail)) = rest.split_once(' ') else { return Line::Other };
        if tail == "success" {
            return Line::Success { program };
        }
        if let Some(error) = tail.strip_prefix("failed: ") {
            return Line::Failed { program, error };
        }
        if let Some(depth) = tail.strip_prefix("invoke [").and_then(|d| d.strip_suffix(']')) {
            return depth.parse().map_or(Line::Other, |depth| Line::Invoke { program, depth });
        }
        if let Some(counts) = tail.strip_prefix("consumed ").and_then(|c| c.strip_suffix(" compute units")) {
            if let Some((units, budget)) = counts.split_once(" of ") {
                if let (Ok(units), Ok(budget)) = (units.parse(), budget.parse()) {
                    return Line::Consumed { program, units, budget };
                }
            }
        }
        Line::Other
    }

    /// The payload of an event line: `sol_log_data` as the validator writes it, or as a
    /// natively run program logs it through `msg!` ("Program log: Program data: …").
    pub fn event_data(&self) -> Option<&'a str> {
        match *self {
            Line::Data(data) => Some(data),
            Line::Log(message) => message.strip_prefix("Program data: "),
            _ => None,
        }
    }

    /// The program whose invocation this line ends, if it ends one.
    pub fn returned(&self) -> Option<&'a str> {
        match *self {
            Line::Success { program } | Line::Failed { program, .. } => Some(program),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Line;

    #[test]
    fn every_form_the_runtime_writes() {
        let p = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
        let cases = [
            (format!("Program {p} invoke [2]"), Line::Invoke { program: p, depth: 2 }),
            (format!("Program {p} consumed 4645 of 190000 compute units"), Line::Consumed { program: p, units: 4645, budget: 190000 }),
            (format!("Program {p} success"), Line::Success { program: p }),
            (format!("Program {p} failed: custom program error: 0x1"), Line::Failed { program: p, error: "custom program error: 0x1" }),
            (format!("Program return: {p} AQID"), Line::Return { program: p, data: "AQID" }),
            ("Program data: AAEC AwQ=".to_string(), Line::Data("AAEC AwQ=")),
            ("Program log: Instruction: PlaceOrder".to_string(), Line::Log("Instruction: PlaceOrder")),
            ("Log truncated".to_string(), Line::Other),
        ];
        for (text, want) in &cases {
            assert_eq!(Line::parse(text), *want, "{text}");
        }
    }

    #[test]
    fn near_misses_are_other_not_guesses() {
        for text in [
            "Program X invoke [two]",
            "Program X invoke [1",
            "Program X consumed many of 200 compute units",
            "Program X consumed 5 of 200",
            "Program X succeeded",
            "Program X failed",
            "Program return: X",
            "Program",
            "",
        ] {
            assert_eq!(Line::parse(text), Line::Other, "{text}");
        }
    }

    #[test]
    fn event_data_in_both_forms() {
        assert_eq!(Line::parse("Program data: AAEC").event_data(), Some("AAEC"));
        assert_eq!(Line::parse("Program log: Program data: AAEC").event_data(), Some("AAEC"));
        assert_eq!(Line::parse("Program log: hello").event_data(), None);
    }

    #[test]
    fn a_program_named_like_a_keyword_is_still_a_program() {
        // The id comes first; only the tail decides the form.
        assert_eq!(Line::parse("Program log invoke [1]"), Line::Invoke { program: "log", depth: 1 });
        assert_eq!(Line::parse("Program success success"), Line::Success { program: "success" });
    }
}
