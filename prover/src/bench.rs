//! The benchmark behind `ciro-prover bench`: synthetic MLPs (of given widths, or sized to fill
//! traces of `2^k` rows), proved on the CPU backend, then verified.

use crate::api::{prove_inference, PreparedModel};
use crate::air::mlp::MlpAir;
use crate::air::AirProver;
use crate::backend::cpu::CpuBackend;
use crate::backend::Backend;
use crate::field::Felt;
use crate::model::quantize::DEFAULT_SCALE_BITS;
use crate::model::{DenseLayer, FloatMlp};
use crate::proof_file::ProofFileError;
use crate::report::SizeBreakdown;
use crate::stark::{ProofParams, ProveOptions, SecurityPolicy};
use std::time::{Duration, Instant};

/// One row of the benchmark table.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BenchRow {
    /// log2 of the trace rows.
    pub log_rows: u32,
    /// Rows used by the model.
    pub used_rows: usize,
    /// Multiply–accumulates of one inference.
    pub macs: usize,
    /// Trace columns (preprocessed, main, interaction).
    pub columns: usize,
    /// The proof's parameters.
    pub params: ProofParams,
    /// The model's widths.
    pub widths: Vec<usize>,
    /// Rayon threads.
    pub threads: usize,
    /// Model preparation (quantization + preprocessed commitment).
    pub setup: Duration,
    /// Proving.
    pub prove: Duration,
    /// Calldata felts.
    pub proof_felts: usize,
    /// Rust verification of the proof file.
    pub verify: Duration,
    /// The proof as `verify_inference` calldata (statement first), for on-chain measurements.
    pub calldata: Vec<Felt>,
}

/// Trace rows the MLP AIR uses for an MLP of these widths (input first).
pub fn rows_for_widths(widths: &[usize]) -> usize {
    widths
        .windows(2)
        .map(|w| crate::air::mlp::layer_rows(w[0], w[1]))
        .sum()
}

/// Widths `[d, d, d]` of the widest two-layer MLP whose trace fits `2^log_rows` rows.
pub fn bench_widths(log_rows: u32) -> Vec<usize> {
    let rows = 1usize << log_rows;
    let mut d = 1;
    while rows_for_widths(&[d + 1, d + 1, d + 1]) <= rows {
        d += 1;
    }
    vec![d, d, d]
}

fn synthetic_mlp(widths: &[usize]) -> FloatMlp {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    };
    let layers = widths
        .windows(2)
        .enumerate()
        .map(|(l, w)| DenseLayer {
            weights: (0..w[1])
                .map(|_| (0..w[0]).map(|_| next() / (w[0] as f64).sqrt()).collect())
                .collect(),
            bias: (0..w[1]).map(|_| next() * 0.1).collect(),
            relu: l + 2 < widths.len(),
        })
        .collect();
    FloatMlp { layers }
}

/// Runs one benchmark row on the CPU backend.
///
/// # Errors
/// [`crate::api::Error`] if proving or verifying fails.
pub fn bench_one(log_rows: u32, params: &ProofParams) -> Result<BenchRow, crate::api::Error> {
    bench_widths_on::<CpuBackend>(&bench_widths(log_rows), params)
}

/// Runs one benchmark row for a synthetic MLP of `widths` on the CPU backend.
///
/// # Errors
/// [`crate::api::Error`] if proving or verifying fails.
pub fn bench_model(widths: &[usize], params: &ProofParams) -> Result<BenchRow, crate::api::Error> {
    bench_widths_on::<CpuBackend>(widths, params)
}

/// Runs one benchmark row on backend `B` (the same model and input on every backend, so the
/// proofs are byte for byte the same).
///
/// # Errors
/// [`crate::api::Error`] if proving or verifying fails.
pub fn bench_one_on<B: Backend>(log_rows: u32, params: &ProofParams) -> Result<BenchRow, crate::api::Error>
where
    MlpAir: AirProver<B>,
{
    bench_widths_on::<B>(&bench_widths(log_rows), params)
}

/// Runs one benchmark row for a synthetic MLP of `widths` on backend `B`.
///
/// # Errors
/// [`crate::api::Error`] if proving or verifying fails.
pub fn bench_widths_on<B: Backend>(widths: &[usize], params: &ProofParams) -> Result<BenchRow, crate::api::Error>
where
    MlpAir: AirProver<B>,
{
    let widths = widths.to_vec();
    let start = Instant::now();
    let model = PreparedModel::<B>::new(synthetic_mlp(&widths), DEFAULT_SCALE_BITS, *params)?;
    let setup = start.elapsed();
    let input: Vec<f64> = (0..widths[0])
        .map(|i| ((i % 7) as f64 - 3.0) / 4.0)
        .collect();
    let start = Instant::now();
    let proven = prove_inference(
        &model,
        &input,
        Felt::from(widths.iter().sum::<usize>() as u64),
        &ProveOptions::default(),
    )?;
    let prove = start.elapsed();
    let policy = SecurityPolicy {
        min_queries: params.n_queries,
        min_security_bits: params.conjectured_security_bits(),
    };
    let start = Instant::now();
    proven
        .file
        .verify(&policy)
        .map_err(|e: ProofFileError| crate::api::Error::ProofFile(e))?;
    let verify = start.elapsed();
    use crate::air::mlp::{N_INTERACTION, N_MAIN, N_PREPROCESSED};
    let columns = N_PREPROCESSED + N_MAIN + N_INTERACTION;
    Ok(BenchRow {
        log_rows: model.layout.log_trace_rows,
        used_rows: crate::air::mlp::used_rows(&model.quantized),
        macs: widths.windows(2).map(|w| w[0] * w[1]).sum(),
        columns,
        params: *params,
        widths,
        threads: rayon::current_num_threads(),
        setup,
        prove,
        proof_felts: SizeBreakdown::of(&proven.decoded).total,
        verify,
        calldata: proven.decoded.to_calldata(),
    })
}

/// Widths written `784-128-10` (input first, at least two, each ≥ 1).
///
/// # Errors
/// A message naming the bad width.
pub fn parse_widths(text: &str) -> Result<Vec<usize>, String> {
    let widths = text
        .split('-')
        .map(|w| match w.trim().parse::<usize>() {
            Ok(v) if v >= 1 => Ok(v),
            _ => Err(format!("width {w:?} of {text:?} is not a positive integer")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if widths.len() < 2 {
        return Err(format!("{text:?}: an MLP needs an input width and at least one layer"));
    }
    Ok(widths)
}

/// Cells (used rows × columns) per multiply–accumulate.
pub fn cells_per_mac(row: &BenchRow) -> f64 {
    (row.used_rows * row.columns) as f64 / row.macs.max(1) as f64
}

/// The table header.
pub fn table_header() -> String {
    format!(
        "| {:>5} | {:>9} | {:>16} | {:>9} | {:>9} | {:>7} | {:>7} | {:>9} | {:>9} | {:>11} | {:>9} |\n|---|---|---|---|---|---|---|---|---|---|---|",
        "rows", "used", "widths", "MACs", "cells/MAC", "queries", "threads", "setup s", "prove s", "proof felts", "verify ms"
    )
}

/// One formatted table row.
pub fn table_row(row: &BenchRow) -> String {
    format!(
        "| 2^{:<3} | {:>9} | {:>16} | {:>9} | {:>9.2} | {:>7} | {:>7} | {:>9.2} | {:>9.2} | {:>11} | {:>9.1} |",
        row.log_rows,
        row.used_rows,
        format!("{:?}", row.widths).replace(' ', ""),
        row.macs,
        cells_per_mac(row),
        format!("{}+{}", row.params.n_queries, row.params.grinding_bits),
        row.threads,
        row.setup.as_secs_f64(),
        row.prove.as_secs_f64(),
        row.proof_felts,
        row.verify.as_secs_f64() * 1e3
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_fill_the_trace() {
        for log in 8..=18 {
            let w = bench_widths(log);
            let used = rows_for_widths(&w);
            let wider = rows_for_widths(&[w[0] + 1, w[0] + 1, w[0] + 1]);
            assert!(used <= 1 << log && wider > 1 << log, "log {log}: {used}");
        }
    }

    #[test]
    fn rows_match_the_air() {
        let model = synthetic_mlp(&[5, 11, 3]);
        let quantized = crate::model::quantize::QuantizedModel::from_float(&model, 16).unwrap();
        assert_eq!(crate::air::mlp::used_rows(&quantized), rows_for_widths(&[5, 11, 3]));
    }
}
