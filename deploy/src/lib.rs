//! `ciro-deploy`: from built contract artifacts to a wired Ciro system on a Starknet network.
//!
//! - [`artifacts`] (from `ciro-chain`) reads what `ciro-cairo build` (or Scarb) wrote to `target/dev/`;
//! - [`class`] compiles a Sierra class to CASM with devnet's/the network's compiler
//!   (`cairo-lang-starknet-classes` 2.19.4) and computes both class hashes;
//! - [`tx`] is `ciro-chain`'s transaction layer (deploy, invoke, receipts, [`tx::TxError`]s with
//!   the contract's revert message) plus [`tx::declare`], which needs a class prepared here;
//! - [`config`] reads a network's TOML configuration, [`plan`] turns it into the contracts, their
//!   constructor arguments, deterministic addresses and wiring, [`deployer`] runs that plan
//!   (resuming from the [`manifest`], `deployments/<network>.json`) or estimates it (dry run).

#![deny(missing_docs)]

pub use ciro_chain::{artifacts, manifest};
pub mod class;
pub mod config;
pub mod deployer;
pub mod plan;
pub mod report;
pub mod tx;

pub use artifacts::{ArtifactsError, ContractArtifacts};
pub use class::{ClassError, PreparedClass};
pub use config::{ConfigError, DeployConfig};
pub use deployer::{DeployReport, Deployer, Step, StepOutcome, StepStatus};
pub use manifest::{Manifest, ManifestError};
pub use plan::{Plan, PlanError};
pub use tx::{Declared, Deployed, TxError};

/// Why a deployment stopped.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The configuration is invalid or its key cannot be loaded.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The contracts are not built.
    #[error(transparent)]
    Artifacts(#[from] ArtifactsError),
    /// A class cannot be compiled to CASM.
    #[error(transparent)]
    Class(#[from] ClassError),
    /// The manifest cannot be read or written.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The plan cannot be built or a read of the wiring failed.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The node reports another chain than the configuration expects.
    #[error("the node's chain id is {actual}, the configuration expects {expected}: check network.rpc_url")]
    ChainIdMismatch {
        /// From the configuration.
        expected: String,
        /// From the node.
        actual: String,
    },
    /// The manifest, the configuration and the chain disagree.
    #[error("{0}")]
    ManifestMismatch(String),
    /// `--until` names no step.
    #[error("no step named `{name}`; the steps are: {steps}")]
    UnknownStep {
        /// The name given.
        name: String,
        /// Every step's name.
        steps: String,
    },
    /// A transaction failed; every step before it is recorded in the manifest.
    #[error("step `{step}` failed (finished steps are saved in the manifest; rerun to resume)")]
    Tx {
        /// The step.
        step: String,
        /// Why.
        #[source]
        source: Box<TxError>,
    },
    /// The node rejected the dry run's fee estimation.
    #[error("estimating the fees")]
    Estimate(#[source] Box<TxError>),
    /// The wiring read back differs from the plan.
    #[error("the deployed wiring does not match the plan: {}", .0.join("; "))]
    VerificationFailed(Vec<String>),
    /// The node could not be reached or answered with an error.
    #[error("talking to the node")]
    Provider(#[source] Box<starknet::providers::ProviderError>),
}

impl From<starknet::providers::ProviderError> for DeployError {
    fn from(error: starknet::providers::ProviderError) -> Self {
        DeployError::Provider(Box::new(error))
    }
}
