//! Human-facing helpers for the CLI: the `inspect` report with the calldata size breakdown,
//! the a-priori calldata bound, and a progress bar.

use crate::fri::FriConfig;
use crate::air::inputs::packed_len;
use crate::proof_file::{DecodedProof, HEADER_FELTS};
use crate::stark::{ProgressSink, ProofParams, Stage};
use serde::Serialize;
use std::fmt;

/// Calldata felts by part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SizeBreakdown {
    /// Statement header (public inputs, parameters, layout).
    pub header: usize,
    /// Inputs and outputs.
    pub io: usize,
    /// Trace and composition roots.
    pub roots: usize,
    /// Out-of-domain values (with length prefix).
    pub ood: usize,
    /// FRI roots, last layer and nonce (with length prefixes).
    pub fri_commitments: usize,
    /// Trace-tree decommitments: values.
    pub trace_values: usize,
    /// Trace-tree decommitments: sibling hashes.
    pub trace_siblings: usize,
    /// FRI layer decommitments: values.
    pub fri_values: usize,
    /// FRI layer decommitments: sibling hashes.
    pub fri_siblings: usize,
    /// Length prefixes of the decommitment arrays.
    pub prefixes: usize,
    /// Total felts.
    pub total: usize,
}

impl SizeBreakdown {
    /// The breakdown of a decoded proof.
    pub fn of(proof: &DecodedProof) -> Self {
        let p = &proof.proof;
        let trees = [&p.preprocessed, &p.main, &p.interaction, &p.composition];
        let trace_values = trees.iter().map(|t| t.values.len()).sum();
        let trace_siblings = trees.iter().map(|t| t.siblings.len()).sum();
        let fri_values = p
            .fri
            .layer_decommitments
            .iter()
            .map(|t| t.values.len())
            .sum();
        let fri_siblings = p
            .fri
            .layer_decommitments
            .iter()
            .map(|t| t.siblings.len())
            .sum();
        let prefixes = 2 * (4 + p.fri.layer_decommitments.len());
        let header = HEADER_FELTS;
        let io = packed_len(proof.statement.inputs.len()) + proof.statement.outputs.len();
        let ood = 1 + p.ood_values.len();
        let fri_commitments = 1 + p.fri.layer_roots.len() + 1 + p.fri.last_layer.len() + 1;
        let total = header
            + io
            + 3
            + ood
            + fri_commitments
            + trace_values
            + trace_siblings
            + fri_values
            + fri_siblings
            + prefixes;
        Self {
            header,
            io,
            roots: 3,
            ood,
            fri_commitments,
            trace_values,
            trace_siblings,
            fri_values,
            fri_siblings,
            prefixes,
            total,
        }
    }
}

/// The calldata size without any path deduplication (every query distinct, no shared nodes):
/// an upper bound for any proof with these parameters.
///
/// With `n = 2^log_n`, `q` queries, `F` FRI folds and `2^c` last-layer coefficients:
/// ```text
/// 16 + ceil(n_in/6) + n_out + 3 + (1 + 2·46 + 2) + (1 + F) + (1 + 2^c) + 1
///    + Σ_{4 trace trees} (2 + q·width + q·(log_n + b)) + Σ_{k<F} (2 + 8q + q·(log_n + b − 3(k+1)))
/// ```
/// (`b` = `log_blowup`)
/// where the trace-tree widths are 24, 17, 5 and 2 (the MLP AIR's column counts) and the inputs
/// are packed six per felt (`air::inputs`).
pub fn calldata_upper_bound(
    log_n: u32,
    n_inputs: usize,
    n_outputs: usize,
    params: &ProofParams,
) -> usize {
    let q = params.n_queries as usize;
    let fri = FriConfig::new(log_n, params.log_fold);
    let depth = (log_n + params.log_blowup) as usize;
    use crate::air::mlp::{N_COMPOSITION, N_INTERACTION, N_MAIN, N_PREPROCESSED};
    let widths = [N_PREPROCESSED, N_MAIN, N_INTERACTION, N_COMPOSITION];
    let trees: usize = widths.iter().map(|w| 2 + q * w + q * depth).sum();
    let fold_width = 1usize << params.log_fold;
    let layers: usize = (0..fri.n_folds as usize)
        .map(|k| 2 + fold_width * q + q * (depth - params.log_fold as usize * (k + 1)))
        .sum();
    HEADER_FELTS
        + packed_len(n_inputs)
        + n_outputs
        + 3
        + (1 + 2 * (N_PREPROCESSED + N_MAIN + N_INTERACTION) + N_COMPOSITION)
        + (1 + fri.n_folds as usize)
        + (1 + fri.last_layer_len())
        + 1
        + trees
        + layers
}

/// What `ciro-prover inspect` prints.
#[derive(Clone, Debug, Serialize)]
pub struct InspectReport {
    /// Public inputs (hex).
    pub public_inputs: crate::proof_file::PublicInputs,
    /// Parameters.
    pub params: ProofParams,
    /// Conjectured security bits.
    pub security_bits: u32,
    /// Trace rows.
    pub trace_rows: u64,
    /// FRI shape.
    pub fri: FriConfig,
    /// Distinct query positions.
    pub distinct_queries: usize,
    /// Inputs and outputs (quantized).
    pub inputs: Vec<i64>,
    /// Outputs (quantized).
    pub outputs: Vec<i64>,
    /// Felts of calldata, by part.
    pub calldata: SizeBreakdown,
    /// The no-deduplication bound for these parameters.
    pub calldata_upper_bound: usize,
}

impl InspectReport {
    /// Builds the report.
    pub fn new(proof: &DecodedProof) -> Self {
        let layout = &proof.statement.layout;
        let file = proof.to_file();
        Self {
            public_inputs: proof.public_inputs(),
            params: proof.params,
            security_bits: proof.params.conjectured_security_bits(),
            trace_rows: 1 << layout.log_trace_rows,
            fri: FriConfig::new(layout.log_trace_rows, proof.params.log_fold),
            distinct_queries: proof.proof.main.values.len() / 9,
            inputs: file.inputs,
            outputs: file.outputs,
            calldata: SizeBreakdown::of(proof),
            calldata_upper_bound: calldata_upper_bound(
                layout.log_trace_rows,
                layout.n_inputs as usize,
                layout.n_outputs as usize,
                &proof.params,
            ),
        }
    }
}

impl fmt::Display for InspectReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.public_inputs;
        writeln!(f, "job id             {}", p.job_id)?;
        writeln!(f, "model commitment   {}", p.model_commitment)?;
        writeln!(f, "input commitment   {}", p.input_commitment)?;
        writeln!(f, "output commitment  {}", p.output_commitment)?;
        writeln!(
            f,
            "parameters         blowup {}, fold {}, {} queries ({} distinct), {} grinding bits: {} bits conjectured",
            1u32 << self.params.log_blowup,
            1u32 << self.params.log_fold,
            self.params.n_queries,
            self.distinct_queries,
            self.params.grinding_bits,
            self.security_bits
        )?;
        writeln!(
            f,
            "trace              {} rows; FRI {} layers, last layer {} coefficients",
            self.trace_rows,
            self.fri.n_folds,
            self.fri.last_layer_len()
        )?;
        writeln!(f, "inputs             {:?}", self.inputs)?;
        writeln!(f, "outputs            {:?}", self.outputs)?;
        let c = &self.calldata;
        writeln!(
            f,
            "calldata           {} felts (bound without deduplication: {})",
            c.total, self.calldata_upper_bound
        )?;
        writeln!(
            f,
            "  header {} + io {} + roots {} + ood {} + fri commitments {}",
            c.header, c.io, c.roots, c.ood, c.fri_commitments
        )?;
        writeln!(
            f,
            "  trace trees: {} values + {} siblings",
            c.trace_values, c.trace_siblings
        )?;
        writeln!(
            f,
            "  FRI layers:  {} values + {} siblings",
            c.fri_values, c.fri_siblings
        )?;
        write!(f, "  length prefixes {}", c.prefixes)
    }
}

/// A progress bar over the prover stages.
pub struct BarProgress {
    bar: indicatif::ProgressBar,
}

impl BarProgress {
    /// A bar on standard error (hidden when `visible` is false).
    pub fn new(visible: bool) -> Self {
        let bar = if visible {
            indicatif::ProgressBar::new(Stage::ALL.len() as u64)
        } else {
            indicatif::ProgressBar::hidden()
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {pos}/{len} {msg}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        Self { bar }
    }

    /// Ends the bar.
    pub fn finish(&self) {
        self.bar.finish_with_message("done");
    }
}

impl ProgressSink for BarProgress {
    fn stage(&self, stage: Stage) {
        let position = Stage::ALL.iter().position(|s| *s == stage).unwrap_or(0);
        self.bar.set_position(position as u64);
        self.bar.set_message(format!("{stage:?}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calldata_bound_matches_the_documented_numbers() {
        let params = ProofParams::default();
        assert_eq!(calldata_upper_bound(16, 0, 0, &params), 3860);
        assert_eq!(calldata_upper_bound(16, 180, 180, &params), 3860 + 30 + 180);
        assert_eq!(calldata_upper_bound(12, 44, 44, &params), 3136);
        assert_eq!(calldata_upper_bound(10, 16, 4, &params), 2620);
        assert_eq!(calldata_upper_bound(16, 0, 0, &ProofParams::COMPACT), 3642);
    }
}
