//! The benchmark behind `ciro-prover bench`: synthetic MLPs sized to fill traces of `2^k` rows,
//! proved with the production parameters on the CPU backend, then verified.

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

/// Widths `[d, d, d]` of a two-layer MLP whose trace fills more than half of `2^log_rows`
/// rows (`2·d·(d+2) ≤ 2^log_rows`).
pub fn bench_widths(log_rows: u32) -> Vec<usize> {
    let rows = 1usize << log_rows;
    let mut d = 1;
    while 2 * (d + 1) * (d + 3) <= rows {
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
    bench_one_on::<CpuBackend>(log_rows, params)
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
    let widths = bench_widths(log_rows);
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
        Felt::from(log_rows as u64),
        &ProveOptions::default(),
    )?;
    let prove = start.elapsed();
    let policy = SecurityPolicy {
        min_queries: params.n_queries,
        min_grinding_bits: params.grinding_bits,
    };
    let start = Instant::now();
    proven
        .file
        .verify(&policy)
        .map_err(|e: ProofFileError| crate::api::Error::ProofFile(e))?;
    let verify = start.elapsed();
    Ok(BenchRow {
        log_rows,
        used_rows: crate::air::mlp::used_rows(&model.quantized),
        widths,
        threads: rayon::current_num_threads(),
        setup,
        prove,
        proof_felts: SizeBreakdown::of(&proven.decoded).total,
        verify,
        calldata: proven.decoded.to_calldata(),
    })
}

/// The table header.
pub fn table_header() -> String {
    format!(
        "| {:>5} | {:>9} | {:>11} | {:>7} | {:>9} | {:>9} | {:>11} | {:>9} |\n|---|---|---|---|---|---|---|---|",
        "rows", "used", "widths", "threads", "setup s", "prove s", "proof felts", "verify ms"
    )
}

/// One formatted table row.
pub fn table_row(row: &BenchRow) -> String {
    format!(
        "| 2^{:<3} | {:>9} | {:>11} | {:>7} | {:>9.2} | {:>9.2} | {:>11} | {:>9.1} |",
        row.log_rows,
        row.used_rows,
        format!("{:?}", row.widths).replace(' ', ""),
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
            let used = 2 * w[0] * (w[0] + 2);
            assert!(
                used <= 1 << log && used > 1 << (log - 1),
                "log {log}: {used}"
            );
        }
    }
}
