//! What each `ciro` command does.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use ciro_bindings::job_manager;
use ciro_client::config::parse_address;
use ciro_client::{format_ciro, parse_ciro, Chain, JobView, OperatorConfig};
use ciro_prover::model::input::InputFile;
use ciro_prover::proof_file::ProofFile;
use ciro_prover::stark::SecurityPolicy;
use ciro_worker::hardware::Hardware;
use ciro_inference::models::ModelStore;
use ciro_inference::jobs::{self, Deadline, JobRequest, PaymentRoute};
use ciro_inference::results::{verified_result, SourceChoice, VerifiedResult};
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
    /// The job's type: those an inference proof covers (computer-vision needs a CNN).
    #[arg(long, default_value = "ai-inference", value_parser = jobs::JOB_TYPES)]
    pub job_type: String,
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
        /// Input files ({"input": [numbers]}) like the ones the model will be asked about,
        /// repeatable: the model is calibrated on them (each layer's weight precision chosen so
        /// that its activations fit the fixed-point range) and the calibrated model is registered.
        /// Needed for models whose activations reach the thousands.
        #[arg(long, value_name = "FILE")]
        calibration: Vec<PathBuf>,
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
    Ok(jobs::job(chain, id).await?)
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
        "proof valid (checked locally with the production policy: ≥100 bits, ≥80 from the queries)\n\
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

/// `ciro submit-job`: the job submitted through [`jobs::submit_job`], printed as a table or JSON.
async fn submit_job(config: &OperatorConfig, args: &SubmitJob, as_json: bool) -> anyhow::Result<String> {
    let input = InputFile::read(&args.input)
        .map_err(|e| anyhow::anyhow!("{}: {} (an input file is {{\"input\": [numbers]}})", args.input.display(), ciro_client::error_chain(&e)))?
        .input;
    let chain = connect(config, true).await?;
    let route = if args.pay_with_paymaster {
        let keeper_url = args
            .keeper_url
            .clone()
            .or_else(|| config.coordinator.as_ref().map(|c| c.base().as_str().trim_end_matches('/').to_owned()))
            .unwrap_or_else(|| "http://127.0.0.1:9464".to_owned());
        PaymentRoute::Paymaster { keeper_url }
    } else {
        PaymentRoute::OwnAccount
    };
    let request = JobRequest {
        model_id: args.model,
        input,
        payment: parse_ciro(&args.payment)?,
        job_type: jobs::job_type(&args.job_type)?,
        deadline: args.deadline.map_or(Deadline::In(args.deadline_in), Deadline::At),
        required_capabilities: args.required_capabilities,
        min_gpu_memory_gb: args.min_gpu_memory_gb,
        min_tier: args.min_tier,
        route,
    };
    let submitted = jobs::submit_job(&chain, config, &request).await.with_context(|| format!("submitting {}", args.input.display()))?;
    let job_id = submitted.job_id;
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
        let mut value = submitted.to_json();
        if let Some(result) = &result {
            value["result"] = result.to_json();
        }
        return json(&value);
    }
    let route = if submitted.sponsored { "Paymaster (sponsored, relayed by the keeper)" } else { "own account" };
    let mut out = format!(
        "submitted job #{job_id}: {} CIRO escrowed, deadline {}\n\
         paid through       {route}\ntransaction        {:#x}\ninput commitment   {:#x}\n\
         input stored at    {}\n",
        format_ciro(submitted.payment),
        submitted.deadline,
        submitted.transaction_hash,
        submitted.input_commitment,
        submitted.input_stored_at
    );
    match &result {
        Some(result) => out.push_str(&format!("\n{}", render::result(result))),
        None => out.push_str(&format!("follow it with     ciro job-status {job_id} --watch\nits result         ciro job-result {job_id}\n")),
    }
    Ok(out)
}

async fn watch_job(chain: &Chain, id: u64, timeout: Duration) -> anyhow::Result<JobView> {
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.enable_steady_tick(Duration::from_millis(120));
    let view = jobs::wait_for_job(chain, id, timeout, Duration::from_millis(500), |view| {
        spinner.set_message(format!("job #{id}: {}{}", view.state_name(), if view.job.settled { ", paid out" } else { "" }));
    })
    .await;
    spinner.finish_and_clear();
    Ok(view?)
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
            let local: Vec<(Felt, String)> =
                store.local_commitments().unwrap_or_default().into_iter().map(|(commitment, path)| (commitment, path.display().to_string())).collect();
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
        ModelsCommand::Register { model, labels, calibration } => {
            let chain = connect(config, true).await?;
            let registered = jobs::register_model_file(&chain, config, &model, labels.as_deref(), &calibration).await?;
            // Without a coordinator, workers need the calibrated file itself: it is written beside
            // the original.
            let calibrated_file = match (&registered.calibrated, &registered.uploaded_to) {
                (Some((_, bytes)), None) => {
                    let path = model.with_extension("calibrated.onnx");
                    ciro_client::store::write_atomically(&path, bytes)?;
                    Some(path)
                }
                _ => None,
            };
            let (id, commitment, labels_commitment) = (registered.model_id, registered.commitment, registered.labels_commitment);
            let labels = &registered.labels;
            if as_json {
                return json(&serde_json::json!({
                    "model_id": id,
                    "commitment": format!("{commitment:#x}"),
                    "labels_commitment": labels.as_ref().map(|_| format!("{labels_commitment:#x}")),
                    "labels": labels.as_ref().map(ClassLabels::names),
                    "transaction_hash": format!("{:#x}", registered.sent.transaction_hash),
                    "uploaded_to": registered.uploaded_to,
                    "weight_bits": registered.calibrated.as_ref().map(|(bits, _)| bits),
                    "calibrated_file": calibrated_file,
                }));
            }
            let upload = match &registered.uploaded_to {
                Some(url) => format!("uploaded to {url} (workers fetch it there)\n"),
                None => "not uploaded (no coordinator configured): workers need the ONNX file in their model directory\n".to_owned(),
            };
            let labelled = match labels {
                Some(labels) => format!("{} class labels ({}), commitment {labels_commitment:#x}, uploaded with it\n", labels.len(), labels.names().join(", ")),
                None => String::new(),
            };
            let calibrated = match (&registered.calibrated, &calibrated_file) {
                (Some((bits, _)), Some(file)) => format!("calibrated on {} inputs: weight bits per layer {bits:?}; the calibrated model is {}\n", calibration.len(), file.display()),
                (Some((bits, _)), None) => format!("calibrated on {} inputs: weight bits per layer {bits:?}\n", calibration.len()),
                _ => String::new(),
            };
            Ok(format!("registered model #{id} ({}) with commitment {commitment:#x}\n{calibrated}{upload}{labelled}{}", model.display(), sent_line("transaction", &registered.sent)))
        }
    }
}

/// `ciro-worker check-hardware`.
///
/// # Errors
/// JSON serialization fails.
pub fn check_hardware(as_json: bool) -> anyhow::Result<String> {
    let hardware = Hardware::detect();
    // What `ciro-worker start` with `backend = "auto"` would prove on, and why.
    let backend = ciro_prover::backend::select::select(ciro_prover::backend::select::BackendChoice::Auto)?;
    if as_json {
        return json(&serde_json::json!({
            "proving_backend": backend.backend.name(),
            "proving_backend_reason": backend.reason,
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
        "registers   capabilities {:#04x} ({}) · prover memory {} GiB\n",
        hardware.capabilities(),
        ciro_worker::hardware::capability_names(hardware.capabilities()).join(", "),
        hardware.gpu_memory_gb()
    ));
    out.push_str(&format!("proves on   {} ({})\n", backend.backend.name(), backend.reason));
    Ok(out)
}
