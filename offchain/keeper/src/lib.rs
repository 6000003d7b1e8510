//! `ciro-keeper`: moves every job from submission to payment with no one in the loop.
//!
//! Each poll it
//! 1. checks that the blocks it read last are still the chain's (a reorg rewinds its cursor and
//!    the replaced blocks are read again),
//! 2. reads JobManager's, CDC_Pool's and Paymaster's events from its cursor, noting the jobs they
//!    touch, and advances the cursor in the same SQLite transaction ([`store`]),
//! 3. looks at every job not yet finished and paid, *as the chain has it now*, and sends what it
//!    needs: `assign_job` (Pending), `timeout_job` (past its deadline), `release_payment`
//!    (Completed, not paid).
//!
//! Every transaction's hash is recorded before it is sent. After a crash the keeper asks the node
//! what became of each recorded transaction before deciding anything, and a revert that says the
//! work is already done (`JM: job not pending`, `JM: payment already released`, …) counts as done.
//! So a restart at any point neither misses nor repeats an action. RPC failures are retried with
//! exponential backoff and jitter.
//!
//! It also relays sponsored requests ([`relay`]): a user without fee tokens posts a signed SNIP-9
//! `OutsideExecution` to `/relay`, and the keeper submits it through the Paymaster, paid from the
//! configured sponsor's budget. `/health` and `/metrics` (Prometheus) are served next to it.
//!
//! And it is the coordinator's data plane (feature `data-plane`, on by default; it links the
//! prover, to check models and proofs): job inputs, models and results under `/v1/`, each
//! authenticated by its name and kept in a [`blobs::BlobStore`] (the data plane module's doc has
//! the rules). Built without it (`--no-default-features`) the keeper links no prover and answers
//! `/v1/` with 404.

#![deny(missing_docs)]

pub mod blobs;
#[cfg(feature = "data-plane")]
mod data_plane;
pub mod relay;
pub mod store;

use ciro_bindings::errors;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ciro_bindings::job_manager::{self, JobState};
use ciro_client::coordinator::BlobKind;
use ciro_client::chain::{job_manager_events, job_of, state_name, TxOutcome};
use ciro_client::config::{parse_address, KeeperSettings};
use ciro_client::http::{Request, Response};
use ciro_client::metrics::{Kind, Metrics};
use ciro_client::retry::{is_transient, Backoff};
use ciro_client::{Chain, ClientError};
use starknet::core::types::{BlockId, Call, EventFilter, Felt};
use tracing::Instrument;

pub use blobs::{BlobStore, FsBlobStore};
pub use relay::{RelayRequest, RelayResponse};
pub use store::{Store, StoreError};

/// Why the keeper stopped or a step failed.
#[derive(Debug, thiserror::Error)]
pub enum KeeperError {
    /// The chain, the configuration or a transaction.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The blob store.
    #[error(transparent)]
    Blobs(#[from] blobs::BlobError),
}

impl KeeperError {
    fn is_transient(&self) -> bool {
        match self {
            KeeperError::Client(error) => is_transient(error),
            KeeperError::Store(_) | KeeperError::Blobs(_) => false,
        }
    }
}

/// The on-chain actions the keeper takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `assign_job`.
    Assign,
    /// `timeout_job`.
    Timeout,
    /// `release_payment`.
    Release,
}

impl Action {
    /// The entry point.
    pub fn entry_point(self) -> &'static str {
        match self {
            Action::Assign => "assign_job",
            Action::Timeout => "timeout_job",
            Action::Release => "release_payment",
        }
    }

    /// Revert messages meaning another transaction already did it.
    fn already_done(self) -> &'static [&'static str] {
        match self {
            Action::Assign => &[errors::job_manager::JOB_NOT_PENDING],
            Action::Timeout => &[errors::job_manager::JOB_NOT_ACTIVE],
            Action::Release => &[errors::job_manager::PAYMENT_ALREADY_RELEASED],
        }
    }

    /// Rejections meaning "not now": try again at a later poll.
    fn not_yet(self) -> &'static [&'static str] {
        match self {
            Action::Assign => &[errors::cdc_pool::NO_ELIGIBLE_WORKER, errors::job_manager::DEADLINE_PASSED, errors::job_manager::WINDOW_TOO_SHORT, errors::access::PAUSED],
            Action::Timeout => &[errors::job_manager::DEADLINE_NOT_PASSED],
            Action::Release => &[errors::access::PAUSED],
        }
    }
}

/// What the job needs now, from its on-chain record and the chain's time.
pub fn next_action(state: &JobState, deadline: u64, settled: bool, now: u64) -> Option<Action> {
    match state {
        JobState::Pending if now > deadline => Some(Action::Timeout),
        JobState::Pending => Some(Action::Assign),
        JobState::Assigned if now > deadline => Some(Action::Timeout),
        JobState::Completed if !settled => Some(Action::Release),
        _ => None,
    }
}

/// What one poll did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollReport {
    /// The chain's head.
    pub head: u64,
    /// The last block read.
    pub read_to: Option<u64>,
    /// Events read.
    pub events: u64,
    /// Transactions that succeeded.
    pub actions: u64,
    /// Jobs still open.
    pub open_jobs: u64,
    /// Whether a reorg was found.
    pub reorg: bool,
}

#[derive(Debug, Clone, Copy)]
struct Health {
    last_success: Option<Instant>,
    head: u64,
    next_block: u64,
}

/// The keeper.
pub struct Keeper {
    chain: Chain,
    store: Store,
    #[cfg_attr(not(feature = "data-plane"), allow(dead_code))]
    blobs: Arc<dyn BlobStore>,
    settings: KeeperSettings,
    sponsor: Option<Felt>,
    metrics: Metrics,
    send_lock: tokio::sync::Mutex<()>,
    /// Held while reading the chain forward (the poll, and the data plane catching up).
    follow_lock: tokio::sync::Mutex<()>,
    health: Mutex<Health>,
}

impl Keeper {
    /// A keeper sending from `chain`'s account, with its state in `store` and the data plane's
    /// blobs in `blobs`.
    ///
    /// # Errors
    /// The configured sponsor is not an address.
    pub fn new(chain: Chain, store: Store, blobs: Arc<dyn BlobStore>, settings: KeeperSettings) -> Result<Self, KeeperError> {
        let sponsor = settings.sponsor.as_deref().map(|s| parse_address(s, "keeper.sponsor")).transpose()?;
        let metrics = Metrics::default();
        metrics.describe("ciro_keeper_jobs", Kind::Gauge, "Jobs followed, by their last read state.");
        metrics.describe("ciro_keeper_actions_total", Kind::Counter, "Transactions the keeper sent, by entry point and result.");
        metrics.describe("ciro_keeper_failures_total", Kind::Counter, "Polls or actions that failed, by kind.");
        metrics.describe("ciro_keeper_lag_blocks", Kind::Gauge, "Blocks between the chain's head and the last block read.");
        metrics.describe("ciro_keeper_events_total", Kind::Counter, "Events read, by contract.");
        metrics.describe("ciro_keeper_reorgs_total", Kind::Counter, "Reorgs found (blocks read again).");
        metrics.describe("ciro_keeper_relays_total", Kind::Counter, "Sponsored requests relayed to the Paymaster, by result.");
        // Unlabelled series start at 0, so a first reorg is a rise Prometheus sees.
        metrics.add("ciro_keeper_reorgs_total", &[], 0.0);
        metrics.set("ciro_keeper_lag_blocks", &[], 0.0);
        Ok(Keeper {
            chain,
            store,
            blobs,
            settings,
            sponsor,
            metrics,
            send_lock: tokio::sync::Mutex::new(()),
            follow_lock: tokio::sync::Mutex::new(()),
            health: Mutex::new(Health { last_success: None, head: 0, next_block: 0 }),
        })
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Polls until the process ends: after a failure it waits with backoff and jitter.
    pub async fn run(&self) {
        let backoff = Backoff { base: Duration::from_millis(200), max: Duration::from_secs(10), attempts: u32::MAX };
        let mut failures = 0u32;
        loop {
            match self.poll().await {
                Ok(_) => {
                    failures = 0;
                    tokio::time::sleep(self.settings.poll_interval()).await;
                }
                Err(error) => {
                    let kind = if error.is_transient() { "rpc" } else { "other" };
                    self.metrics.inc("ciro_keeper_failures_total", &[("kind", kind)]);
                    tracing::warn!(kind, "poll failed: {}", ciro_client::error_chain(&error));
                    tokio::time::sleep(backoff.delay(failures)).await;
                    failures = failures.saturating_add(1);
                }
            }
        }
    }

    /// One poll: follow the chain, then act on every open job.
    ///
    /// # Errors
    /// The node or the database failed; nothing is lost, the next poll starts over from the
    /// recorded state.
    pub async fn poll(&self) -> Result<PollReport, KeeperError> {
        let mut report = {
            let _reading = self.follow_lock.lock().await;
            self.follow().await?
        };
        let now = self.chain.now().await?;
        let mut transient = None;
        for job_id in self.store.open_jobs()? {
            // A flaky node fails one job's step, not the others': they go on, and the poll is
            // reported as failed afterwards (to back off) with the first error.
            match self.act_on(job_id, now).instrument(tracing::info_span!("job", id = job_id)).await {
                Ok(true) => report.actions += 1,
                Ok(false) => {}
                Err(error) if error.is_transient() => {
                    transient.get_or_insert(error);
                }
                Err(error) => return Err(error),
            }
        }
        if let Some(error) = transient {
            return Err(error);
        }
        report.open_jobs = self.store.open_jobs()?.len() as u64;
        for (state, count) in self.store.job_states()? {
            self.metrics.set("ciro_keeper_jobs", &[("state", &state)], count as f64);
        }
        #[cfg(feature = "data-plane")]
        self.sweep();
        let mut health = self.health.lock().unwrap_or_else(|p| p.into_inner());
        health.last_success = Some(Instant::now());
        Ok(report)
    }

    async fn follow(&self) -> Result<PollReport, KeeperError> {
        let head = self.chain.block_number().await?;
        let mut report = PollReport { head, ..PollReport::default() };
        // A reorg replaced a block we read if its hash changed; blocks chain their hashes, so
        // checking from the newest recorded block back finds the first replaced one.
        let recorded = self.store.recorded_blocks()?;
        let mut first_replaced = None;
        for (number, hash) in recorded.iter().rev() {
            if self.chain.block_hash(*number).await? == Some(*hash) {
                break;
            }
            first_replaced = Some(*number);
        }
        if let Some(number) = first_replaced {
            tracing::warn!("reorg: blocks from {number} were replaced, reading them again");
            self.metrics.inc("ciro_keeper_reorgs_total", &[]);
            self.store.rewind(number)?;
            report.reorg = true;
        }
        let from = self.store.next_block()?.unwrap_or(self.chain.contracts.start_block);
        if from > head {
            self.set_lag(head, from);
            return Ok(report);
        }
        let to = head.min(from + self.settings.max_blocks_per_poll.max(1) - 1);
        let mut touched = Vec::new();
        let mut named = Vec::new();
        let contracts = [
            ("JobManager", self.chain.contracts.job_manager),
            ("CDCPool", self.chain.contracts.pool),
            ("Paymaster", self.chain.contracts.paymaster),
        ];
        for (name, address) in contracts {
            let filter = EventFilter {
                from_block: Some(BlockId::Number(from)),
                to_block: Some(BlockId::Number(to)),
                address: Some(address),
                keys: None,
            };
            let events = self.chain.events(filter).await?;
            self.metrics.add("ciro_keeper_events_total", &[("contract", name)], events.len() as f64);
            report.events += events.len() as u64;
            if address == self.chain.contracts.job_manager {
                for event in job_manager_events(&events) {
                    touched.extend(job_of(&event));
                    match &event {
                        job_manager::Event::JobSubmitted(submitted) => named.push((BlobKind::Input, submitted.input_commitment)),
                        job_manager::Event::ModelRegistered(registered) => {
                            named.push((BlobKind::Model, registered.commitment));
                            if registered.labels != Felt::ZERO {
                                named.push((BlobKind::Labels, registered.labels));
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        touched.sort_unstable();
        touched.dedup();
        let depth = self.settings.reorg_depth.max(1);
        let mut hashes = Vec::new();
        for number in to.saturating_sub(depth - 1).max(from)..=to {
            if let Some(hash) = self.chain.block_hash(number).await? {
                hashes.push((number, hash));
            }
        }
        self.store.advance(to, &touched, &named, &hashes, depth)?;
        report.read_to = Some(to);
        self.set_lag(head, to + 1);
        Ok(report)
    }

    /// Reads the chain up to its head now, between polls (the data plane asks, when an upload
    /// waits for a name the chain may already hold).
    #[cfg(feature = "data-plane")]
    async fn catch_up(&self) -> Result<(), KeeperError> {
        let _reading = self.follow_lock.lock().await;
        loop {
            let report = self.follow().await?;
            if report.read_to.is_none_or(|to| to >= report.head) {
                return Ok(());
            }
        }
    }

    fn set_lag(&self, head: u64, next_block: u64) {
        let lag = head.saturating_add(1).saturating_sub(next_block);
        self.metrics.set("ciro_keeper_lag_blocks", &[], lag as f64);
        let mut health = self.health.lock().unwrap_or_else(|p| p.into_inner());
        health.head = head;
        health.next_block = next_block;
    }

    /// Reads job `job_id` and sends what it needs; returns whether a transaction succeeded.
    async fn act_on(&self, job_id: u64, now: u64) -> Result<bool, KeeperError> {
        let view = self.chain.job(job_id).await?;
        let job = &view.job;
        self.store.set_job(job_id, view.state_name(), !view.is_final())?;
        let Some(action) = next_action(&job.state, job.deadline, job.settled, now) else { return Ok(false) };
        let call = match action {
            Action::Assign => self.chain.jobs().assign_job_getcall(&job_id),
            Action::Timeout => self.chain.jobs().timeout_job_getcall(&job_id),
            Action::Release => self.chain.jobs().release_payment_getcall(&job_id),
        };
        let reference = format!("job:{job_id}");
        match self.resolve_recorded(action.entry_point(), &reference, action.already_done()).await? {
            Recorded::Succeeded | Recorded::InFlight => return Ok(false),
            Recorded::Nothing => {}
        }
        let outcome = self.send(job_id, action.entry_point(), &reference, vec![call], action.already_done()).await;
        match outcome {
            Ok(SendOutcome::Succeeded) => {
                tracing::info!(action = action.entry_point(), "{} ({} → done)", action.entry_point(), state_name(&job.state));
                Ok(true)
            }
            Ok(SendOutcome::AlreadyDone) => Ok(false),
            Err(error) => {
                if says_any(&error.revert_messages(), action.not_yet()) {
                    return Ok(false);
                }
                self.metrics.inc("ciro_keeper_failures_total", &[("kind", action.entry_point())]);
                if is_transient(&error) {
                    return Err(error.into());
                }
                tracing::warn!(action = action.entry_point(), "{} failed: {}", action.entry_point(), ciro_client::error_chain(&error));
                Ok(false)
            }
        }
    }

    /// Finds out what became of transactions recorded for `reference` whose outcome is unknown.
    async fn resolve_recorded(&self, kind: &str, reference: &str, already_done: &[&str]) -> Result<Recorded, KeeperError> {
        let mut result = Recorded::Nothing;
        for action in self.store.unfinished_actions(Some(kind), Some(reference))? {
            match self.chain.outcome(action.transaction_hash).await? {
                TxOutcome::Succeeded(_) => {
                    self.store.finish_action(action.id, "succeeded", "found after a restart")?;
                    self.metrics.inc("ciro_keeper_actions_total", &[("action", kind), ("result", "succeeded")]);
                    result = Recorded::Succeeded;
                }
                TxOutcome::Reverted(reason) => {
                    let messages = ciro_chain::TxError::Reverted { transaction_hash: action.transaction_hash, reason: reason.clone() }.revert_messages();
                    let status = if says_any(&messages, already_done) { "already_done" } else { "reverted" };
                    self.store.finish_action(action.id, status, &reason)?;
                }
                TxOutcome::Pending => result = Recorded::InFlight,
                TxOutcome::Unknown => self.store.finish_action(action.id, "dropped", "the node does not know it")?,
            }
        }
        Ok(result)
    }

    /// Sends `calls`, recording the transaction first.
    async fn send(&self, job_id: u64, kind: &str, reference: &str, calls: Vec<Call>, already_done: &[&str]) -> Result<SendOutcome, ClientError> {
        let _turn = self.send_lock.lock().await;
        let recorded = AtomicI64::new(-1);
        let result = self
            .chain
            .send_recorded(kind, calls, |hash| {
                let id = self.store.record_action(job_id, kind, reference, hash).map_err(|e| ClientError::Config(e.to_string()))?;
                recorded.store(id, Ordering::SeqCst);
                Ok(())
            })
            .await;
        let finish = |status: &str, detail: &str| {
            let id = recorded.load(Ordering::SeqCst);
            if id >= 0 {
                if let Err(error) = self.store.finish_action(id, status, detail) {
                    tracing::error!("recording the outcome of {kind}: {error}");
                }
            }
        };
        match result {
            Ok(_) => {
                finish("succeeded", "");
                self.metrics.inc("ciro_keeper_actions_total", &[("action", kind), ("result", "succeeded")]);
                Ok(SendOutcome::Succeeded)
            }
            Err(error) => {
                let messages = error.revert_messages();
                if says_any(&messages, already_done) {
                    finish("already_done", &messages.join("; "));
                    self.metrics.inc("ciro_keeper_actions_total", &[("action", kind), ("result", "already_done")]);
                    return Ok(SendOutcome::AlreadyDone);
                }
                if !is_transient(&error) {
                    // Included and reverted, or never sent: either way it is over.
                    let status = if matches!(&error, ClientError::Tx { source, .. } if matches!(**source, ciro_chain::TxError::Reverted { .. })) { "reverted" } else { "dropped" };
                    finish(status, &ciro_client::error_chain(&error));
                    if recorded.load(Ordering::SeqCst) >= 0 {
                        self.metrics.inc("ciro_keeper_actions_total", &[("action", kind), ("result", status)]);
                    }
                }
                // A transient failure leaves the record `sent`: the next poll asks the node.
                Err(error)
            }
        }
    }

    /// The `/health`, `/metrics`, `/relay` and `/v1/` endpoints.
    pub async fn handle(&self, request: Request) -> Response {
        if request.path.starts_with("/v1/") {
            #[cfg(feature = "data-plane")]
            return self.handle_blob(&request.method, &request.path, &request.body).await;
            #[cfg(not(feature = "data-plane"))]
            return Response::text(404, "this keeper was built without its data plane (feature `data-plane`)\n");
        }
        match (request.method.as_str(), request.path.as_str()) {
            ("GET", "/health") => self.health(),
            ("GET", "/metrics") => self.metrics.response(),
            ("POST", "/relay") => self.handle_relay(&request.body).await,
            (_, "/health" | "/metrics" | "/relay") => Response::text(405, "method not allowed\n"),
            _ => Response::text(404, "not found: try /health, /metrics, POST /relay or /v1/{inputs,models,results}/<name>\n"),
        }
    }

    fn health(&self) -> Response {
        let health = *self.health.lock().unwrap_or_else(|p| p.into_inner());
        let (age, healthy) = ciro_client::metrics::liveness(health.last_success, self.settings.poll_interval());
        let body = serde_json::json!({
            "status": if healthy { "ok" } else { "unhealthy" },
            "head": health.head,
            "next_block": health.next_block,
            "lag_blocks": health.head.saturating_add(1).saturating_sub(health.next_block),
            "seconds_since_last_poll": age,
        });
        Response::json(if healthy { 200 } else { 503 }, &body)
    }
}

enum Recorded {
    Nothing,
    Succeeded,
    InFlight,
}

enum SendOutcome {
    Succeeded,
    AlreadyDone,
}

/// Whether one of a failure's revert `messages` is exactly one of `expected`.
fn says_any(messages: &[String], expected: &[&str]) -> bool {
    messages.iter().any(|message| expected.contains(&message.as_str()))
}

/// Opens the database, connects, and runs the keeper with its HTTP endpoints until the process
/// ends.
///
/// # Errors
/// The configuration, the node, the database or the listen address is unusable.
pub async fn run(config: &ciro_client::OperatorConfig) -> Result<(), KeeperError> {
    let chain = ciro_client::chain::connect_with_retries(config, true).await?;
    let store = Store::open(&config.keeper.database)?;
    let blobs = Arc::new(FsBlobStore::open(&config.keeper.blob_dir())?);
    let keeper = Arc::new(Keeper::new(chain, store, blobs, config.keeper.clone())?);
    let server = Arc::clone(&keeper);
    let address = ciro_client::http::start_with_limit(&config.keeper.listen, config.keeper.max_upload_bytes, move |request| {
        let keeper = Arc::clone(&server);
        async move { Some(keeper.handle(request).await) }
    })
    .await?;
    tracing::info!("keeper listening on http://{address} (/health, /metrics, POST /relay, /v1/ blobs in {})", config.keeper.blob_dir().display());
    keeper.run().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decides_from_state_and_time() {
        assert_eq!(next_action(&JobState::Pending, 100, false, 50), Some(Action::Assign));
        assert_eq!(next_action(&JobState::Pending, 100, false, 100), Some(Action::Assign));
        assert_eq!(next_action(&JobState::Pending, 100, false, 101), Some(Action::Timeout));
        assert_eq!(next_action(&JobState::Assigned, 100, false, 100), None);
        assert_eq!(next_action(&JobState::Assigned, 100, false, 101), Some(Action::Timeout));
        assert_eq!(next_action(&JobState::Completed, 100, false, 500), Some(Action::Release));
        assert_eq!(next_action(&JobState::Completed, 100, true, 500), None);
        assert_eq!(next_action(&JobState::Cancelled, 100, true, 500), None);
        assert!(says_any(&[errors::cdc_pool::NO_ELIGIBLE_WORKER.to_owned()], Action::Assign.not_yet()));
        assert!(!says_any(&[errors::job_manager::JOB_NOT_PENDING.to_owned()], Action::Assign.not_yet()));
    }
}
