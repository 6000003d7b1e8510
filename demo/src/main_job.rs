//! The main job: the keeper (also the coordinator) and two workers run as real processes, each
//! in a directory of its own; a client submits three jobs with the `ciro` CLI, one of them through
//! the Paymaster (signed off-chain, relayed by the keeper), and a computer-vision job (an image
//! classified by a CNN), its inputs uploaded to the coordinator; the keeper assigns them, the selected workers fetch the model and the input from
//! the coordinator, prove, and `complete_job` verifies each proof on-chain; the keeper releases
//! the payments. Nobody steps in once the jobs are submitted. The client then reads each result
//! back from the chain and verifies it; the lifecycle table is read from JobManager's events.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use cainome::cairo_serde::ContractAddress;
use ciro_bindings::paymaster::Paymaster;
use starknet::core::types::{
    BlockId, BlockTag, EventFilter, Felt, InvokeTransaction, Transaction, TransactionReceipt,
};
use starknet::providers::Provider;

use crate::market::{u256, Market, CIRO};
use crate::network::actor;
use crate::operators::{free_address, OperatorSite};
use crate::DemoError;

/// The client paying through the Paymaster (it signs, the keeper sends).
pub const SPONSORED_CLIENT: usize = 5;
/// CIRO each job escrows.
pub const PAYMENT_CIRO: u128 = 100;
/// CIRO the sponsor deposits in the Paymaster.
pub const SPONSOR_BUDGET_CIRO: u128 = 50;
/// Sponsored requests per day the sponsor pays the keeper for: its worst-case daily spend is this
/// times the Paymaster's reimbursement, whatever accounts the keeper relays for.
pub const KEEPER_DAILY_REQUESTS: u32 = 100;

/// One row of the lifecycle table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleRow {
    /// The job.
    pub job_id: u64,
    /// The event.
    pub event: String,
    /// Who sent the transaction.
    pub by: String,
    /// The transaction.
    pub transaction_hash: Felt,
    /// Its L2 gas.
    pub l2_gas: u64,
}

/// How one job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobOutcome {
    /// The job.
    pub id: u64,
    /// Paid through the Paymaster.
    pub sponsored: bool,
    /// Its job type (`AIInference`, `ComputerVision`).
    pub job_type: String,
    /// Its final state's name.
    pub state: String,
    /// Its payment was released.
    pub settled: bool,
    /// The worker's name.
    pub worker: String,
}

impl JobOutcome {
    /// Completed and paid out.
    pub fn completed_and_paid(&self) -> bool {
        self.state == "Completed" && self.settled
    }
}

/// What the main job did.
#[derive(Debug, Clone)]
pub struct MainJobReport {
    /// The jobs.
    pub jobs: Vec<JobOutcome>,
    /// Every job transaction, in chain order.
    pub lifecycle: Vec<LifecycleRow>,
    /// The holders' balances.
    pub balances: Vec<BalanceRow>,
    /// Each job's verified outputs beside the float model's, and its stage times.
    pub outputs: Vec<OutputRow>,
    /// CIRO still escrowed by JobManager at the end (0 when every job is paid).
    pub escrowed_after: u128,
    /// From the first submission to the last payment.
    pub run_time: Duration,
}

fn operator_error(message: impl Into<String>) -> DemoError {
    DemoError::Operator(message.into())
}

fn json_field(text: &str, field: &str) -> Result<serde_json::Value, DemoError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| operator_error(format!("unexpected output {text:?}: {e}")))?;
    value.get(field).cloned().ok_or_else(|| operator_error(format!("no `{field}` in {text}")))
}

/// The operators' working directories: each has its own configuration, models and state, and
/// they share nothing but the chain and the coordinator's URL (the keeper's).
pub struct Sites<'a> {
    /// The keeper, which is also the coordinator (its blob store is in its directory).
    pub keeper: &'a OperatorSite,
    /// The clients (both client accounts run from it).
    pub client: &'a OperatorSite,
    /// Worker A's and worker B's.
    pub workers: [&'a OperatorSite; 2],
}

/// How long each stage of a job took, as the client saw it (wall clock, polling the chain).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StageTimes {
    /// `ciro submit-job` (input uploaded, payment escrowed, job on-chain).
    pub submit: Duration,
    /// From submission until the job was seen Assigned.
    pub to_assigned: Duration,
    /// From assignment until it was seen Completed: the worker fetched the model and the input,
    /// proved, and `complete_job` verified the proof on-chain.
    pub to_completed: Duration,
    /// Of that, the worker's proving time (from its log).
    pub proving: Option<Duration>,
    /// `ciro job-result`: the proof read from the chain and verified locally.
    pub result_read: Duration,
}

/// A job's outputs read back and verified from the chain, beside the float model's.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputRow {
    /// The job.
    pub job_id: u64,
    /// The verified (fixed-point) outputs, as reals.
    pub verified: Vec<f64>,
    /// The float model's outputs on the same input.
    pub float: Vec<f64>,
    /// The a-priori bound on their difference.
    pub bound: f64,
    /// The class the verified outputs give: its index, and its label when the model has labels.
    pub class: Option<String>,
    /// Its stage times.
    pub times: StageTimes,
}

/// Runs the main job on `market`: the keeper (coordinator) listening on `keeper_address`, the
/// client and the two workers each from their own site; `inputs` are three input files of
/// `model`, which only the client has.
///
/// # Errors
/// An operator fails, or a job does not finish and get paid within the time limit.
pub async fn run(
    market: &Market<'_>,
    sites: &Sites<'_>,
    keeper_address: &str,
    model: &std::path::Path,
    inputs: &[PathBuf; 3],
    vision: Option<(&std::path::Path, &std::path::Path)>,
    progress: &dyn Fn(&str),
) -> Result<MainJobReport, DemoError> {
    let network = market.network();
    let [first, second] = actor::WORKERS;
    progress("starting ciro-keeper, the coordinator: it assigns and pays jobs and keeps inputs, models and results");
    let _keeper = sites.keeper.spawn_keeper(actor::KEEPER, network.address(actor::DEPLOYER)?, keeper_address, 300)?;
    wait_for_health(keeper_address).await?;
    let model_id = set_up(market, sites.client, sites.workers, model, 1, progress).await?;
    // (model path, its id, input path, paid through the Paymaster, job type) of each job.
    let mut planned: Vec<(&std::path::Path, String, &std::path::Path, bool, &str)> =
        inputs.iter().enumerate().map(|(index, input)| (model, model_id.clone(), input.as_path(), index == 2, "ai-inference")).collect();
    if let Some((cnn, image)) = vision {
        progress("the client registers an image classifier (a CNN) with `ciro`");
        let cnn_id = register_model(sites.client, cnn).await?;
        planned.push((cnn, cnn_id, image, false, "computer-vision"));
    }
    let paymaster_address = network.contract("Paymaster")?;

    progress("starting two ciro-worker processes, each with an empty model directory of its own");
    let _worker_a = sites.workers[0].spawn_worker(first, "worker-a", &free_address()?, 300)?;
    let _worker_b = sites.workers[1].spawn_worker(second, "worker-b", &free_address()?, 300)?;

    let holders = [
        ("client".to_owned(), network.address(actor::CLIENT)?),
        ("sponsored client".to_owned(), network.address(SPONSORED_CLIENT)?),
        ("worker A".to_owned(), network.address(first)?),
        ("worker B".to_owned(), network.address(second)?),
        ("keeper (relayer)".to_owned(), network.address(actor::KEEPER)?),
        ("GovernanceTreasury".to_owned(), market.treasury),
        ("Paymaster (budgets)".to_owned(), paymaster_address),
        ("JobManager (escrow)".to_owned(), market.job_manager),
    ];
    let mut before = Vec::new();
    for (_, address) in &holders {
        before.push(market.balance(*address).await?);
    }

    progress("the client submits its jobs with `ciro submit-job` (inputs go to the coordinator; the third is paid through the Paymaster, the fourth classifies an image)");
    let started = Instant::now();
    let payment = PAYMENT_CIRO.to_string();
    let mut submitted = Vec::new();
    for (_, job_model_id, input, sponsored, job_type) in &planned {
        let (input, sponsored) = (input.display().to_string(), *sponsored);
        let mut args = vec!["--json", "submit-job", "--model", job_model_id, "--input", &input, "--payment", &payment, "--deadline-in", "1800", "--job-type", job_type];
        if sponsored {
            args.push("--pay-with-paymaster");
        }
        let client = if sponsored { SPONSORED_CLIENT } else { actor::CLIENT };
        let sent = Instant::now();
        let output = sites.client.ciro(client, &args).await?;
        let job_id = json_field(&output, "job_id")?.as_u64().ok_or_else(|| operator_error("job_id is not a number"))?;
        submitted.push((job_id, sponsored, sent, sent.elapsed()));
    }

    progress("waiting: the keeper assigns, the workers fetch the model and the input, prove and complete, the keeper pays");
    let seen = follow_jobs(market, &submitted.iter().map(|j| (j.0, j.2)).collect::<Vec<_>>()).await?;
    let mut jobs = Vec::new();
    for (job_id, sponsored, _, _) in &submitted {
        let job = market.job(*job_id).await?;
        let state = ciro_client::chain::state_name(&job.state).to_owned();
        let name = if job.worker.0 == network.address(first)? { "worker A" } else if job.worker.0 == network.address(second)? { "worker B" } else { "-" };
        jobs.push(JobOutcome { id: *job_id, sponsored: *sponsored, job_type: format!("{:?}", job.job_type), state, settled: job.settled, worker: name.to_owned() });
    }
    let run_time = started.elapsed();

    progress("the client reads each result back from the chain and verifies it (`ciro job-result`)");
    let mut prepared_models = BTreeMap::new();
    let mut outputs = Vec::new();
    for (((job_id, _, _, submit), (job_model, _, input, _, _)), (assigned, completed)) in submitted.iter().zip(&planned).zip(&seen) {
        if !prepared_models.contains_key(job_model) {
            let loaded = ciro_inference::models::load_model(job_model).map_err(|e| operator_error(e.to_string()))?;
            prepared_models.insert(*job_model, loaded);
        }
        let prepared = &prepared_models[job_model];
        let proof = sites.client.dir.join(format!("job-{job_id}.proof.json"));
        let read = Instant::now();
        let result = sites.client.ciro(actor::CLIENT, &["--json", "job-result", &job_id.to_string(), "--proof", &proof.display().to_string()]).await?;
        let result_read = read.elapsed();
        let verified: Vec<f64> = serde_json::from_value(json_field(&result, "outputs")?).map_err(|e| operator_error(e.to_string()))?;
        let values = ciro_prover::model::input::InputFile::read(input).map_err(|e| operator_error(e.to_string()))?.input;
        let worker = jobs.iter().find(|j| j.id == *job_id).map(|j| if j.worker == "worker A" { 0 } else { 1 }).unwrap_or(0);
        let proving = proving_time(&sites.workers[worker].dir.join(if worker == 0 { "worker-a.log" } else { "worker-b.log" }), *job_id);
        outputs.push(OutputRow {
            job_id: *job_id,
            verified,
            float: prepared.float.forward(&values),
            bound: ciro_prover::model::quantize::error_bound(&prepared.float, &prepared.quantized, &values),
            class: top_class(&json_field(&result, "top_classes")?),
            times: StageTimes { submit: *submit, to_assigned: *assigned, to_completed: *completed, proving, result_read },
        });
    }

    let mut balances = Vec::new();
    for ((holder, address), before) in holders.iter().zip(before) {
        balances.push(BalanceRow { holder: holder.clone(), before, after: market.balance(*address).await? });
    }
    let mut names: BTreeMap<Felt, String> = holders.iter().map(|(name, address)| (*address, name.clone())).collect();
    names.insert(network.address(actor::KEEPER)?, "keeper".to_owned());
    let lifecycle = lifecycle(market, &submitted.iter().map(|j| j.0).collect::<Vec<_>>(), &names).await?;
    let escrowed_after = market.balance(market.job_manager).await?;
    Ok(MainJobReport { jobs, lifecycle, balances, outputs, escrowed_after, run_time })
}

/// Polls `jobs` (id, when it was submitted) until each is finished and paid; returns for each the
/// time from submission to Assigned and from Assigned to Completed, as first seen.
async fn follow_jobs(market: &Market<'_>, jobs: &[(u64, Instant)]) -> Result<Vec<(Duration, Duration)>, DemoError> {
    use ciro_bindings::job_manager::JobState;
    let started = Instant::now();
    let mut assigned: Vec<Option<Instant>> = vec![None; jobs.len()];
    let mut completed: Vec<Option<Instant>> = vec![None; jobs.len()];
    loop {
        let mut finished = 0;
        for (index, (job_id, _)) in jobs.iter().enumerate() {
            let job = market.job(*job_id).await?;
            let now = Instant::now();
            if !matches!(job.state, JobState::Pending) {
                assigned[index].get_or_insert(now);
            }
            if !matches!(job.state, JobState::Pending | JobState::Assigned) {
                completed[index].get_or_insert(now);
                if job.settled {
                    finished += 1;
                }
            }
        }
        if finished == jobs.len() {
            break;
        }
        if started.elapsed() > Duration::from_secs(600) {
            return Err(operator_error("the jobs were not all finished and paid within 10 minutes (see the operators' logs)"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(jobs
        .iter()
        .enumerate()
        .map(|(index, (_, submitted))| {
            let assigned_at = assigned[index].unwrap_or(*submitted);
            let completed_at = completed[index].unwrap_or(assigned_at);
            (assigned_at.saturating_duration_since(*submitted), completed_at.saturating_duration_since(assigned_at))
        })
        .collect())
}

/// The proving time the worker logged for `job_id` (`job{id=N}: proved seconds=…`).
fn proving_time(log: &std::path::Path, job_id: u64) -> Option<Duration> {
    let raw = std::fs::read_to_string(log).ok()?;
    // Without the terminal colour codes the log may carry.
    let mut text = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            chars.by_ref().find(|c| c.is_ascii_alphabetic());
        } else {
            text.push(c);
        }
    }
    let span = format!("job{{id={job_id}}}");
    let line = text.lines().rev().find(|line| line.contains(&span) && line.contains(" proved "))?;
    let seconds = line.split_whitespace().find_map(|field| field.strip_prefix("seconds="))?;
    seconds.parse::<f64>().ok().map(Duration::from_secs_f64)
}

/// Funds the market ([`fund_and_stake`]) and registers `model` with `ciro` from the client's site
/// ([`register_model`]); returns the model's id.
///
/// # Errors
/// A transaction or an operator command fails.
pub async fn set_up(
    market: &Market<'_>,
    client: &OperatorSite,
    workers: [&OperatorSite; 2],
    model: &std::path::Path,
    max_concurrent_jobs: u8,
    progress: &dyn Fn(&str),
) -> Result<String, DemoError> {
    fund_and_stake(market, &workers, max_concurrent_jobs, progress).await?;
    progress("the client registers the model with `ciro`");
    register_model(client, model).await
}

/// Funds the clients (1,000 and 500 CIRO) and the workers (5,000 each), funds the sponsor's
/// Paymaster budget and approves the keeper as its relayer (`KEEPER_DAILY_REQUESTS` a day), and
/// registers and stakes the workers whose sites are given (the first site is worker A's, the
/// second worker B's) with `ciro-worker`, each from its own site. A worker registered here is
/// one the keeper may assign jobs to, so give only the sites of workers that will run.
///
/// # Errors
/// A transaction or an operator command fails.
pub async fn fund_and_stake(market: &Market<'_>, workers: &[&OperatorSite], max_concurrent_jobs: u8, progress: &dyn Fn(&str)) -> Result<(), DemoError> {
    let network = market.network();
    let [first, second] = actor::WORKERS;
    progress("funding the clients and the workers; the sponsor funds a Paymaster budget for the keeper");
    market.fund(&[(actor::CLIENT, 1_000 * CIRO), (SPONSORED_CLIENT, 500 * CIRO), (first, 5_000 * CIRO), (second, 5_000 * CIRO)]).await?;
    let paymaster_address = network.contract("Paymaster")?;
    let paymaster = Paymaster::new(paymaster_address, network.devnet.account(actor::DEPLOYER)?);
    let budget = u256(SPONSOR_BUDGET_CIRO * CIRO);
    market
        .send(
            "funding the sponsor's Paymaster budget",
            actor::DEPLOYER,
            vec![
                market.token().approve_getcall(&ContractAddress(paymaster_address), &budget),
                paymaster.deposit_getcall(&budget),
                paymaster.set_relayer_allowance_getcall(&ContractAddress(network.address(actor::KEEPER)?), &KEEPER_DAILY_REQUESTS),
            ],
        )
        .await?;

    progress("workers register and stake with `ciro-worker`");
    for ((worker, stake), site) in [(first, "2000"), (second, "4000")].into_iter().zip(workers.iter()) {
        let max = max_concurrent_jobs.to_string();
        let worker_binary = site.binaries.worker.clone();
        site.run(&worker_binary, worker, &["register", "--max-concurrent-jobs", &max]).await?;
        site.run(&worker_binary, worker, &["stake", stake]).await?;
    }
    Ok(())
}

/// Registers `model` with `ciro models register` as the client, from `client`'s site (uploading it
/// to the coordinator, when the site has one), with its class labels when they sit beside it
/// (`iris_mlp.labels.txt`) and a coordinator is there to keep them; returns the model's id.
///
/// # Errors
/// The command fails.
pub async fn register_model(client: &OperatorSite, model: &std::path::Path) -> Result<String, DemoError> {
    let model_path = model.display().to_string();
    let labels = model.with_extension("labels.txt");
    let labels_path = labels.display().to_string();
    let mut register = vec!["--json", "models", "register", &model_path];
    if labels.is_file() && client.coordinator.is_some() {
        register.extend(["--labels", &labels_path]);
    }
    let registered = client.ciro(actor::CLIENT, &register).await?;
    Ok(json_field(&registered, "model_id")?.to_string())
}

/// The first of a `ciro --json job-result`'s `top_classes`: `1 versicolor`, or `1` for a model
/// without labels.
fn top_class(top_classes: &serde_json::Value) -> Option<String> {
    let top = top_classes.as_array()?.first()?;
    let index = top.get("index")?.as_u64()?;
    Some(match top.get("label").and_then(serde_json::Value::as_str) {
        Some(label) => format!("{index} {label}"),
        None => index.to_string(),
    })
}

/// Waits until the keeper at `address` answers `/health` with 200.
///
/// # Errors
/// Not within 60 s.
pub async fn wait_for_health(address: &str) -> Result<(), DemoError> {
    let url = format!("http://{address}/health");
    let started = Instant::now();
    loop {
        if let Ok(response) = reqwest::get(&url).await {
            if response.status().is_success() {
                return Ok(());
            }
        }
        if started.elapsed() > Duration::from_secs(60) {
            return Err(operator_error(format!("the keeper did not become healthy at {url} within 60 s (see keeper.log)")));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The job events of `job_ids`, in chain order, with who sent each transaction and its gas.
async fn lifecycle(market: &Market<'_>, job_ids: &[u64], names: &BTreeMap<Felt, String>) -> Result<Vec<LifecycleRow>, DemoError> {
    let provider = market.network().devnet.provider();
    let read = |e: starknet::providers::ProviderError| DemoError::Read { what: "job events", message: e.to_string() };
    let filter = EventFilter {
        from_block: Some(BlockId::Number(0)),
        to_block: Some(BlockId::Tag(BlockTag::Latest)),
        address: Some(market.job_manager),
        keys: None,
    };
    let mut rows = Vec::new();
    for event in ciro_client::chain::all_events(provider.as_ref(), filter).await.map_err(read)? {
        use ciro_bindings::job_manager::Event;
        let Ok(decoded) = Event::try_from(&event) else { continue };
        let label = match decoded {
            Event::JobSubmitted(_) => "submitted, payment escrowed",
            Event::JobAssigned(_) => "assigned by CDC_Pool's selection",
            Event::JobCompleted(_) => "completed: proof verified on-chain",
            Event::JobRequeued(_) => "timed out, requeued",
            Event::PaymentReleased(_) => "paid: fee split, burn, worker credited",
            _ => continue,
        };
        let Some(job_id) = ciro_client::chain::job_of(&decoded).filter(|id| job_ids.contains(id)) else { continue };
        let receipt = provider.get_transaction_receipt(event.transaction_hash).await.map_err(read)?;
        let l2_gas = match &receipt.receipt {
            TransactionReceipt::Invoke(r) => r.execution_resources.l2_gas,
            _ => 0,
        };
        let sender = match provider.get_transaction_by_hash(event.transaction_hash).await.map_err(read)? {
            Transaction::Invoke(InvokeTransaction::V3(tx)) => tx.sender_address,
            _ => Felt::ZERO,
        };
        let mut by = names.get(&sender).cloned().unwrap_or_else(|| format!("{sender:#x}"));
        if by == "keeper" && label.starts_with("submitted") {
            by = "keeper via Paymaster".to_owned();
        }
        rows.push(LifecycleRow { job_id, event: label.to_owned(), by, transaction_hash: event.transaction_hash, l2_gas });
    }
    Ok(rows)
}

/// The report as the tables the main job prints.
pub fn render(report: &MainJobReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Job lifecycle (every transaction after submission was sent by ciro-keeper or ciro-worker)");
    let _ = writeln!(out, "{:<4} {:<40} {:<21} {:>11}  transaction", "job", "event", "sent by", "L2 gas");
    for row in &report.lifecycle {
        let _ = writeln!(out, "{:<4} {:<40} {:<21} {:>11}  {:#066x}", format!("#{}", row.job_id), row.event, row.by, row.l2_gas, row.transaction_hash);
    }
    let _ = writeln!(out, "\nJobs");
    let _ = writeln!(out, "{:<4} {:<15} {:<10} {:<9} {:<9} paid with", "job", "type", "state", "paid out", "worker");
    for job in &report.jobs {
        let _ = writeln!(
            out,
            "{:<4} {:<15} {:<10} {:<9} {:<9} {}",
            format!("#{}", job.id),
            job.job_type,
            job.state,
            if job.settled { "yes" } else { "no" },
            job.worker,
            if job.sponsored { "Paymaster (signed SNIP-9 request, relayed by the keeper)" } else { "client's account" }
        );
    }
    let _ = writeln!(out, "\nResults read back from the chain and verified by the client (`ciro job-result`), beside the float model");
    let _ = writeln!(out, "{:<4} {:<34} {:<34} {:>10} {:>9}  top class", "job", "verified outputs", "float model", "max error", "bound");
    for row in &report.outputs {
        let error = row.verified.iter().zip(&row.float).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        let _ = writeln!(
            out,
            "{:<4} {:<34} {:<34} {:>10.6} {:>9.6}  {}",
            format!("#{}", row.job_id),
            numbers(&row.verified),
            numbers(&row.float),
            error,
            row.bound,
            row.class.as_deref().unwrap_or("-")
        );
    }
    let _ = writeln!(out, "\nStage times (wall clock, seconds)");
    let _ = writeln!(out, "{:<4} {:>8} {:>18} {:>24} {:>10} {:>14}", "job", "submit", "submit→assigned", "assigned→completed", "(proving)", "result read");
    for row in &report.outputs {
        let t = &row.times;
        let _ = writeln!(
            out,
            "{:<4} {:>8.2} {:>18.2} {:>24.2} {:>10} {:>14.2}",
            format!("#{}", row.job_id),
            t.submit.as_secs_f64(),
            t.to_assigned.as_secs_f64(),
            t.to_completed.as_secs_f64(),
            t.proving.map_or_else(|| "-".to_owned(), |p| format!("{:.2}", p.as_secs_f64())),
            t.result_read.as_secs_f64()
        );
    }
    let _ = writeln!(out, "(assigned→completed: the worker fetched the model and the input from the coordinator, proved, and complete_job verified the proof on-chain)");
    write_balances(&mut out, &report.balances);
    let _ = writeln!(out, "(workers' payments are credited in CDC_Pool: `ciro worker earnings`, then `ciro worker claim`)");
    let done = report.jobs.iter().filter(|job| job.completed_and_paid()).count();
    let _ = writeln!(
        out,
        "\n{done} of {} jobs Completed and paid in {:.1} s; CIRO left in escrow: {}",
        report.jobs.len(),
        report.run_time.as_secs_f64(),
        ciro(report.escrowed_after)
    );
    out
}

/// `[a, b, c]` with three decimals; past four values, the first three and how many more.
fn numbers(values: &[f64]) -> String {
    let shown: Vec<String> = values.iter().take(if values.len() > 4 { 3 } else { 4 }).map(|v| format!("{v:.3}")).collect();
    let more = if values.len() > 4 { format!(", +{}", values.len() - 3) } else { String::new() };
    format!("[{}{more}]", shown.join(", "))
}

/// A balance before and after a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceRow {
    /// Whose.
    pub holder: String,
    /// CIRO before the first job was submitted (base units).
    pub before: u128,
    /// CIRO at the end of the run (base units).
    pub after: u128,
}

/// `amount` base units as CIRO with 4 decimals.
pub fn ciro(amount: u128) -> String {
    format!("{:.4}", amount as f64 / CIRO as f64)
}

/// The change from `before` to `after`, signed, in CIRO.
pub(crate) fn signed_ciro(before: u128, after: u128) -> String {
    if after >= before { format!("+{}", ciro(after - before)) } else { format!("-{}", ciro(before - after)) }
}

/// Writes the "CIRO balances" table: each holder's balance before, after, and the change.
pub fn write_balances(out: &mut String, rows: &[BalanceRow]) {
    let _ = writeln!(out, "\nCIRO balances");
    let _ = writeln!(out, "{:<22} {:>14} {:>14} {:>12}", "holder", "before", "after", "change");
    for row in rows {
        let _ = writeln!(out, "{:<22} {:>14} {:>14} {:>12}", row.holder, ciro(row.before), ciro(row.after), signed_ciro(row.before, row.after));
    }
}
