//! `ciro-worker`: a GPU provider's node.

use clap::{Parser, Subcommand};
use ciro_cli::commands::{RegisterArgs, StakeArgs, WorkerCommand};

/// Ciro's worker node: detects the hardware, registers and stakes, and proves the jobs assigned
/// to it (`start`).
#[derive(Debug, Parser)]
#[command(name = "ciro-worker", version)]
struct Args {
    #[command(flatten)]
    connection: ciro_cli::ConnectionArgs,
    #[command(flatten)]
    log: ciro_cli::LogArgs,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show the CUDA devices (through the driver) or the CPU, the capability bitmask, and the backend proofs are made on.
    CheckHardware,
    /// Register this account as a worker with this machine's hardware.
    Register(RegisterArgs),
    /// Stake CIRO.
    Stake(StakeArgs),
    /// This worker's standing.
    Status,
    /// Rewards to claim and balance.
    Earnings,
    /// Wait for assigned jobs and prove them until stopped.
    Start {
        /// Where in-flight jobs are persisted.
        #[arg(long, env = "CIRO_WORKER_STATE_DIR")]
        state_dir: Option<std::path::PathBuf>,
        /// Address for /health and /metrics.
        #[arg(long, env = "CIRO_WORKER_LISTEN")]
        listen: Option<String>,
        /// Jobs proved at once.
        #[arg(long)]
        max_concurrent_jobs: Option<u8>,
        /// Poll interval in milliseconds.
        #[arg(long)]
        poll_interval_ms: Option<u64>,
        /// Where to prove: auto (the GPU when this binary has the CUDA backend and finds one,
        /// else the CPU), cpu, or cuda (the GPU, or refuse to start).
        #[arg(long, env = "CIRO_WORKER_BACKEND", value_parser = ["auto", "cpu", "cuda"])]
        backend: Option<String>,
    },
}

async fn run(args: Args) -> anyhow::Result<String> {
    let worker = |command| ciro_cli::Cli {
        connection: args.connection.clone(),
        log: args.log.clone(),
        json: args.json,
        command: ciro_cli::Command::Worker(command),
    };
    match args.command {
        Command::CheckHardware => ciro_cli::commands::check_hardware(args.json),
        Command::Register(register) => ciro_cli::run(worker(WorkerCommand::Register(register))).await,
        Command::Stake(stake) => ciro_cli::run(worker(WorkerCommand::Stake(stake))).await,
        Command::Status => ciro_cli::run(worker(WorkerCommand::Status { address: None })).await,
        Command::Earnings => ciro_cli::run(worker(WorkerCommand::Earnings { address: None })).await,
        Command::Start { state_dir, listen, max_concurrent_jobs, poll_interval_ms, backend } => {
            let mut config = args.connection.load()?;
            if let Some(dir) = state_dir {
                config.worker.state_dir = dir;
            }
            if let Some(listen) = listen {
                config.worker.listen = listen;
            }
            if let Some(n) = max_concurrent_jobs {
                config.worker.max_concurrent_jobs = n;
            }
            if let Some(interval) = poll_interval_ms {
                config.worker.poll_interval_ms = interval;
            }
            if let Some(backend) = backend {
                config.worker.backend = backend;
            }
            ciro_worker::run(&config).await?;
            Ok(String::new())
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    args.log.init();
    ciro_cli::exit_with(run(args).await)
}
