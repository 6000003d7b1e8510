//! `ciro`: the client's and the worker's command line.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    ciro_cli::exit_with(ciro_cli::run(ciro_cli::Cli::parse()).await)
}
