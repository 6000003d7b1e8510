//! `ciro-demo`: the README's main job.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Starts a local Starknet devnet, deploys Ciro's contracts from target/dev and exercises them.
#[derive(Parser)]
#[command(name = "ciro-demo", version)]
struct Cli {
    /// The directory `ciro-cairo build` wrote the artifacts to.
    #[arg(long, default_value = "target/dev")]
    artifacts: PathBuf,
    /// Keep the local chain running after the demo, until Ctrl-C.
    #[arg(long)]
    keep_running: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let (devnet, report) = ciro_demo::run(&cli.artifacts).await?;
    println!("local chain   {} (chain id {:#x})", report.rpc_url, report.chain_id);
    println!();
    println!("{:<44} transaction", "step");
    for step in &report.steps {
        let hash = step.transaction_hash.map_or_else(|| "(already declared)".to_owned(), |h| format!("{h:#066x}"));
        println!("{:<44} {hash}", step.action);
    }
    println!();
    println!("class hash    {:#066x}", report.class_hash);
    println!("get_value()   {}", report.final_value);
    println!("OwnedCounter deployed at {:#066x}", report.address);
    if cli.keep_running {
        println!("\nlocal chain running at {}; Ctrl-C to stop", report.rpc_url);
        tokio::signal::ctrl_c().await?;
    }
    drop(devnet);
    Ok(())
}
