//! Flow: a job settled with a real STARK proof, checked on-chain by ProofVerifier.
//!
//! Steps: deploy the system and make the real ProofVerifier JobManager's verifier → register the
//! iris MLP's commitment → the client submits a job committing to its input → the keeper assigns
//! it → the worker runs the model and proves the inference for that job id → a tampered copy of
//! the proof reverts with 'JM: invalid proof' and moves nothing → the genuine proof completes the
//! job (the verifier records the fact) → the payment is released to the worker.

use ciro_bindings::errors;
use std::path::Path;

use cainome::cairo_serde::ContractAddress;
use ciro_bindings::job_manager::JobState;
use ciro_prover::api::{prove_inference, PreparedModel};
use ciro_prover::backend::cpu::CpuBackend;
use ciro_prover::model::quantize::DEFAULT_SCALE_BITS;
use ciro_prover::stark::{ProofParams, ProveOptions};
use ciro_tests::system::{actor, to_u128, System, CAP_CUDA, CIRO};
use ciro_tests::{events_named, expect_revert};
use starknet::core::types::Felt;

#[tokio::test]
async fn a_job_is_paid_only_for_a_proof_the_chain_verifies() -> anyhow::Result<()> {
    let system = System::deploy().await?;
    let verifier = system.chain.deploy("ProofVerifier", vec![]).await?;
    system
        .send(actor::GOVERNANCE, system.job_manager().set_proof_verifier_getcall(&ContractAddress(verifier)))
        .await?;
    system.add_worker(actor::WORKERS[0], CAP_CUDA, 24, 1_000 * CIRO).await?;
    system.fund(actor::CLIENT, 1_000 * CIRO).await?;

    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../prover/examples/models");
    let model = PreparedModel::<CpuBackend>::from_onnx_file(&models.join("iris_mlp.onnx"), DEFAULT_SCALE_BITS, ProofParams::default())?;
    let input = [5.1, 3.5, 1.4, 0.2];
    let model_id = system.register_layout(actor::CLIENT, &ciro_inference::models::onchain_layout(&model.layout)).await?;

    // The input commitment depends only on the input, so any job id gives the same one.
    let preview = prove_inference(&model, &input, Felt::ZERO, &ProveOptions::default())?;
    let mut spec = system.inference_spec(model_id, system.now().await? + 3_600);
    spec.input_commitment = preview.decoded.input_commitment;
    let job_id = system.submit_job(actor::CLIENT, &spec, 50 * CIRO).await?;
    system.send(actor::KEEPER, system.job_manager().assign_job_getcall(&job_id)).await?;

    let proven = prove_inference(&model, &input, Felt::from(job_id), &ProveOptions::default())?;
    let output_commitment = proven.decoded.output_commitment;
    let proof = proven.decoded.to_calldata();
    let mut tampered = proof.clone();
    let last = tampered.len() - 1;
    tampered[last] += Felt::ONE;

    let client_before = system.balance(system.address(actor::CLIENT)?).await?;
    let with_tampered = system.job_manager().complete_job_getcall(&job_id, &output_commitment, &tampered);
    expect_revert(system.send(actor::WORKERS[0], with_tampered).await, errors::job_manager::INVALID_PROOF);
    assert_eq!(system.job(job_id).await?.state, JobState::Assigned, "a rejected proof changes nothing");
    assert_eq!(system.balance(system.address(actor::CLIENT)?).await?, client_before);

    // The preview proof is valid but for job 0: replaying it for this job is rejected too.
    let replayed = system.job_manager().complete_job_getcall(&job_id, &output_commitment, &preview.decoded.to_calldata());
    expect_revert(system.send(actor::WORKERS[0], replayed).await, errors::job_manager::INVALID_PROOF);

    let complete = system.job_manager().complete_job_getcall(&job_id, &output_commitment, &proof);
    let receipt = system.send(actor::WORKERS[0], complete).await?;
    assert_eq!(events_named(&receipt, verifier, "InferenceVerified").len(), 1, "the verifier recorded the fact");
    let job = system.job(job_id).await?;
    assert_eq!((job.state, job.output_commitment), (JobState::Completed, output_commitment));

    system.send(actor::KEEPER, system.job_manager().release_payment_getcall(&job_id)).await?;
    let worker = ContractAddress(system.address(actor::WORKERS[0])?);
    let credited = to_u128(system.pool_reader().pending_rewards(&worker).call().await?)?;
    assert!(credited > 45 * CIRO, "the worker's share (95% + bonus) is credited: {credited}");
    system.check_invariants().await
}
