//! The Merkle commitment, grinding and the low-degree extension on the GPU beside the CPU backend
//! on this machine's cores: Poseidon permutations per second, the time to commit a trace (upload
//! included and not), to grind 20 bits and to extend a column 8×, the outputs compared. Needs a CUDA GPU; `scripts/gpu-check` runs it:
//!
//!     cargo run --release -p ciro-prover --features cuda --example cuda_bench

use ciro_prover::backend::cpu::CpuBackend;
use ciro_prover::backend::cuda::{CudaBackend, CudaDevice};
use ciro_prover::bench::{bench_one, bench_one_on};
use ciro_prover::stark::ProofParams;
use ciro_prover::field::Felt;
use ciro_prover::merkle::MerkleOps;
use ciro_prover::poly::{Coset, PolyOps};
use ciro_prover::proof_of_work::{pow_seed, GrindOps};
use std::time::Instant;

fn columns(width: usize, rows: usize) -> Vec<Vec<Felt>> {
    let mut rng = fastrand::Rng::with_seed(7);
    (0..width).map(|_| (0..rows).map(|_| Felt::from(rng.u128(..)) * Felt::from(rng.u128(..))).collect()).collect()
}

/// Permutations in one commitment: `ceil((width + 1) / 2)` per leaf, one per inner node.
fn permutations(width: usize, rows: usize) -> f64 {
    ((width + 2) / 2 * rows + rows - 1) as f64
}

fn cpu_root(columns: &[Vec<Felt>]) -> Felt {
    let refs: Vec<&Vec<Felt>> = columns.iter().collect();
    let mut layer = CpuBackend::hash_leaves(&refs);
    while layer.len() > 1 {
        layer = CpuBackend::hash_parents(&layer);
    }
    layer[0]
}

fn main() -> anyhow::Result<()> {
    let device = CudaDevice::install(0)?;
    println!("GPU: {}; CPU: {} threads (rayon)\n", device.name(), rayon::current_num_threads());
    println!("| trace (rows × columns) | CPU commit | GPU commit (kernels) | GPU commit (with upload) | speed-up (kernels) | GPU permutations/s | CPU permutations/s | roots equal |");
    println!("|---|---|---|---|---|---|---|---|");
    for (log_rows, width) in [(16u32, 20usize), (18, 20), (20, 2), (20, 8)] {
        let rows = 1usize << log_rows;
        let trace = columns(width, rows);
        let views: Vec<&[Felt]> = trace.iter().map(Vec::as_slice).collect();

        let started = Instant::now();
        let cpu = cpu_root(&trace);
        let cpu_seconds = started.elapsed().as_secs_f64();

        // One warm-up commit, then the timed ones.
        let packed = device.upload_columns(&views)?;
        device.root(&device.commit(&packed)?)?;
        let started = Instant::now();
        let packed = device.upload_columns(&views)?;
        device.synchronize()?;
        let uploaded = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let tree = device.commit(&packed)?;
        device.synchronize()?;
        let kernels = started.elapsed().as_secs_f64();
        let gpu = device.root(&tree)?;

        let count = permutations(width, rows);
        println!(
            "| 2^{log_rows} × {width} | {:.3} s | {:.4} s | {:.4} s | {:.0}× | {:.1}M | {:.2}M | {} |",
            cpu_seconds,
            kernels,
            kernels + uploaded,
            cpu_seconds / kernels,
            count / kernels / 1e6,
            count / cpu_seconds / 1e6,
            if gpu == cpu { "yes" } else { "NO" },
        );
        anyhow::ensure!(gpu == cpu, "2^{log_rows} × {width}: the GPU's root differs from the CPU's");
    }

    println!("\n| grinding (production: 20 bits) | CPU | GPU | speed-up | nonce equal |");
    println!("|---|---|---|---|---|");
    for digest in 1..=3u64 {
        let seed = pow_seed(Felt::from(digest), 20);
        let started = Instant::now();
        let cpu = CpuBackend::grind(seed, 20, 0);
        let cpu_seconds = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let gpu = device.grind(seed, 20, 0)?;
        let gpu_seconds = started.elapsed().as_secs_f64();
        println!(
            "| seed of digest {digest} (nonce {cpu}) | {cpu_seconds:.3} s | {gpu_seconds:.4} s | {:.0}× | {} |",
            cpu_seconds / gpu_seconds,
            if gpu == cpu { "yes" } else { "NO" }
        );
        anyhow::ensure!(gpu == cpu, "digest {digest}: the GPU's nonce differs from the CPU's");
    }

    println!("\n| low-degree extension (interpolate, then evaluate on the 8× coset) | CPU | GPU (kernels) | speed-up | equal |");
    println!("|---|---|---|---|---|");
    for log_trace in [16u32, 18, 20] {
        let trace: Vec<Felt> = columns(1, 1 << log_trace).remove(0);
        let (subgroup, lde) = (Coset::subgroup(log_trace), Coset::lde(log_trace, 3));
        let started = Instant::now();
        let cpu = CpuBackend::evaluate(&CpuBackend::interpolate(&trace, subgroup)?, lde)?;
        let cpu_seconds = started.elapsed().as_secs_f64();
        let evals = device.upload(&trace)?;
        device.synchronize()?;
        let started = Instant::now();
        let extended = device.evaluate(&device.interpolate(&evals, subgroup)?, lde)?;
        device.synchronize()?;
        let gpu_seconds = started.elapsed().as_secs_f64();
        let equal = device.download(&extended)? == cpu;
        println!(
            "| 2^{log_trace} → 2^{} | {cpu_seconds:.3} s | {gpu_seconds:.4} s | {:.0}× | {} |",
            log_trace + 3,
            cpu_seconds / gpu_seconds,
            if equal { "yes" } else { "NO" }
        );
        anyhow::ensure!(equal, "2^{log_trace}: the GPU's extension differs from the CPU's");
    }

    // Whole proofs: the synthetic MLPs of `ciro-prover bench`, production parameters.
    println!("\n| whole proof (production parameters) | CPU prove | GPU prove | speed-up | proofs equal |");
    println!("|---|---|---|---|---|");
    for log_rows in [12u32, 14, 16] {
        let params = ProofParams::default();
        let cpu = bench_one(log_rows, &params)?;
        let gpu = bench_one_on::<CudaBackend>(log_rows, &params)?;
        let equal = cpu.calldata == gpu.calldata;
        println!(
            "| 2^{log_rows} rows ({} used) | {:.2} s | {:.3} s | {:.0}× | {} |",
            cpu.used_rows,
            cpu.prove.as_secs_f64(),
            gpu.prove.as_secs_f64(),
            cpu.prove.as_secs_f64() / gpu.prove.as_secs_f64(),
            if equal { "yes" } else { "NO" }
        );
        anyhow::ensure!(equal, "2^{log_rows}: the GPU's proof differs from the CPU's");
    }
    let transfers = device.transfers();
    println!(
        "\nwhat crossed in this run: host → device {:.1} MiB, device → host {:.1} MiB (the AIR's constraints still run on the host: the LDE goes back for them)",
        transfers.to_device() as f64 / (1 << 20) as f64,
        transfers.to_host() as f64 / (1 << 20) as f64
    );
    Ok(())
}
