//! Human output: plain tables (the same data goes out as JSON with `--json`).

use std::fmt::Write;

use ciro_client::chain::state_name;
use ciro_client::{format_ciro, JobView};
use ciro_worker::operations::Standing;
use starknet::core::types::Felt;

/// `0x1234…abcd` for a long felt, the whole hex for a short one.
pub fn short(value: Felt) -> String {
    let hex = format!("{value:#x}");
    if hex.len() <= 14 {
        hex
    } else {
        format!("{}…{}", &hex[..8], &hex[hex.len() - 4..])
    }
}

/// Jobs, one row each.
pub fn jobs_table(jobs: &[JobView]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{:>5}  {:<10} {:>7} {:>14} {:<15} {:<15} {:>12}  {:<4}", "job", "state", "model", "payment CIRO", "client", "worker", "deadline", "paid");
    for view in jobs {
        let job = &view.job;
        let worker = if job.worker.0 == Felt::ZERO { "-".to_owned() } else { short(job.worker.0) };
        let _ = writeln!(
            out,
            "{:>5}  {:<10} {:>7} {:>14} {:<15} {:<15} {:>12}  {:<4}",
            view.id,
            state_name(&job.state),
            job.model_id,
            format_ciro(view.payment()),
            short(job.client.0),
            worker,
            job.deadline,
            if job.settled { "yes" } else { "no" }
        );
    }
    if jobs.is_empty() {
        let _ = writeln!(out, "(no jobs)");
    }
    trim_lines(&out)
}

fn trim_lines(text: &str) -> String {
    text.lines().map(|line| line.trim_end().to_owned() + "\n").collect()
}

/// One job in detail.
pub fn job_detail(view: &JobView) -> String {
    let job = &view.job;
    let mut out = String::new();
    let rows: Vec<(&str, String)> = vec![
        ("job", view.id.to_string()),
        ("state", state_name(&job.state).to_owned()),
        ("client", format!("{:#x}", job.client.0)),
        ("worker", if job.worker.0 == Felt::ZERO { "-".to_owned() } else { format!("{:#x}", job.worker.0) }),
        ("model", job.model_id.to_string()),
        ("input commitment", format!("{:#x}", job.input_commitment)),
        ("output commitment", if job.output_commitment == Felt::ZERO { "-".to_owned() } else { format!("{:#x}", job.output_commitment) }),
        ("payment", format!("{} CIRO", format_ciro(view.payment()))),
        ("deadline", job.deadline.to_string()),
        ("reassignments", job.reassignments.to_string()),
        ("paid out", if job.settled { "yes".to_owned() } else { "no".to_owned() }),
    ];
    for (name, value) in rows {
        let _ = writeln!(out, "{name:<18} {value}");
    }
    out
}

/// Real-valued outputs, `[0.1234, -5.0000]`.
pub fn outputs(values: &[f64]) -> String {
    format!("[{}]", values.iter().map(|v| format!("{v:.4}")).collect::<Vec<_>>().join(", "))
}

/// The largest outputs, with their labels: `1 versicolor (0.9312), 2 virginica (0.1207), …`.
pub fn top_classes(result: &ciro_inference::results::VerifiedResult) -> String {
    let ranked = result.top_classes(ciro_inference::results::TOP_CLASSES);
    if ranked.is_empty() {
        return "-".to_owned();
    }
    ranked
        .iter()
        .map(|class| match &class.label {
            Some(label) => format!("{} {label} ({:.4})", class.index, class.output),
            None => format!("{} ({:.4})", class.index, class.output),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A verified result.
pub fn result(result: &ciro_inference::results::VerifiedResult) -> String {
    let mut out = String::new();
    let source = match (result.source, result.transaction_hash) {
        (ciro_inference::results::Source::Chain, Some(hash)) => format!("chain: calldata of transaction {hash:#x}, which verified it on-chain"),
        _ => "the coordinator's result store".to_owned(),
    };
    let rows: Vec<(&str, String)> = vec![
        ("job", format!("{} (model #{})", result.job_id, result.model_id)),
        ("verified", format!("yes, locally in {:.3} s against JobManager's statement", result.verify_seconds)),
        ("proof from", source),
        ("worker", format!("{:#x}", result.worker)),
        ("outputs", outputs(&result.outputs)),
        ("top classes", top_classes(result)),
        ("fixed point", format!("2^-{} units: {:?}", result.scale_bits, result.outputs_fixed)),
    ];
    let mut rows = rows;
    if let Some(reason) = &result.labels_unavailable {
        rows.push(("labels", format!("unavailable: {reason}")));
    }
    for (name, value) in rows {
        let _ = writeln!(out, "{name:<18} {value}");
    }
    out
}

/// A worker's standing.
pub fn standing(standing: &Standing) -> String {
    let info = &standing.info;
    let mut out = String::new();
    let rows: Vec<(&str, String)> = vec![
        ("worker", format!("{:#x}", standing.address)),
        ("status", format!("{:?}", info.status)),
        ("capabilities", format!("{:#04x} ({})", info.capabilities, ciro_worker::hardware::capability_names(info.capabilities).join(", "))),
        ("GPU memory", format!("{} GiB", info.gpu_memory_gb)),
        ("jobs", format!("{} of {} at once", info.active_jobs, info.max_concurrent_jobs)),
        ("stake", format!("{} CIRO (tier {})", format_ciro(info.stake.low), info.tier)),
        ("pending unstake", format!("{} CIRO, unlocks at {}", format_ciro(info.pending_unstake.low), info.unstake_unlock_at)),
        ("delegated", format!("{} CIRO", format_ciro(info.delegated.low))),
        ("reputation", format!("{} / 1000", info.reputation)),
        ("rewards to claim", format!("{} CIRO", format_ciro(standing.pending_rewards))),
        ("balance", format!("{} CIRO", format_ciro(standing.balance))),
    ];
    for (name, value) in rows {
        let _ = writeln!(out, "{name:<17} {value}");
    }
    out
}

/// Registered models, with the local file matching each (if any).
pub fn models_table(models: &[(u64, Felt, Felt, Option<String>)]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{:>5}  {:<15} {:<68} local file", "model", "owner", "commitment");
    for (id, owner, commitment, file) in models {
        let _ = writeln!(out, "{:>5}  {:<15} {:<68} {}", id, short(*owner), format!("{commitment:#066x}"), file.as_deref().unwrap_or("-"));
    }
    if models.is_empty() {
        let _ = writeln!(out, "(no models)");
    }
    trim_lines(&out)
}
