//! What each `ciro` command does.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use ciro_bindings::job_manager::{self, Framework, JobPriority, JobSpec, JobType};
use ciro_client::config::parse_address;
use ciro_client::outside_execution::Request;
use ciro_client::{format_ciro, parse_ciro, Chain, JobView, OperatorConfig};
use ciro_keeper::{RelayRequest, RelayResponse};
use ciro_prover::model::input::InputFile;
use ciro_prover::proof_file::ProofFile;
use ciro_prover::stark::SecurityPolicy;
use ciro_worker::hardware::Hardware;
use ciro_inference::models::{input_text, load_model, ModelStore};
use ciro_inference::results::{verified_result, SourceChoice, VerifiedResult};
use ciro_client::coordinator::{commitment_name, BlobKind};
use ciro_client::labels::ClassLabels;
use ciro_worker::operations;
use starknet::core::types::Felt;

use crate::render;
use crate::{Cli, Command};

/// `ciro submit-job`.
#[derive(Debug, Clone, clap::Args)]
pub struct SubmitJob {
    /// The registered model's id (`ciro models list`).
    #[arg(long)]
    pub model: u64,
    /// The input file: {"input": [numbers]}.
    #[arg(long)]
    pub input: PathBuf,
    /// CIRO to escrow for the job.
    #[arg(long, default_value = "100")]
    pub payment: String,
    /// Seconds from now the job must be completed within.
    #[arg(long, default_value_t = 3_600)]
    pub deadline_in: u64,
    /// An absolute deadline (unix seconds) instead of --deadline-in.
    #[arg(long)]
    pub deadline: Option<u64>,
    /// CAP_* bitmask the worker must have (1 = CUDA, 64 = tensor cores, …).
    #[arg(long, default_value_t = 0)]
    pub required_capabilities: u8,
    /// Minimum GPU memory in GiB.
    #[arg(long, default_value_t = 0)]
    pub min_gpu_memory_gb: u32,
    /// Minimum staking tier.
    #[arg(long, default_value_t = 1)]
    pub min_tier: u8,
    /// Have the keeper relay it through the Paymaster: no STRK needed, only a signature.
    #[arg(long)]
    pub pay_with_paymaster: bool,
    /// The keeper relaying sponsored requests [default: the coordinator, else
    /// http://127.0.0.1:9464].
    #[arg(long, env = "CIRO_KEEPER_URL")]
    pub keeper_url: Option<String>,
    /// Wait until the job is finished and paid, then print its verified result.
    #[arg(long)]
    pub wait: bool,
    /// Give up waiting after this many seconds.
    #[arg(long, default_value_t = 600)]
    pub timeout: u64,
}

/// Where `ciro job-result` reads the proof.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum SourceArg {
    /// The completing transaction, else the coordinator.
    #[default]
    Auto,
    /// The calldata of the transaction that completed the job.
    Chain,
    /// The coordinator's result store.
    Coordinator,
}

/// `ciro job-result`.
#[derive(Debug, Clone, clap::Args)]
pub struct JobResultArgs {
    /// The job id.
    pub id: u64,
    /// Also write the result (outputs and facts) to this JSON file.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write the proof to this file (`ciro verify` and `ciro-prover verify` read it).
    #[arg(long)]
    pub proof: Option<PathBuf>,
    /// Where to read the proof from.
    #[arg(long, value_enum, default_value_t = SourceArg::Auto)]
    pub source: SourceArg,
}

/// `ciro worker …`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum WorkerCommand {
    /// Register this account as a worker with this machine's hardware.
    Register(RegisterArgs),
    /// Stake CIRO.
    Stake(StakeArgs),
    /// Lock stake for withdrawal after the cooldown.
    Unstake {
        /// CIRO to unstake.
        amount: String,
    },
    /// Withdraw unlocked stake.
    Withdraw,
    /// Claim accrued rewards.
    Claim,
    /// The worker's standing (defaults to this account).
    Status {
        /// Another worker's address.
        address: Option<String>,
    },
    /// Rewards to claim and balance (defaults to this account).
    Earnings {
        /// Another worker's address.
        address: Option<String>,
    },
}

/// `register`'s flags, shared by `ciro worker register` and `ciro-worker register`.
#[derive(Debug, Clone, clap::Args)]
pub struct RegisterArgs {
    /// Jobs held at once.
    #[arg(long, default_value_t = 2)]
    pub max_concurrent_jobs: u8,
    /// Commission on delegators' rewards, in basis points.
    #[arg(long, default_value_t = 1_000)]
    pub commission_bps: u16,
}

/// `stake`'s argument, shared by `ciro worker stake` and `ciro-worker stake`.
#[derive(Debug, Clone, clap::Args)]
pub struct StakeArgs {
    /// CIRO to stake.
    pub amount: String,
}

/// `ciro models …`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum ModelsCommand {
    /// Registered models, with the local ONNX file matching each.
    List,
    /// Register an ONNX model's commitment, with its class labels' when given (and upload the
    /// model and the labels to the coordinator, when one is configured, so workers anywhere can
    /// fetch the model and results show classes by name).
    Register {
        /// The ONNX file.
        model: PathBuf,
        /// The model's class labels: a text file, one label per output, in order. Their
        /// commitment is recorded on-chain with the model and the labels are uploaded to the
        /// coordinator, so results show the top classes by name.
        #[arg(long, value_name = "FILE")]
        labels: Option<PathBuf>,
    },
}

fn sent_line(action: &str, sent: &ciro_client::Sent) -> String {
    format!("{action}: transaction {:#x} (block {}, {} L2 gas)\n", sent.transaction_hash, sent.cost.block_number, sent.cost.l2_gas)
}

fn json<T: serde::Serialize>(value: &T) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(value)? + "\n")
}

fn job_json(view: &JobView) -> serde_json::Value {
    let job = &view.job;
    serde_json::json!({
        "id": view.id,
        "state": view.state_name(),
        "client": format!("{:#x}", job.client.0),
        "worker": format!("{:#x}", job.worker.0),
        "model_id": job.model_id,
        "input_commitment": format!("{:#x}", job.input_commitment),
        "output_commitment": format!("{:#x}", job.output_commitment),
        "payment": view.payment().to_string(),
        "deadline": job.deadline,
        "reassignments": job.reassignments,
        "settled": job.settled,
    })
}

async fn connect(config: &OperatorConfig, with_account: bool) -> anyhow::Result<Chain> {
    Ok(Chain::connect(config, with_account).await?)
}

/// Job `id`, with an error that says what to do when it does not exist.
async fn job(chain: &Chain, id: u64) -> anyhow::Result<JobView> {
    let count = chain.job_count().await?;
    if id == 0 || id > count {
        bail!("there is no job #{id} (jobs are numbered 1 to {count}): `ciro jobs` lists them");
    }
    Ok(chain.job(id).await?)
}

/// Runs `cli`.
///
/// # Errors
/// What failed, with what to do next.
pub async fn run(cli: Cli) -> anyhow::Result<String> {
    if let Command::Verify { proof } = &cli.command {
        return verify(proof, cli.json);
    }
    let config = cli.connection.load()?;
    match cli.command {
        Command::SubmitJob(args) => submit_job(&config, &args, cli.json).await,
        Command::JobStatus { id, watch, timeout } => {
            let chain = connect(&config, false).await?;
            let view = if watch { watch_job(&chain, id, Duration::from_secs(timeout)).await? } else { job(&chain, id).await? };
            let result = completed_result(&chain, &config, &view).await;
            if cli.json {
                let mut value = job_json(&view);
                match &result {
                    Some(Ok(result)) => {
                        value["outputs"] = serde_json::json!(result.outputs);
                        value["top_classes"] = serde_json::json!(result.top_classes(ciro_inference::results::TOP_CLASSES));
                    }
                    Some(Err(error)) => value["outputs_unavailable"] = serde_json::json!(ciro_client::error_chain(error.as_ref())),
                    None => {}
                }
                return json(&value);
            }
            let mut out = render::job_detail(&view);
            match &result {
                Some(Ok(result)) => {
                    out.push_str(&format!("{:<18} {} (verified; `ciro job-result {id}` for the proof)\n", "outputs", render::outputs(&result.outputs)));
                    out.push_str(&format!("{:<18} {}\n", "top classes", render::top_classes(result)));
                }
                Some(Err(error)) => out.push_str(&format!("{:<18} unavailable: {}\n", "outputs", ciro_client::error_chain(error.as_ref()))),
                None => {}
            }
            Ok(out)
        }
        Command::JobResult(args) => {
            let chain = connect(&config, false).await?;
            let source = match args.source {
                SourceArg::Auto => SourceChoice::Auto,
                SourceArg::Chain => SourceChoice::Chain,
                SourceArg::Coordinator => SourceChoice::Coordinator,
            };
            let result = verified_result(&chain, config.coordinator.as_ref(), args.id, source).await?;
            write_result_files(&result, args.out.as_deref(), args.proof.as_deref())?;
            if cli.json { json(&result.to_json()) } else { Ok(render::result(&result)) }
        }
        Command::Jobs { client } => {
            let chain = connect(&config, false).await?;
            let client = client.map(|c| parse_address(&c, "--client")).transpose()?;
            let mut jobs = Vec::new();
            for id in 1..=chain.job_count().await? {
                let view = chain.job(id).await?;
                if client.is_none_or(|c| view.job.client.0 == c) {
                    jobs.push(view);
                }
            }
            if cli.json { json(&jobs.iter().map(job_json).collect::<Vec<_>>()) } else { Ok(render::jobs_table(&jobs)) }
        }
        Command::Worker(command) => worker(&config, command, cli.json).await,
        Command::Delegate { worker, amount } => {
            let chain = connect(&config, true).await?;
            let worker = parse_address(&worker, "worker")?;
            let sent = operations::delegate(&chain, worker, parse_ciro(&amount)?).await?;
            let warmup = chain.pool_reader().delegation_warmup().call().await.context("reading the delegation warm-up")?;
            let what = format!("delegated {amount} CIRO to {worker:#x} (it earns and is at risk after a {warmup} s warm-up)");
            Ok(sent_line(&what, &sent))
        }
        Command::Models(command) => models(&config, command, cli.json).await,
        // Answered above, before any configuration is needed.
        Command::Verify { proof } => verify(&proof, cli.json),
    }
}

fn verify(path: &std::path::Path, as_json: bool) -> anyhow::Result<String> {
    let file = ProofFile::read(path).map_err(|e| anyhow::anyhow!("{}: {}", path.display(), ciro_client::error_chain(&e)))?;
    let decoded = file
        .verify(&SecurityPolicy::default())
        .map_err(|e| anyhow::anyhow!("the proof in {} is INVALID: {}", path.display(), ciro_client::error_chain(&e)))?;
    let facts = serde_json::json!({
        "valid": true,
        "job_id": format!("{:#x}", decoded.statement.job_id),
        "model_commitment": format!("{:#x}", decoded.model_commitment),
        "input_commitment": format!("{:#x}", decoded.input_commitment),
        "output_commitment": format!("{:#x}", decoded.output_commitment),
        "trace_rows_log2": decoded.statement.layout.log_trace_rows,
        "calldata_felts": decoded.to_calldata().len(),
    });
    if as_json {
        return json(&facts);
    }
    Ok(format!(
        "proof valid (checked locally with the production policy: ≥27 queries, ≥20 grinding bits)\n\
         job id            {:#x}\nmodel commitment  {:#x}\ninput commitment  {:#x}\noutput commitment {:#x}\n\
         trace rows        2^{}\ncalldata          {} felts\n",
        decoded.statement.job_id,
        decoded.model_commitment,
        decoded.input_commitment,
        decoded.output_commitment,
        decoded.statement.layout.log_trace_rows,
        decoded.to_calldata().len()
    ))
}

/// A Completed job's verified result (`None` for a job in another state).
async fn completed_result(chain: &Chain, config: &OperatorConfig, view: &JobView) -> Option<Result<VerifiedResult, Box<ciro_client::ClientError>>> {
    if view.job.state != job_manager::JobState::Completed {
        return None;
    }
    Some(verified_result(chain, config.coordinator.as_ref(), view.id, SourceChoice::Auto).await.map_err(Box::new))
}

/// Writes the result's JSON to `out` and its proof file to `proof`, when asked.
fn write_result_files(result: &VerifiedResult, out: Option<&std::path::Path>, proof: Option<&std::path::Path>) -> anyhow::Result<()> {
    if let Some(path) = out {
        std::fs::write(path, serde_json::to_string_pretty(&result.to_json())? + "\n").with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = proof {
        result.proof.write(path).map_err(|e| anyhow::anyhow!("writing {}: {}", path.display(), ciro_client::error_chain(&e)))?;
    }
    Ok(())
}

/// The id of the job a transaction submitted, from its `JobSubmitted` event.
async fn submitted_job_id(chain: &Chain, transaction_hash: Felt) -> anyhow::Result<u64> {
    let events = chain.job_manager_events_of(transaction_hash).await.context("reading the receipt")?;
    events
        .iter()
        .find_map(|event| match event {
            job_manager::Event::JobSubmitted(submitted) => Some(submitted.job_id),
            _ => None,
        })
        .with_context(|| format!("transaction {transaction_hash:#x} submitted no job"))
}

async fn submit_job(config: &OperatorConfig, args: &SubmitJob, as_json: bool) -> anyhow::Result<String> {
    let input = InputFile::read(&args.input)
        .map_err(|e| anyhow::anyhow!("{}: {} (an input file is {{\"input\": [numbers]}})", args.input.display(), ciro_client::error_chain(&e)))?
        .input;
    let payment = parse_ciro(&args.payment)?;
    let chain = connect(config, true).await?;
    let model_count = chain.jobs_reader().model_count().call().await.map_err(ciro_client::chain::read_error("model_count"))?;
    if args.model == 0 || args.model > model_count {
        bail!("there is no model #{} ({model_count} registered): `ciro models list` shows them, `ciro models register <file.onnx>` adds one", args.model);
    }
    let record = chain.model(args.model).await?;
    let (model_path, model) = ModelStore::from_config(config).find(record.commitment).await?;
    let input_commitment = model
        .input_commitment(&input)
        .map_err(|e| anyhow::anyhow!("{} does not fit model #{} ({}): {}", args.input.display(), args.model, model_path.display(), ciro_client::error_chain(&e)))?;
    let now = chain.now().await?;
    let deadline = args.deadline.unwrap_or(now + args.deadline_in);
    if deadline <= now {
        bail!("the deadline {deadline} is not in the future (the chain's time is {now}): pass a later --deadline or --deadline-in");
    }
    let balance = chain.balance(chain.address()?).await?;
    if balance < payment {
        bail!("the account holds {} CIRO, the job escrows {}: get CIRO first, or lower --payment", format_ciro(balance), format_ciro(payment));
    }
    // The input is stored before the job exists: a failed upload sends nothing, and an upload
    // whose job never comes is dropped by the coordinator after its window.
    let stored = config.inputs.put(input_commitment, &input_text(&input)?).await?;
    let spec = JobSpec {
        job_type: JobType::AIInference,
        priority: JobPriority::Standard,
        required_capabilities: args.required_capabilities,
        min_gpu_memory_gb: args.min_gpu_memory_gb,
        min_tier: args.min_tier,
        model_id: args.model,
        input_commitment,
        deadline,
    };
    let calls = ciro_client::chain::submit_job_calls(&chain.token(), &chain.jobs(), &spec, payment);
    let (transaction_hash, route) = if args.pay_with_paymaster {
        let request = Request {
            caller: chain.contracts.paymaster,
            nonce: Felt::from(fastrand::u64(1..)),
            execute_after: 0,
            execute_before: now + 600,
            calls: calls.to_vec(),
        };
        let account = chain.address()?;
        let signature = request.sign(&config.signing_key()?, chain.chain_id, account)?;
        let body = RelayRequest { account, outside_execution: request.outside_execution(), signature };
        let keeper_url = args
            .keeper_url
            .clone()
            .or_else(|| config.coordinator.as_ref().map(|c| c.base().as_str().trim_end_matches('/').to_owned()))
            .unwrap_or_else(|| "http://127.0.0.1:9464".to_owned());
        let response = relay(&keeper_url, &body).await?;
        let hash = response.transaction_hash.context("the keeper relayed the request but returned no transaction")?;
        (hash, "Paymaster (sponsored, relayed by the keeper)")
    } else {
        let sent = chain.send("submitting the job", calls.map(|named| named.call).to_vec()).await?;
        (sent.transaction_hash, "own account")
    };
    let job_id = submitted_job_id(&chain, transaction_hash).await?;
    let result = if args.wait {
        let view = watch_job(&chain, job_id, Duration::from_secs(args.timeout)).await?;
        if view.job.state != job_manager::JobState::Completed {
            bail!("job #{job_id} ended {} (its escrow was refunded): no result", view.state_name());
        }
        Some(verified_result(&chain, config.coordinator.as_ref(), job_id, SourceChoice::Auto).await?)
    } else {
        None
    };
    if as_json {
        let mut value = serde_json::json!({
            "job_id": job_id,
            "transaction_hash": format!("{transaction_hash:#x}"),
            "input_commitment": format!("{input_commitment:#x}"),
            "input_stored_at": stored,
            "payment": payment.to_string(),
            "deadline": deadline,
            "sponsored": args.pay_with_paymaster,
        });
        if let Some(result) = &result {
            value["result"] = result.to_json();
        }
        return json(&value);
    }
    let mut out = format!(
        "submitted job #{job_id}: {} CIRO escrowed, deadline {deadline}\n\
         paid through       {route}\ntransaction        {transaction_hash:#x}\ninput commitment   {input_commitment:#x}\n\
         input stored at    {stored}\n",
        format_ciro(payment)
    );
    match &result {
        Some(result) => out.push_str(&format!("\n{}", render::result(result))),
        None => out.push_str(&format!("follow it with     ciro job-status {job_id} --watch\nits result         ciro job-result {job_id}\n")),
    }
    Ok(out)
}

async fn relay(keeper_url: &str, body: &RelayRequest) -> anyhow::Result<RelayResponse> {
    let url = format!("{}/relay", keeper_url.trim_end_matches('/'));
    let response = reqwest::Client::new()
        .post(&url)
        .json(body)
        .timeout(Duration::from_secs(120))
        .send()
        .await
        .with_context(|| format!("cannot reach the keeper at {url}: is ciro-keeper running? (--keeper-url / CIRO_KEEPER_URL)"))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if !status.is_success() {
        let error: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let message = error["error"].as_str().unwrap_or(&text).to_owned();
        bail!("the keeper refused to relay the request ({status}): {message}");
    }
    serde_json::from_str(&text).with_context(|| format!("the keeper's answer is not a relay response: {text}"))
}

async fn watch_job(chain: &Chain, id: u64, timeout: Duration) -> anyhow::Result<JobView> {
    let started = Instant::now();
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.enable_steady_tick(Duration::from_millis(120));
    loop {
        let view = job(chain, id).await?;
        spinner.set_message(format!("job #{id}: {}{}", view.state_name(), if view.job.settled { ", paid out" } else { "" }));
        if view.is_final() {
            spinner.finish_and_clear();
            return Ok(view);
        }
        if started.elapsed() > timeout {
            spinner.finish_and_clear();
            bail!("job #{id} is still {} after {} s: is a keeper running, and a worker able to take it?", view.state_name(), timeout.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn worker(config: &OperatorConfig, command: WorkerCommand, as_json: bool) -> anyhow::Result<String> {
    let read_only = matches!(command, WorkerCommand::Status { address: Some(_) } | WorkerCommand::Earnings { address: Some(_) });
    let chain = connect(config, !read_only).await?;
    match command {
        WorkerCommand::Register(RegisterArgs { max_concurrent_jobs, commission_bps }) => {
            let hardware = Hardware::detect();
            let sent = operations::register(&chain, &hardware, max_concurrent_jobs, commission_bps).await?;
            Ok(sent_line(&format!("registered with capabilities {:#04x}, {} GiB", hardware.capabilities(), hardware.gpu_memory_gb()), &sent))
        }
        WorkerCommand::Stake(StakeArgs { amount }) => Ok(sent_line(&format!("staked {amount} CIRO"), &operations::stake(&chain, parse_ciro(&amount)?).await?)),
        WorkerCommand::Unstake { amount } => {
            Ok(sent_line(&format!("requested to unstake {amount} CIRO"), &operations::request_unstake(&chain, parse_ciro(&amount)?).await?))
        }
        WorkerCommand::Withdraw => Ok(sent_line("withdrew the unlocked stake", &operations::withdraw(&chain).await?)),
        WorkerCommand::Claim => Ok(sent_line("claimed rewards", &operations::claim(&chain).await?)),
        WorkerCommand::Status { address } | WorkerCommand::Earnings { address } if as_json => {
            let address = match address { Some(a) => parse_address(&a, "address")?, None => chain.address()? };
            json(&operations::standing(&chain, address).await?)
        }
        WorkerCommand::Status { address } => {
            let address = match address { Some(a) => parse_address(&a, "address")?, None => chain.address()? };
            Ok(render::standing(&operations::standing(&chain, address).await?))
        }
        WorkerCommand::Earnings { address } => {
            let address = match address { Some(a) => parse_address(&a, "address")?, None => chain.address()? };
            let standing = operations::standing(&chain, address).await?;
            Ok(format!(
                "rewards to claim  {} CIRO\nbalance           {} CIRO\nstake             {} CIRO\n",
                format_ciro(standing.pending_rewards),
                format_ciro(standing.balance),
                format_ciro(standing.info.stake.low)
            ))
        }
    }
}

async fn models(config: &OperatorConfig, command: ModelsCommand, as_json: bool) -> anyhow::Result<String> {
    match command {
        ModelsCommand::List => {
            let chain = connect(config, false).await?;
            let count = chain.jobs_reader().model_count().call().await.map_err(ciro_client::chain::read_error("model_count"))?;
            let store = ModelStore::new(&config.models);
            let local: Vec<(Felt, String)> = store
                .files()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|path| load_model(&path).ok().map(|m| (m.model_commitment(), path.display().to_string())))
                .collect();
            let mut rows = Vec::new();
            for id in 1..=count {
                let model = chain.model(id).await?;
                let file = local.iter().find(|(c, _)| *c == model.commitment).map(|(_, f)| f.clone());
                rows.push((id, model.owner.0, model.commitment, file));
            }
            if as_json {
                let rows: Vec<_> = rows
                    .iter()
                    .map(|(id, owner, commitment, file)| serde_json::json!({"id": id, "owner": format!("{owner:#x}"), "commitment": format!("{commitment:#x}"), "local_file": file}))
                    .collect();
                return json(&rows);
            }
            Ok(render::models_table(&rows))
        }
        ModelsCommand::Register { model, labels } => {
            let path = model.clone();
            let prepared = tokio::task::spawn_blocking(move || load_model(&path)).await??;
            let commitment = prepared.model_commitment();
            let labels = match &labels {
                Some(path) => {
                    let bytes = std::fs::read(path).with_context(|| format!("reading the labels {}", path.display()))?;
                    let labels = ClassLabels::parse(&bytes).with_context(|| format!("the labels {}", path.display()))?;
                    let outputs = prepared.layout.n_outputs;
                    anyhow::ensure!(
                        labels.len() as u64 == outputs,
                        "{} has {} labels but the model has {outputs} outputs: give one label per output, in order",
                        path.display(),
                        labels.len()
                    );
                    Some(labels)
                }
                None => None,
            };
            let labels_commitment = labels.as_ref().map_or(Felt::ZERO, ClassLabels::commitment);
            let chain = connect(config, true).await?;
            // Uploaded first (kept pending until the registration lands): a failed upload
            // registers nothing.
            let uploaded = match &config.coordinator {
                Some(coordinator) => {
                    let bytes = std::fs::read(&model).with_context(|| format!("reading {}", model.display()))?;
                    let name = commitment_name(commitment);
                    coordinator.put(BlobKind::Model, &name, bytes).await?;
                    if let Some(labels) = &labels {
                        coordinator.put(BlobKind::Labels, &commitment_name(labels_commitment), labels.canonical_text().into_bytes()).await?;
                    }
                    Some(coordinator.blob_url(BlobKind::Model, &name))
                }
                None if labels.is_some() => {
                    anyhow::bail!("class labels are kept by the coordinator: configure one (--coordinator / CIRO_COORDINATOR_URL) to register a model with labels")
                }
                None => None,
            };
            let register = chain.jobs().register_model_getcall(&commitment, &Framework::ONNX, &labels_commitment);
            let sent = chain.send("registering the model", vec![register]).await?;
            let events = chain.job_manager_events_of(sent.transaction_hash).await?;
            let id = events
                .iter()
                .find_map(|event| match event {
                    job_manager::Event::ModelRegistered(registered) => Some(registered.model_id),
                    _ => None,
                })
                .context("the transaction registered no model")?;
            if as_json {
                return json(&serde_json::json!({
                    "model_id": id,
                    "commitment": format!("{commitment:#x}"),
                    "labels_commitment": labels.as_ref().map(|_| format!("{labels_commitment:#x}")),
                    "labels": labels.as_ref().map(ClassLabels::names),
                    "transaction_hash": format!("{:#x}", sent.transaction_hash),
                    "uploaded_to": uploaded,
                }));
            }
            let upload = match &uploaded {
                Some(url) => format!("uploaded to {url} (workers fetch it there)\n"),
                None => "not uploaded (no coordinator configured): workers need the ONNX file in their model directory\n".to_owned(),
            };
            let labelled = match &labels {
                Some(labels) => format!("{} class labels ({}), commitment {labels_commitment:#x}, uploaded with it\n", labels.len(), labels.names().join(", ")),
                None => String::new(),
            };
            Ok(format!("registered model #{id} ({}) with commitment {commitment:#x}\n{upload}{labelled}{}", model.display(), sent_line("transaction", &sent)))
        }
    }
}

/// `ciro-worker check-hardware`.
///
/// # Errors
/// JSON serialization fails.
pub fn check_hardware(as_json: bool) -> anyhow::Result<String> {
    let hardware = Hardware::detect();
    if as_json {
        return json(&serde_json::json!({
            "cuda_devices": hardware.cuda_devices,
            "cuda_unavailable": hardware.cuda_unavailable,
            "cpu_threads": hardware.cpu_threads,
            "memory_bytes": hardware.memory_bytes,
            "capabilities": hardware.capabilities(),
            "gpu_memory_gb": hardware.gpu_memory_gb(),
        }));
    }
    let mut out = String::new();
    if hardware.cuda_devices.is_empty() {
        out.push_str(&format!("CUDA        none ({})\n", hardware.cuda_unavailable.as_deref().unwrap_or("no devices")));
    }
    for device in &hardware.cuda_devices {
        out.push_str(&format!(
            "GPU {}       {} · {} GiB · compute capability {}.{}\n",
            device.index,
            device.name,
            device.memory_bytes >> 30,
            device.compute_capability.0,
            device.compute_capability.1
        ));
    }
    out.push_str(&format!("CPU         {} threads · {} GiB memory\n", hardware.cpu_threads, hardware.memory_bytes >> 30));
    out.push_str(&format!(
        "registers   capabilities {:#04x} ({}) · prover memory {} GiB · proving backend: CPU (the CUDA backend is not built yet)\n",
        hardware.capabilities(),
        ciro_worker::hardware::capability_names(hardware.capabilities()).join(", "),
        hardware.gpu_memory_gb()
    ));
    Ok(out)
}
