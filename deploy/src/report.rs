//! Human-readable output of a deployment: one table row per step.

use std::fmt::Write;

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
