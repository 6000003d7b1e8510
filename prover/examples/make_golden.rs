//! Writes the golden vectors in `prover/tests/golden/`: a production-parameter proof of the
//! `digits_mlp` example (2^10-row trace) for job `0xc1e0`, its calldata one felt per line, and
//! its public inputs with the expected verifier result. `tests/golden.rs` checks the prover
//! reproduces them byte for byte.
//!
//! Run: `cargo run --release -p ciro-prover --example make_golden`.

use ciro_prover::api::{prove_inference, PreparedModel};
use ciro_prover::backend::cpu::CpuBackend;
use ciro_prover::field::Felt;
use ciro_prover::model::input::InputFile;
use ciro_prover::model::quantize::DEFAULT_SCALE_BITS;
use ciro_prover::stark::{ProofParams, ProveOptions};
use std::path::PathBuf;

/// The golden job id.
const JOB_ID: u64 = 0xc1e0;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let models = root.join("examples").join("models");
    let golden = root.join("tests").join("golden");
    std::fs::create_dir_all(&golden)?;
    let model = PreparedModel::<CpuBackend>::from_onnx_file(
        &models.join("digits_mlp.onnx"),
        DEFAULT_SCALE_BITS,
        ProofParams::default(),
    )?;
    let input = InputFile::read(&models.join("digits_input_0.json"))?;
    let proven = prove_inference(
        &model,
        &input.input,
        Felt::from(JOB_ID),
        &ProveOptions::default(),
    )?;
    proven.file.write(&golden.join("digits_proof.json"))?;
    std::fs::write(
        golden.join("digits_calldata.txt"),
        proven.file.calldata.join("\n") + "\n",
    )?;
    let public = serde_json::json!({
        "model": "examples/models/digits_mlp.onnx",
        "input": "examples/models/digits_input_0.json",
        "scale_bits": DEFAULT_SCALE_BITS,
        "job_id": proven.file.public_inputs.job_id,
        "model_commitment": proven.file.public_inputs.model_commitment,
        "input_commitment": proven.file.public_inputs.input_commitment,
        "output_commitment": proven.file.public_inputs.output_commitment,
        "pow_nonce": proven.decoded.proof.pow_nonce,
        "calldata_felts": proven.file.calldata.len(),
        "expected_result": "valid",
    });
    std::fs::write(
        golden.join("digits_public_inputs.json"),
        serde_json::to_string_pretty(&public)? + "\n",
    )?;
    println!(
        "wrote golden vectors to {} ({} felts)",
        golden.display(),
        proven.file.calldata.len()
    );
    Ok(())
}
