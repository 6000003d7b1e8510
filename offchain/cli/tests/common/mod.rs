//! What the operator tests and the bench share: a deployed devnet, the operator binaries of this
//! package, a flaky RPC proxy, and counting the keeper's transactions per job.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use ciro_demo::main_job;
use ciro_demo::market::Market;
use ciro_demo::network::LocalNetwork;
use ciro_demo::operators::{Binaries, OperatorSite};
use starknet::core::types::{
    BlockId, EventFilter, Felt, InvokeTransaction, MaybePreConfirmedBlockWithTxs, Transaction,
};
use starknet::providers::Provider;

pub fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn models() -> PathBuf {
    repository().join("prover/examples/models")
}

pub fn binaries() -> Binaries {
    Binaries { ciro: PathBuf::from(env!("CARGO_BIN_EXE_ciro")), keeper: keeper_binary(), worker: PathBuf::from(env!("CARGO_BIN_EXE_ciro-worker")) }
}

/// `ciro-keeper`, built beside `ciro` (same target directory and profile). It is a binary of the
/// `ciro-keeper` package, which Cargo builds for this package's tests only when asked.
fn keeper_binary() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let ciro = PathBuf::from(env!("CARGO_BIN_EXE_ciro"));
            let dir = ciro.parent().expect("the ciro binary is in a directory");
            let profile = match dir.file_name().and_then(|n| n.to_str()) {
                Some("debug") | None => "dev".to_owned(),
                Some(other) => other.to_owned(),
            };
            let target_dir = dir.parent().expect("the profile directory is in the target directory");
            let status = std::process::Command::new(env!("CARGO"))
                .args(["build", "--quiet", "--locked", "-p", "ciro-keeper", "--bin", "ciro-keeper", "--profile", &profile])
                .arg("--target-dir")
                .arg(target_dir)
                .current_dir(repository())
                .status()
                .expect("cargo runs");
            assert!(status.success(), "cargo build -p ciro-keeper failed");
            dir.join("ciro-keeper")
        })
        .clone()
}

/// Devnet with Ciro deployed, an operator site, and the workers registered and staked; with a
/// coordinator, the keeper is running (it is the coordinator: inputs, models and results move
/// through it, and the site's model directory starts empty).
pub struct Fixture {
    pub network: LocalNetwork,
    pub site: OperatorSite,
    pub model_id: String,
    pub manifest: PathBuf,
    pub dir: tempfile::TempDir,
    /// Where the keeper listens (the coordinator's address, when there is one).
    pub keeper_listen: String,
    /// The running keeper, when the fixture has a coordinator.
    pub keeper: Option<tokio::process::Child>,
}

impl Fixture {
    /// With the keeper running as the coordinator.
    pub async fn start(max_concurrent_jobs: u8) -> Result<Self> {
        Self::launch(max_concurrent_jobs, true).await
    }

    /// Without a coordinator: inputs in the site's directory, models in the repository's; no
    /// keeper runs.
    pub async fn without_coordinator(max_concurrent_jobs: u8) -> Result<Self> {
        Self::launch(max_concurrent_jobs, false).await
    }

    async fn launch(max_concurrent_jobs: u8, with_coordinator: bool) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let manifests = dir.path().join("deployments");
        let network = LocalNetwork::launch(&ciro_tests::artifacts_dir(), &manifests).await?;
        let manifest = manifests.join("devnet.json");
        let keeper_listen = ciro_demo::operators::free_address()?;
        let coordinator = format!("http://{keeper_listen}");
        let (models, coordinator) = if with_coordinator { (None, Some(coordinator.as_str())) } else { (Some(models()), None) };
        let site = OperatorSite::create(&network, &manifest, network.devnet.url().as_str(), models.as_deref(), coordinator, &dir.path().join("site"), binaries())?;
        let keeper = if with_coordinator {
            let keeper = site.spawn_keeper(ciro_demo::network::actor::KEEPER, site.address(ciro_demo::network::actor::DEPLOYER)?, &keeper_listen, 200)?;
            main_job::wait_for_health(&keeper_listen).await?;
            Some(keeper)
        } else {
            None
        };
        let model_id = {
            let market = Market::new(&network)?;
            main_job::set_up(&market, &site, [&site, &site], &repository().join("prover/examples/models/iris_mlp.onnx"), max_concurrent_jobs, &|_| {}).await?
        };
        Ok(Fixture { network, site, model_id, manifest, dir, keeper_listen, keeper })
    }

    /// Takes the running keeper (to kill and restart it at [`Fixture::keeper_listen`]).
    pub fn take_keeper(&mut self) -> Result<tokio::process::Child> {
        self.keeper.take().ok_or_else(|| anyhow::anyhow!("this fixture runs no keeper"))
    }

    pub fn market(&self) -> Result<Market<'_>> {
        Ok(Market::new(&self.network)?)
    }

    /// Points the operators started from now on at `rpc_url`.
    pub fn use_rpc(&self, rpc_url: &str) -> Result<()> {
        let text = std::fs::read_to_string(&self.site.config)?;
        let line = text.lines().find(|l| l.starts_with("rpc_url")).unwrap_or_default().to_owned();
        std::fs::write(&self.site.config, text.replace(&line, &format!("rpc_url = \"{rpc_url}\"")))?;
        Ok(())
    }

    /// Submits `count` jobs as `client` with `ciro submit-job`; returns their ids.
    pub async fn submit(&self, client: usize, count: usize) -> Result<Vec<u64>> {
        self.submit_with(client, count, &["--deadline-in", "3600"]).await
    }

    /// Submits `count` jobs as `client` with `ciro submit-job <extra>`; returns their ids.
    pub async fn submit_with(&self, client: usize, count: usize, extra: &[&str]) -> Result<Vec<u64>> {
        let mut ids = Vec::new();
        for index in 0..count {
            let input = models().join(format!("iris_input_{}.json", index % 3));
            let mut args = vec!["--json", "submit-job", "--model", &self.model_id, "--input", input.to_str().unwrap_or_default(), "--payment", "10"];
            args.extend_from_slice(extra);
            let output = self.site.ciro(client, &args).await?;
            let value: serde_json::Value = serde_json::from_str(&output)?;
            ids.push(value["job_id"].as_u64().ok_or_else(|| anyhow::anyhow!("no job id in {output}"))?);
        }
        Ok(ids)
    }
}

/// A proxy in front of the node that drops a request before forwarding it, drops the answer
/// after forwarding it, or delays it, each with its probability.
pub struct FlakyRpc {
    pub url: String,
    pub dropped_requests: Arc<AtomicU64>,
    pub dropped_answers: Arc<AtomicU64>,
    pub delayed: Arc<AtomicU64>,
    pub forwarded: Arc<AtomicU64>,
}

impl FlakyRpc {
    pub async fn start(upstream: String, drop_request: f64, drop_answer: f64, delay: f64) -> Result<Self> {
        let counters = [Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0))];
        let [requests, answers, delays, forwarded] = counters.clone();
        let client = reqwest::Client::new();
        let address = ciro_client::http::start("127.0.0.1:0", move |request| {
            let (client, upstream) = (client.clone(), upstream.clone());
            let (requests, answers, delays, forwarded) = (requests.clone(), answers.clone(), delays.clone(), forwarded.clone());
            async move {
                if fastrand::f64() < drop_request {
                    requests.fetch_add(1, Ordering::Relaxed);
                    return None;
                }
                if fastrand::f64() < delay {
                    delays.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(fastrand::u64(50..400))).await;
                }
                let response = client.post(&upstream).header("content-type", "application/json").body(request.body).send().await.ok()?;
                let status = response.status().as_u16();
                let body = response.bytes().await.ok()?.to_vec();
                forwarded.fetch_add(1, Ordering::Relaxed);
                if fastrand::f64() < drop_answer {
                    answers.fetch_add(1, Ordering::Relaxed);
                    return None;
                }
                Some(ciro_client::http::Response { status, content_type: "application/json".to_owned(), body })
            }
        })
        .await?;
        let url = format!("http://{address}/rpc");
        let [dropped_requests, dropped_answers, delayed, forwarded] = counters;
        Ok(FlakyRpc { url, dropped_requests, dropped_answers, delayed, forwarded })
    }
}

/// The keeper's transactions per (job, entry point), reverted ones included, read block by block.
pub async fn keeper_transactions(network: &LocalNetwork, keeper: Felt) -> Result<(BTreeMap<(u64, String), u64>, u64)> {
    let provider = network.devnet.provider();
    use ciro_bindings::selectors::job_manager::{ASSIGN_JOB, RELEASE_PAYMENT, TIMEOUT_JOB};
    let selectors = [(ASSIGN_JOB, "assign_job"), (TIMEOUT_JOB, "timeout_job"), (RELEASE_PAYMENT, "release_payment")];
    let mut counts = BTreeMap::new();
    let mut reverted = 0;
    let head = provider.block_number().await?;
    for number in 0..=head {
        let MaybePreConfirmedBlockWithTxs::Block(block) = provider.get_block_with_txs(BlockId::Number(number)).await? else { continue };
        for transaction in block.transactions {
            let Transaction::Invoke(InvokeTransaction::V3(tx)) = transaction else { continue };
            if tx.sender_address != keeper {
                continue;
            }
            let receipt = provider.get_transaction_receipt(tx.transaction_hash).await?;
            if matches!(receipt.receipt.execution_result(), starknet::core::types::ExecutionResult::Reverted { .. }) {
                reverted += 1;
            }
            // Multicall calldata: [count, (to, selector, length, data…)…].
            let data = &tx.calldata;
            let mut at = 1;
            while at + 2 < data.len() {
                let (selector, length) = (data[at + 1], usize::try_from(data[at + 2]).unwrap_or(0));
                if let Some((_, name)) = selectors.iter().find(|(s, _)| *s == selector) {
                    let job = data.get(at + 3).and_then(|j| u64::try_from(*j).ok()).unwrap_or(0);
                    *counts.entry((job, (*name).to_owned())).or_insert(0) += 1;
                }
                at += 3 + length;
            }
        }
    }
    Ok((counts, reverted))
}

/// How many times each (job, event) was emitted by JobManager.
pub async fn job_events(network: &LocalNetwork, job_manager: Felt) -> Result<BTreeMap<(u64, String), u64>> {
    let provider = network.devnet.provider();
    use ciro_bindings::job_manager::Event;
    let filter = EventFilter { from_block: Some(BlockId::Number(0)), to_block: None, address: Some(job_manager), keys: None };
    let events = ciro_client::chain::all_events(provider.as_ref(), filter).await?;
    let mut counts = BTreeMap::new();
    for event in ciro_client::chain::job_manager_events(&events) {
        let (job, name) = match event {
            Event::JobAssigned(e) => (e.job_id, "JobAssigned"),
            Event::JobRequeued(e) => (e.job_id, "JobRequeued"),
            Event::JobTimedOut(e) => (e.job_id, "JobTimedOut"),
            Event::PaymentReleased(e) => (e.job_id, "PaymentReleased"),
            _ => continue,
        };
        *counts.entry((job, name.to_owned())).or_insert(0) += 1;
    }
    Ok(counts)
}

/// Keeper transactions beyond what the chain needed: per job, assignments beyond `JobAssigned`
/// events, timeouts beyond `JobRequeued` + `JobTimedOut`, payments beyond `PaymentReleased`.
pub fn duplicate_actions(sent: &BTreeMap<(u64, String), u64>, events: &BTreeMap<(u64, String), u64>) -> u64 {
    let event = |job: u64, name: &str| events.get(&(job, name.to_owned())).copied().unwrap_or(0);
    sent.iter()
        .map(|((job, action), count)| {
            let needed = match action.as_str() {
                "assign_job" => event(*job, "JobAssigned"),
                "timeout_job" => event(*job, "JobRequeued") + event(*job, "JobTimedOut"),
                _ => event(*job, "PaymentReleased"),
            };
            count.saturating_sub(needed)
        })
        .sum()
}

/// Panics unless `result` is a failure whose message contains `needle`.
pub fn expect_failure(result: Result<String, ciro_demo::DemoError>, needle: &str) {
    match result {
        Ok(output) => panic!("expected a failure mentioning {needle:?}, got {output}"),
        Err(error) => assert!(error.to_string().contains(needle), "{needle:?} not in: {error}"),
    }
}

/// The last `lines` lines of each log in `dir`, headed by its name, for a failure message.
pub fn log_tails(dir: &std::path::Path, logs: &[&str], lines: usize) -> String {
    let mut out = String::new();
    for name in logs {
        let text = std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| format!("(unreadable: {e})"));
        let all: Vec<&str> = text.lines().collect();
        out.push_str(&format!("--- {name}, last {} of {} lines ---\n", lines.min(all.len()), all.len()));
        for line in &all[all.len().saturating_sub(lines)..] {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
