//! The `ciro` command line, and the flags shared with `ciro-keeper` and `ciro-worker`.
//!
//! Every command prints a human table by default and JSON with `--json`; every error says what
//! to do next.

#![deny(missing_docs)]

pub mod commands;
pub mod render;

use clap::{Parser, Subcommand};

pub use ciro_client::cli::{exit_with, ConnectionArgs, LogArgs};

/// Ciro: submit verifiable AI jobs, follow them, run a worker's account, check proofs.
#[derive(Debug, Parser)]
#[command(name = "ciro", version)]
pub struct Cli {
    /// Where the node, the deployment and the key are.
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// How to log.
    #[command(flatten)]
    pub log: LogArgs,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// `ciro`'s commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Escrow CIRO for an inference job on a registered model.
    SubmitJob(commands::SubmitJob),
    /// Show a job; with --watch, wait until it is finished and paid.
    JobStatus {
        /// The job id.
        id: u64,
        /// Follow the job until it is finished and paid out.
        #[arg(long)]
        watch: bool,
        /// Give up watching after this many seconds.
        #[arg(long, default_value_t = 600)]
        timeout: u64,
    },
    /// A Completed job's outputs, read from the chain (or the coordinator) and verified here.
    ///
    /// The proof is taken from the calldata of the transaction that completed the job (the one
    /// ProofVerifier checked on-chain), verified locally against the statement JobManager holds
    /// (job id, model, input and output commitments), and its outputs printed as real numbers.
    JobResult(commands::JobResultArgs),
    /// List jobs.
    Jobs {
        /// Only this client's jobs.
        #[arg(long)]
        client: Option<String>,
    },
    /// A worker's account: register, stake, unstake, withdraw, claim, status, earnings.
    #[command(subcommand)]
    Worker(commands::WorkerCommand),
    /// Delegate CIRO to a worker; it earns after the pool's warm-up.
    ///
    /// The tokens become shares of the worker's pool, earning and at risk, once CDC_Pool's
    /// `delegation_warmup` has passed.
    Delegate {
        /// The worker's address.
        worker: String,
        /// CIRO to delegate.
        amount: String,
    },
    /// Check a proof file locally (no node needed).
    Verify {
        /// The proof file (JSON, as `ciro-prover prove` writes it).
        proof: std::path::PathBuf,
    },
    /// Registered models.
    #[command(subcommand)]
    Models(commands::ModelsCommand),
}

/// Runs `cli`; returns what to print on stdout.
///
/// # Errors
/// What went wrong, with what to do next.
pub async fn run(cli: Cli) -> anyhow::Result<String> {
    commands::run(cli).await
}
