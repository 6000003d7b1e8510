//! `ciro`: the client's and the worker's command line.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = ciro_cli::Cli::parse();
    cli.log.init();
    ciro_cli::exit_with(ciro_cli::run(cli).await)
}
