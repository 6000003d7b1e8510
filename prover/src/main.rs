//! `ciro-prover`: prove, verify and inspect neural-network inference proofs. Parses arguments and calls the
//! library; errors are printed with their cause chain and exit with status 1.

use anyhow::Context;
use ciro_prover::api::{load_onnx_for_inputs, verify_proof_file, PreparedModel};
use ciro_prover::backend::cpu::CpuBackend;
use ciro_prover::backend::select::{select, BackendChoice};
use ciro_prover::field::{parse_felt, to_hex};
use ciro_prover::model::input::InputFile;
use ciro_prover::model::onnx::{load_onnx, with_weight_bits};
use ciro_prover::model::quantize::{calibrate, QuantizedModel, DEFAULT_SCALE_BITS};
use ciro_prover::proof_file::ProofFile;
use ciro_prover::report::{BarProgress, InspectReport};
use ciro_prover::stark::{ProofParams, ProveOptions, SecurityPolicy};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// STARK proofs of fixed-point neural-network inference (MLPs, CNNs), verifiable on Starknet.
#[derive(Parser)]
#[command(name = "ciro-prover", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a model on an input and prove the inference for a job.
    Prove {
        /// ONNX model: an MLP or a CNN (dense layers, 2-D convolutions, max and average pooling,
        /// ReLU and other activations, residual connections, constant affine maps and batch
        /// norms, shape-only nodes); an unsupported operator is refused with the list of
        /// supported ones.
        #[arg(long)]
        model: PathBuf,
        /// JSON input: {"input": [numbers]}, or a batch {"input": [[numbers], ...]} (one proof of
        /// every element's inference; outputs in the same order).
        #[arg(long)]
        input: PathBuf,
        /// Job id (decimal or 0x-hex felt).
        #[arg(long)]
        job_id: String,
        /// Where to write the proof file.
        #[arg(long)]
        out: PathBuf,
        /// Fixed-point scale bits (8 or 16).
        #[arg(long, default_value_t = DEFAULT_SCALE_BITS)]
        scale_bits: u32,
        /// log2 of the blowup factor (2..=6).
        #[arg(long, default_value_t = ProofParams::default().log_blowup)]
        log_blowup: u32,
        /// FRI queries.
        #[arg(long, default_value_t = ProofParams::default().n_queries)]
        queries: u32,
        /// Proof-of-work bits.
        #[arg(long, default_value_t = ProofParams::default().grinding_bits)]
        grinding_bits: u32,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Where to prove: the GPU when this build has the `cuda` feature and finds one (auto),
        /// the CPU, or the GPU or nothing (cuda).
        #[arg(long, default_value = "auto", value_parser = ["auto", "cpu", "cuda"])]
        backend: String,
    },
    /// Verify a proof file (every check the on-chain verifier makes).
    Verify {
        /// The proof file.
        proof: PathBuf,
        /// Minimum security accepted from the queries alone: queries · log2(blowup).
        #[arg(long, default_value_t = SecurityPolicy::default().min_query_bits)]
        min_query_bits: u32,
        /// Minimum conjectured security accepted: queries · log2(blowup) + grinding bits.
        #[arg(long, default_value_t = SecurityPolicy::default().min_security_bits)]
        min_security_bits: u32,
    },
    /// Print a proof's parameters, public inputs and calldata size.
    Inspect {
        /// The proof file.
        proof: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Choose each layer's weight precision from calibration inputs (what the model will be
    /// asked about) and write the model with it, ready to register: a model whose activations
    /// overflow the fixed-point range at full precision then proves.
    Calibrate {
        /// ONNX model.
        #[arg(long)]
        model: PathBuf,
        /// Calibration input files ({"input": [numbers]}), one or more.
        #[arg(long, required = true, num_args = 1..)]
        inputs: Vec<PathBuf>,
        /// Where to write the calibrated model (the same ONNX, with the precision in its
        /// metadata).
        #[arg(long)]
        out: PathBuf,
        /// Fixed-point scale bits (8 or 16).
        #[arg(long, default_value_t = DEFAULT_SCALE_BITS)]
        scale_bits: u32,
    },
    /// Print the commitment to register for a model.
    CommitModel {
        /// ONNX model.
        #[arg(long)]
        model: PathBuf,
        /// Fixed-point scale bits (8 or 16).
        #[arg(long, default_value_t = DEFAULT_SCALE_BITS)]
        scale_bits: u32,
        /// The model applied to batches of this many inputs (what `prove` commits to for an
        /// input file holding a batch).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=4096))]
        batch: u32,
    },
    /// Prove synthetic models for traces of 2^min-log .. 2^max-log rows (or of the given widths)
    /// and print a table.
    Bench {
        /// Smallest trace, log2 rows.
        #[arg(long, default_value_t = 10)]
        min_log: u32,
        /// Largest trace, log2 rows.
        #[arg(long, default_value_t = 16)]
        max_log: u32,
        /// Synthetic MLPs to prove instead, as widths, input first: `784-128-10,8-1024-968-4`.
        #[arg(long, value_delimiter = ',')]
        models: Vec<String>,
        /// Use the compact parameters (16 queries, 20 grinding bits) instead of the default.
        #[arg(long)]
        compact: bool,
    },
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Prove {
            model,
            input,
            job_id,
            out,
            scale_bits,
            log_blowup,
            queries,
            grinding_bits,
            quiet,
            backend,
        } => {
            let selection = select(backend.parse::<BackendChoice>()?)?;
            if !quiet {
                eprintln!("backend {}: {}", selection.backend.name(), selection.reason);
            }
            let job_id = parse_felt(&job_id)
                .map_err(anyhow::Error::msg)
                .context("invalid --job-id")?;
            let params = ProofParams {
                log_blowup,
                n_queries: queries,
                grinding_bits,
                ..ProofParams::default()
            };
            let batch = InputFile::read_batch(&input)?;
            let (float, calibrated) = load_onnx_for_inputs(&model, scale_bits, &batch)
                .with_context(|| format!("preparing {}", model.display()))?;
            let (float, input) = (float.batched(batch.len()), batch.concat());
            if let Some(bits) = calibrated {
                eprintln!(
                    "the model overflows the fixed-point range at {scale_bits} weight bits on this input: calibrated on \
                     it, weight bits per layer {bits:?} (to register it for jobs, calibrate it once with \
                     `ciro-prover calibrate` on inputs like the ones it will see)"
                );
            }
            let bar = BarProgress::new(!quiet);
            let proven = selection
                .backend
                .prove_float(float, scale_bits, params, &input, job_id, &ProveOptions { progress: &bar, ..ProveOptions::default() })
                .with_context(|| format!("preparing and proving {}", model.display()))?;
            bar.finish();
            proven.file.write(&out)?;
            println!(
                "wrote {} ({} felts of calldata)",
                out.display(),
                proven.file.calldata.len()
            );
            let width = proven.file.outputs_real.len() / batch.len();
            for (k, (outputs, float)) in proven.file.outputs_real.chunks(width).zip(proven.float_output.chunks(width)).enumerate() {
                let element = if batch.len() > 1 { format!("[{k}] ") } else { String::new() };
                println!("{element}outputs {outputs:?} (float {float:?}, error bound {:.3e})", proven.error_bound);
            }
        }
        Command::Verify {
            proof,
            min_query_bits,
            min_security_bits,
        } => {
            let file = ProofFile::read(&proof)?;
            let policy = SecurityPolicy {
                min_query_bits,
                min_security_bits,
            };
            verify_proof_file(&file, &policy)
                .with_context(|| format!("{} is not a valid proof", proof.display()))?;
            println!(
                "valid proof: job {} model {} output {}",
                file.public_inputs.job_id,
                file.public_inputs.model_commitment,
                file.public_inputs.output_commitment
            );
        }
        Command::Inspect { proof, json } => {
            let file = ProofFile::read(&proof)?;
            let report = InspectReport::new(&file.decode()?);
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("{report}");
            }
        }
        Command::Calibrate { model, inputs, out, scale_bits } => {
            let float = load_onnx(&model)?;
            let samples = inputs
                .iter()
                .map(|path| InputFile::read(path).map(|file| file.input))
                .collect::<Result<Vec<_>, _>>()?;
            let bits = calibrate(&float, scale_bits, &samples)
                .with_context(|| format!("calibrating {} on {} inputs", model.display(), samples.len()))?;
            let bytes = std::fs::read(&model).with_context(|| format!("reading {}", model.display()))?;
            std::fs::write(&out, with_weight_bits(&bytes, &bits)).with_context(|| format!("writing {}", out.display()))?;
            let quantized = QuantizedModel::with_weight_bits(&float, scale_bits, &bits)?;
            println!("weight bits per layer {bits:?}; outputs at {} fractional bits", quantized.output_scale_bits());
            println!("wrote {}", out.display());
        }
        Command::CommitModel { model, scale_bits, batch } => {
            let float = load_onnx(&model)?.batched(batch as usize);
            let prepared = PreparedModel::<CpuBackend>::new(float, scale_bits, ProofParams::default())?;
            println!("model commitment {}", to_hex(&prepared.model_commitment()));
            println!(
                "{}",
                serde_json::to_string_pretty(&ciro_prover::proof_file::LayoutJson::from(
                    &prepared.layout
                ))?
            );
        }
        Command::Bench {
            min_log,
            max_log,
            models,
            compact,
        } => {
            let params = if compact {
                ProofParams::COMPACT
            } else {
                ProofParams::default()
            };
            println!("{}", ciro_prover::bench::table_header());
            if models.is_empty() {
                for log in min_log..=max_log {
                    let row = ciro_prover::bench::bench_one(log, &params)?;
                    println!("{}", ciro_prover::bench::table_row(&row));
                }
            }
            for model in &models {
                let widths = ciro_prover::bench::parse_widths(model).map_err(anyhow::Error::msg)?;
                let row = ciro_prover::bench::bench_model(&widths, &params)?;
                println!("{}", ciro_prover::bench::table_row(&row));
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}
