//! Soundness: every part of a valid proof, mutated, makes the Rust verifier reject it.

mod common;

use ciro_prover::air::inputs::input_commitment_of;
use ciro_prover::field::{felt_to_i128, Felt};
use ciro_prover::proof_file::{DecodedProof, ProofFile, ProofFileError, HEADER_FELTS};
use ciro_prover::stark::VerifierError;
use common::{input, prepare, prove, test_params, test_policy};
use starknet_crypto::poseidon_hash_many;
use std::sync::OnceLock;

/// One valid proof of the iris model for job 7, shared by the tests of this file.
fn valid() -> &'static DecodedProof {
    static PROOF: OnceLock<DecodedProof> = OnceLock::new();
    PROOF.get_or_init(|| {
        let model = prepare("iris_mlp.onnx", test_params());
        prove(&model, &input("iris_input_1.json"), 7).decoded
    })
}

type Mutation = Box<dyn Fn(&mut DecodedProof)>;
type TreeAccessor = fn(&mut DecodedProof) -> &mut ciro_prover::fri::TreeDecommitment;

fn bump(value: &mut Felt) {
    *value += Felt::ONE;
}

fn mutations() -> Vec<(String, Mutation)> {
    let proof = valid();
    let mut table: Vec<(String, Mutation)> = vec![
        (
            "public input: job id".into(),
            Box::new(|p| bump(&mut p.statement.job_id)),
        ),
        (
            "public input: model commitment".into(),
            Box::new(|p| bump(&mut p.model_commitment)),
        ),
        (
            "public input: input commitment".into(),
            Box::new(|p| bump(&mut p.input_commitment)),
        ),
        (
            "public input: output commitment".into(),
            Box::new(|p| bump(&mut p.output_commitment)),
        ),
        (
            "input value".into(),
            Box::new(|p| bump(&mut p.statement.inputs[0])),
        ),
        (
            "input value with a matching input commitment".into(),
            Box::new(|p| {
                bump(&mut p.statement.inputs[1]);
                p.input_commitment = input_commitment_of(&p.statement.inputs);
            }),
        ),
        (
            "output value".into(),
            Box::new(|p| bump(&mut p.statement.outputs[0])),
        ),
        (
            "output value with a matching output commitment (wrong output)".into(),
            Box::new(|p| {
                bump(&mut p.statement.outputs[2]);
                p.output_commitment = poseidon_hash_many(&p.statement.outputs);
            }),
        ),
        (
            "layout: preprocessed root".into(),
            Box::new(|p| bump(&mut p.statement.layout.preprocessed_root)),
        ),
        (
            "layout: another model (preprocessed root and its model commitment)".into(),
            Box::new(|p| {
                bump(&mut p.statement.layout.preprocessed_root);
                p.model_commitment = p.statement.layout.commitment();
            }),
        ),
        (
            "layout: total neurons with a matching model commitment".into(),
            Box::new(|p| {
                p.statement.layout.total_neurons += 1;
                p.model_commitment = p.statement.layout.commitment();
            }),
        ),
        (
            "layout: output scale".into(),
            Box::new(|p| p.statement.layout.output_scale_bits -= 1),
        ),
        (
            "layout: output scale with a matching model commitment (outputs read at another scale)".into(),
            Box::new(|p| {
                p.statement.layout.output_scale_bits -= 1;
                p.model_commitment = p.statement.layout.commitment();
            }),
        ),
        (
            "params: a larger blowup".into(),
            Box::new(|p| p.params.log_blowup += 1),
        ),
        (
            "params: a smaller blowup".into(),
            Box::new(|p| p.params.log_blowup -= 1),
        ),
        (
            "params: one more query".into(),
            Box::new(|p| p.params.n_queries += 1),
        ),
        (
            "params: one more grinding bit".into(),
            Box::new(|p| p.params.grinding_bits += 1),
        ),
        (
            "params: below policy (one query fewer)".into(),
            Box::new(|p| p.params.n_queries -= 1),
        ),
        (
            "params: below policy (one grinding bit fewer)".into(),
            Box::new(|p| p.params.grinding_bits -= 1),
        ),
        (
            "commitment: main root".into(),
            Box::new(|p| bump(&mut p.proof.main_root)),
        ),
        (
            "commitment: interaction root".into(),
            Box::new(|p| bump(&mut p.proof.interaction_root)),
        ),
        (
            "commitment: composition root".into(),
            Box::new(|p| bump(&mut p.proof.composition_root)),
        ),
        (
            "last-layer polynomial: constant coefficient".into(),
            Box::new(|p| bump(&mut p.proof.fri.last_layer[0])),
        ),
        (
            "last-layer polynomial: top coefficient".into(),
            Box::new(|p| {
                let last = p.proof.fri.last_layer.len() - 1;
                bump(&mut p.proof.fri.last_layer[last])
            }),
        ),
        (
            "proof-of-work nonce".into(),
            Box::new(|p| p.proof.pow_nonce += 1),
        ),
    ];
    for k in 0..proof.proof.ood_values.len() {
        table.push((
            format!("out-of-domain value {k}"),
            Box::new(move |p| bump(&mut p.proof.ood_values[k])),
        ));
    }
    for layer in 0..proof.proof.fri.layer_roots.len() {
        table.push((
            format!("FRI layer {layer}: root"),
            Box::new(move |p| bump(&mut p.proof.fri.layer_roots[layer])),
        ));
        table.push((
            format!("FRI layer {layer}: first value"),
            Box::new(move |p| bump(&mut p.proof.fri.layer_decommitments[layer].values[0])),
        ));
        table.push((
            format!("FRI layer {layer}: last value"),
            Box::new(move |p| {
                let d = &mut p.proof.fri.layer_decommitments[layer];
                let last = d.values.len() - 1;
                bump(&mut d.values[last])
            }),
        ));
        if !proof.proof.fri.layer_decommitments[layer]
            .siblings
            .is_empty()
        {
            table.push((
                format!("FRI layer {layer}: authentication path"),
                Box::new(move |p| bump(&mut p.proof.fri.layer_decommitments[layer].siblings[0])),
            ));
        }
    }
    let trees: [(&str, TreeAccessor); 4] = [
        ("preprocessed", |p| &mut p.proof.preprocessed),
        ("main", |p| &mut p.proof.main),
        ("interaction", |p| &mut p.proof.interaction),
        ("composition", |p| &mut p.proof.composition),
    ];
    for (name, tree) in trees {
        table.push((
            format!("{name} tree: queried value"),
            Box::new(move |p| bump(&mut tree(p).values[0])),
        ));
        table.push((
            format!("{name} tree: last queried value"),
            Box::new(move |p| {
                let d = tree(p);
                let last = d.values.len() - 1;
                bump(&mut d.values[last])
            }),
        ));
        table.push((
            format!("{name} tree: authentication path"),
            Box::new(move |p| bump(&mut tree(p).siblings[0])),
        ));
        table.push((
            format!("{name} tree: truncated authentication path"),
            Box::new(move |p| {
                tree(p).siblings.pop();
            }),
        ));
    }
    table
}

#[test]
fn the_valid_proof_verifies() {
    valid().verify(&test_policy()).unwrap();
}

#[test]
fn every_mutation_is_rejected() {
    let policy = test_policy();
    let mut accepted = Vec::new();
    for (name, mutate) in mutations() {
        let mut proof = valid().clone();
        mutate(&mut proof);
        assert_ne!(&proof, valid(), "mutation {name} changed nothing");
        // Through calldata, as the on-chain verifier sees it.
        let outcome =
            DecodedProof::from_calldata(&proof.to_calldata()).and_then(|p| p.verify(&policy));
        match outcome {
            Err(error) => eprintln!(
                "rejected {name}: {error}: {:?}",
                std::error::Error::source(&error).map(|s| s.to_string())
            ),
            Ok(()) => accepted.push(name),
        }
    }
    assert!(accepted.is_empty(), "accepted mutated proofs: {accepted:?}");
}

/// The packed inputs are decoded strictly: a felt that is not the canonical packing of inputs
/// below 2^40 is refused before the STARK, even with an input commitment that matches it.
#[test]
fn a_non_canonical_input_packing_is_rejected() {
    let valid = valid();
    let n_inputs = valid.statement.inputs.len();
    assert!(n_inputs < 6, "the iris model's four inputs share one felt");
    let two_128 = Felt::from(1u128 << 64) * Felt::from(1u128 << 64);
    let tampers: [(&str, Felt); 3] = [
        // The sixth position, past the last input, holds a chunk.
        ("unused position", two_128 * Felt::from(1u128 << 82)),
        // The first input's chunk 0 (an input of -2^40): subtract its chunk.
        ("empty position", -Felt::from(
            (felt_to_i128(valid.statement.inputs[0]).unwrap() + (1i128 << 40)) as u128,
        )),
        // The low half overflows into 2^123.
        ("low half at 2^123", Felt::from(1u128 << 123)),
    ];
    for (name, delta) in tampers {
        let mut calldata = valid.to_calldata();
        calldata[HEADER_FELTS] += delta;
        calldata[2] = poseidon_hash_many(&calldata[HEADER_FELTS..HEADER_FELTS + 1]);
        let outcome = DecodedProof::from_calldata(&calldata);
        assert!(
            matches!(&outcome, Err(ProofFileError::Calldata(m)) if m.contains("packed input felt 0")),
            "{name}: {outcome:?}"
        );
    }
}

#[test]
fn a_wrong_output_is_rejected_by_the_air() {
    let mut proof = valid().clone();
    bump(&mut proof.statement.outputs[0]);
    proof.output_commitment = poseidon_hash_many(&proof.statement.outputs);
    let error = proof.verify(&test_policy()).unwrap_err();
    assert!(
        matches!(
            error,
            ProofFileError::Proof(VerifierError::OodCompositionMismatch)
        ),
        "expected the AIR check to fail, got {error:?}"
    );
}

#[test]
fn a_proof_for_job_a_is_rejected_for_job_b() {
    let mut proof = valid().clone();
    proof.statement.job_id = Felt::from(8u64);
    let file = proof.to_file();
    assert_eq!(file.public_inputs.job_id, "0x8");
    let error = ProofFile::parse(&file.to_json().unwrap())
        .unwrap()
        .verify(&test_policy())
        .unwrap_err();
    assert!(matches!(error, ProofFileError::Proof(_)), "{error:?}");
}

#[test]
fn a_file_whose_readable_fields_disagree_with_its_calldata_is_rejected() {
    let mut file = valid().to_file();
    file.outputs[0] += 1;
    assert!(matches!(
        file.verify(&test_policy()),
        Err(ProofFileError::FieldMismatch("outputs"))
    ));
    let mut file = valid().to_file();
    file.calldata.push("0x1".into());
    assert!(matches!(
        file.verify(&test_policy()),
        Err(ProofFileError::Calldata(_))
    ));
}

/// A prover that cheats on one activation inside a CNN (a convolution's output, a pooling
/// maximum: neither is public) cannot make either check pass: the Rust verifier rejects its
/// proof. (The devnet tests send the same proofs to ProofVerifier.)
#[test]
fn a_wrong_convolution_output_or_pooling_maximum_is_rejected() {
    use ciro_prover::api::prove_with_wrong_activation;
    use ciro_prover::model::SparseOp;
    let model = prepare("digits_cnn.onnx", test_params());
    let image = input("digits_cnn_input_0.json");
    let layer_of = |op: SparseOp| model.float.layers.iter().position(|l| l.connections.as_ref().is_some_and(|c| c.op == op)).unwrap();
    for (what, layer) in [("a convolution's output", layer_of(SparseOp::Convolution)), ("a pooling maximum", layer_of(SparseOp::MaxPoolSum))] {
        let cheat = prove_with_wrong_activation(&model, &image, Felt::from(7u64), (layer, 5, 1)).expect("a cheating prover still writes a proof");
        let error = cheat.decoded.verify(&test_policy());
        assert!(error.is_err(), "{what}: accepted");
    }
    // The honest proof of the same model verifies.
    prove(&model, &image, 7).decoded.verify(&test_policy()).unwrap();
}

/// Residual connections: a prover that cheats where two branches join (the sum written, or the
/// shortcut's 1×1 convolution that the join reads) is rejected; the honest proof verifies.
#[test]
fn a_wrong_branch_sum_or_shortcut_is_rejected() {
    use ciro_prover::api::prove_with_wrong_activation;
    use ciro_prover::model::SparseOp;
    let model = prepare("residual_cnn.onnx", test_params());
    let image = input("residual_cnn_input_0.json");
    let joins: Vec<usize> = model.float.layers.iter().enumerate().filter(|(_, l)| l.connections.as_ref().is_some_and(|c| c.op == SparseOp::BranchSum)).map(|(k, _)| k).collect();
    assert_eq!(joins.len(), 2, "two blocks join their branches");
    // The second join reads first the Add's first input: the shortcut's convolution.
    let shortcut = model.float.layers[joins[1]].sources.as_ref().and_then(|s| s.first()).map(|v| v - 1).expect("the join reads two vectors");
    assert_eq!(model.float.layers[shortcut].connections.as_ref().map(|c| (c.op, c.indices[0].len())), Some((SparseOp::Convolution, 2)), "a 1×1 convolution of 2 channels");
    for (what, layer) in [("the identity block's sum", joins[0]), ("the projection block's sum", joins[1]), ("the shortcut's convolution", shortcut)] {
        let cheat = prove_with_wrong_activation(&model, &image, Felt::from(7u64), (layer, 3, 1)).expect("a cheating prover still writes a proof");
        assert!(cheat.decoded.verify(&test_policy()).is_err(), "{what}: accepted");
    }
    let honest = prove(&model, &image, 7);
    honest.decoded.verify(&test_policy()).unwrap();
    for (q, f) in honest.decoded.statement.outputs.iter().zip(&honest.float_output) {
        let q = ciro_prover::field::felt_to_i128(*q).unwrap() as f64 / 65536.0;
        assert!((q - f).abs() <= honest.error_bound, "|{q} − {f}| > {}", honest.error_bound);
    }
}
