//! What a client does with models and jobs, as a library: register a model (with its class
//! labels), submit a job (from its own account, or signed for the Paymaster and relayed by the
//! keeper), wait for it to end. The `ciro` CLI and the Python SDK are thin layers over these.
//!
//! Every check that can be made before a transaction is sent is made here, with an error that
//! says what to do ([`ClientError::Rejected`]); nothing is sent or uploaded when one fails.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ciro_bindings::job_manager::{self, Framework, JobPriority, JobSpec, JobType};
use ciro_client::coordinator::{commitment_name, BlobKind, Coordinator};
use ciro_client::labels::ClassLabels;
use ciro_client::outside_execution::{relay, RelayRequest, Request};
use ciro_client::{format_ciro, Chain, ClientError, JobView, OperatorConfig};
use starknet::core::types::Felt;

use ciro_prover::api::{prove_inference, PreparedModel, ProvenInference};
use ciro_prover::backend::cpu::CpuBackend;
use ciro_prover::model::input::InputFile;
use ciro_prover::model::quantize::DEFAULT_SCALE_BITS;
use ciro_prover::stark::ProveOptions;

use crate::models::{calibrate_model, input_text, load_batched_model, load_model, onchain_layout, prepare_model, prover_error, ModelStore};

fn rejected(message: String) -> ClientError {
    ClientError::Rejected(message)
}

/// A model registered on-chain.
#[derive(Debug, Clone)]
pub struct RegisteredModel {
    /// Its id.
    pub model_id: u64,
    /// Its commitment.
    pub commitment: Felt,
    /// Its class labels, when registered with some.
    pub labels: Option<ClassLabels>,
    /// The labels' commitment (0: none).
    pub labels_commitment: Felt,
    /// Where the coordinator serves the model (`None`: no coordinator is configured, and workers
    /// need the ONNX file in their model directory).
    pub uploaded_to: Option<String>,
    /// When it was calibrated: each layer's weight precision, and the calibrated ONNX bytes (the
    /// model the commitment is of).
    pub calibrated: Option<(Vec<u32>, Vec<u8>)>,
    /// The registering transaction.
    pub sent: ciro_client::Sent,
}

/// Registers the ONNX model `bytes` (read from `source`, named in messages) with its class
/// `labels`: uploads the model and the labels to the coordinator first (kept pending there until
/// the registration lands, so a failed upload registers nothing), then calls `register_model`.
/// With `calibration` inputs, the model is calibrated on them first ([`calibrate_model`]) and
/// the calibrated model is what is committed to and uploaded.
///
/// # Errors
/// [`ClientError::Prover`] for a model the prover cannot take; [`ClientError::Rejected`] for
/// labels that do not fit its outputs, or labels without a coordinator to keep them; the
/// coordinator's refusal, or the transaction's failure.
pub async fn register_model(
    chain: &Chain,
    config: &OperatorConfig,
    source: &Path,
    bytes: Vec<u8>,
    labels: Option<ClassLabels>,
    calibration: Option<Vec<Vec<f64>>>,
) -> Result<RegisteredModel, ClientError> {
    let (bytes, calibrated) = match calibration {
        Some(inputs) => {
            let (bytes, bits) = calibrate_model(&bytes, &inputs).map_err(|e| ClientError::Prover(format!("model {}: {e}", source.display())))?;
            (bytes.clone(), Some((bits, bytes)))
        }
        None => (bytes, None),
    };
    let for_prover = bytes.clone();
    let kept = bytes.clone();
    let prepared = tokio::task::spawn_blocking(move || prepare_model(&for_prover))
        .await
        .map_err(|e| ClientError::Prover(format!("the preparing task failed: {e}")))?
        .map_err(|e| ClientError::Prover(format!("model {}: {e}", source.display())))?;
    let commitment = prepared.model_commitment();
    if let Some(labels) = &labels {
        let outputs = prepared.layout.n_outputs;
        if labels.len() as u64 != outputs {
            return Err(rejected(format!(
                "the model {} has {outputs} outputs but {} labels were given: give one label per output, in order",
                source.display(),
                labels.len()
            )));
        }
    }
    let labels_commitment = labels.as_ref().map_or(Felt::ZERO, ClassLabels::commitment);
    let uploaded_to = match &config.coordinator {
        Some(coordinator) => {
            let name = commitment_name(commitment);
            coordinator.put(BlobKind::Model, &name, bytes).await?;
            if let Some(labels) = &labels {
                coordinator.put(BlobKind::Labels, &commitment_name(labels_commitment), labels.canonical_text().into_bytes()).await?;
            }
            Some(coordinator.blob_url(BlobKind::Model, &name))
        }
        None if labels.is_some() => {
            return Err(rejected(
                "class labels are kept by the coordinator: configure one (--coordinator / CIRO_COORDINATOR_URL) to register a model with labels"
                    .to_owned(),
            ));
        }
        None => None,
    };
    let register = chain.jobs().register_model_getcall(&onchain_layout(&prepared.layout), &Framework::ONNX, &labels_commitment);
    let sent = chain.send("registering the model", vec![register]).await?;
    let events = chain.job_manager_events_of(sent.transaction_hash).await?;
    let (model_id, registered_commitment) = events
        .iter()
        .find_map(|event| match event {
            job_manager::Event::ModelRegistered(registered) => Some((registered.model_id, registered.commitment)),
            _ => None,
        })
        .ok_or_else(|| ClientError::Result(format!("transaction {:#x} registered no model", sent.transaction_hash)))?;
    if registered_commitment != commitment {
        return Err(ClientError::Result(format!(
            "JobManager computed the commitment {registered_commitment:#x} from the layout, the prover {commitment:#x}"
        )));
    }
    if let Some(coordinator) = &config.coordinator {
        wait_until_served(coordinator, &commitment_name(commitment)).await?;
    }
    // The model store keeps what it registered: submitting a job for it needs no preparing.
    if let Err(error) = ModelStore::from_config(config).remember(commitment, &kept) {
        tracing::warn!(%error, "the registered model was not kept in the model directory");
    }
    Ok(RegisteredModel { model_id, commitment, labels, labels_commitment, uploaded_to, calibrated, sent })
}

/// How long [`register_model`] waits for the coordinator to serve a model it was sent.
const SERVED_WITHIN: Duration = Duration::from_secs(60);

/// Waits until the coordinator serves the model `name`: it holds an upload back until it has read
/// the `ModelRegistered` event, so a job submitted right after registering finds the model. Gives
/// up quietly after [`SERVED_WITHIN`] (the model is registered; the coordinator serves it once it
/// catches up with the chain).
///
/// # Errors
/// The coordinator cannot be reached.
async fn wait_until_served(coordinator: &Coordinator, name: &str) -> Result<(), ClientError> {
    let started = Instant::now();
    while coordinator.get(BlobKind::Model, name).await?.is_none() && started.elapsed() < SERVED_WITHIN {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}

/// Registers the ONNX file at `path`, with the labels file at `labels` (one label per line),
/// calibrated on the input files `calibration` (none: not calibrated).
///
/// # Errors
/// As [`register_model`]; or a file cannot be read, or the labels or an input file is malformed.
pub async fn register_model_file(
    chain: &Chain,
    config: &OperatorConfig,
    path: &Path,
    labels: Option<&Path>,
    calibration: &[PathBuf],
) -> Result<RegisteredModel, ClientError> {
    let read = |path: &Path| std::fs::read(path).map_err(|source| ClientError::Io { path: path.to_owned(), source });
    let labels = match labels {
        Some(file) => Some(ClassLabels::parse(&read(file)?).map_err(|e| rejected(format!("the labels {}: {e}", file.display())))?),
        None => None,
    };
    let calibration = if calibration.is_empty() {
        None
    } else {
        let inputs = calibration
            .iter()
            .map(|file| InputFile::read(file).map(|f| f.input).map_err(|e| rejected(format!("the calibration input {}: {e}", file.display()))))
            .collect::<Result<Vec<_>, _>>()?;
        Some(inputs)
    };
    register_model(chain, config, path, read(path)?, labels, calibration).await
}

/// When a job must be done by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// At this chain timestamp.
    At(u64),
    /// This many seconds after the chain's current time.
    In(u64),
}

/// How a job's payment reaches JobManager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentRoute {
    /// The client's account sends `approve` and `submit_ai_job` (and pays the fee).
    OwnAccount,
    /// The client signs a SNIP-9 request; the keeper at this URL relays it through the Paymaster,
    /// whose sponsor pays the fee.
    Paymaster {
        /// The keeper's URL.
        keeper_url: String,
    },
}

/// A job to submit.
#[derive(Debug, Clone)]
pub struct JobRequest {
    /// The model's id.
    pub model_id: u64,
    /// The input, as real numbers (the model's input size).
    pub input: Vec<f64>,
    /// The payment escrowed, in base units.
    pub payment: u128,
    /// The job's type (JobManager accepts `ComputerVision` for CNNs only).
    pub job_type: JobType,
    /// The deadline.
    pub deadline: Deadline,
    /// Capabilities the worker must have (a bit mask).
    pub required_capabilities: u8,
    /// GPU memory the worker must have.
    pub min_gpu_memory_gb: u32,
    /// The lowest stake tier the worker may be in.
    pub min_tier: u8,
    /// How the payment is made.
    pub route: PaymentRoute,
}

impl JobRequest {
    /// An inference job for `model_id` on `input`, escrowing `payment`, due in an hour, from the
    /// client's own account, with no requirement on the worker.
    pub fn new(model_id: u64, input: Vec<f64>, payment: u128) -> Self {
        JobRequest {
            model_id,
            input,
            payment,
            job_type: JobType::AIInference,
            deadline: Deadline::In(3_600),
            required_capabilities: 0,
            min_gpu_memory_gb: 0,
            min_tier: 1,
            route: PaymentRoute::OwnAccount,
        }
    }
}

/// The job types a client may submit: the ones JobManager accepts for a proved inference
/// (`computer-vision` for a CNN only), as `ciro submit-job --job-type` and the SDK name them.
pub const JOB_TYPES: [&str; 5] = ["ai-inference", "computer-vision", "time-series-analysis", "audio-processing", "specialized-ai"];

/// The JobManager job type named `name`, one of [`JOB_TYPES`].
///
/// # Errors
/// [`ClientError::Rejected`] for another name, listing them.
pub fn job_type(name: &str) -> Result<JobType, ClientError> {
    Ok(match name {
        "ai-inference" => JobType::AIInference,
        "computer-vision" => JobType::ComputerVision,
        "time-series-analysis" => JobType::TimeSeriesAnalysis,
        "audio-processing" => JobType::AudioProcessing,
        "specialized-ai" => JobType::SpecializedAI,
        other => return Err(rejected(format!("unknown job type {other:?}: one of {}", JOB_TYPES.join(", ")))),
    })
}

/// A submitted job.
#[derive(Debug, Clone)]
pub struct SubmittedJob {
    /// Its id.
    pub job_id: u64,
    /// The submitting transaction (`sponsor_execution` when relayed).
    pub transaction_hash: Felt,
    /// The input's commitment.
    pub input_commitment: Felt,
    /// Where the input was stored (the coordinator's URL, a directory or an HTTP store).
    pub input_stored_at: String,
    /// The escrowed payment, in base units.
    pub payment: u128,
    /// The deadline (chain time).
    pub deadline: u64,
    /// Whether the Paymaster paid the fee.
    pub sponsored: bool,
}

impl SubmittedJob {
    /// The submission as JSON (felts as `0x…`, the payment as a decimal string of base units), as
    /// `ciro --json submit-job` prints it and the Python SDK reads it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "job_id": self.job_id,
            "transaction_hash": format!("{:#x}", self.transaction_hash),
            "input_commitment": format!("{:#x}", self.input_commitment),
            "input_stored_at": self.input_stored_at,
            "payment": self.payment.to_string(),
            "deadline": self.deadline,
            "sponsored": self.sponsored,
        })
    }
}

/// Submits `request` as the configured account: checks the model exists and the input fits it,
/// the deadline is ahead and the account holds the payment; stores the input (before the job
/// exists: a failed upload sends nothing, and an upload whose job never comes is dropped by the
/// coordinator after its window); then sends (or has the keeper relay) `approve` +
/// `submit_ai_job`.
///
/// # Errors
/// [`ClientError::Rejected`] when a check fails (nothing is sent); the store's, the keeper's or
/// the transaction's failure.
pub async fn submit_job(chain: &Chain, config: &OperatorConfig, request: &JobRequest) -> Result<SubmittedJob, ClientError> {
    let model_count = chain.jobs_reader().model_count().call().await.map_err(ciro_client::chain::read_error("model_count"))?;
    if request.model_id == 0 || request.model_id > model_count {
        return Err(rejected(format!(
            "there is no model #{} ({model_count} registered): `ciro models list` shows them, `ciro models register <file.onnx>` adds one",
            request.model_id
        )));
    }
    let record = chain.model(request.model_id).await?;
    if request.job_type == JobType::ComputerVision && record.kind != job_manager::ModelKind::CNN {
        return Err(rejected(format!(
            "model #{} is an MLP: a computer-vision job needs a CNN (a model with convolutions or pooling); submit it as ai-inference",
            request.model_id
        )));
    }
    let (model_path, input_len) = ModelStore::from_config(config).find_input_len(record.commitment).await?;
    let input_commitment = ciro_prover::api::checked_input_commitment(&request.input, input_len, DEFAULT_SCALE_BITS).map_err(|e| {
        rejected(format!("the input does not fit model #{} ({}): {}", request.model_id, model_path.display(), ciro_client::error_chain(&e)))
    })?;
    let now = chain.now().await?;
    let deadline = match request.deadline {
        Deadline::At(at) => at,
        Deadline::In(seconds) => now.saturating_add(seconds),
    };
    if deadline <= now {
        return Err(rejected(format!("the deadline {deadline} is not in the future (the chain's time is {now}): give a later one")));
    }
    let account = chain.address()?;
    let balance = chain.balance(account).await?;
    if balance < request.payment {
        return Err(rejected(format!(
            "the account holds {} CIRO, the job escrows {}: get CIRO first, or lower the payment",
            format_ciro(balance),
            format_ciro(request.payment)
        )));
    }
    let text = input_text(&request.input).map_err(|e| rejected(e.to_string()))?;
    let input_stored_at = config.inputs.put(input_commitment, &text).await?;
    let spec = JobSpec {
        job_type: request.job_type.clone(),
        priority: JobPriority::Standard,
        required_capabilities: request.required_capabilities,
        min_gpu_memory_gb: request.min_gpu_memory_gb,
        min_tier: request.min_tier,
        model_id: request.model_id,
        input_commitment,
        deadline,
    };
    let calls = ciro_client::chain::submit_job_calls(&chain.token(), &chain.jobs(), &spec, request.payment);
    let transaction_hash = match &request.route {
        PaymentRoute::Paymaster { keeper_url } => {
            let signed = Request {
                caller: chain.contracts.paymaster,
                nonce: Felt::from(fastrand::u64(1..)),
                execute_after: 0,
                execute_before: now + 600,
                calls: calls.to_vec(),
            };
            let signature = signed.sign(&config.signing_key()?, chain.chain_id, account)?;
            let body = RelayRequest { account, outside_execution: signed.outside_execution(), signature };
            let response = relay(keeper_url, &body).await?;
            response
                .transaction_hash
                .ok_or_else(|| ClientError::Result("the keeper relayed the request but returned no transaction".to_owned()))?
        }
        PaymentRoute::OwnAccount => chain.send("submitting the job", calls.map(|named| named.call).to_vec()).await?.transaction_hash,
    };
    let job_id = submitted_job_id(chain, transaction_hash).await?;
    Ok(SubmittedJob {
        job_id,
        transaction_hash,
        input_commitment,
        input_stored_at,
        payment: request.payment,
        deadline,
        sponsored: matches!(request.route, PaymentRoute::Paymaster { .. }),
    })
}

/// The job that transaction `transaction_hash` submitted.
///
/// # Errors
/// The receipt cannot be read, or has no `JobSubmitted` event.
pub async fn submitted_job_id(chain: &Chain, transaction_hash: Felt) -> Result<u64, ClientError> {
    let events = chain.job_manager_events_of(transaction_hash).await?;
    events
        .iter()
        .find_map(|event| match event {
            job_manager::Event::JobSubmitted(submitted) => Some(submitted.job_id),
            _ => None,
        })
        .ok_or_else(|| ClientError::Result(format!("transaction {transaction_hash:#x} submitted no job")))
}

/// Job `id`, with an error that says what to do when there is none.
///
/// # Errors
/// [`ClientError::Rejected`] for an unknown id; the node's failure.
pub async fn job(chain: &Chain, id: u64) -> Result<JobView, ClientError> {
    let count = chain.job_count().await?;
    if id == 0 || id > count {
        return Err(rejected(format!("there is no job #{id} (jobs are numbered 1 to {count}): `ciro jobs` lists them")));
    }
    chain.job(id).await
}

/// Polls job `id` every `every` until nothing more will happen to it (an end state, paid out),
/// calling `on_poll` with each view; returns the last.
///
/// # Errors
/// [`ClientError::Result`] when it is not final within `timeout` (its state is named); an unknown
/// job; the node's failure.
pub async fn wait_for_job(chain: &Chain, id: u64, timeout: Duration, every: Duration, mut on_poll: impl FnMut(&JobView)) -> Result<JobView, ClientError> {
    let started = Instant::now();
    loop {
        let view = job(chain, id).await?;
        on_poll(&view);
        if view.is_final() {
            return Ok(view);
        }
        if started.elapsed() > timeout {
            return Err(ClientError::Result(format!(
                "job #{id} is still {} after {} s: is a keeper running, and a worker able to take it?",
                view.state_name(),
                timeout.as_secs()
            )));
        }
        tokio::time::sleep(every).await;
    }
}

/// A proof of `model_path` on `input` for job `job_id`, made here (no chain): the worker's proving
/// step, for trying a model out before paying for a job.
///
/// # Errors
/// [`ClientError::Prover`] for a model the prover cannot take; [`ClientError::Rejected`] for an
/// input that does not fit it.
pub fn prove_locally(model_path: &Path, input: &[f64], job_id: u64) -> Result<ProvenInference, ClientError> {
    let model = load_model(model_path)?;
    prove_prepared(&model, model_path, input, job_id)
}

/// [`prove_locally`] for a batch: every element's inference in one proof (the model repeated
/// `inputs.len()` times, [`ciro_prover::model::FloatMlp::batched`]), outputs in the same order.
///
/// # Errors
/// As [`prove_locally`]; an element of the wrong length is named.
pub fn prove_batch_locally(model_path: &Path, inputs: &[Vec<f64>], job_id: u64) -> Result<ProvenInference, ClientError> {
    match inputs {
        [] => Err(rejected("an empty batch".to_owned())),
        [one] => prove_locally(model_path, one, job_id),
        batch => {
            let model = load_batched_model(model_path, batch.len())?;
            let width = model.quantized.input_len() / batch.len();
            if let Some((k, element)) = batch.iter().enumerate().find(|(_, x)| x.len() != width) {
                return Err(rejected(format!("batch element {k} has {} values, {} takes {width}", element.len(), model_path.display())));
            }
            prove_prepared(&model, model_path, &batch.concat(), job_id)
        }
    }
}

fn prove_prepared(model: &PreparedModel<CpuBackend>, model_path: &Path, input: &[f64], job_id: u64) -> Result<ProvenInference, ClientError> {
    prove_inference(model, input, Felt::from(job_id), &ProveOptions::default()).map_err(|e| match e {
        ciro_prover::api::Error::Input(_) | ciro_prover::api::Error::Quantize(_) => {
            rejected(format!("the input does not fit {}: {}", model_path.display(), ciro_client::error_chain(&e)))
        }
        other => prover_error(&other),
    })
}
