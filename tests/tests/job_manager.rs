//! JobManager on devnet with the real token and pool and the test verifier: every entry point's
//! happy path, access control and invalid inputs with their exact messages, and exact payment
//! arithmetic. Each test checks the money invariants at its end.

use ciro_bindings::errors;
use cainome::cairo_serde::ContractAddress;
use ciro_bindings::job_manager::{JobState, JobType};
use ciro_bindings::job_manager::ModelKind;
use ciro_bindings::job_manager::ModelLayout;
use ciro_tests::system::{actor, test_layout, to_u128, u256, System, CAP_CUDA, CAP_TENSOR_CORES, CIRO};
use ciro_tests::{decoded_events, events_named, expect_revert};
use starknet::core::types::Felt;

const STAKE: u128 = 1_000 * CIRO;
const PAYMENT: u128 = 100 * CIRO;
/// The test model's preprocessed root ([`test_layout`]).
const MODEL_SEED: u64 = 0x4d4c50;
const HOUR: u64 = 3600;

/// The commitment JobManager computes for `layout` (as the prover does).
pub fn layout_commitment(layout: &ModelLayout) -> Felt {
    ciro_prover::air::mlp::ModelLayout {
        log_trace_rows: layout.log_trace_rows,
        scale_bits: layout.scale_bits,
        output_scale_bits: layout.output_scale_bits,
        n_inputs: layout.n_inputs.into(),
        n_outputs: layout.n_outputs.into(),
        input_reads: layout.input_reads.into(),
        total_neurons: layout.total_neurons.into(),
        kind: if layout.kind == ModelKind::CNN { ciro_prover::air::mlp::ModelKind::Cnn } else { ciro_prover::air::mlp::ModelKind::Mlp },
        preprocessed_root: layout.preprocessed_root,
    }
    .commitment()
}

/// A system with one CUDA worker, a funded client and a registered model; returns the model id.
async fn ready_system() -> anyhow::Result<(System, u64)> {
    let system = System::deploy().await?;
    system.add_worker(actor::WORKERS[0], CAP_CUDA, 24, STAKE).await?;
    system.fund(actor::CLIENT, 1_000 * CIRO).await?;
    let model = system.register_model(actor::CLIENT, Felt::from(MODEL_SEED)).await?;
    Ok((system, model))
}

async fn submitted_job(system: &System, model: u64) -> anyhow::Result<u64> {
    let deadline = system.now().await? + HOUR;
    Ok(system.submit_job(actor::CLIENT, &system.inference_spec(model, deadline), PAYMENT).await?)
}

async fn assigned_job(system: &System, model: u64) -> anyhow::Result<u64> {
    let job_id = submitted_job(system, model).await?;
    system.send(actor::KEEPER, system.job_manager().assign_job_getcall(&job_id)).await?;
    Ok(job_id)
}

async fn completed_job(system: &System, model: u64) -> anyhow::Result<u64> {
    let job_id = assigned_job(system, model).await?;
    let complete = system.job_manager().complete_job_getcall(&job_id, &Felt::from(77u8), &vec![Felt::ONE, Felt::TWO]);
    system.send(actor::WORKERS[0], complete).await?;
    Ok(job_id)
}

#[tokio::test]
async fn register_model_numbers_models_and_emits_event() -> anyhow::Result<()> {
    let system = System::deploy().await?;
    let first = system.register_model(actor::CLIENT, Felt::from(11u8)).await?;
    let second = system.register_model(actor::OTHER_CLIENT, Felt::from(22u8)).await?;
    assert_eq!((first, second), (1, 2));
    let model = system.job_reader().get_model(&2).call().await?;
    assert_eq!(model.owner, ContractAddress(system.address(actor::OTHER_CLIENT)?));
    // The commitment is computed from the layout, as the prover computes it.
    assert_eq!(model.commitment, layout_commitment(&test_layout(Felt::from(22u8), ModelKind::MLP)));
    assert_eq!(model.kind, ModelKind::MLP);
    assert_eq!(model.labels, Felt::ZERO, "a model registered without labels records 0");
    let labels = Felt::from(0x1abe1u64);
    let cnn = test_layout(Felt::from(33u8), ModelKind::CNN);
    let receipt = system
        .send(actor::CLIENT, system.job_manager().register_model_getcall(&cnn, &ciro_bindings::job_manager::Framework::PyTorch, &labels))
        .await?;
    match decoded_events::<ciro_bindings::job_manager::Event>(&receipt, system.job_manager, "ModelRegistered")?.as_slice() {
        [ciro_bindings::job_manager::Event::ModelRegistered(e)] => {
            assert_eq!((e.model_id, e.commitment, e.kind.clone(), e.labels), (3, layout_commitment(&cnn), ModelKind::CNN, labels));
        }
        other => panic!("expected one ModelRegistered event, got {other:?}"),
    }
    let third = system.job_reader().get_model(&3).call().await?;
    assert_eq!((third.labels, third.kind), (labels, ModelKind::CNN));
    // The kind is part of the commitment: the same shape as an MLP commits to another value.
    assert_ne!(layout_commitment(&cnn), layout_commitment(&test_layout(Felt::from(33u8), ModelKind::MLP)));
    Ok(())
}

/// A job type is accepted when the model's proof covers it: `ComputerVision` needs a CNN,
/// `AIInference`, `TimeSeriesAnalysis`, `AudioProcessing` and `SpecializedAI` take any model, the
/// others are refused.
#[tokio::test]
async fn job_types_follow_what_the_model_proves() -> anyhow::Result<()> {
    let (system, mlp) = ready_system().await?;
    let cnn = system.register_layout(actor::CLIENT, &test_layout(Felt::from(0xc22u64), ModelKind::CNN)).await?;
    let deadline = system.now().await? + HOUR;
    let spec = |model: u64, job_type: JobType| ciro_bindings::job_manager::JobSpec { job_type, ..system.inference_spec(model, deadline) };
    for job_type in [JobType::AIInference, JobType::TimeSeriesAnalysis, JobType::AudioProcessing, JobType::SpecializedAI] {
        system.submit_job(actor::CLIENT, &spec(mlp, job_type.clone()), PAYMENT).await?;
        system.submit_job(actor::CLIENT, &spec(cnn, job_type), PAYMENT).await?;
    }
    system.submit_job(actor::CLIENT, &spec(cnn, JobType::ComputerVision), PAYMENT).await?;
    expect_revert(system.submit_job(actor::CLIENT, &spec(mlp, JobType::ComputerVision), PAYMENT).await, errors::job_manager::JOB_TYPE_NEEDS_CNN);
    for job_type in [JobType::AITraining, JobType::NLP, JobType::MultimodalAI, JobType::ReinforcementLearning, JobType::ProofGeneration, JobType::ProofVerification, JobType::DataProcessing, JobType::Custom] {
        expect_revert(system.submit_job(actor::CLIENT, &spec(cnn, job_type), PAYMENT).await, errors::job_manager::UNSUPPORTED_JOB_TYPE);
    }
    assert_eq!(system.job(9).await?.job_type, JobType::ComputerVision);
    system.check_invariants().await
}

#[tokio::test]
async fn register_model_rejects_zero_commitment() -> anyhow::Result<()> {
    let system = System::deploy().await?;
    let call = system.job_manager().register_model_getcall(&test_layout(Felt::ZERO, ModelKind::MLP), &ciro_bindings::job_manager::Framework::ONNX, &Felt::ZERO);
    expect_revert(system.send(actor::CLIENT, call).await, errors::job_manager::COMMITMENT_IS_ZERO);
    expect_revert(system.job_reader().get_model(&1).call().await.map_err(|e| ciro_deploy::TxError::Rejected { reason: format!("{e:?}") }), errors::job_manager::MODEL_NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn submit_ai_job_pulls_payment_into_escrow() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    let client = system.address(actor::CLIENT)?;
    let before = system.balance(client).await?;
    let deadline = system.now().await? + HOUR;

    let job_id = system.submit_job(actor::CLIENT, &system.inference_spec(model, deadline), PAYMENT).await?;

    assert_eq!(job_id, 1);
    assert_eq!(system.balance(client).await?, before - PAYMENT);
    assert_eq!(system.balance(system.job_manager).await?, PAYMENT);
    assert_eq!(to_u128(system.job_reader().escrowed_total().call().await?)?, PAYMENT);
    let job = system.job(job_id).await?;
    assert_eq!(job.state, JobState::Pending);
    assert_eq!(job.client, ContractAddress(client));
    assert_eq!(job.deadline, deadline);
    assert_eq!(to_u128(job.payment)?, PAYMENT);
    system.check_invariants().await
}

#[tokio::test]
async fn submit_ai_job_rejects_invalid_specs_and_moves_nothing() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    let client = system.address(actor::CLIENT)?;
    let before = system.balance(client).await?;
    let now = system.now().await?;
    let valid = system.inference_spec(model, now + HOUR);

    let mut training = valid.clone();
    training.job_type = JobType::AITraining;
    expect_revert(system.submit_job(actor::CLIENT, &training, PAYMENT).await, errors::job_manager::UNSUPPORTED_JOB_TYPE);
    let mut unknown_model = valid.clone();
    unknown_model.model_id = 99;
    expect_revert(system.submit_job(actor::CLIENT, &unknown_model, PAYMENT).await, errors::job_manager::MODEL_NOT_FOUND);
    let mut no_input = valid.clone();
    no_input.input_commitment = Felt::ZERO;
    expect_revert(system.submit_job(actor::CLIENT, &no_input, PAYMENT).await, errors::job_manager::COMMITMENT_IS_ZERO);
    let mut past = valid.clone();
    past.deadline = now;
    expect_revert(system.submit_job(actor::CLIENT, &past, PAYMENT).await, errors::job_manager::DEADLINE_PASSED);
    let mut tier = valid.clone();
    tier.min_tier = 9;
    expect_revert(system.submit_job(actor::CLIENT, &tier, PAYMENT).await, errors::job_manager::INVALID_TIER);
    expect_revert(system.submit_job(actor::CLIENT, &valid, 0).await, errors::job_manager::PAYMENT_IS_ZERO);

    assert_eq!(system.balance(client).await?, before, "a rejected submission moves nothing");
    assert_eq!(system.job_reader().job_count().call().await?, 0);
    system.check_invariants().await
}

#[tokio::test]
async fn submit_ai_job_without_allowance_reverts() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    let spec = system.inference_spec(model, system.now().await? + HOUR);
    let submit = system.job_manager().submit_ai_job_getcall(&spec, &u256(PAYMENT));
    expect_revert(system.send(actor::CLIENT, submit).await, errors::token::INSUFFICIENT_ALLOWANCE);
    assert_eq!(system.job_reader().job_count().call().await?, 0);
    system.check_invariants().await
}

#[tokio::test]
async fn cancel_job_refunds_a_pending_job_in_full() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    let client = system.address(actor::CLIENT)?;
    let before = system.balance(client).await?;
    let job_id = submitted_job(&system, model).await?;

    expect_revert(system.send(actor::OTHER_CLIENT, system.job_manager().cancel_job_getcall(&job_id)).await, errors::job_manager::CALLER_NOT_CLIENT);
    let receipt = system.send(actor::CLIENT, system.job_manager().cancel_job_getcall(&job_id)).await?;

    assert_eq!(events_named(&receipt, system.job_manager, "JobCancelled").len(), 1);
    assert_eq!(system.job(job_id).await?.state, JobState::Cancelled);
    assert_eq!(system.balance(client).await?, before);
    expect_revert(system.send(actor::CLIENT, system.job_manager().cancel_job_getcall(&job_id)).await, errors::job_manager::JOB_NOT_PENDING);
    expect_revert(system.send(actor::CLIENT, system.job_manager().cancel_job_getcall(&42)).await, errors::job_manager::JOB_NOT_FOUND);
    system.check_invariants().await
}

#[tokio::test]
async fn assign_job_picks_an_eligible_worker() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    // A second worker without CUDA is never eligible for a CUDA job.
    system.add_worker(actor::WORKERS[1], CAP_TENSOR_CORES, 80, 10 * STAKE).await?;
    let job_id = submitted_job(&system, model).await?;

    let receipt = system.send(actor::KEEPER, system.job_manager().assign_job_getcall(&job_id)).await?;

    let job = system.job(job_id).await?;
    assert_eq!(job.state, JobState::Assigned);
    assert_eq!(job.worker, ContractAddress(system.address(actor::WORKERS[0])?));
    assert_eq!(events_named(&receipt, system.job_manager, "JobAssigned").len(), 1);
    assert_eq!(system.worker(actor::WORKERS[0]).await?.active_jobs, 1);
    expect_revert(system.send(actor::KEEPER, system.job_manager().assign_job_getcall(&job_id)).await, errors::job_manager::JOB_NOT_PENDING);
    system.check_invariants().await
}

#[tokio::test]
async fn assign_job_reverts_without_an_eligible_worker() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    let mut spec = system.inference_spec(model, system.now().await? + HOUR);
    spec.min_gpu_memory_gb = 80;
    let job_id = system.submit_job(actor::CLIENT, &spec, PAYMENT).await?;
    expect_revert(system.send(actor::KEEPER, system.job_manager().assign_job_getcall(&job_id)).await, errors::cdc_pool::NO_ELIGIBLE_WORKER);
    assert_eq!(system.job(job_id).await?.state, JobState::Pending, "the job stays assignable");
    system.check_invariants().await
}

#[tokio::test]
async fn complete_job_checks_the_statement_through_the_verifier() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    let job_id = assigned_job(&system, model).await?;
    let complete = |caller_output: u8| {
        system.job_manager().complete_job_getcall(&job_id, &Felt::from(caller_output), &vec![Felt::from(5u8); 3])
    };

    expect_revert(system.send(actor::WORKERS[1], complete(77)).await, errors::job_manager::CALLER_NOT_WORKER);
    expect_revert(system.send(actor::WORKERS[0], complete(0)).await, errors::job_manager::COMMITMENT_IS_ZERO);
    let receipt = system.send(actor::WORKERS[0], complete(77)).await?;

    let job = system.job(job_id).await?;
    assert_eq!(job.state, JobState::Completed);
    assert_eq!(job.output_commitment, Felt::from(77u8));
    assert_eq!(events_named(&receipt, system.job_manager, "JobCompleted").len(), 1);
    // The verifier saw exactly (model commitment, input commitment, output commitment, job id).
    let seen = system.chain.call(system.verifier, "last_statement", vec![]).await?;
    let model_commitment = layout_commitment(&test_layout(Felt::from(MODEL_SEED), ModelKind::MLP));
    assert_eq!(seen, vec![model_commitment, Felt::from(0x1a2b3cu64), Felt::from(77u8), Felt::from(job_id)]);
    assert_eq!(system.chain.call(system.verifier, "last_proof_len", vec![]).await?, vec![Felt::THREE]);
    let worker = system.worker(actor::WORKERS[0]).await?;
    assert_eq!((worker.active_jobs, worker.jobs_completed, worker.reputation), (0, 1, 510));
    expect_revert(system.send(actor::WORKERS[0], complete(77)).await, errors::job_manager::JOB_NOT_ASSIGNED);
    system.check_invariants().await
}

#[tokio::test]
async fn complete_job_rejects_a_proof_that_does_not_verify() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    let job_id = assigned_job(&system, model).await?;
    system.set_proof_answer(false).await?;
    let complete = system.job_manager().complete_job_getcall(&job_id, &Felt::from(77u8), &vec![Felt::ONE]);
    expect_revert(system.send(actor::WORKERS[0], complete).await, errors::job_manager::INVALID_PROOF);
    let job = system.job(job_id).await?;
    assert_eq!(job.state, JobState::Assigned, "nothing changed");
    assert_eq!(job.output_commitment, Felt::ZERO);
    system.check_invariants().await
}

#[tokio::test]
async fn complete_job_after_the_deadline_is_rejected() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    let job_id = assigned_job(&system, model).await?;
    system.chain.advance_time(HOUR + 1).await?;
    let complete = system.job_manager().complete_job_getcall(&job_id, &Felt::from(77u8), &vec![Felt::ONE]);
    expect_revert(system.send(actor::WORKERS[0], complete).await, errors::job_manager::DEADLINE_PASSED);
    system.check_invariants().await
}

#[tokio::test]
async fn release_payment_splits_fee_burn_bonus_and_worker_share_exactly() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    let job_id = completed_job(&system, model).await?;
    let treasury = system.address(actor::TREASURY)?;
    let treasury_before = system.balance(treasury).await?;
    let supply_before = to_u128(system.token_reader().total_supply().call().await?)?;

    let receipt = system.send(actor::KEEPER, system.job_manager().release_payment_getcall(&job_id)).await?;

    // fee = ceil(100 CIRO · 5%) = 5 CIRO; burned = 30% = 1.5 CIRO; the treasury's part is 3.5 CIRO,
    // of which the worker (reputation 510) gets (510 − 500) / 5000 = 0.2%: 0.007 CIRO.
    let fee = 5 * CIRO;
    let burned = 15 * CIRO / 10;
    let bonus = (fee - burned) * 10 / 5000;
    let worker_amount = PAYMENT - fee + bonus;
    assert_eq!(system.balance(treasury).await?, treasury_before + fee - burned - bonus);
    assert_eq!(to_u128(system.token_reader().total_supply().call().await?)?, supply_before - burned);
    let worker = ContractAddress(system.address(actor::WORKERS[0])?);
    assert_eq!(to_u128(system.pool_reader().pending_rewards(&worker).call().await?)?, worker_amount);
    let released = events_named(&receipt, system.job_manager, "PaymentReleased");
    assert_eq!(released.len(), 1);
    assert!(system.job(job_id).await?.settled);
    expect_revert(system.send(actor::KEEPER, system.job_manager().release_payment_getcall(&job_id)).await, errors::job_manager::PAYMENT_ALREADY_RELEASED);

    // The worker claims exactly its credited amount.
    let worker_before = system.balance(worker.0).await?;
    system.send(actor::WORKERS[0], system.pool().claim_rewards_getcall()).await?;
    assert_eq!(system.balance(worker.0).await?, worker_before + worker_amount);
    system.check_invariants().await
}

#[tokio::test]
async fn release_payment_rounds_the_fee_up() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    let deadline = system.now().await? + HOUR;
    // 19 base units: 5% is 0.95, rounded up to 1 unit of fee, of which 30% (0.3) burns nothing.
    let job_id = system.submit_job(actor::CLIENT, &system.inference_spec(model, deadline), 19).await?;
    system.send(actor::KEEPER, system.job_manager().assign_job_getcall(&job_id)).await?;
    system.send(actor::WORKERS[0], system.job_manager().complete_job_getcall(&job_id, &Felt::from(9u8), &vec![])).await?;
    let treasury_before = system.balance(system.address(actor::TREASURY)?).await?;
    system.send(actor::KEEPER, system.job_manager().release_payment_getcall(&job_id)).await?;
    assert_eq!(system.balance(system.address(actor::TREASURY)?).await?, treasury_before + 1);
    let worker = ContractAddress(system.address(actor::WORKERS[0])?);
    assert_eq!(to_u128(system.pool_reader().pending_rewards(&worker).call().await?)?, 18);
    system.check_invariants().await
}

#[tokio::test]
async fn release_payment_requires_a_completed_job() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    let job_id = assigned_job(&system, model).await?;
    expect_revert(system.send(actor::KEEPER, system.job_manager().release_payment_getcall(&job_id)).await, errors::job_manager::JOB_NOT_COMPLETED);
    system.check_invariants().await
}

#[tokio::test]
async fn timeout_job_requeues_once_then_times_out_with_a_refund() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    system.add_worker(actor::WORKERS[1], CAP_CUDA, 24, STAKE).await?;
    let client = system.address(actor::CLIENT)?;
    let client_before = system.balance(client).await?;
    let job_id = assigned_job(&system, model).await?;
    let first_worker = system.job(job_id).await?.worker;

    expect_revert(system.send(actor::KEEPER, system.job_manager().timeout_job_getcall(&job_id)).await, errors::job_manager::DEADLINE_NOT_PASSED);
    system.chain.advance_time(HOUR + 1).await?;
    let receipt = system.send(actor::KEEPER, system.job_manager().timeout_job_getcall(&job_id)).await?;

    assert_eq!(events_named(&receipt, system.job_manager, "JobRequeued").len(), 1);
    let job = system.job(job_id).await?;
    assert_eq!((job.state, job.reassignments, job.worker), (JobState::Pending, 1, ContractAddress(Felt::ZERO)));
    assert!(job.deadline > system.now().await?, "a fresh window");
    let slashed_worker = system.pool_reader().get_worker(&first_worker).call().await?;
    assert_eq!(to_u128(slashed_worker.stake)?, STAKE - STAKE / 10, "10% unavailability slash");
    assert_eq!(slashed_worker.active_jobs, 0);

    system.send(actor::KEEPER, system.job_manager().assign_job_getcall(&job_id)).await?;
    system.chain.advance_time(2 * HOUR).await?;
    let receipt = system.send(actor::KEEPER, system.job_manager().timeout_job_getcall(&job_id)).await?;

    assert_eq!(events_named(&receipt, system.job_manager, "JobTimedOut").len(), 1);
    let job = system.job(job_id).await?;
    assert_eq!(job.state, JobState::TimedOut);
    assert!(job.settled);
    assert_eq!(system.balance(client).await?, client_before, "refunded in full");
    expect_revert(system.send(actor::KEEPER, system.job_manager().timeout_job_getcall(&job_id)).await, errors::job_manager::JOB_NOT_ACTIVE);
    system.check_invariants().await
}

#[tokio::test]
async fn timeout_job_refunds_a_pending_job_past_its_deadline() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    let client = system.address(actor::CLIENT)?;
    let before = system.balance(client).await?;
    let job_id = submitted_job(&system, model).await?;
    system.chain.advance_time(HOUR + 1).await?;
    expect_revert(system.send(actor::KEEPER, system.job_manager().assign_job_getcall(&job_id)).await, errors::job_manager::DEADLINE_PASSED);
    system.send(actor::KEEPER, system.job_manager().timeout_job_getcall(&job_id)).await?;
    assert_eq!(system.job(job_id).await?.state, JobState::TimedOut);
    assert_eq!(system.balance(client).await?, before);
    system.check_invariants().await
}

#[tokio::test]
async fn abandon_job_refunds_and_frees_the_worker_without_slashing() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    let client = system.address(actor::CLIENT)?;
    let before = system.balance(client).await?;
    let job_id = assigned_job(&system, model).await?;

    expect_revert(system.send(actor::WORKERS[1], system.job_manager().abandon_job_getcall(&job_id)).await, errors::job_manager::CALLER_NOT_WORKER);
    system.send(actor::WORKERS[0], system.job_manager().abandon_job_getcall(&job_id)).await?;

    assert_eq!(system.job(job_id).await?.state, JobState::Failed);
    assert_eq!(system.balance(client).await?, before);
    let worker = system.worker(actor::WORKERS[0]).await?;
    assert_eq!((worker.active_jobs, to_u128(worker.stake)?), (0, STAKE));
    system.check_invariants().await
}

#[tokio::test]
async fn admin_setters_are_governance_only_and_bounded() -> anyhow::Result<()> {
    let system = System::deploy().await?;
    let jm = system.job_manager();
    expect_revert(system.send(actor::CLIENT, jm.set_platform_fee_bps_getcall(&100)).await, errors::access::CALLER_NOT_GOVERNANCE);
    expect_revert(system.send(actor::GOVERNANCE, jm.set_platform_fee_bps_getcall(&2001)).await, errors::job_manager::FEE_TOO_HIGH);
    expect_revert(system.send(actor::GOVERNANCE, jm.set_burn_share_bps_getcall(&10_001)).await, errors::job_manager::BURN_SHARE_TOO_HIGH);
    expect_revert(system.send(actor::GOVERNANCE, jm.set_treasury_getcall(&ContractAddress(Felt::ZERO))).await, errors::job_manager::ADDRESS_IS_ZERO);
    expect_revert(system.send(actor::GOVERNANCE, jm.set_proof_verifier_getcall(&ContractAddress(Felt::ZERO))).await, errors::job_manager::ADDRESS_IS_ZERO);
    expect_revert(system.send(actor::CLIENT, jm.set_proof_verifier_getcall(&ContractAddress(Felt::ONE))).await, errors::access::CALLER_NOT_GOVERNANCE);

    system.send(actor::GOVERNANCE, jm.set_platform_fee_bps_getcall(&2000)).await?;
    system.send(actor::GOVERNANCE, jm.set_burn_share_bps_getcall(&10_000)).await?;
    assert_eq!(system.job_reader().fee_parameters().call().await?, (2000, 10_000));
    let new_treasury = system.address(actor::OTHER_CLIENT)?;
    system.send(actor::GOVERNANCE, jm.set_treasury_getcall(&ContractAddress(new_treasury))).await?;
    assert_eq!(system.job_reader().addresses().call().await?.3, ContractAddress(new_treasury));
    Ok(())
}

#[tokio::test]
async fn governance_transfer_is_two_step_and_upgrade_is_governance_only() -> anyhow::Result<()> {
    let system = System::deploy().await?;
    let jm = system.job_manager();
    let next = ContractAddress(system.address(actor::COUNCIL)?);

    expect_revert(system.send(actor::CLIENT, jm.transfer_governance_getcall(&next)).await, errors::access::CALLER_NOT_GOVERNANCE);
    system.send(actor::GOVERNANCE, jm.transfer_governance_getcall(&next)).await?;
    assert_eq!(system.job_reader().pending_governance().call().await?, next);
    expect_revert(system.send(actor::CLIENT, jm.accept_governance_getcall()).await, errors::access::CALLER_NOT_PENDING);
    system.send(actor::COUNCIL, jm.accept_governance_getcall()).await?;
    assert_eq!(system.job_reader().governance().call().await?, next);
    expect_revert(system.send(actor::GOVERNANCE, jm.set_platform_fee_bps_getcall(&1)).await, errors::access::CALLER_NOT_GOVERNANCE);

    let class_hash = system.chain.declare("JobManager").await?;
    let upgrade = jm.upgrade_getcall(&cainome::cairo_serde::ClassHash(class_hash));
    expect_revert(system.send(actor::GOVERNANCE, upgrade.clone()).await, errors::access::CALLER_NOT_GOVERNANCE);
    let zero = jm.upgrade_getcall(&cainome::cairo_serde::ClassHash(Felt::ZERO));
    expect_revert(system.send(actor::COUNCIL, zero).await, errors::access::CLASS_HASH_IS_ZERO);
    system.send(actor::COUNCIL, upgrade).await?;
    assert_eq!(system.job_reader().fee_parameters().call().await?.0, 500, "storage kept across the upgrade");
    Ok(())
}

#[tokio::test]
async fn pause_stops_new_work_and_keeps_refunds_open() -> anyhow::Result<()> {
    let (system, model) = ready_system().await?;
    let council = ContractAddress(system.address(actor::COUNCIL)?);
    let pending = submitted_job(&system, model).await?;
    expect_revert(system.send(actor::COUNCIL, system.job_manager().pause_getcall()).await, errors::access::CALLER_NOT_COUNCIL);
    system.send(actor::GOVERNANCE, system.job_manager().set_emergency_council_getcall(&council)).await?;
    let receipt = system.send(actor::COUNCIL, system.job_manager().pause_getcall()).await?;
    assert!(system.job_reader().is_paused().call().await?);
    // Pausable's event, emitted from JobManager's address, decodes with the bindings by name.
    let paused: Vec<_> = ciro_tests::events_named(&receipt, system.job_manager, "Paused")
        .into_iter()
        .filter_map(|event| ciro_bindings::pausable::Event::try_from(event).ok())
        .collect();
    let until = system.job_reader().paused_until().call().await?;
    match paused.as_slice() {
        [ciro_bindings::pausable::Event::Paused(e)] => assert_eq!((e.by, e.until), (council, until)),
        other => panic!("expected one Paused event, got {other:?}"),
    }

    let deadline = system.now().await? + HOUR;
    expect_revert(system.submit_job(actor::CLIENT, &system.inference_spec(model, deadline), PAYMENT).await, errors::access::PAUSED);
    expect_revert(system.send(actor::KEEPER, system.job_manager().assign_job_getcall(&pending)).await, errors::access::PAUSED);
    let register = system.job_manager().register_model_getcall(&test_layout(Felt::from(9u8), ModelKind::MLP), &ciro_bindings::job_manager::Framework::ONNX, &Felt::ZERO);
    expect_revert(system.send(actor::CLIENT, register).await, errors::access::PAUSED);
    // The client can still take its money back.
    let client = system.address(actor::CLIENT)?;
    let before = system.balance(client).await?;
    system.send(actor::CLIENT, system.job_manager().cancel_job_getcall(&pending)).await?;
    assert_eq!(system.balance(client).await?, before + PAYMENT);

    expect_revert(system.send(actor::COUNCIL, system.job_manager().unpause_getcall()).await, errors::access::CALLER_NOT_GOVERNANCE);
    system.send(actor::GOVERNANCE, system.job_manager().unpause_getcall()).await?;
    submitted_job(&system, model).await?;
    system.check_invariants().await
}

#[tokio::test]
async fn release_payment_burns_through_burn_manager_on_its_schedule() -> anyhow::Result<()> {
    use ciro_bindings::burn_manager::{BurnManager, BurnManagerReader};
    let (system, model) = ready_system().await?;
    let governance = ContractAddress(system.address(actor::GOVERNANCE)?);
    let burn_manager = system
        .chain
        .deploy("BurnManager", vec![governance.0, system.token])
        .await?;
    system.track_holder(burn_manager);
    let manager = BurnManager::new(burn_manager, system.chain.account(actor::GOVERNANCE)?);
    let schedule = manager.set_burn_schedule_getcall(&vec![u256(5 * CIRO)], &vec![8000u16]);
    let reporter = manager.set_reporter_getcall(&ContractAddress(system.job_manager));
    let route = system.job_manager().set_burn_manager_getcall(&ContractAddress(burn_manager));
    system.send_all(actor::GOVERNANCE, vec![schedule, reporter, route]).await?;

    // First job: 5 CIRO fee at the base 30% share; the fee then reaches the 5 CIRO threshold.
    let before = supply(&system).await?;
    let job = completed_job(&system, model).await?;
    let receipt = system.send(actor::KEEPER, system.job_manager().release_payment_getcall(&job)).await?;
    assert_eq!(events_named(&receipt, burn_manager, "TokensBurned").len(), 1);
    assert_eq!(events_named(&receipt, burn_manager, "RevenueRecorded").len(), 1);
    assert_eq!(before - supply(&system).await?, 15 * CIRO / 10, "30% of the 5 CIRO fee burned");
    let reader = BurnManagerReader::new(burn_manager, system.chain.devnet().provider());
    assert_eq!(to_u128(reader.cumulative_revenue().call().await?)?, 5 * CIRO);
    assert_eq!(reader.current_burn_share_bps().call().await?, 8000);
    assert_eq!(system.balance(burn_manager).await?, 0, "BurnManager keeps nothing");

    // Second job: 80% of the fee burned.
    let before = supply(&system).await?;
    let job = completed_job(&system, model).await?;
    system.send(actor::KEEPER, system.job_manager().release_payment_getcall(&job)).await?;
    assert_eq!(before - supply(&system).await?, 4 * CIRO, "80% of the 5 CIRO fee burned");
    system.check_invariants().await
}

async fn supply(system: &System) -> anyhow::Result<u128> {
    to_u128(system.token_reader().total_supply().call().await?)
}
