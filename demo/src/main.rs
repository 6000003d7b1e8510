//! `ciro-demo`: the README's main job.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use ciro_demo::main_job::{self, JobInputs};
use ciro_demo::market::Market;
use ciro_demo::network::LocalNetwork;
use ciro_deploy::report::outcomes_table;
use clap::Parser;

/// Starts a local Starknet devnet, deploys Ciro with ciro-deploy, and takes one MLP inference
/// job from submission to proven, verified and paid.
#[derive(Parser)]
#[command(name = "ciro-demo", version)]
struct Cli {
    /// The repository root (artifacts in <root>/target/dev, models in <root>/prover/examples/models).
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// The ONNX model (default: the iris MLP).
    #[arg(long)]
    model: Option<PathBuf>,
    /// The model's input file (default: the iris example input).
    #[arg(long)]
    input: Option<PathBuf>,
    /// Keep the local chain running after the demo, until Ctrl-C.
    #[arg(long)]
    keep_running: bool,
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
    let started = Instant::now();
    let mut options = ciro_demo::DemoOptions::in_repository(&cli.root);
    let iris = JobInputs::iris(&cli.root.join("prover/examples/models"));
    options.job.model = cli.model.unwrap_or(iris.model);
    options.job.input = cli.input.unwrap_or(iris.input);

    eprintln!("==> starting devnet and deploying with ciro-deploy");
    let network = LocalNetwork::launch(&options.artifacts_dir, &options.manifest_dir).await?;
    println!("local chain {} (chain id {:#x})\n", network.devnet.url(), network.devnet.chain_id());
    println!("Deployment (manifest: {})", options.manifest_dir.join("devnet.json").display());
    print!("{}", outcomes_table(&network.deployment.outcomes, "fee (STRK)"));
    for name in ciro_deploy::plan::CONTRACTS {
        println!("{name:<20} {:#066x}", network.contract(name)?);
    }
    let checks = network.manifest.verified.as_ref().map_or(0, |v| v.checks.len());
    println!("wiring read back: {checks} checks passed\n");

    let market = Market::new(&network)?;
    let report = main_job::run(&market, &options.job, &|message| eprintln!("==> {message}")).await?;
    print!("{}", main_job::render(&report));
    println!("\nmain job finished in {:.1} s", started.elapsed().as_secs_f64());
    if cli.keep_running {
        println!("\nlocal chain running at {}; Ctrl-C to stop", network.devnet.url());
        tokio::signal::ctrl_c().await?;
    }
    Ok(())
}
