//! The `ciro-cairo` command line: parses flags and calls the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ciro_cairo::{build, corelib, PackageOutcome};

/// Compiles Cairo 2.1 Starknet contracts into Scarb-compatible artifacts (target/dev/).
#[derive(Parser)]
#[command(name = "ciro-cairo", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compile every package's contracts, as `scarb build` would.
    Build {
        /// The workspace or package manifest.
        #[arg(long, default_value = "Scarb.toml")]
        manifest_path: PathBuf,
        /// A Cairo 2.1.0 core library (the directory holding src/lib.cairo); default: the cache,
        /// filled from PyPI on first use.
        #[arg(long, env = "CAIRO_CORELIB")]
        corelib: Option<PathBuf>,
    },
    /// Print the verified core library's path, downloading it into the cache if needed.
    Corelib {
        /// A Cairo 2.1.0 core library to verify instead of the cached one.
        #[arg(long, env = "CAIRO_CORELIB")]
        corelib: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Build { manifest_path, corelib } => {
            let report = build(&manifest_path, corelib.as_deref())?;
            for (package, outcome) in &report.packages {
                match outcome {
                    PackageOutcome::Compiled(contracts) => {
                        println!("   Compiled {package}: {}", contracts.join(", "))
                    }
                    PackageOutcome::Fresh => println!("      Fresh {package}"),
                    PackageOutcome::NoContractTarget => {
                        println!("    Skipped {package} (no [[target.starknet-contract]])")
                    }
                }
            }
            println!("   Finished artifacts in {}", report.artifacts_dir.display());
        }
        Command::Corelib { corelib } => {
            let found = corelib::resolve(corelib.as_deref())?;
            println!("{}", found.src.display());
        }
    }
    Ok(())
}
