//! Round trips: prove inferences of both example models and verify them.

mod common;

use ciro_prover::api::verify_proof_file;
use ciro_prover::proof_file::ProofFile;
use common::{input, prepare, prove, test_params, test_policy};

fn round_trip(model_name: &str, input_names: &[&str]) {
    let model = prepare(model_name, test_params());
    for (k, name) in input_names.iter().enumerate() {
        let x = input(name);
        let proven = prove(&model, &x, 1000 + k as u64);
        // Through JSON and back, then the full verifier.
        let file = ProofFile::parse(&proven.file.to_json().unwrap()).unwrap();
        let decoded = verify_proof_file(&file, &test_policy()).unwrap();
        assert_eq!(decoded, proven.decoded);
        // A client computes the same input commitment without proving.
        assert_eq!(model.input_commitment(&x).unwrap(), decoded.input_commitment);
        // The proven output is the quantized inference, within the documented bound of float.
        for (q, f) in proven.file.outputs_real.iter().zip(&proven.float_output) {
            assert!(
                (q - f).abs() <= proven.error_bound,
                "{model_name} {name}: |{q} - {f}| > {}",
                proven.error_bound
            );
        }
    }
}

#[test]
fn iris_round_trips() {
    round_trip(
        "iris_mlp.onnx",
        &[
            "iris_input_0.json",
            "iris_input_1.json",
            "iris_input_2.json",
        ],
    );
}

#[test]
fn digits_round_trip() {
    round_trip("digits_mlp.onnx", &["digits_input_0.json"]);
}

#[cfg(feature = "slow-tests")]
#[test]
fn digits_round_trips_more_inputs() {
    round_trip("digits_mlp.onnx", &["digits_input_1.json"]);
}
