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

#[test]
fn digits_cnn_round_trips() {
    round_trip("digits_cnn.onnx", &["digits_cnn_input_0.json"]);
}

/// A batch of the three iris inputs in one proof: each element's outputs are the ones its own
/// proof gives, in order, and the batched model costs about three times the rows (a block of
/// eight neurons may span two elements).
#[test]
fn a_batch_proves_every_element_in_one_proof() {
    use ciro_prover::api::PreparedModel;
    use ciro_prover::backend::cpu::CpuBackend;
    use ciro_prover::model::onnx::load_onnx;
    use ciro_prover::model::quantize::DEFAULT_SCALE_BITS;
    let names = ["iris_input_0.json", "iris_input_1.json", "iris_input_2.json"];
    let single = prepare("iris_mlp.onnx", test_params());
    let float = load_onnx(&common::model_path("iris_mlp.onnx")).unwrap();
    let batched = PreparedModel::<CpuBackend>::new(float.batched(names.len()), DEFAULT_SCALE_BITS, test_params()).unwrap();
    assert_eq!(batched.layout.n_inputs, 3 * single.layout.n_inputs);
    assert_ne!(batched.model_commitment(), single.model_commitment());
    let (rows, single_rows) = (ciro_prover::air::mlp::used_rows(&batched.quantized), ciro_prover::air::mlp::used_rows(&single.quantized));
    assert!((3 * single_rows..=3 * single_rows + 8).contains(&rows), "{rows} rows for 3 × {single_rows}");
    let batch: Vec<f64> = names.iter().flat_map(|n| input(n)).collect();
    let proven = prove(&batched, &batch, 77);
    verify_proof_file(&proven.file, &test_policy()).unwrap();
    let width = single.layout.n_outputs as usize;
    for (k, name) in names.iter().enumerate() {
        let alone = prove(&single, &input(name), 78 + k as u64);
        assert_eq!(proven.file.outputs_real[k * width..(k + 1) * width], alone.file.outputs_real[..], "element {k}");
    }
    // An element swapped with another is a different statement: its proof does not verify for
    // the swapped outputs.
    let mut swapped = proven.decoded.clone();
    swapped.statement.outputs.swap(0, width);
    swapped.output_commitment = starknet_crypto::poseidon_hash_many(&swapped.statement.outputs);
    assert!(swapped.verify(&test_policy()).is_err());
}
