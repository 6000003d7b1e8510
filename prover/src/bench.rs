//! The benchmark behind `ciro-prover bench`: synthetic MLPs (of given widths, or sized to fill
//! traces of `2^k` rows) and ONNX models, proved on the CPU backend, then verified.

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
    /// The model: its widths (`784-128-10`) for a synthetic MLP, its file's name for an ONNX one.
    pub model: String,
    /// Rayon threads.
    pub threads: usize,
    /// Model preparation (quantization + preprocessed commitment).
    pub setup: Duration,
    /// Proving.
    pub prove: Duration,
    /// The Poseidon floor: hashing the trees this proof commits to, and nothing else
    /// ([`poseidon_floor`]), on the same backend and threads.
    pub poseidon_floor: Duration,
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
            connections: None,
            sources: None,
        })
        .collect();
    FloatMlp { layers, weight_bits: None }
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
    let input: Vec<f64> = (0..widths[0])
        .map(|i| ((i % 7) as f64 - 3.0) / 4.0)
        .collect();
    let name = widths.iter().map(ToString::to_string).collect::<Vec<_>>().join("-");
    bench_network_on::<B>(&name, synthetic_mlp(widths), &input, params)
}

/// Runs one benchmark row for an ONNX model on one input file, on the CPU backend.
///
/// # Errors
/// [`crate::api::Error`] if the files do not load, or proving or verifying fails.
pub fn bench_onnx(model: &std::path::Path, input: &std::path::Path, params: &ProofParams) -> Result<BenchRow, crate::api::Error> {
    let float = crate::model::onnx::load_onnx(model)?;
    let input = crate::model::input::InputFile::read(input)?.input;
    let name = model.file_stem().map_or_else(|| model.display().to_string(), |s| s.to_string_lossy().into_owned());
    bench_network_on::<CpuBackend>(&name, float, &input, params)
}

/// Runs one benchmark row for `float` (named `name`) on `input`, on backend `B`.
///
/// # Errors
/// [`crate::api::Error`] if proving or verifying fails.
pub fn bench_network_on<B: Backend>(name: &str, float: FloatMlp, input: &[f64], params: &ProofParams) -> Result<BenchRow, crate::api::Error>
where
    MlpAir: AirProver<B>,
{
    let macs = float.layers.iter().map(|l| l.weights.iter().map(Vec::len).sum::<usize>()).sum();
    let start = Instant::now();
    let model = PreparedModel::<B>::new(float, DEFAULT_SCALE_BITS, *params)?;
    let setup = start.elapsed();
    let start = Instant::now();
    let proven = prove_inference(
        &model,
        input,
        Felt::from(model.layout.n_inputs + model.layout.total_neurons),
        &ProveOptions::default(),
    )?;
    let prove = start.elapsed();
    let poseidon_floor = poseidon_floor::<B>(&committed_trees(model.layout.log_trace_rows, params))
        .map_err(crate::stark::ProverError::from)?;
    let policy = SecurityPolicy {
        min_query_bits: params.query_security_bits(),
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
        macs,
        columns,
        params: *params,
        model: name.to_owned(),
        threads: rayon::current_num_threads(),
        setup,
        prove,
        poseidon_floor,
        proof_felts: SizeBreakdown::of(&proven.decoded).total,
        verify,
        calldata: proven.decoded.to_calldata(),
    })
}

/// One Merkle tree a proof commits to: its leaves and the values hashed into each leaf.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeShape {
    /// Which commitment.
    pub name: &'static str,
    /// Leaves (a power of two).
    pub leaves: usize,
    /// Values per leaf.
    pub width: usize,
}

/// The trees proving commits to for a trace of `2^log_rows` rows, after the model's setup (the
/// preprocessed tree is the model's, committed once): the main and interaction traces and the
/// composition segments over the LDE domain, then one tree per FRI layer (each leaf the
/// `2^log_fold` values folded together).
pub fn committed_trees(log_rows: u32, params: &ProofParams) -> Vec<TreeShape> {
    use crate::air::mlp::{N_COMPOSITION, N_INTERACTION, N_MAIN};
    let lde = 1usize << (log_rows + params.log_blowup);
    let mut trees = vec![
        TreeShape { name: "main", leaves: lde, width: N_MAIN },
        TreeShape { name: "interaction", leaves: lde, width: N_INTERACTION },
        TreeShape { name: "composition", leaves: lde, width: N_COMPOSITION },
    ];
    let fold = 1usize << params.log_fold;
    let mut evals = lde;
    for _ in 0..crate::fri::FriConfig::new(log_rows, params.log_fold).n_folds {
        trees.push(TreeShape { name: "fri", leaves: evals / fold, width: fold });
        evals /= fold;
    }
    trees
}

/// Poseidon permutations hashing `trees` takes: a leaf of `k` values absorbs `k` felts and a
/// padding felt two at a time (`ceil((k + 1) / 2)`), an inner node is one permutation.
pub fn permutations(trees: &[TreeShape]) -> u64 {
    trees
        .iter()
        .map(|t| (t.leaves as u64) * ((t.width as u64 + 2) / 2) + (t.leaves as u64 - 1))
        .sum()
}

/// The Poseidon floor of a proof: the time backend `B` takes to commit to `trees` (leaf hashes
/// and inner nodes, nothing else) on columns of arbitrary values built beforehand. Proving can
/// not take less, since it commits to these trees; prove time over this floor is what the rest
/// (interpolation, evaluation, constraints, FRI folding, grinding) costs.
///
/// # Errors
/// [`crate::merkle::MerkleError`] for a shape that is not a power of two.
pub fn poseidon_floor<B: crate::merkle::MerkleOps>(trees: &[TreeShape]) -> Result<Duration, crate::merkle::MerkleError> {
    let mut total = Duration::ZERO;
    for (t, tree) in trees.iter().enumerate() {
        let columns: Vec<B::Column> = (0..tree.width)
            .map(|c| {
                let seed = (t * 1_000 + c) as u64 * (tree.leaves as u64) + 1;
                B::column_from_vec((0..tree.leaves as u64).map(|i| Felt::from(seed + i)).collect())
            })
            .collect();
        let refs: Vec<&B::Column> = columns.iter().collect();
        let start = Instant::now();
        let committed = crate::merkle::MerkleTree::<B>::commit(&refs)?;
        total += start.elapsed();
        std::hint::black_box(committed.root());
    }
    Ok(total)
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

/// Prove time as a multiple of the Poseidon floor.
pub fn floor_multiple(row: &BenchRow) -> f64 {
    row.prove.as_secs_f64() / row.poseidon_floor.as_secs_f64().max(1e-9)
}

/// The table header.
pub fn table_header() -> String {
    format!(
        "| {:>5} | {:>9} | {:>16} | {:>9} | {:>9} | {:>7} | {:>7} | {:>9} | {:>9} | {:>7} | {:>7} | {:>11} | {:>9} |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        "rows", "used", "model", "MACs", "cells/MAC", "queries", "threads", "setup s", "prove s", "floor s", "× floor", "proof felts", "verify ms"
    )
}

/// One formatted table row.
pub fn table_row(row: &BenchRow) -> String {
    format!(
        "| 2^{:<3} | {:>9} | {:>16} | {:>9} | {:>9.2} | {:>7} | {:>7} | {:>9.2} | {:>9.2} | {:>7.2} | {:>7.1} | {:>11} | {:>9.1} |",
        row.log_rows,
        row.used_rows,
        row.model.clone(),
        row.macs,
        cells_per_mac(row),
        format!("{}+{}", row.params.n_queries, row.params.grinding_bits),
        row.threads,
        row.setup.as_secs_f64(),
        row.prove.as_secs_f64(),
        row.poseidon_floor.as_secs_f64(),
        floor_multiple(row),
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

    /// The floor's trees are the proof's (one FRI tree per layer root, the LDE's leaves), its time
    /// is below the proof's, and the permutation count is the leaf and node arithmetic.
    #[test]
    fn the_floor_hashes_the_trees_the_proof_commits_to() {
        let params = ProofParams::default();
        let row = bench_model(&[5, 11, 3], &params).unwrap();
        let proof = crate::proof_file::DecodedProof::from_calldata(&row.calldata).unwrap();
        let trees = committed_trees(row.log_rows, &params);
        let fri: Vec<_> = trees.iter().filter(|t| t.name == "fri").collect();
        assert_eq!(fri.len(), proof.proof.fri.layer_roots.len());
        assert_eq!(trees[0].leaves, 1 << (row.log_rows + params.log_blowup));
        assert!(row.poseidon_floor > Duration::ZERO && row.poseidon_floor < row.prove, "{row:?}");
        // 2^8 rows at blowup 8: 3 trees of 2048 leaves (17, 5, 2 values), FRI 256 then 32 leaves of 8.
        let blowup_8 = ProofParams { log_blowup: 3, ..params };
        assert_eq!(permutations(&committed_trees(8, &blowup_8)), 2048 * (9 + 3 + 2) + 3 * 2047 + 256 * 5 + 255 + 32 * 5 + 31);
        // At blowup 32, four times the leaves in every tree.
        assert_eq!(permutations(&committed_trees(8, &params)), 8192 * (9 + 3 + 2) + 3 * 8191 + 1024 * 5 + 1023 + 128 * 5 + 127);
    }

    #[test]
    fn rows_match_the_air() {
        let model = synthetic_mlp(&[5, 11, 3]);
        let quantized = crate::model::quantize::QuantizedModel::from_float(&model, 16).unwrap();
        assert_eq!(crate::air::mlp::used_rows(&quantized), rows_for_widths(&[5, 11, 3]));
    }
}
