//! ProofVerifier on devnet: the golden STARK proof (prover/tests/golden/) verifies, and every kind
//! of tampering listed in prover/PROOF_FORMAT.md is rejected on-chain.
//!
//! Tampered proofs are submitted with a statement equal to their own (tampered) public inputs, so
//! a rejection comes from the proof checks and not from the statement comparison; the statement
//! comparison has its own tests (another job id, another output commitment).
//!
//! `CIRO_PV_ARTIFACTS=<dir>` reads the `ciro` package from another build directory (a scratch
//! build of the contract); by default, from `target/dev`.

use ciro_bindings::errors;
use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context, Result};
use ciro_deploy::tx::TxError;
use ciro_prover::merkle::hash_leaf;
use ciro_prover::proof_file::DecodedProof;
use ciro_tests::{events_named, TestChain};
use starknet::core::types::{Felt, TransactionReceipt, TransactionReceiptWithBlockInfo};

const VERIFIER: &str = "ProofVerifier";

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("prover").join("tests").join("golden")
}

/// The golden calldata (PROOF_FORMAT.md §3), one felt per line.
fn golden_calldata() -> Result<Vec<Felt>> {
    read_calldata(&golden_dir().join("digits_calldata.txt"))
}

fn read_calldata(path: &std::path::Path) -> Result<Vec<Felt>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Felt::from_hex(l.trim()).with_context(|| format!("felt {l:?}")))
        .collect()
}

async fn start_chain() -> Result<TestChain> {
    match std::env::var_os("CIRO_PV_ARTIFACTS") {
        Some(dir) => TestChain::start_with_artifacts(&PathBuf::from(dir)).await,
        None => TestChain::start().await,
    }
}

/// The statement `(model, input, output, job id)` a proof's calldata claims (its felts 0..4).
fn statement_of(calldata: &[Felt]) -> [Felt; 4] {
    let at = |i: usize| calldata.get(i).copied().unwrap_or_default();
    [at(1), at(2), at(3), at(0)]
}

/// `verify_inference(statement, proof)` calldata.
fn verify_calldata(statement: [Felt; 4], proof: &[Felt]) -> Vec<Felt> {
    let mut out = statement.to_vec();
    out.push(Felt::from(proof.len()));
    out.extend_from_slice(proof);
    out
}

/// The gas an invoke receipt reports, as text.
fn cost(receipt: &TransactionReceiptWithBlockInfo) -> Result<String> {
    let TransactionReceipt::Invoke(invoke) = &receipt.receipt else { anyhow::bail!("not an invoke receipt") };
    let r = &invoke.execution_resources;
    Ok(format!(
        "l2_gas {}, l1_gas {}, l1_data_gas {}, fee {} {:?}",
        r.l2_gas, r.l1_gas, r.l1_data_gas, invoke.actual_fee.amount, invoke.actual_fee.unit
    ))
}

fn fact_hash(statement: [Felt; 4]) -> Felt {
    hash_leaf(&statement)
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Accepted,
    /// `verify_inference` returned false.
    Rejected,
    /// It reverted with these messages.
    Reverted(Vec<String>),
}

/// Invokes `verify_inference` as account #1; the outcome, after checking that a rejection records
/// nothing (the fact's record is unchanged) and emits nothing.
async fn submit(chain: &TestChain, verifier: Felt, statement: [Felt; 4], proof: &[Felt]) -> Result<Outcome> {
    let recorded_before = chain.call(verifier, "is_verified", vec![fact_hash(statement)]).await?;
    match chain.invoke(1, verifier, "verify_inference", verify_calldata(statement, proof)).await {
        Ok(receipt) => {
            let results = chain.call_results(&receipt).await?;
            let accepted = results.first().and_then(|r| r.first()).copied() == Some(Felt::ONE);
            let events = events_named(&receipt, verifier, "InferenceVerified").len();
            if accepted {
                anyhow::ensure!(events == 1, "accepted with {events} InferenceVerified events");
                Ok(Outcome::Accepted)
            } else {
                anyhow::ensure!(results == vec![vec![Felt::ZERO]], "unexpected results {results:?}");
                anyhow::ensure!(events == 0, "rejected but emitted {events} InferenceVerified events");
                let recorded = chain.call(verifier, "is_verified", vec![fact_hash(statement)]).await?;
                anyhow::ensure!(recorded == recorded_before, "a rejection changed the fact's record");
                Ok(Outcome::Rejected)
            }
        }
        Err(error @ (TxError::Rejected { .. } | TxError::Reverted { .. })) => Ok(Outcome::Reverted(error.revert_messages())),
        Err(other) => Err(other.into()),
    }
}

/// Offsets of the parts of a calldata (PROOF_FORMAT.md §3): for each named part, the offset of
/// its first element and its length (length prefixes excluded).
struct Parts(HashMap<String, (usize, usize)>);

impl Parts {
    fn of(calldata: &[Felt]) -> Result<Self> {
        let small = |i: usize| -> Result<usize> {
            u32::try_from(calldata[i]).map(|v| v as usize).map_err(|_| anyhow::anyhow!("felt {i} not small"))
        };
        let mut parts = HashMap::new();
        for (i, name) in ["job_id", "model_commitment", "input_commitment", "output_commitment", "log_blowup", "log_fold",
            "n_queries", "grinding_bits", "log_trace_rows", "scale_bits", "output_scale_bits", "n_inputs", "n_outputs",
            "input_reads", "total_neurons", "kind", "preprocessed_root"]
            .iter()
            .enumerate()
        {
            parts.insert((*name).to_owned(), (i, 1));
        }
        let log_n = small(8)?;
        let (n_in, n_out) = (small(11)?, small(12)?);
        let mut at = 17;
        // Six inputs per felt (PROOF_FORMAT.md §3.1).
        let n_packed = n_in.div_ceil(6);
        parts.insert("packed_inputs".into(), (at, n_packed));
        at += n_packed;
        parts.insert("outputs".into(), (at, n_out));
        at += n_out;
        for name in ["main_root", "interaction_root", "composition_root"] {
            parts.insert(name.into(), (at, 1));
            at += 1;
        }
        let array = |parts: &mut HashMap<String, (usize, usize)>, name: String, at: &mut usize| -> Result<usize> {
            let len = small(*at)?;
            parts.insert(name, (*at + 1, len));
            *at += 1 + len;
            Ok(len)
        };
        array(&mut parts, "ood".into(), &mut at)?;
        let n_fri = array(&mut parts, "fri_roots".into(), &mut at)?;
        array(&mut parts, "last_layer".into(), &mut at)?;
        parts.insert("pow_nonce".into(), (at, 1));
        at += 1;
        for tree in ["preprocessed", "main", "interaction", "composition"] {
            array(&mut parts, format!("{tree}_values"), &mut at)?;
            array(&mut parts, format!("{tree}_siblings"), &mut at)?;
        }
        for k in 0..n_fri {
            array(&mut parts, format!("fri{k}_values"), &mut at)?;
            array(&mut parts, format!("fri{k}_siblings"), &mut at)?;
        }
        anyhow::ensure!(at == calldata.len(), "parts end at {at}, calldata has {}", calldata.len());
        anyhow::ensure!(n_fri == (log_n - 4).div_ceil(3), "{n_fri} FRI layers for log_n {log_n}");
        Ok(Parts(parts))
    }

    fn get(&self, name: &str) -> (usize, usize) {
        *self.0.get(name).unwrap_or_else(|| panic!("no part {name}"))
    }

    /// Offsets of the first and the last element of `name`.
    fn ends(&self, name: &str) -> [usize; 2] {
        let (start, len) = self.get(name);
        [start, start + len - 1]
    }
}

/// The golden calldata with `offset` increased by one.
fn bumped(golden: &[Felt], offset: usize) -> Vec<Felt> {
    let mut proof = golden.to_vec();
    proof[offset] += Felt::ONE;
    proof
}

/// The golden calldata with `offset` set to `value`.
fn with(golden: &[Felt], offset: usize, value: u64) -> Vec<Felt> {
    let mut proof = golden.to_vec();
    proof[offset] = Felt::from(value);
    proof
}

/// Submits every tampered proof, each with its own claimed statement, and asserts none is
/// accepted; reverts must carry a `PV: ` message. Returns the outcomes.
async fn assert_all_rejected(cases: Vec<(String, Vec<Felt>)>) -> Result<Vec<(String, Outcome)>> {
    let chain = start_chain().await?;
    let verifier = chain.deploy(VERIFIER, vec![]).await?;
    let mut outcomes = Vec::new();
    for (name, proof) in cases {
        let outcome = submit(&chain, verifier, statement_of(&proof), &proof).await?;
        println!("{name}: {outcome:?}");
        match &outcome {
            Outcome::Accepted => panic!("tampered proof accepted: {name}"),
            Outcome::Rejected => {}
            Outcome::Reverted(messages) => {
                assert!(messages.iter().any(|m| m.starts_with("PV: ")), "{name}: reverted without a PV message: {messages:?}")
            }
        }
        outcomes.push((name, outcome));
    }
    Ok(outcomes)
}

fn reverted_with(outcome: &Outcome, message: &str) -> bool {
    matches!(outcome, Outcome::Reverted(m) if m.iter().any(|m| m == message))
}

#[tokio::test]
async fn golden_vectors_agree_with_the_rust_verifier() -> Result<()> {
    let golden = golden_calldata()?;
    let decoded = DecodedProof::from_calldata(&golden)?;
    decoded.verify(&ciro_prover::stark::SecurityPolicy::default())?;
    assert_eq!(decoded.to_calldata(), golden);
    let parts = Parts::of(&golden)?;
    let public: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(
        golden_dir().join("digits_public_inputs.json"),
    )?)?;
    let nonce = public["pow_nonce"].as_u64().context("pow_nonce in the public inputs")?;
    assert_eq!(golden[parts.get("pow_nonce").0], Felt::from(nonce));
    Ok(())
}

#[tokio::test]
async fn verify_inference_accepts_the_golden_proof() -> Result<()> {
    let chain = start_chain().await?;
    let verifier = chain.deploy(VERIFIER, vec![]).await?;
    let golden = golden_calldata()?;
    let statement = statement_of(&golden);
    let fact = fact_hash(statement);
    assert_eq!(chain.call(verifier, "is_verified", vec![fact]).await?, vec![Felt::ZERO]);

    let receipt = chain.invoke(1, verifier, "verify_inference", verify_calldata(statement, &golden)).await?;
    assert_eq!(chain.call_results(&receipt).await?, vec![vec![Felt::ONE]]);
    let events = events_named(&receipt, verifier, "InferenceVerified");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].keys[1..], [fact, golden[0]]);
    assert_eq!(events[0].data, [golden[1], golden[2], golden[3]]);
    assert_eq!(chain.call(verifier, "is_verified", vec![fact]).await?, vec![Felt::ONE]);

    println!("golden 2^8 proof ({} felts): {}", golden.len(), cost(&receipt)?);
    Ok(())
}

/// A proof of a synthetic two-layer MLP `[d, d, d]` filling `2^log_rows` trace rows (the widths of
/// `ciro-prover bench`), with production parameters.
fn synthetic_proof(log_rows: u32) -> Result<Vec<Felt>> {
    use ciro_prover::api::{prove_inference, PreparedModel};
    use ciro_prover::backend::cpu::CpuBackend;
    use ciro_prover::model::quantize::DEFAULT_SCALE_BITS;
    use ciro_prover::model::{DenseLayer, FloatMlp};
    use ciro_prover::stark::{ProofParams, ProveOptions};
    let widths = ciro_prover::bench::bench_widths(log_rows);
    let d = widths[0];
    let layer = |l: usize, relu: bool| {
        DenseLayer::dense(
            (0..d).map(|o| (0..d).map(|i| (((o * 7 + i * 13 + l) % 17) as f64 - 8.0) / (8.0 * d as f64)).collect()).collect(),
            (0..d).map(|o| ((o % 5) as f64 - 2.0) / 20.0).collect(),
            relu,
        )
    };
    let float = FloatMlp { layers: vec![layer(0, true), layer(1, false)], weight_bits: None };
    let model = PreparedModel::<CpuBackend>::new(float, DEFAULT_SCALE_BITS, ProofParams::default())?;
    let input: Vec<f64> = (0..d).map(|i| ((i % 7) as f64 - 3.0) / 4.0).collect();
    let proven = prove_inference(&model, &input, Felt::from(0xabcu64 + log_rows as u64), &ProveOptions::default())?;
    Ok(proven.decoded.to_calldata())
}

#[tokio::test]
async fn verify_inference_accepts_larger_traces() -> Result<()> {
    // `CIRO_PV_PROVE_LOG_ROWS=12,16` proves synthetic models of those trace sizes (slow in a debug
    // build), checks that the contract accepts them and prints their gas. Unset: nothing to do.
    let Ok(list) = std::env::var("CIRO_PV_PROVE_LOG_ROWS") else { return Ok(()) };
    let chain = start_chain().await?;
    let verifier = chain.deploy(VERIFIER, vec![]).await?;
    for log_rows in list.split(',') {
        let log_rows: u32 = log_rows.trim().parse()?;
        let proof = synthetic_proof(log_rows)?;
        let receipt = chain.invoke(1, verifier, "verify_inference", verify_calldata(statement_of(&proof), &proof)).await?;
        assert_eq!(chain.call_results(&receipt).await?, vec![vec![Felt::ONE]], "2^{log_rows}");
        println!("2^{log_rows} proof ({} felts): {}", proof.len(), cost(&receipt)?);
        let mut tampered = proof.clone();
        let last = tampered.len() - 1;
        tampered[last] += Felt::ONE;
        let outcome = submit(&chain, verifier, statement_of(&tampered), &tampered).await?;
        assert_eq!(outcome, Outcome::Rejected, "2^{log_rows}, last sibling tampered");
    }
    Ok(())
}

/// A proof ProofVerifier must reject, for a cheating prover's proof of `model` on `input`:
/// the Rust verifier rejects it too.
async fn assert_cheat_rejected(
    chain: &TestChain,
    verifier: Felt,
    model: &ciro_prover::api::PreparedModel<ciro_prover::backend::cpu::CpuBackend>,
    input: &[f64],
    job_id: Felt,
    (what, layer, neuron, delta): (&str, usize, usize, i64),
) -> Result<()> {
    use ciro_prover::stark::SecurityPolicy;
    let cheat = ciro_prover::api::prove_with_wrong_activation(model, input, job_id, (layer, neuron, delta))?.decoded;
    anyhow::ensure!(cheat.verify(&SecurityPolicy::default()).is_err(), "{what}: the Rust verifier accepted it");
    let proof = cheat.to_calldata();
    let outcome = submit(chain, verifier, statement_of(&proof), &proof).await?;
    println!("{what}: {outcome:?}");
    anyhow::ensure!(outcome != Outcome::Accepted, "{what}: ProofVerifier accepted it");
    Ok(())
}

/// The example model `name` prepared, its input `input`, and a fresh chain whose ProofVerifier
/// has accepted the honest proof for `job_id` (its cost printed).
async fn example_accepted_on_chain(
    name: &str,
    input: &str,
    job_id: Felt,
) -> Result<(ciro_prover::api::PreparedModel<ciro_prover::backend::cpu::CpuBackend>, Vec<f64>, TestChain, Felt)> {
    use ciro_prover::api::{prove_inference, PreparedModel};
    use ciro_prover::model::input::InputFile;
    use ciro_prover::model::quantize::DEFAULT_SCALE_BITS;
    use ciro_prover::stark::{ProofParams, ProveOptions};
    let models = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("prover").join("examples").join("models");
    let model = PreparedModel::from_onnx_file(&models.join(name), DEFAULT_SCALE_BITS, ProofParams::default())?;
    let input = InputFile::read(&models.join(input))?.input;
    let honest = prove_inference(&model, &input, job_id, &ProveOptions::default())?.decoded.to_calldata();
    let chain = start_chain().await?;
    let verifier = chain.deploy(VERIFIER, vec![]).await?;
    let receipt = chain.invoke(1, verifier, "verify_inference", verify_calldata(statement_of(&honest), &honest)).await?;
    assert_eq!(chain.call_results(&receipt).await?, vec![vec![Felt::ONE]]);
    println!("{name} proof ({} felts): {}", honest.len(), cost(&receipt)?);
    Ok((model, input, chain, verifier))
}

/// The example CNN for 8×8 images (two convolutions, two max poolings, a dense layer): its
/// honest proof verifies on-chain, and a prover cheating on one hidden activation (a
/// convolution's output, a pooling maximum) is rejected by ProofVerifier as by the Rust verifier.
#[tokio::test]
async fn verify_inference_accepts_a_cnn_and_rejects_a_wrong_convolution_or_pooling() -> Result<()> {
    use ciro_prover::model::SparseOp;
    let job_id = Felt::from(0xc22u64);
    let (model, image, chain, verifier) = example_accepted_on_chain("digits_cnn.onnx", "digits_cnn_input_1.json", job_id).await?;
    let layer_of = |op: SparseOp| model.float.layers.iter().position(|l| l.connections.as_ref().is_some_and(|c| c.op == op));
    for (what, op) in [("a convolution's output", SparseOp::Convolution), ("a pooling maximum", SparseOp::MaxPoolSum)] {
        let layer = layer_of(op).context("the CNN has the layer")?;
        assert_cheat_rejected(&chain, verifier, &model, &image, job_id, (what, layer, 3, -1)).await?;
    }
    Ok(())
}

/// Residual connections need nothing new on-chain: the join reads both branches through the
/// same LogUp memory. ProofVerifier accepts the residual CNN's proof and rejects one whose
/// branch sum is off by one.
#[tokio::test]
async fn verify_inference_accepts_a_residual_cnn_and_rejects_a_wrong_branch_sum() -> Result<()> {
    use ciro_prover::model::SparseOp;
    let job_id = Felt::from(0x5e5u64);
    let (model, image, chain, verifier) = example_accepted_on_chain("residual_cnn.onnx", "residual_cnn_input_0.json", job_id).await?;
    let join = model.float.layers.iter().rposition(|l| l.connections.as_ref().is_some_and(|c| c.op == SparseOp::BranchSum)).context("the model joins branches")?;
    assert_cheat_rejected(&chain, verifier, &model, &image, job_id, ("a wrong branch sum", join, 2, 1)).await
}

/// The rest of the soundness table of issue #16, on-chain: a batch proof with two elements'
/// outputs swapped (the output commitment recomputed to match), and a sigmoid head whose
/// interpolated value is off by one, are rejected; the honest batch proof is accepted.
#[tokio::test]
async fn verify_inference_rejects_a_swapped_batch_element_and_a_wrong_sigmoid() -> Result<()> {
    use ciro_prover::api::{prove_inference, PreparedModel};
    use ciro_prover::backend::cpu::CpuBackend;
    use ciro_prover::model::input::InputFile;
    use ciro_prover::model::onnx::load_onnx;
    use ciro_prover::model::quantize::DEFAULT_SCALE_BITS;
    use ciro_prover::model::{lowering, Smooth};
    use ciro_prover::stark::{ProofParams, ProveOptions, SecurityPolicy};
    let models = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("prover").join("examples").join("models");
    let iris = load_onnx(&models.join("iris_mlp.onnx"))?;
    let inputs: Vec<Vec<f64>> = (0..3).map(|k| InputFile::read(&models.join(format!("iris_input_{k}.json"))).map(|f| f.input)).collect::<Result<_, _>>()?;
    let job_id = Felt::from(0xba7u64);
    let chain = start_chain().await?;
    let verifier = chain.deploy(VERIFIER, vec![]).await?;

    let batched = PreparedModel::<CpuBackend>::new(iris.batched(3), DEFAULT_SCALE_BITS, ProofParams::default())?;
    let honest = prove_inference(&batched, &inputs.concat(), job_id, &ProveOptions::default())?.decoded;
    let calldata = honest.to_calldata();
    assert_eq!(submit(&chain, verifier, statement_of(&calldata), &calldata).await?, Outcome::Accepted);
    let mut swapped = honest.clone();
    let width = iris.output_len();
    for k in 0..width {
        swapped.statement.outputs.swap(k, width + k);
    }
    anyhow::ensure!(swapped.statement.outputs != honest.statement.outputs, "the elements' outputs differ");
    swapped.output_commitment = swapped.statement.output_commitment();
    anyhow::ensure!(swapped.verify(&SecurityPolicy::default()).is_err(), "the Rust verifier accepted a swapped batch element");
    let proof = swapped.to_calldata();
    let outcome = submit(&chain, verifier, statement_of(&proof), &proof).await?;
    println!("a swapped batch element: {outcome:?}");
    anyhow::ensure!(outcome == Outcome::Rejected, "ProofVerifier: {outcome:?}");

    let mut layers = iris.layers.clone();
    layers.extend(lowering::smooth(width, Smooth::Sigmoid));
    let sigmoid = PreparedModel::<CpuBackend>::new(ciro_prover::model::FloatMlp { layers, weight_bits: None }, DEFAULT_SCALE_BITS, ProofParams::default())?;
    let head = sigmoid.float.layers.len() - 1;
    assert_cheat_rejected(&chain, verifier, &sigmoid, &inputs[0], job_id, ("a wrong sigmoid value", head, 1, 1)).await
}

#[tokio::test]
async fn verify_inference_rejects_another_job_and_another_output() -> Result<()> {
    let chain = start_chain().await?;
    let verifier = chain.deploy(VERIFIER, vec![]).await?;
    let golden = golden_calldata()?;
    let statement = statement_of(&golden);

    let mut other_job = statement;
    other_job[3] = statement[3] + Felt::ONE;
    assert_eq!(submit(&chain, verifier, other_job, &golden).await?, Outcome::Rejected);

    let mut other_output = statement;
    other_output[2] = hash_leaf(&[Felt::from(7u8), Felt::from(8u8), Felt::from(9u8), Felt::from(10u8)]);
    assert_eq!(submit(&chain, verifier, other_output, &golden).await?, Outcome::Rejected);

    let mut other_model = statement;
    other_model[0] += Felt::ONE;
    assert_eq!(submit(&chain, verifier, other_model, &golden).await?, Outcome::Rejected);

    let mut other_input = statement;
    other_input[1] += Felt::ONE;
    assert_eq!(submit(&chain, verifier, other_input, &golden).await?, Outcome::Rejected);

    // The real statement still verifies on the same contract afterwards.
    assert_eq!(submit(&chain, verifier, statement, &golden).await?, Outcome::Accepted);
    Ok(())
}

#[tokio::test]
async fn verify_inference_rejects_tampered_public_inputs() -> Result<()> {
    let golden = golden_calldata()?;
    let parts = Parts::of(&golden)?;
    let mut cases = Vec::new();
    for name in ["job_id", "model_commitment", "input_commitment", "output_commitment", "preprocessed_root"] {
        cases.push((name.to_owned(), bumped(&golden, parts.get(name).0)));
    }
    for name in ["input_reads", "total_neurons", "kind", "output_scale_bits"] {
        cases.push((name.to_owned(), bumped(&golden, parts.get(name).0)));
    }
    // Another output (or input) with its commitment recomputed: the statement is self-consistent,
    // only the AIR (LogUp sum) can reject it.
    for (values, commitment) in [("outputs", 3), ("packed_inputs", 2)] {
        let (start, len) = parts.get(values);
        for offset in [start, start + len - 1] {
            let mut proof = bumped(&golden, offset);
            proof[commitment] = hash_leaf(&proof[start..start + len]);
            cases.push((format!("{values}[{}] with its commitment", offset - start), proof));
        }
    }
    // Packings that are not canonical (PROOF_FORMAT.md §3.1), each with its commitment: the
    // position past the last input holds a chunk, a half reaches 2^123.
    let (start, len) = parts.get("packed_inputs");
    let last = start + len - 1;
    let two_128 = Felt::from(1u128 << 64) * Felt::from(1u128 << 64);
    for (name, delta) in [
        ("position past the last input", two_128 * Felt::from(1u128 << 82)),
        ("low half at 2^123", Felt::from(1u128 << 123)),
    ] {
        let mut proof = golden.clone();
        proof[last] += delta;
        proof[2] = hash_leaf(&proof[start..start + len]);
        cases.push((format!("packed inputs: {name} with its commitment"), proof));
    }
    let outcomes = assert_all_rejected(cases).await?;
    for (name, outcome) in &outcomes {
        if name.contains("with its commitment") {
            assert_eq!(*outcome, Outcome::Rejected, "{name}");
        }
    }
    Ok(())
}

#[tokio::test]
async fn verify_inference_rejects_tampered_commitments_and_ood_values() -> Result<()> {
    let golden = golden_calldata()?;
    let parts = Parts::of(&golden)?;
    let mut cases = Vec::new();
    for name in ["main_root", "interaction_root", "composition_root"] {
        cases.push((name.to_owned(), bumped(&golden, parts.get(name).0)));
    }
    let (fri_roots, n_fri) = parts.get("fri_roots");
    for k in 0..n_fri {
        cases.push((format!("fri_roots[{k}]"), bumped(&golden, fri_roots + k)));
    }
    let (ood, _) = parts.get("ood");
    // Weights, bias, address, multiplicities, keep, activations, accumulators, sign, limbs, range
    // multiplicity, interaction columns and the running sum at z, the composition values, and
    // weights, keep, activation, the accumulators and the running sum at z·g.
    for k in [0, 15, 16, 17, 18, 19, 20, 24, 25, 26, 33, 34, 35, 39, 40, 41, 43, 45, 46, 47, 48, 68, 72, 74, 81, 93] {
        cases.push((format!("ood[{k}]"), bumped(&golden, ood + k)));
    }
    for outcome in assert_all_rejected(cases).await? {
        assert_eq!(outcome.1, Outcome::Rejected, "{}", outcome.0);
    }
    Ok(())
}

#[tokio::test]
async fn verify_inference_rejects_tampered_trace_decommitments() -> Result<()> {
    let golden = golden_calldata()?;
    let parts = Parts::of(&golden)?;
    let mut cases = Vec::new();
    for tree in ["preprocessed", "main", "interaction", "composition"] {
        for part in ["values", "siblings"] {
            let name = format!("{tree}_{part}");
            for (end, offset) in parts.ends(&name).into_iter().enumerate() {
                cases.push((format!("{name}[{}]", ["first", "last"][end]), bumped(&golden, offset)));
            }
        }
    }
    for outcome in assert_all_rejected(cases).await? {
        assert_eq!(outcome.1, Outcome::Rejected, "{}", outcome.0);
    }
    Ok(())
}

#[tokio::test]
async fn verify_inference_rejects_tampered_fri_layers_last_layer_and_nonce() -> Result<()> {
    let golden = golden_calldata()?;
    let parts = Parts::of(&golden)?;
    let mut cases = Vec::new();
    let n_fri = parts.get("fri_roots").1;
    for k in 0..n_fri {
        for part in ["values", "siblings"] {
            let name = format!("fri{k}_{part}");
            for (end, offset) in parts.ends(&name).into_iter().enumerate() {
                cases.push((format!("{name}[{}]", ["first", "last"][end]), bumped(&golden, offset)));
            }
        }
    }
    for (end, offset) in parts.ends("last_layer").into_iter().enumerate() {
        cases.push((format!("last_layer[{}]", ["first", "last"][end]), bumped(&golden, offset)));
    }
    cases.push(("pow_nonce + 1".into(), bumped(&golden, parts.get("pow_nonce").0)));
    cases.push(("pow_nonce 0".into(), with(&golden, parts.get("pow_nonce").0, 0)));
    for outcome in assert_all_rejected(cases).await? {
        assert_eq!(outcome.1, Outcome::Rejected, "{}", outcome.0);
    }
    Ok(())
}

#[tokio::test]
async fn verify_inference_rejects_weak_or_unsupported_parameters() -> Result<()> {
    let golden = golden_calldata()?;
    let parts = Parts::of(&golden)?;
    let at = |name: &str| parts.get(name).0;
    let expected_reverts = [
        ("log_blowup 7", with(&golden, at("log_blowup"), 7), errors::proof_verifier::BAD_LOG_BLOWUP),
        ("log_blowup 1", with(&golden, at("log_blowup"), 1), errors::proof_verifier::BAD_LOG_BLOWUP),
        // 17 queries at blowup 16 give 68 bits: too few from the queries, whatever the grinding.
        ("log_blowup 4", with(&golden, at("log_blowup"), 4), errors::proof_verifier::TOO_FEW_QUERIES),
        ("log_fold 2", with(&golden, at("log_fold"), 2), errors::proof_verifier::BAD_LOG_FOLD),
        ("n_queries 15", with(&golden, at("n_queries"), 15), errors::proof_verifier::TOO_FEW_QUERIES),
        ("n_queries 129", with(&golden, at("n_queries"), 129), errors::proof_verifier::TOO_MANY_QUERIES),
        ("n_queries 16", with(&golden, at("n_queries"), 16), errors::proof_verifier::BELOW_SECURITY_BITS),
        ("grinding_bits 14", with(&golden, at("grinding_bits"), 14), errors::proof_verifier::BELOW_SECURITY_BITS),
        ("grinding_bits 65", with(&golden, at("grinding_bits"), 65), errors::proof_verifier::TOO_MANY_GRINDING_BITS),
        ("log_trace_rows 7", with(&golden, at("log_trace_rows"), 7), errors::proof_verifier::BAD_LOG_TRACE_ROWS),
        ("log_trace_rows 23", with(&golden, at("log_trace_rows"), 23), errors::proof_verifier::DOMAIN_TOO_LARGE),
        ("scale_bits 12", with(&golden, at("scale_bits"), 12), errors::proof_verifier::BAD_SCALE_BITS),
        ("output_scale_bits 17", with(&golden, at("output_scale_bits"), 17), errors::proof_verifier::BAD_OUTPUT_SCALE_BITS),
    ];
    let mut cases: Vec<(String, Vec<Felt>)> =
        expected_reverts.iter().map(|(name, proof, _)| (name.to_string(), proof.clone())).collect();
    // Stronger parameters than the proof was made with: the transcript differs.
    cases.push(("n_queries 18".into(), with(&golden, at("n_queries"), 18)));
    cases.push(("grinding_bits 21".into(), with(&golden, at("grinding_bits"), 21)));
    cases.push(("log_blowup 6".into(), with(&golden, at("log_blowup"), 6)));
    cases.push(("output_scale_bits 15".into(), with(&golden, at("output_scale_bits"), 15)));
    cases.push(("log_trace_rows 11".into(), with(&golden, at("log_trace_rows"), 11)));
    cases.push(("scale_bits 8".into(), with(&golden, at("scale_bits"), 8)));
    let outcomes = assert_all_rejected(cases).await?;
    for ((name, _, message), (_, outcome)) in expected_reverts.iter().zip(&outcomes) {
        assert!(reverted_with(outcome, message), "{name}: expected {message:?}, got {outcome:?}");
    }
    Ok(())
}

#[tokio::test]
async fn verify_inference_reverts_on_malformed_calldata() -> Result<()> {
    let golden = golden_calldata()?;
    let parts = Parts::of(&golden)?;
    let mut trailing = golden.clone();
    trailing.push(Felt::ZERO);
    let mut truncated = golden.clone();
    truncated.pop();
    let ood_prefix = parts.get("ood").0 - 1;
    let mut big_nonce = golden.clone();
    big_nonce[parts.get("pow_nonce").0] = Felt::from(u64::MAX) + Felt::ONE;
    let cases = [
        ("trailing felt", trailing, errors::proof_verifier::TRAILING_FELTS),
        ("truncated", truncated, errors::proof_verifier::CALLDATA_TOO_SHORT),
        ("ood length 93", with(&golden, ood_prefix, 93), errors::proof_verifier::BAD_OOD_LENGTH),
        ("pow nonce 2^64", big_nonce, errors::proof_verifier::POW_NONCE_NOT_U64),
        ("n_inputs not small", with_felt(&golden, parts.get("n_inputs").0, Felt::from(1u128 << 40)), errors::proof_verifier::VALUE_NOT_SMALL),
        ("empty", Vec::new(), errors::proof_verifier::CALLDATA_TOO_SHORT),
    ];
    let outcomes = assert_all_rejected(cases.iter().map(|(n, p, _)| (n.to_string(), p.clone())).collect()).await?;
    for ((name, _, message), (_, outcome)) in cases.iter().zip(&outcomes) {
        assert!(reverted_with(outcome, message), "{name}: expected {message:?}, got {outcome:?}");
    }
    Ok(())
}

fn with_felt(golden: &[Felt], offset: usize, value: Felt) -> Vec<Felt> {
    let mut proof = golden.to_vec();
    proof[offset] = value;
    proof
}
