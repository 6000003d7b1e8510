//! `ciro-worker`: a GPU provider's node.
//!
//! [`hardware`] detects what the machine offers; [`operations`] registers, stakes and reads the
//! worker's standing; [`WorkerNode`] waits for jobs CDC_Pool assigns to its address and, for each:
//! refuses it early (`abandon_job`, no slash) when it cannot finish before the deadline, loads the
//! job's model (found by its on-chain commitment, locally or from the coordinator), fetches the
//! input from the input store (a directory, or the coordinator) and checks it against the job's
//! input commitment, runs and proves the inference, submits `complete_job` — which verifies the
//! proof on-chain — and hands the proof to the coordinator's result store. Jobs run at most
//! `worker.max_concurrent_jobs` at a time; each stage is written to the [`journal`] so a restart
//! resumes in-flight jobs instead of losing them (or proving them twice).

#![deny(missing_docs)]

pub mod hardware;
pub mod journal;
pub mod operations;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cainome::cairo_serde::ContractAddress;
use ciro_bindings::job_manager::{self, JobState};
use ciro_bindings::selectors;
use ciro_client::chain::job_manager_events;
use ciro_client::config::WorkerSettings;
use ciro_client::coordinator::{BlobKind, Coordinator};
use ciro_client::http::{Request, Response};
use ciro_client::metrics::{Kind, Metrics};
use ciro_client::retry::{is_transient, Backoff};
use ciro_client::store::InputStore;
use ciro_client::{Chain, ClientError, JobView, OperatorConfig};
use ciro_prover::backend::select::{select, BackendChoice, PreparedOn, SelectedBackend};
use ciro_prover::stark::ProveOptions;
use starknet::core::types::{BlockId, EventFilter, Felt};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tracing::Instrument;

use crate::journal::{Entry, Journal, Stage};
use ciro_inference::models::{parse_input, prover_error, ModelStore};

/// Why a job was given back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Proving would not finish before the deadline.
    TooLate,
    /// The model is not in the model directory, or the input is missing, malformed, or does not
    /// match its commitment.
    BadJob(String),
}

/// The worker node.
pub struct WorkerNode {
    chain: Chain,
    address: Felt,
    settings: WorkerSettings,
    inputs: InputStore,
    models: ModelStore,
    coordinator: Option<Coordinator>,
    /// The backend proofs are made on.
    backend: SelectedBackend,
    model_cache: Mutex<HashMap<Felt, Arc<PreparedOn>>>,
    journal: Journal,
    metrics: Metrics,
    slots: Arc<Semaphore>,
    active: Mutex<HashSet<u64>>,
    /// Jobs assigned here that may still need work: kept until a read shows they are no longer
    /// Assigned to this worker, so a failed poll or a full set of slots loses none.
    assigned: Mutex<BTreeSet<u64>>,
    prove_estimate: Mutex<Duration>,
    send_lock: tokio::sync::Mutex<()>,
    scanned_to: Mutex<Option<u64>>,
    last_poll: Mutex<Option<Instant>>,
}

impl WorkerNode {
    /// A node sending from `chain`'s account.
    ///
    /// # Errors
    /// No account, or the state directory cannot be created.
    pub fn new(chain: Chain, config: &OperatorConfig) -> Result<Self, ClientError> {
        let address = chain.address()?;
        let settings = config.worker.clone();
        let choice = settings.backend.parse::<BackendChoice>().map_err(|e| ClientError::Config(format!("[worker] backend: {e}")))?;
        let selection = select(choice).map_err(|e| ClientError::Config(format!("[worker] backend = {:?}: {e}", settings.backend)))?;
        tracing::info!(backend = selection.backend.name(), "proving backend: {}", selection.reason);
        let journal = Journal::open(&settings.state_dir)?;
        let metrics = Metrics::default();
        metrics.describe("ciro_worker_backend", Kind::Gauge, "The backend proofs are made on (1 for the one in use).");
        metrics.set("ciro_worker_backend", &[("backend", selection.backend.name())], 1.0);
        metrics.describe("ciro_worker_jobs_total", Kind::Counter, "Jobs handled, by result.");
        metrics.describe("ciro_worker_in_flight", Kind::Gauge, "Jobs being proved or submitted.");
        metrics.describe("ciro_worker_prove_seconds_total", Kind::Counter, "Time spent proving.");
        metrics.describe("ciro_worker_failures_total", Kind::Counter, "Polls or jobs that failed for a transient reason.");
        // Unlabelled series start at 0, so a first job is a rise Prometheus sees.
        metrics.set("ciro_worker_in_flight", &[], 0.0);
        metrics.add("ciro_worker_prove_seconds_total", &[], 0.0);
        Ok(WorkerNode {
            slots: Arc::new(Semaphore::new(usize::from(settings.max_concurrent_jobs.max(1)))),
            prove_estimate: Mutex::new(Duration::from_secs(settings.prove_estimate_seconds)),
            chain,
            address,
            inputs: config.inputs.clone(),
            models: ModelStore::from_config(config),
            coordinator: config.coordinator.clone(),
            backend: selection.backend,
            model_cache: Mutex::new(HashMap::new()),
            journal,
            metrics,
            active: Mutex::new(HashSet::new()),
            assigned: Mutex::new(BTreeSet::new()),
            send_lock: tokio::sync::Mutex::new(()),
            scanned_to: Mutex::new(None),
            last_poll: Mutex::new(None),
            settings,
        })
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Polls for assigned jobs until the process ends.
    pub async fn run(self: Arc<Self>) {
        let backoff = Backoff { base: Duration::from_millis(200), max: Duration::from_secs(10), attempts: u32::MAX };
        let mut failures = 0u32;
        for entry in self.journal.entries().unwrap_or_default() {
            tracing::info!(job = entry.job_id, "resuming the job from the journal");
        }
        loop {
            match Arc::clone(&self).poll().await {
                Ok(_) => {
                    failures = 0;
                    tokio::time::sleep(self.settings.poll_interval()).await;
                }
                Err(error) => {
                    self.metrics.inc("ciro_worker_failures_total", &[("kind", "poll")]);
                    tracing::warn!("poll failed: {}", ciro_client::error_chain(&error));
                    tokio::time::sleep(backoff.delay(failures)).await;
                    failures = failures.saturating_add(1);
                }
            }
        }
    }

    /// One poll: finds the jobs assigned to this worker and starts those not running yet (as many
    /// as there are free slots); returns how many it started.
    ///
    /// # Errors
    /// The node failed.
    pub async fn poll(self: Arc<Self>) -> Result<usize, ClientError> {
        let new = self.assigned_job_ids().await?;
        let journaled = self.journal.entries()?.into_iter().map(|e| e.job_id);
        let candidates = {
            let mut assigned = self.assigned.lock().unwrap_or_else(|p| p.into_inner());
            assigned.extend(new.into_iter().chain(journaled));
            assigned.clone()
        };
        let mut started = 0;
        for job_id in candidates {
            if self.active.lock().unwrap_or_else(|p| p.into_inner()).contains(&job_id) {
                continue;
            }
            let view = match self.chain.job(job_id).await {
                Ok(view) => view,
                Err(error) if is_transient(&error) => continue,
                Err(error) => return Err(error),
            };
            if view.job.state != JobState::Assigned || view.job.worker.0 != self.address {
                // Done, given back, or re-assigned: nothing left to do here, but to hand the
                // coordinator the proof of a job this worker completed (if a crash came between).
                if view.job.state == JobState::Completed && view.job.worker.0 == self.address {
                    if let Some(Entry { stage: Stage::Proved { proof, .. }, .. }) = self.journal.get(job_id) {
                        self.upload_result(job_id, &proof).await;
                    }
                }
                self.journal.remove(job_id)?;
                self.assigned.lock().unwrap_or_else(|p| p.into_inner()).remove(&job_id);
                continue;
            }
            let Ok(permit) = Arc::clone(&self.slots).try_acquire_owned() else { break };
            self.active.lock().unwrap_or_else(|p| p.into_inner()).insert(job_id);
            self.metrics.add("ciro_worker_in_flight", &[], 1.0);
            let node = Arc::clone(&self);
            tokio::spawn(node.handle(view, permit).instrument(tracing::info_span!("job", id = job_id)));
            started += 1;
        }
        *self.last_poll.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        Ok(started)
    }

    /// Ids of jobs assigned to this worker in blocks not read yet, from the `JobAssigned` events.
    async fn assigned_job_ids(&self) -> Result<Vec<u64>, ClientError> {
        let head = self.chain.block_number().await?;
        let from = self.scanned_to.lock().unwrap_or_else(|p| p.into_inner()).map_or(self.chain.contracts.start_block, |b| b + 1);
        if from > head {
            return Ok(Vec::new());
        }
        let filter = EventFilter {
            from_block: Some(BlockId::Number(from)),
            to_block: Some(BlockId::Number(head)),
            address: Some(self.chain.contracts.job_manager),
            keys: Some(vec![vec![selectors::job_manager::events::JOB_ASSIGNED], vec![], vec![self.address]]),
        };
        let events = self.chain.events(filter).await?;
        let ids = job_manager_events(&events)
            .filter_map(|event| match event {
                job_manager::Event::JobAssigned(assigned) if assigned.worker.0 == self.address => Some(assigned.job_id),
                _ => None,
            })
            .collect();
        *self.scanned_to.lock().unwrap_or_else(|p| p.into_inner()) = Some(head);
        Ok(ids)
    }

    async fn handle(self: Arc<Self>, view: JobView, permit: OwnedSemaphorePermit) {
        let job_id = view.id;
        let result = Arc::clone(&self).work(view).await;
        match result {
            Ok(result) => self.metrics.inc("ciro_worker_jobs_total", &[("result", result)]),
            Err(error) => {
                self.metrics.inc("ciro_worker_failures_total", &[("kind", "job")]);
                tracing::warn!("{} (retrying at the next poll)", ciro_client::error_chain(&error));
            }
        }
        self.active.lock().unwrap_or_else(|p| p.into_inner()).remove(&job_id);
        self.metrics.add("ciro_worker_in_flight", &[], -1.0);
        drop(permit);
    }

    /// Takes job `view` from Assigned to Completed (or gives it back); returns the result's name.
    async fn work(self: Arc<Self>, view: JobView) -> Result<&'static str, ClientError> {
        let job_id = view.id;
        let job = &view.job;
        let proved = match self.journal.get(job_id) {
            Some(Entry { stage: Stage::Proved { output_commitment, proof, .. }, .. }) => Some((output_commitment, proof)),
            _ => None,
        };
        let now = self.chain.now().await?;
        let estimate = if proved.is_some() { Duration::from_secs(5) } else { *self.prove_estimate.lock().unwrap_or_else(|p| p.into_inner()) };
        if now.saturating_add(estimate.as_secs()) > job.deadline {
            return self.refuse(job_id, Refusal::TooLate).await;
        }
        let (output_commitment, proof) = match proved {
            Some(proved) => {
                tracing::info!("proof found in the journal, submitting it");
                proved
            }
            None => {
                self.journal.save(&Entry { job_id, stage: Stage::Proving })?;
                match self.prove(&view).await {
                    Ok(proved) => proved,
                    Err(JobFailure::Refused(refusal)) => return self.refuse(job_id, refusal).await,
                    Err(JobFailure::Transient(error)) => return Err(error),
                }
            }
        };
        let call = self.chain.jobs().complete_job_getcall(&job_id, &output_commitment, &proof);
        let sent = {
            let _turn = self.send_lock.lock().await;
            self.chain.send("complete_job", vec![call]).await
        };
        match sent {
            Ok(sent) => {
                tracing::info!(transaction = %format_args!("{:#x}", sent.transaction_hash), "completed, proof verified on-chain");
                self.upload_result(job_id, &proof).await;
                self.journal.remove(job_id)?;
                Ok("completed")
            }
            Err(error) if is_transient(&error) => Err(error),
            Err(error) => {
                // Reverted or rejected: whatever the job's state now, the next poll reads it and
                // forgets the job unless it is still assigned here.
                tracing::warn!("complete_job refused: {}", ciro_client::error_chain(&error));
                let still_mine = self.chain.job(job_id).await.map(|v| v.job.state == JobState::Assigned && v.job.worker.0 == self.address)?;
                if !still_mine {
                    self.journal.remove(job_id)?;
                    return Ok("lost");
                }
                Err(error)
            }
        }
    }

    /// Loads the model, fetches and checks the input, proves.
    async fn prove(&self, view: &JobView) -> Result<(Felt, Vec<Felt>), JobFailure> {
        let job_id = view.id;
        let job = &view.job;
        let model_record = self.chain.model(job.model_id).await?;
        let model = match self.model(model_record.commitment).await {
            Ok(model) => model,
            Err(error) if is_transient(&error) => return Err(JobFailure::Transient(error)),
            Err(error) => return Err(JobFailure::Refused(Refusal::BadJob(error.to_string()))),
        };
        let input = match self.inputs.fetch(job.input_commitment).await.and_then(|text| parse_input(job.input_commitment, &text)) {
            Ok(input) => input,
            Err(error @ ClientError::Http { .. }) => return Err(JobFailure::Transient(error)),
            Err(error) => return Err(JobFailure::Refused(Refusal::BadJob(format!("input: {error}")))),
        };
        let commitment = model.input_commitment(&input).map_err(|e| JobFailure::Refused(Refusal::BadJob(format!("input: {}", ciro_client::error_chain(&e)))))?;
        if commitment != job.input_commitment {
            return Err(JobFailure::Refused(Refusal::BadJob(format!(
                "the input fetched hashes to {commitment:#x}, the job commits to {:#x}",
                job.input_commitment
            ))));
        }
        tracing::info!(model = job.model_id, inputs = input.len(), "proving");
        let started = Instant::now();
        let proven = tokio::task::spawn_blocking(move || model.prove(&input, Felt::from(job_id), &ProveOptions::default()))
            .await
            .map_err(|e| ClientError::Prover(format!("the proving task failed: {e}")))?
            .map_err(|e| prover_error(&e))?;
        let elapsed = started.elapsed();
        self.metrics.add("ciro_worker_prove_seconds_total", &[], elapsed.as_secs_f64());
        {
            // Future refusals assume twice the latest proof plus a margin for submitting, never
            // less than the configured estimate.
            let mut estimate = self.prove_estimate.lock().unwrap_or_else(|p| p.into_inner());
            *estimate = (elapsed * 2 + Duration::from_secs(10)).max(Duration::from_secs(self.settings.prove_estimate_seconds));
        }
        let proof = proven.decoded.to_calldata();
        let output_commitment = proven.decoded.output_commitment;
        self.journal.save(&Entry {
            job_id,
            stage: Stage::Proved { output_commitment, proof: proof.clone(), prove_seconds: elapsed.as_secs_f64() },
        })?;
        tracing::info!(seconds = elapsed.as_secs_f64(), felts = proof.len(), "proved");
        Ok((output_commitment, proof))
    }

    /// Hands the proof of completed job `job_id` to the coordinator's result store, so its client
    /// can fetch it there; a failure is logged (the result can still be read from the chain).
    async fn upload_result(&self, job_id: u64, proof: &[Felt]) {
        let Some(coordinator) = &self.coordinator else { return };
        let text = match ciro_prover::proof_file::DecodedProof::from_calldata(proof).map(|d| d.to_file()).and_then(|f| f.to_json()) {
            Ok(text) => text,
            Err(error) => return tracing::warn!("the journal's proof does not decode: {error}"),
        };
        let name = job_id.to_string();
        let upload = || coordinator.put(BlobKind::Result, &name, text.clone().into_bytes());
        match Backoff::default().retry(upload, is_transient, |e| tracing::debug!("uploading the result: {e} (retrying)")).await {
            Ok(_) => tracing::info!("result uploaded to the coordinator"),
            Err(error) => tracing::warn!("uploading the result to the coordinator: {} (clients can read it from the chain)", ciro_client::error_chain(&error)),
        }
    }

    /// The model with `commitment`, prepared on the proving backend (cached).
    async fn model(&self, commitment: Felt) -> Result<Arc<PreparedOn>, ClientError> {
        if let Some(model) = self.model_cache.lock().unwrap_or_else(|p| p.into_inner()).get(&commitment) {
            return Ok(Arc::clone(model));
        }
        let (_, model) = self.models.find(commitment).await?;
        let backend = self.backend;
        let model = tokio::task::spawn_blocking(move || backend.prepare_like(Arc::new(model)))
            .await
            .map_err(|e| ClientError::Prover(format!("the preparing task failed: {e}")))?
            .map_err(|e| prover_error(&e))?;
        let model = Arc::new(model);
        self.model_cache.lock().unwrap_or_else(|p| p.into_inner()).insert(commitment, Arc::clone(&model));
        Ok(model)
    }

    /// Gives job `job_id` back with `abandon_job`: the client is refunded, nothing is slashed.
    async fn refuse(&self, job_id: u64, refusal: Refusal) -> Result<&'static str, ClientError> {
        let reason = match &refusal {
            Refusal::TooLate => "it cannot be proved before its deadline".to_owned(),
            Refusal::BadJob(reason) => reason.clone(),
        };
        tracing::info!("giving the job back ({reason})");
        let call = self.chain.jobs().abandon_job_getcall(&job_id);
        let result = {
            let _turn = self.send_lock.lock().await;
            self.chain.send("abandon_job", vec![call]).await
        };
        match result {
            Ok(_) => {}
            Err(error) if is_transient(&error) => return Err(error),
            Err(error) => tracing::warn!("abandon_job refused: {}", ciro_client::error_chain(&error)),
        }
        self.journal.remove(job_id)?;
        Ok(match refusal {
            Refusal::TooLate => "refused_deadline",
            Refusal::BadJob(_) => "refused_bad_job",
        })
    }

    /// `/health` and `/metrics`.
    pub fn handle_http(&self, request: &Request) -> Response {
        match (request.method.as_str(), request.path.as_str()) {
            ("GET", "/health") => {
                let last_poll = *self.last_poll.lock().unwrap_or_else(|p| p.into_inner());
                let (age, healthy) = ciro_client::metrics::liveness(last_poll, self.settings.poll_interval());
                let body = serde_json::json!({
                    "status": if healthy { "ok" } else { "unhealthy" },
                    "address": format!("{:#x}", self.address),
                    "in_flight": self.active.lock().unwrap_or_else(|p| p.into_inner()).len(),
                    "seconds_since_last_poll": age,
                });
                Response::json(if healthy { 200 } else { 503 }, &body)
            }
            ("GET", "/metrics") => self.metrics.response(),
            _ => Response::text(404, "not found: try /health or /metrics\n"),
        }
    }
}

enum JobFailure {
    Refused(Refusal),
    Transient(ClientError),
}

impl From<ClientError> for JobFailure {
    fn from(error: ClientError) -> Self {
        JobFailure::Transient(error)
    }
}

/// Connects and runs the node with its HTTP endpoints until the process ends.
///
/// # Errors
/// The configuration, the node or the listen address is unusable, or the account is not a
/// registered worker.
pub async fn run(config: &OperatorConfig) -> Result<(), ClientError> {
    let chain = ciro_client::chain::connect_with_retries(config, true).await?;
    let address = chain.address()?;
    let info = Backoff::default()
        .retry(
            || async { chain.pool_reader().get_worker(&ContractAddress(address)).call().await.map_err(ciro_client::chain::read_error("get_worker")) },
            is_transient,
            |_| {},
        )
        .await?;
    if info.stake.low == 0 {
        return Err(ClientError::Config(format!(
            "{address:#x} has no stake in CDC_Pool: run `ciro-worker register` and `ciro-worker stake <CIRO>` first"
        )));
    }
    let node = Arc::new(WorkerNode::new(chain, config)?);
    let server = Arc::clone(&node);
    let local = ciro_client::http::start(&config.worker.listen, move |request| {
        let node = Arc::clone(&server);
        async move { Some(node.handle_http(&request)) }
    })
    .await?;
    tracing::info!("worker {address:#x} listening on http://{local} (/health, /metrics)");
    node.run().await;
    Ok(())
}
