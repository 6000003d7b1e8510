//! Golden vectors: the committed proof is reproduced byte for byte and accepted.
//!
//! The default run starts the proof-of-work search at the committed nonce (one hash instead of
//! about 2^20 in a debug build); with `--features slow-tests` the search starts at 0, which also
//! checks the committed nonce is the smallest valid one.

mod common;

use ciro_prover::api::{prove_inference, verify_proof_file};
use ciro_prover::field::Felt;
use ciro_prover::proof_file::ProofFile;
use ciro_prover::stark::{ProofParams, ProveOptions, SecurityPolicy};
use common::{input, prepare};
use std::path::PathBuf;

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden")
        .join(name)
}

fn public_inputs() -> serde_json::Value {
    let text = std::fs::read_to_string(golden("digits_public_inputs.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn golden_proof_is_accepted_and_matches_its_public_inputs() {
    let file = ProofFile::read(&golden("digits_proof.json")).unwrap();
    let decoded = verify_proof_file(&file, &SecurityPolicy::default()).unwrap();
    let public = public_inputs();
    assert_eq!(public["expected_result"], "valid");
    assert_eq!(public["job_id"], file.public_inputs.job_id);
    assert_eq!(
        public["model_commitment"],
        file.public_inputs.model_commitment
    );
    assert_eq!(
        public["input_commitment"],
        file.public_inputs.input_commitment
    );
    assert_eq!(
        public["output_commitment"],
        file.public_inputs.output_commitment
    );
    assert_eq!(public["pow_nonce"], decoded.proof.pow_nonce);
    assert_eq!(decoded.params, ProofParams::default());
    let calldata = std::fs::read_to_string(golden("digits_calldata.txt")).unwrap();
    assert_eq!(calldata.lines().collect::<Vec<_>>(), file.calldata);
}

#[test]
fn prover_reproduces_the_golden_proof_byte_for_byte() {
    let public = public_inputs();
    let grinding_start = if cfg!(feature = "slow-tests") {
        0
    } else {
        public["pow_nonce"].as_u64().unwrap()
    };
    let model = prepare("digits_mlp.onnx", ProofParams::default());
    let job_id = ciro_prover::field::parse_felt(public["job_id"].as_str().unwrap()).unwrap();
    let proven = prove_inference(
        &model,
        &input("digits_input_0.json"),
        job_id,
        &ProveOptions {
            grinding_start,
            ..ProveOptions::default()
        },
    )
    .unwrap();
    let expected = std::fs::read_to_string(golden("digits_proof.json")).unwrap();
    assert_eq!(proven.file.to_json().unwrap(), expected);
    assert_ne!(job_id, Felt::ZERO);
}
