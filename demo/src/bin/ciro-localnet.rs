//! `ciro-localnet`: a local Ciro to develop against, running until stopped.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use ciro_demo::localnet::{Localnet, LocalnetOptions};
use ciro_demo::operators::Binaries;
use ciro_demo::DemoOptions;
use clap::Parser;

/// Starts a local Starknet devnet with Ciro deployed by ciro-deploy, the keeper (the coordinator)
/// and staked workers as processes, and a client account funded with 1,000 CIRO; prints one JSON
/// line with the client's connection details (node, manifest, its ciro.toml, account and key,
/// coordinator), writes them as shell variables to <dir>/client.env (`source` it), and runs until
/// Ctrl-C. The `ciro` CLI and the Python SDK connect with them.
#[derive(Parser)]
#[command(name = "ciro-localnet", version)]
struct Cli {
    /// The repository root (the built contracts are in <root>/target/dev).
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// The operators' directories (keeper, client, workers) and the manifest go here.
    #[arg(long, default_value = "target/localnet")]
    dir: PathBuf,
    /// How many workers to start (1 or 2).
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// How often the keeper and the workers poll the chain, in milliseconds.
    #[arg(long, default_value_t = 300)]
    poll_interval_ms: u64,
    /// Also write the JSON connection details to this file (written once everything is up).
    #[arg(long)]
    ready_file: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    // The operators run in their own directories: every path they are given is absolute.
    let absolute = |path: &PathBuf| std::path::absolute(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()));
    let (root, dir) = (absolute(&cli.root)?, absolute(&cli.dir)?);
    let demo = DemoOptions { manifest_dir: dir.join("deployments"), ..DemoOptions::in_repository(&root) };
    let options = LocalnetOptions {
        demo,
        dir: dir.join("operators"),
        binaries: Binaries::beside_current_exe()?,
        workers: cli.workers,
        poll_interval_ms: cli.poll_interval_ms,
    };
    let mut localnet = Localnet::start(&options, &|message| eprintln!("==> {message}")).await?;
    let details = localnet.client_details()?;
    // `source <dir>/client.env` sets what the CLI and the Python SDK read.
    let env_file = dir.join("client.env");
    let env = format!(
        "export CIRO_CONFIG={}\nexport CIRO_ACCOUNT={}\nexport CIRO_PRIVATE_KEY={}\n",
        details["config"].as_str().unwrap_or_default(),
        details["account"].as_str().unwrap_or_default(),
        details["private_key"].as_str().unwrap_or_default()
    );
    std::fs::write(&env_file, env).map_err(|e| anyhow::anyhow!("{}: {e}", env_file.display()))?;
    let details = details.to_string();
    if let Some(path) = &cli.ready_file {
        let partial = path.with_extension("partial");
        std::fs::write(&partial, format!("{details}\n")).and_then(|()| std::fs::rename(&partial, path))
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    }
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{details}")?;
    stdout.flush()?;
    eprintln!("==> ready: local Ciro at {}, coordinator {}; Ctrl-C to stop", localnet.network.devnet.url(), localnet.coordinator);
    localnet.run_until_stopped().await?;
    eprintln!("==> stopping");
    Ok(())
}
