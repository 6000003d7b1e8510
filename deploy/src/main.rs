//! `ciro-deploy`: declares, deploys and wires Ciro's contracts on the network a TOML file names,
//! writing `deployments/<network>.json`; rerun it to resume after a failure.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use ciro_deploy::deployer::Deployer;
use ciro_deploy::report::outcomes_table;
use ciro_deploy::{ContractArtifacts, DeployConfig, Manifest};
use clap::Parser;
use starknet::accounts::{ExecutionEncoding, SingleOwnerAccount};
use starknet::providers::jsonrpc::HttpTransport;
use starknet::providers::JsonRpcClient;

/// Deploys Ciro's contracts to the network described by a configuration file.
#[derive(Parser)]
#[command(name = "ciro-deploy", version)]
struct Cli {
    /// The network's configuration (see deploy/networks/sepolia.toml).
    #[arg(long)]
    config: PathBuf,
    /// Where `ciro-cairo build` wrote the artifacts.
    #[arg(long, default_value = "target/dev")]
    artifacts: PathBuf,
    /// Where manifests live: `<dir>/<network>.json`.
    #[arg(long, default_value = "deployments")]
    manifest_dir: PathBuf,
    /// Print the plan with fee estimates; send nothing, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Stop after this step (e.g. "deploy CDCPool"); the next run resumes.
    #[arg(long)]
    until: Option<String>,
    /// Print the manifest (JSON) on stdout instead of the table.
    #[arg(long)]
    json: bool,
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
    let config = DeployConfig::load(&cli.config)?;
    let url = url::Url::parse(&config.network.rpc_url).context("network.rpc_url is not a URL")?;
    let provider = JsonRpcClient::new(HttpTransport::new(url));
    let account = SingleOwnerAccount::new(
        provider,
        config.signer()?,
        config.deployer_address()?,
        config.chain_id()?,
        ExecutionEncoding::New,
    );
    let artifacts = ContractArtifacts::load(&cli.artifacts, "ciro")?;
    let manifest_path = Manifest::path_for(&cli.manifest_dir, &config.network.name);
    let deployer = Deployer::prepare(&config, account, &artifacts, &manifest_path).await?;

    if cli.dry_run {
        let outcomes = deployer.dry_run().await?;
        print!("{}", outcomes_table(&outcomes, "estimated fee (STRK)"));
        return Ok(());
    }
    let report = deployer.run(cli.until.as_deref()).await?;
    if cli.json {
        println!("{}", serde_json::to_string_pretty(&report.manifest)?);
        return Ok(());
    }
    print!("{}", outcomes_table(&report.outcomes, "fee (STRK)"));
    println!("\nmanifest: {}", manifest_path.display());
    if let Some(verified) = &report.manifest.verified {
        println!("wiring read back at block {}: {} checks passed", verified.block_number, verified.checks.len());
    } else {
        println!("stopped after `{}`; rerun without --until to finish", cli.until.unwrap_or_default());
    }
    let deployer_address = report.manifest.deployer;
    let treasury = report.manifest.address_of("GovernanceTreasury").unwrap_or_default();
    let governance = config.roles(deployer_address, treasury)?.governance;
    if governance != deployer_address && governance != treasury {
        println!(
            "governance {governance:#x} must now call accept_governance on {}",
            ciro_deploy::plan::GOVERNED.join(", ")
        );
    }
    Ok(())
}
