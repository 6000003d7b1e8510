//! The main job: a local Starknet devnet, Ciro's contracts deployed and wired on it by
//! `ciro-deploy`, and one AI-inference job taken through its whole life — escrow, selection of a
//! staked worker, a STARK proof checked on-chain, payment — printed as a lifecycle table.
//!
//! [`network`] launches the chain and deploys; [`market`] reaches the contracts through the
//! generated bindings; [`main_job`] runs the job and renders the report; [`localnet`] keeps a
//! local Ciro running for a developer (the `ciro-localnet` binary).

#![deny(missing_docs)]

pub mod localnet;
pub mod main_job;
pub mod market;
pub mod network;
pub mod operators;

use std::path::{Path, PathBuf};

use ciro_deploy::{ArtifactsError, ConfigError, DeployError, TxError};
use ciro_devnet::DevnetError;

/// Errors of the demo.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The local chain could not start.
    #[error("starting the local chain")]
    Devnet(#[from] DevnetError),
    /// The embedded devnet configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The contracts are not built.
    #[error(transparent)]
    Artifacts(#[from] ArtifactsError),
    /// Deployment failed.
    #[error("deploying the contracts")]
    Deploy(#[source] Box<DeployError>),
    /// A transaction failed.
    #[error("{step}")]
    Transaction {
        /// What the demo was doing.
        step: String,
        /// Why it failed.
        #[source]
        source: Box<TxError>,
    },
    /// A contract read failed.
    #[error("reading {what}: {message}")]
    Read {
        /// The entry point.
        what: &'static str,
        /// The error.
        message: String,
    },
    /// Loading the model or proving failed.
    #[error("proving the inference")]
    Prover(#[from] ciro_prover::api::Error),
    /// The input file is unusable.
    #[error("reading the job's input")]
    Input(#[from] ciro_prover::model::input::InputError),
    /// A file could not be written or removed.
    #[error("{path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Devnet has fewer accounts than the demo's actors.
    #[error("devnet has no account #{0}")]
    NoAccount(usize),
    /// The manifest lacks a contract.
    #[error("the deployment has no {0}")]
    NotDeployed(&'static str),
    /// An operator process failed or is missing.
    #[error("{0}")]
    Operator(String),
}

impl From<DeployError> for DemoError {
    fn from(error: DeployError) -> Self {
        DemoError::Deploy(Box::new(error))
    }
}

/// Where the main job reads from and writes to.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// `target/dev` of a `ciro-cairo build`.
    pub artifacts_dir: PathBuf,
    /// Where the deployment manifest goes (`<dir>/devnet.json`).
    pub manifest_dir: PathBuf,
}

impl DemoOptions {
    /// The defaults relative to the repository root `root`: `target/dev`,
    /// `target/demo/deployments`.
    pub fn in_repository(root: &Path) -> Self {
        DemoOptions {
            artifacts_dir: root.join("target/dev"),
            manifest_dir: root.join("target/demo/deployments"),
        }
    }
}
