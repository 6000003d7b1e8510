//! Shared helpers of the integration tests.
#![allow(dead_code)]

use ciro_prover::api::{prove_inference, PreparedModel, ProvenInference};
use ciro_prover::backend::cpu::CpuBackend;
use ciro_prover::field::Felt;
use ciro_prover::model::input::InputFile;
use ciro_prover::model::quantize::DEFAULT_SCALE_BITS;
use ciro_prover::stark::{ProofParams, ProveOptions, SecurityPolicy};
use std::path::PathBuf;

/// Test parameters: the production ones (15 grinding bits take milliseconds).
pub fn test_params() -> ProofParams {
    ProofParams::default()
}

/// The policy matching [`test_params`]: the production one.
pub fn test_policy() -> SecurityPolicy {
    SecurityPolicy::default()
}

/// `prover/examples/models/<name>`.
pub fn model_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join("models")
        .join(name)
}

/// Loads an example model with the default scale.
pub fn prepare(name: &str, params: ProofParams) -> PreparedModel<CpuBackend> {
    PreparedModel::from_onnx_file(&model_path(name), DEFAULT_SCALE_BITS, params)
        .expect("example model loads")
}

/// Reads an example input.
pub fn input(name: &str) -> Vec<f64> {
    InputFile::read(&model_path(name))
        .expect("example input reads")
        .input
}

/// Proves one inference with default options.
pub fn prove(model: &PreparedModel<CpuBackend>, input: &[f64], job_id: u64) -> ProvenInference {
    prove_inference(model, input, Felt::from(job_id), &ProveOptions::default())
        .expect("proving succeeds")
}
