//! `ciro-demo`: the README's main job.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use ciro_demo::main_job;
use ciro_demo::market::Market;
use ciro_demo::network::LocalNetwork;
use ciro_demo::operators::{Binaries, OperatorSite};
use ciro_deploy::report::outcomes_table;
use clap::Parser;

/// Starts a local Starknet devnet, deploys Ciro with ciro-deploy, starts the keeper (the
/// coordinator) and two workers as processes, each in a directory of its own, and has a client
/// submit three MLP inference jobs with the `ciro` CLI (one through the Paymaster), each proven,
/// verified on-chain and paid with no one stepping in; the client reads each result back from the
/// chain and verifies it.
#[derive(Parser)]
#[command(name = "ciro-demo", version)]
struct Cli {
    /// The repository root (artifacts in <root>/target/dev, models in <root>/prover/examples/models).
    #[arg(long, default_value = ".")]
    root: PathBuf,
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
    let options = ciro_demo::DemoOptions::in_repository(&cli.root);
    let binaries = Binaries::beside_current_exe()?;
    let models = cli.root.join("prover/examples/models");

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

    // Every operator has a directory of its own: they share the chain and the coordinator's URL.
    let keeper_address = ciro_demo::operators::free_address()?;
    let coordinator = format!("http://{keeper_address}");
    let root = cli.root.join("target/demo/operators");
    let manifest = options.manifest_dir.join("devnet.json");
    let rpc = network.devnet.url().to_string();
    let site = |name: &str| OperatorSite::create(&network, &manifest, &rpc, None, Some(&coordinator), &root.join(name), binaries.clone());
    let (keeper, client, worker_a, worker_b) = (site("keeper")?, site("client")?, site("worker-a")?, site("worker-b")?);
    let sites = main_job::Sites { keeper: &keeper, client: &client, workers: [&worker_a, &worker_b] };
    let market = Market::new(&network)?;
    let inputs = ["iris_input_0.json", "iris_input_1.json", "iris_input_2.json"].map(|name| models.join(name));
    let (cnn, image) = (models.join("digits_cnn.onnx"), models.join("digits_cnn_input_0.json"));
    let vision = Some((cnn.as_path(), image.as_path()));
    let report = main_job::run(&market, &sites, &keeper_address, &models.join("iris_mlp.onnx"), &inputs, vision, &|message| eprintln!("==> {message}")).await?;
    print!("{}", main_job::render(&report));
    println!("operators' directories and logs: {}", root.display());
    println!("\nmain job finished in {:.1} s", started.elapsed().as_secs_f64());
    if !report.jobs.iter().all(main_job::JobOutcome::completed_and_paid) || report.escrowed_after != 0 {
        anyhow::bail!("not every job was completed and paid");
    }
    if cli.keep_running {
        println!("\nlocal chain running at {}; Ctrl-C to stop", network.devnet.url());
        tokio::signal::ctrl_c().await?;
    }
    Ok(())
}
