//! `ciro-bench`: the numbers behind Ciro's proof system, as one table.
//!
//! For each trace size 2^k: the STARK prover's time on this machine (and its threads), the proof's
//! size in felts, the Rust verifier's time; for the sizes chosen for on-chain measurement, the L2
//! gas of one `verify_inference` invoke on a local devnet ([`onchain`]) and, with the
//! `cairo-steps` feature, the Cairo steps of the entry point ([`steps`]).

#![deny(missing_docs)]

pub mod onchain;
#[cfg(feature = "cairo-steps")]
pub mod steps;

use std::fmt::Write;

use ciro_deploy::tx::Cost;
use ciro_prover::bench::BenchRow;

/// Errors of the bench.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// Proving or verifying off-chain failed.
    #[error("proving")]
    Prover(#[from] ciro_prover::api::Error),
    /// The contracts are not built.
    #[error(transparent)]
    Artifacts(#[from] ciro_deploy::ArtifactsError),
    /// The class does not compile to CASM.
    #[error(transparent)]
    Class(#[from] ciro_deploy::ClassError),
    /// Devnet failed.
    #[error("starting devnet")]
    Devnet(#[from] ciro_devnet::DevnetError),
    /// A transaction failed.
    #[error("verifying on devnet")]
    Tx(#[from] ciro_deploy::TxError),
    /// The verifier rejected a proof the Rust verifier accepted.
    #[error("{0}")]
    Rejected(String),
    /// Running the entry point in the Cairo VM failed.
    #[error("counting Cairo steps: {0}")]
    Steps(String),
}

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Row {
    /// The off-chain figures.
    pub prover: BenchRow,
    /// `verify_inference` on devnet, if measured.
    pub onchain: Option<Cost>,
    /// Cairo steps of `verify_inference`, if counted.
    pub steps: Option<usize>,
}

/// The table in Markdown.
pub fn render(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| trace | model | MACs | cells/MAC | blowup·queries+grinding | threads | prove s | Poseidon floor s (permutations) | prove / floor | proof felts (calldata) | Rust verify ms | on-chain L2 gas (whole invoke) | Cairo steps (verify_inference) |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for row in rows {
        let p = &row.prover;
        let gas = row.onchain.map_or_else(|| "-".to_owned(), |c| c.l2_gas.to_string());
        let steps = row.steps.map_or_else(|| "-".to_owned(), |s| s.to_string());
        let _ = writeln!(
            out,
            "| 2^{} | {} | {} | {:.2} | {}·{}+{} | {} | {:.1} | {:.2} ({}) | {:.1} | {} | {:.0} | {gas} | {steps} |",
            p.log_rows,
            p.model,
            p.macs,
            ciro_prover::bench::cells_per_mac(p),
            1u32 << p.params.log_blowup,
            p.params.n_queries,
            p.params.grinding_bits,
            p.threads,
            p.prove.as_secs_f64(),
            p.poseidon_floor.as_secs_f64(),
            ciro_prover::bench::permutations(&ciro_prover::bench::committed_trees(p.log_rows, &p.params)),
            ciro_prover::bench::floor_multiple(p),
            p.calldata.len(),
            p.verify.as_secs_f64() * 1e3
        );
    }
    out
}
