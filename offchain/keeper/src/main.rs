//! `ciro-keeper`: assigns, times out and pays jobs, relays sponsored requests.

use clap::Parser;

/// Ciro's keeper: follows JobManager, CDC_Pool and Paymaster events and moves every job from
/// submission to payment; relays sponsored requests (POST /relay); serves /health and /metrics;
/// and keeps job inputs, models and results for clients and workers (/v1/, the data plane).
#[derive(Debug, Parser)]
#[command(name = "ciro-keeper", version)]
struct Args {
    #[command(flatten)]
    connection: ciro_client::cli::ConnectionArgs,
    #[command(flatten)]
    log: ciro_client::cli::LogArgs,
    /// SQLite database holding the cursor, the jobs and every transaction sent.
    #[arg(long, env = "CIRO_KEEPER_DATABASE")]
    database: Option<std::path::PathBuf>,
    /// Address for /health, /metrics and /relay.
    #[arg(long, env = "CIRO_KEEPER_LISTEN")]
    listen: Option<String>,
    /// Sponsor whose Paymaster budget pays for relayed requests.
    #[arg(long, env = "CIRO_KEEPER_SPONSOR")]
    sponsor: Option<String>,
    /// Poll interval in milliseconds.
    #[arg(long)]
    poll_interval_ms: Option<u64>,
    /// Where the data plane keeps inputs, models and results [default: `blobs` beside the
    /// database].
    #[arg(long, env = "CIRO_KEEPER_BLOB_DIR")]
    blob_dir: Option<std::path::PathBuf>,
}

async fn run(args: Args) -> anyhow::Result<String> {
    let mut config = args.connection.load()?;
    if let Some(database) = args.database {
        config.keeper.database = database;
    }
    if let Some(listen) = args.listen {
        config.keeper.listen = listen;
    }
    if let Some(sponsor) = args.sponsor {
        config.keeper.sponsor = Some(sponsor);
    }
    if let Some(interval) = args.poll_interval_ms {
        config.keeper.poll_interval_ms = interval;
    }
    if let Some(dir) = args.blob_dir {
        config.keeper.blob_dir = Some(dir);
    }
    ciro_keeper::run(&config).await?;
    Ok(String::new())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    args.log.init();
    ciro_client::cli::exit_with(run(args).await)
}
