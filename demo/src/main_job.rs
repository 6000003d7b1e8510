//! The main job: the keeper and two workers run as real processes; a client submits three jobs
//! with the `ciro` CLI, one of them through the Paymaster (signed off-chain, relayed by the
//! keeper); the keeper assigns them, the selected workers prove them and `complete_job` verifies
//! each proof on-chain, the keeper releases the payments. Nobody steps in once the jobs are
//! submitted; the lifecycle table is read back from JobManager's events.

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

/// Runs the main job on `market` with the operators of `site`; `inputs` are three input files of
/// `model`.
///
/// # Errors
/// An operator fails, or a job does not finish and get paid within the time limit.
pub async fn run(market: &Market<'_>, site: &OperatorSite, model: &std::path::Path, inputs: &[PathBuf; 3], progress: &dyn Fn(&str)) -> Result<MainJobReport, DemoError> {
    let network = market.network();
    let [first, second] = actor::WORKERS;
    let model_id = set_up(market, site, model, 1, progress).await?;
    let paymaster_address = network.contract("Paymaster")?;

    progress("starting ciro-keeper and two ciro-worker processes");
    let keeper_address = free_address()?;
    let _keeper = site.spawn_keeper(actor::KEEPER, network.address(actor::DEPLOYER)?, &keeper_address, 300)?;
    let _worker_a = site.spawn_worker(first, "worker-a", &free_address()?, 300)?;
    let _worker_b = site.spawn_worker(second, "worker-b", &free_address()?, 300)?;
    wait_for_health(&keeper_address).await?;

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

    progress("the client submits three jobs with `ciro submit-job` (the third through the Paymaster)");
    let started = Instant::now();
    let payment = PAYMENT_CIRO.to_string();
    let keeper_url = format!("http://{keeper_address}");
    let mut submitted = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        let input = input.display().to_string();
        let sponsored = index == 2;
        let mut args = vec!["--json", "submit-job", "--model", &model_id, "--input", &input, "--payment", &payment, "--deadline-in", "1800"];
        if sponsored {
            args.extend(["--pay-with-paymaster", "--keeper-url", &keeper_url]);
        }
        let client = if sponsored { SPONSORED_CLIENT } else { actor::CLIENT };
        let output = site.ciro(client, &args).await?;
        let job_id = json_field(&output, "job_id")?.as_u64().ok_or_else(|| operator_error("job_id is not a number"))?;
        submitted.push((job_id, sponsored));
    }

    progress("waiting: the keeper assigns, the workers prove and complete, the keeper pays (`ciro job-status --watch`)");
    let mut jobs = Vec::new();
    for (job_id, sponsored) in &submitted {
        let output = site.ciro(actor::CLIENT, &["--json", "job-status", &job_id.to_string(), "--watch", "--timeout", "600"]).await?;
        let state = json_field(&output, "state")?.as_str().unwrap_or_default().to_owned();
        let settled = json_field(&output, "settled")?.as_bool().unwrap_or(false);
        let worker = Felt::from_hex(json_field(&output, "worker")?.as_str().unwrap_or("0x0")).unwrap_or_default();
        let name = if worker == network.address(first)? { "worker A" } else if worker == network.address(second)? { "worker B" } else { "-" };
        jobs.push(JobOutcome { id: *job_id, sponsored: *sponsored, state, settled, worker: name.to_owned() });
    }
    let run_time = started.elapsed();

    let mut balances = Vec::new();
    for ((holder, address), before) in holders.iter().zip(before) {
        balances.push(BalanceRow { holder: holder.clone(), before, after: market.balance(*address).await? });
    }
    let mut names: BTreeMap<Felt, String> = holders.iter().map(|(name, address)| (*address, name.clone())).collect();
    names.insert(network.address(actor::KEEPER)?, "keeper".to_owned());
    let lifecycle = lifecycle(market, &submitted.iter().map(|j| j.0).collect::<Vec<_>>(), &names).await?;
    let escrowed_after = market.balance(market.job_manager).await?;
    Ok(MainJobReport { jobs, lifecycle, balances, escrowed_after, run_time })
}

/// Funds the clients (1,000 and 500 CIRO) and the workers (5,000 each), funds the sponsor's
/// Paymaster budget and approves the keeper as its relayer (`KEEPER_DAILY_REQUESTS` a day), registers and stakes both workers
/// with `ciro-worker`, and registers `model` with `ciro`; returns the model's id.
///
/// # Errors
/// A transaction or an operator command fails.
pub async fn set_up(market: &Market<'_>, site: &OperatorSite, model: &std::path::Path, max_concurrent_jobs: u8, progress: &dyn Fn(&str)) -> Result<String, DemoError> {
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

    progress("workers register and stake with `ciro-worker`; the client registers the model with `ciro`");
    let worker_binary = site.binaries.worker.clone();
    for (worker, stake) in [(first, "2000"), (second, "4000")] {
        let max = max_concurrent_jobs.to_string();
        site.run(&worker_binary, worker, &["register", "--max-concurrent-jobs", &max]).await?;
        site.run(&worker_binary, worker, &["stake", stake]).await?;
    }
    let model_path = model.display().to_string();
    let registered = site.ciro(actor::CLIENT, &["--json", "models", "register", &model_path]).await?;
    let model_id = json_field(&registered, "model_id")?.to_string();

    Ok(model_id)
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
    let _ = writeln!(out, "{:<4} {:<10} {:<9} {:<9} paid with", "job", "state", "paid out", "worker");
    for job in &report.jobs {
        let _ = writeln!(
            out,
            "{:<4} {:<10} {:<9} {:<9} {}",
            format!("#{}", job.id),
            job.state,
            if job.settled { "yes" } else { "no" },
            job.worker,
            if job.sponsored { "Paymaster (signed SNIP-9 request, relayed by the keeper)" } else { "client's account" }
        );
    }
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

/// A balance before and after a run .
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
