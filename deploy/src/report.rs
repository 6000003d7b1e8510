//! Human-readable output of a deployment: one table row per step, and the role warnings.

use std::fmt::Write;

use crate::config::RoleWarning;
use crate::deployer::{StepOutcome, StepStatus};

/// STRK's smallest unit per STRK.
const FRI_PER_STRK: f64 = 1e18;

/// The steps as a table: step, status, class hash or address, transaction, fee in STRK.
pub fn outcomes_table(outcomes: &[StepOutcome], fee_label: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{:<56} {:<15} {:<67} {:<67} {fee_label}", "step", "status", "class / address", "transaction");
    let mut total = 0u128;
    for outcome in outcomes {
        let status = match outcome.status {
            StepStatus::Recorded => "done (manifest)",
            StepStatus::FoundOnChain => "found on chain",
            StepStatus::Sent => "sent",
            StepStatus::Pending => "to do",
        };
        let subject = outcome.subject.map_or_else(|| "-".to_owned(), |s| format!("{s:#066x}"));
        let transaction = outcome.transaction_hash.map_or_else(|| "-".to_owned(), |h| format!("{h:#066x}"));
        let fee = outcome.fee.map_or_else(|| "-".to_owned(), |f| format!("{:.6}", f as f64 / FRI_PER_STRK));
        total += outcome.fee.unwrap_or(0);
        let _ = writeln!(out, "{:<56} {status:<15} {subject:<67} {transaction:<67} {fee}", outcome.step.name());
    }
    let _ = writeln!(out, "{:<208} {:.6}", "total", total as f64 / FRI_PER_STRK);
    out
}

/// The role warnings as a section of the run's output (after the table); empty when there are none.
pub fn warnings_section(warnings: &[RoleWarning]) -> String {
    let mut out = String::new();
    if warnings.is_empty() {
        return out;
    }
    let _ = writeln!(out, "\nrole warnings ({}): one key holds power governance should hold", warnings.len());
    for warning in warnings {
        let _ = writeln!(out, "  WARNING: {warning}");
    }
    out
}

/// The role warnings as a banner for stderr, naming the network; empty when there are none.
pub fn warnings_banner(warnings: &[RoleWarning], network: &str) -> String {
    let mut out = String::new();
    if warnings.is_empty() {
        return out;
    }
    let rule = "!".repeat(100);
    let _ = writeln!(out, "{rule}");
    let _ = writeln!(
        out,
        "WARNING: {} unsafe role assignment(s) for network `{network}` (not a local devnet):",
        warnings.len()
    );
    for warning in warnings {
        let _ = writeln!(out, "WARNING:   - {warning}");
    }
    let _ = writeln!(out, "WARNING: fix the configuration's [roles], [token] and [governance], or pass --deny-role-warnings in CI");
    let _ = writeln!(out, "{rule}");
    out
}

#[cfg(test)]
mod tests {
    use starknet::core::types::Felt;

    use super::*;

    #[test]
    fn warnings_are_printed_only_when_there_are_some() {
        assert_eq!(warnings_section(&[]), "");
        assert_eq!(warnings_banner(&[], "sepolia"), "");
        let warnings = [RoleWarning::OracleIsDeployer { oracle: Felt::from(7u8) }];
        let section = warnings_section(&warnings);
        assert!(section.contains("role warnings (1)"), "{section}");
        assert!(section.contains("WARNING: the oracle is the deployer's key 0x7"), "{section}");
        let banner = warnings_banner(&warnings, "sepolia");
        assert!(banner.contains("for network `sepolia`"), "{banner}");
        assert!(banner.contains("WARNING:   - the oracle is the deployer's key 0x7"), "{banner}");
    }
}
