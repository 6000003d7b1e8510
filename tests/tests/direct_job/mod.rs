//! A test fixture: one job driven in-process, step by step, without the operator processes, so the
//! end-to-end tests reach each state: two staked workers, one MLP inference job submitted by a
//! client, proven by the selected worker, verified on-chain by ProofVerifier inside
//! `complete_job`, and paid. (The main job itself runs the operator processes: `ciro-demo`.)
//!
//! Steps: fund the actors → both workers register and stake → the client registers the model's
//! commitment → the client escrows the payment with its job (Pending) → the keeper assigns it
//! (Assigned) → the selected worker runs the model and proves the inference for this job id →
//! `complete_job` verifies the proof on-chain (Completed) → the keeper releases the payment
//! (settled) → the worker claims its rewards.

use std::path::Path;

use ciro_bindings::job_manager::{Framework, JobPriority, JobSpec, JobState, JobType};
use ciro_prover::api::{prove_inference, PreparedModel};
use ciro_prover::backend::cpu::CpuBackend;
use ciro_prover::model::input::InputFile;
use ciro_prover::model::quantize::DEFAULT_SCALE_BITS;
use ciro_prover::stark::{ProofParams, ProveOptions};
use starknet::core::types::Felt;

use ciro_demo::main_job::BalanceRow;
use ciro_demo::market::{Market, Sent, CIRO};
use ciro_demo::network::actor;
use ciro_demo::DemoError;

/// Capability flag: CUDA.
const CAP_CUDA: u8 = 1;
/// Capability flag: tensor cores.
const CAP_TENSOR_CORES: u8 = 64;

/// What the job uses: the model, its input, the payment.
#[derive(Debug, Clone)]
pub struct JobInputs {
    /// The ONNX model.
    pub model: std::path::PathBuf,
    /// The input file (`{"input": [...]}`).
    pub input: std::path::PathBuf,
    /// The payment escrowed, in whole CIRO.
    pub payment_ciro: u128,
}

impl JobInputs {
    /// The iris MLP and its first example input, under `models_dir`.
    pub fn iris(models_dir: &Path) -> Self {
        JobInputs {
            model: models_dir.join("iris_mlp.onnx"),
            input: models_dir.join("iris_input_0.json"),
            payment_ciro: 100,
        }
    }
}

/// One row of the lifecycle table.
#[derive(Debug, Clone)]
pub struct LifecycleRow {
    /// What happened.
    pub step: String,
    /// Who sent it.
    pub actor: String,
    /// The job's state afterwards, once the job exists.
    pub state: Option<JobState>,
    /// The transaction.
    pub sent: Sent,
}

/// The proof the worker produced.
#[derive(Debug, Clone)]
pub struct ProofSummary {
    /// Calldata felts sent to `complete_job`.
    pub calldata_felts: usize,
    /// The output commitment recorded on-chain.
    pub output_commitment: Felt,
    /// The model's output (fixed point, as reals).
    pub output: Vec<f64>,
}

/// What the job did.
#[derive(Debug, Clone)]
pub struct MainJobReport {
    /// The job.
    pub job_id: u64,
    /// The worker selected by CDC_Pool.
    pub worker: Felt,
    /// Every transaction, in order.
    pub lifecycle: Vec<LifecycleRow>,
    /// CIRO balances before and after.
    pub balances: Vec<BalanceRow>,
    /// The proof.
    pub proof: ProofSummary,
    /// CIRO burned by the job (the supply's decrease).
    pub burned: u128,
    /// The job as it ended.
    pub final_state: JobState,
    /// Whether the escrow was paid out.
    pub settled: bool,
}

/// Runs the job on `market`; `progress` hears what is happening.
///
/// # Errors
/// A transaction, a read or proving fails.
pub async fn run(market: &Market<'_>, inputs: &JobInputs, progress: &dyn Fn(&str)) -> Result<MainJobReport, DemoError> {
    let network = market.network();
    let mut lifecycle = Vec::new();
    let mut record = |step: &str, actor: &str, state: Option<JobState>, sent: Sent| {
        lifecycle.push(LifecycleRow { step: step.into(), actor: actor.into(), state, sent });
    };

    progress("funding the client and two workers");
    let [first, second] = actor::WORKERS;
    let sent = market.fund(&[(actor::CLIENT, 1_000 * CIRO), (first, 5_000 * CIRO), (second, 5_000 * CIRO)]).await?;
    record("fund client 1,000 and workers 5,000 CIRO each", "deployer", None, sent);
    let sent = market.join_as_worker(first, CAP_CUDA | CAP_TENSOR_CORES, 24, 2_000 * CIRO).await?;
    record("worker A: register + stake 2,000 CIRO", "worker A", None, sent);
    let sent = market.join_as_worker(second, CAP_CUDA, 16, 4_000 * CIRO).await?;
    record("worker B: register + stake 4,000 CIRO", "worker B", None, sent);

    progress("preparing the model (quantize, commit the weights)");
    let model = PreparedModel::<CpuBackend>::from_onnx_file(&inputs.model, DEFAULT_SCALE_BITS, ProofParams::default())?;
    let input = InputFile::read(&inputs.input)?.input;
    let register = market.jobs().register_model_getcall(&ciro_inference::models::onchain_layout(&model.layout), &Framework::ONNX, &Felt::ZERO);
    let sent = market.send("registering the model", actor::CLIENT, vec![register]).await?;
    let model_id = market.job_reader().model_count().call().await.map_err(|e| DemoError::Read { what: "model_count", message: e.to_string() })?;
    record("register the iris MLP's commitment", "client", None, sent);

    let holders = [
        ("client", network.address(actor::CLIENT)?),
        ("worker A", network.address(first)?),
        ("worker B", network.address(second)?),
        ("GovernanceTreasury", market.treasury),
        ("JobManager (escrow)", market.job_manager),
    ];
    let mut before = Vec::new();
    for (_, address) in holders {
        before.push(market.balance(address).await?);
    }
    let supply_before = market.total_supply().await?;

    progress("submitting the job");
    let now = network.devnet.block_timestamp().await?;
    let spec = JobSpec {
        job_type: JobType::AIInference,
        priority: JobPriority::Standard,
        required_capabilities: CAP_CUDA,
        min_gpu_memory_gb: 8,
        min_tier: 1,
        model_id,
        input_commitment: model.input_commitment(&input)?,
        deadline: now + 3_600,
    };
    let (job_id, sent) = market.submit_job(actor::CLIENT, &spec, inputs.payment_ciro * CIRO).await?;
    record(&format!("submit job #{job_id} escrowing {} CIRO", inputs.payment_ciro), "client", Some(market.job(job_id).await?.state), sent);

    let sent = market.send("assigning the job", actor::KEEPER, vec![market.jobs().assign_job_getcall(&job_id)]).await?;
    let job = market.job(job_id).await?;
    let worker = job.worker.0;
    let (worker_actor, worker_name) =
        if worker == network.address(first)? { (first, "worker A") } else { (second, "worker B") };
    record(&format!("assign_job → {worker_name} selected"), "keeper", Some(job.state), sent);

    progress(&format!("{worker_name} proves the inference for job #{job_id} (STARK, CPU backend)"));
    let proven = prove_inference(&model, &input, Felt::from(job_id), &ProveOptions::default())?;
    let calldata = proven.decoded.to_calldata();
    let output_commitment = proven.decoded.output_commitment;
    let complete = market.jobs().complete_job_getcall(&job_id, &output_commitment, &calldata);
    let sent = market.send("completing the job with its proof", worker_actor, vec![complete]).await?;
    record("complete_job: proof verified on-chain", worker_name, Some(market.job(job_id).await?.state), sent);

    let sent = market.send("releasing the payment", actor::KEEPER, vec![market.jobs().release_payment_getcall(&job_id)]).await?;
    record("release_payment: fee split, burn, credit", "keeper", Some(market.job(job_id).await?.state), sent);
    let sent = market.send("claiming rewards", worker_actor, vec![market.pool().claim_rewards_getcall()]).await?;
    record("claim_rewards", worker_name, None, sent);

    let mut balances = Vec::new();
    for ((holder, address), before) in holders.into_iter().zip(before) {
        balances.push(BalanceRow { holder: holder.into(), before, after: market.balance(address).await? });
    }
    let supply_after = market.total_supply().await?;
    let job = market.job(job_id).await?;
    Ok(MainJobReport {
        job_id,
        worker,
        lifecycle,
        balances,
        proof: ProofSummary {
            calldata_felts: calldata.len(),
            output_commitment,
            output: proven.file.outputs_real.clone(),
        },
        burned: supply_before.saturating_sub(supply_after),
        final_state: job.state,
        settled: job.settled,
    })
}
