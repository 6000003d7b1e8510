//! `ciro-bench`: prints the proof system's benchmark table.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::Context;
use ciro_bench::{onchain::VerifierOnDevnet, render, Row};
use ciro_prover::bench::{bench_model, bench_onnx, bench_one, parse_widths};
use ciro_prover::stark::ProofParams;
use clap::Parser;

/// Proves synthetic MLP inferences of each trace size with the production parameters, verifies
/// them in Rust, and verifies the chosen sizes on a local devnet.
#[derive(Parser)]
#[command(name = "ciro-bench", version)]
struct Cli {
    /// Smallest trace, log2 rows.
    #[arg(long, default_value_t = 10)]
    min_log_rows: u32,
    /// Largest trace, log2 rows.
    #[arg(long, default_value_t = 18)]
    max_log_rows: u32,
    /// Trace sizes (log2 rows) also verified on-chain.
    #[arg(long, value_delimiter = ',', default_value = "12,16")]
    onchain: Vec<u32>,
    /// Synthetic MLPs (widths, input first, e.g. `784-128-10`) proved after the trace sizes,
    /// each verified on-chain.
    #[arg(long, value_delimiter = ',')]
    models: Vec<String>,
    /// ONNX models proved after the synthetic ones, each on its input and verified on-chain,
    /// written `model.onnx:input.json` (e.g. `prover/examples/models/lenet5.onnx:prover/examples/models/lenet5_input_0.json`).
    #[arg(long, value_delimiter = ',')]
    onnx: Vec<String>,
    /// Prove the models with the compact parameters (16 queries, 20 grinding bits).
    #[arg(long)]
    compact: bool,
    /// Prove each model with each of these parameter sets instead, written
    /// `log_blowup/queries/grinding_bits` (`3/30/10,5/17/15`: blowup 8 with 30 queries beside
    /// blowup 32 with 17), for a comparison within one run.
    #[arg(long, value_delimiter = ',', value_parser = parse_params)]
    params: Vec<ProofParams>,
    /// Write where each on-chain row's Cairo steps go (by function and by call stack, down to
    /// 0.5% of the total) to this file; needs `--features cairo-steps`.
    #[arg(long)]
    profile: Option<PathBuf>,
    /// Do not start devnet: no L2 gas column (the Cairo steps and the profile are still counted
    /// with `--features cairo-steps`).
    #[arg(long)]
    no_devnet: bool,
    /// Where `ciro-cairo build` wrote the artifacts.
    #[arg(long, default_value = "target/dev")]
    artifacts: PathBuf,
}

/// `log_blowup/queries/grinding_bits`.
fn parse_params(text: &str) -> Result<ProofParams, String> {
    let parts: Vec<u32> = text
        .split('/')
        .map(|p| p.trim().parse::<u32>().map_err(|_| format!("{text:?}: expected log_blowup/queries/grinding_bits")))
        .collect::<Result<_, _>>()?;
    let [log_blowup, n_queries, grinding_bits] = parts[..] else {
        return Err(format!("{text:?}: expected log_blowup/queries/grinding_bits"));
    };
    let params = ProofParams { log_blowup, n_queries, grinding_bits, ..ProofParams::default() };
    params.validate().map_err(|e| e.to_string())?;
    Ok(params)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let onchain: BTreeSet<u32> = cli.onchain.iter().copied().collect();
    let devnet = if cli.no_devnet || (onchain.is_empty() && cli.models.is_empty() && cli.onnx.is_empty()) { None } else { Some(VerifierOnDevnet::start(&cli.artifacts).await?) };
    #[cfg(feature = "cairo-steps")]
    let counter = ciro_bench::steps::StepCounter::new(&cli.artifacts)?;
    #[cfg(feature = "cairo-steps")]
    let profiler = cli.profile.as_ref().map(|_| ciro_bench::steps::StepCounter::profiling(&cli.artifacts)).transpose()?;
    #[cfg(not(feature = "cairo-steps"))]
    {
        eprintln!("(Cairo steps not counted: build with --features cairo-steps)");
        anyhow::ensure!(cli.profile.is_none(), "--profile counts Cairo steps: build with --features cairo-steps");
    }
    #[cfg_attr(not(feature = "cairo-steps"), allow(unused_mut))]
    let mut profiles = String::new();

    let mut rows = Vec::new();
    for log_rows in cli.min_log_rows..=cli.max_log_rows {
        eprintln!("proving a 2^{log_rows}-row trace...");
        let prover = tokio::task::spawn_blocking(move || bench_one(log_rows, &ProofParams::default()))
            .await
            .context("the prover thread")??;
        let mut row = Row { prover, onchain: None, steps: None };
        if let (true, Some(devnet)) = (onchain.contains(&log_rows), &devnet) {
            row.onchain = Some(devnet.verify(&row.prover.calldata).await?);
            #[cfg(feature = "cairo-steps")]
            {
                row.steps = Some(counter.count(&row.prover.calldata)?.steps);
                if let Some(profiler) = &profiler {
                    let p = &row.prover;
                    let name = p.model.clone();
                    profiles.push_str(&format!("## {name} (2^{} rows, {}+{})\n\n{}\n", p.log_rows, p.params.n_queries, p.params.grinding_bits, profiler.profile(&p.calldata, 0.005)?));
                }
            }
        }
        eprint!("{}", render(std::slice::from_ref(&row)).lines().last().map(|l| format!("{l}\n")).unwrap_or_default());
        rows.push(row);
    }
    let param_sets = if !cli.params.is_empty() {
        cli.params.clone()
    } else if cli.compact {
        vec![ProofParams::COMPACT]
    } else {
        vec![ProofParams::default()]
    };
    let runs: Vec<(&String, ProofParams)> = cli.models.iter().chain(&cli.onnx).flat_map(|m| param_sets.iter().map(move |p| (m, *p))).collect();
    for (model, params) in runs {
        eprintln!("proving {model} (blowup {}, {} queries, {} grinding bits)...", 1u32 << params.log_blowup, params.n_queries, params.grinding_bits);
        let prover = match model.split_once(':') {
            Some((onnx, input)) => {
                let (onnx, input) = (PathBuf::from(onnx), PathBuf::from(input));
                tokio::task::spawn_blocking(move || bench_onnx(&onnx, &input, &params)).await.context("the prover thread")??
            }
            None => {
                let widths = parse_widths(model).map_err(anyhow::Error::msg)?;
                tokio::task::spawn_blocking(move || bench_model(&widths, &params)).await.context("the prover thread")??
            }
        };
        let mut row = Row { prover, onchain: None, steps: None };
        if let Some(devnet) = &devnet {
            row.onchain = Some(devnet.verify(&row.prover.calldata).await?);
        }
        {
            #[cfg(feature = "cairo-steps")]
            {
                row.steps = Some(counter.count(&row.prover.calldata)?.steps);
                if let Some(profiler) = &profiler {
                    let p = &row.prover;
                    let name = p.model.clone();
                    profiles.push_str(&format!("## {name} (2^{} rows, {}+{})\n\n{}\n", p.log_rows, p.params.n_queries, p.params.grinding_bits, profiler.profile(&p.calldata, 0.005)?));
                }
            }
        }
        eprint!("{}", render(std::slice::from_ref(&row)).lines().last().map(|l| format!("{l}\n")).unwrap_or_default());
        rows.push(row);
    }
    println!("{}", render(&rows));
    if let Some(path) = &cli.profile {
        std::fs::write(path, profiles).with_context(|| format!("writing the profile to {}", path.display()))?;
    }
    Ok(())
}
