//! A refusal in words. A program's custom error code is mapped back through that program's
//! own error enum (its `#[msg]` text), so the words are the program's whatever the node
//! logged; Anchor's log line ("Error Message: …") serves for the framework's own errors.
use serde_json::Value;

use crate::Pubkey;

/// The program's words for its custom error `code`, when `program` is one of ours.
pub fn program_error(program: &Pubkey, code: u32) -> Option<String> {
    let n = code.checked_sub(anchor_lang::error::ERROR_CODE_OFFSET)?;
    if *program == market::ID {
        market::error::MarketError::from_repr(n).map(|e| e.to_string())
    } else if *program == energy::ID {
        energy::error::EnergyError::from_repr(n).map(|e| e.to_string())
    } else if *program == governance::ID {
        governance::error::GovernanceError::from_repr(n).map(|e| e.to_string())
    } else {
        None
    }
}

/// A transaction error in words. `programs[i]` is the program of the transaction's
/// instruction `i` (compute-budget instructions included), which the runtime's
/// `InstructionError` names by index.
pub fn explain(err: &Value, logs: &[String], programs: &[Pubkey]) -> String {
    let custom = err
        .pointer("/InstructionError/0")
        .and_then(Value::as_u64)
        .zip(err.pointer("/InstructionError/1/Custom").and_then(Value::as_u64));
    if let Some((index, code)) = custom {
        let program = usize::try_from(index).ok().and_then(|i| programs.get(i));
        if let Some(words) = program.zip(u32::try_from(code).ok()).and_then(|(p, c)| program_error(p, c)) {
            return words;
        }
    }
    logs.iter()
        .find_map(|l| l.split_once("Error Message: ").map(|(_, m)| m.trim_end_matches('.').to_string()))
        .unwrap_or_else(|| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn custom(index: u8, code: u32) -> Value {
        json!({"InstructionError": [index, {"Custom": code}]})
    }

    #[test]
    fn a_programs_code_is_told_in_its_own_words_without_any_log() {
        let budget = Pubkey::new_from_array([3; 32]);
        let programs = [budget, market::ID];
        let code = u32::from(market::error::MarketError::PostOnlyWouldCross);
        assert_eq!(explain(&custom(1, code), &[], &programs), "post-only order would cross the book");
        let code = u32::from(energy::error::EnergyError::from_repr(0).expect("a first variant"));
        assert_eq!(
            explain(&custom(0, code), &[], &[energy::ID]),
            energy::error::EnergyError::from_repr(0).unwrap().to_string()
        );
        let code = u32::from(governance::error::GovernanceError::from_repr(0).unwrap());
        assert!(!explain(&custom(0, code), &[], &[governance::ID]).contains("Custom"));
    }

    #[test]
    fn every_code_of_every_program_maps_back_to_its_variant() {
        for n in 0.. {
            let Some(e) = market::error::MarketError::from_repr(n) else { break };
            assert_eq!(u32::from(e), anchor_lang::error::ERROR_CODE_OFFSET + n);
            assert_eq!(program_error(&market::ID, u32::from(e)), Some(e.to_string()));
        }
        assert_eq!(program_error(&market::ID, 5_999), None, "below the programs' range");
        assert_eq!(program_error(&Pubkey::new_from_array([9; 32]), 6_000), None, "not our program");
    }

    #[test]
    fn otherwise_the_logs_or_the_runtimes_error() {
        let logs = ["Program log: AnchorError caused by account: trader_base. Error Code: AccountNotInitialized. Error Number: 3012. Error Message: The program expected this account to be already initialized.".to_string()];
        assert_eq!(explain(&custom(1, 3012), &logs, &[market::ID, market::ID]), "The program expected this account to be already initialized");
        let err = json!("AccountNotFound");
        assert_eq!(explain(&err, &[], &[]), "\"AccountNotFound\"");
        assert_eq!(explain(&custom(7, 6000), &[], &[market::ID]), custom(7, 6000).to_string(), "an index out of range");
    }
}
