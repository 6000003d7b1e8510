//! `ciro-deploy`: declares, deploys and wires Ciro's contracts on the network a TOML file names,
//! writing `deployments/<network>.json`; rerun it to resume after a failure.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use ciro_deploy::deployer::Deployer;
use ciro_deploy::report::{outcomes_table, warnings_banner, warnings_section};
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
    /// Refuse to deploy (send nothing) when a role warning applies: one key that may mint, the
    /// deployer as oracle, a 1-of-N council, one key holding several roles. For CI of real
    /// deployments; a network named `devnet` has no role warnings.
    #[arg(long)]
    deny_role_warnings: bool,
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

    // Before anything is sent: roles that put the system in one key's hands.
    let plan = deployer.plan();
    let warnings = config.role_warnings(plan.deployer, plan.address("GovernanceTreasury"))?;
    eprint!("{}", warnings_banner(&warnings, &config.network.name));
    if cli.deny_role_warnings && !warnings.is_empty() {
        anyhow::bail!("{} role warning(s) with --deny-role-warnings: nothing was sent", warnings.len());
    }

    if cli.dry_run {
        let outcomes = deployer.dry_run().await?;
        print!("{}", outcomes_table(&outcomes, "estimated fee (STRK)"));
        print!("{}", warnings_section(&warnings));
        return Ok(());
    }
    let report = deployer.run(cli.until.as_deref()).await?;
    if cli.json {
        println!("{}", serde_json::to_string_pretty(&report.manifest)?);
        eprint!("{}", warnings_banner(&warnings, &config.network.name));
        return Ok(());
    }
    print!("{}", outcomes_table(&report.outcomes, "fee (STRK)"));
    print!("{}", warnings_section(&warnings));
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
