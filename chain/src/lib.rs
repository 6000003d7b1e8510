//! `ciro-chain`: what every crate that talks to a deployed Ciro system needs, and nothing more
//! (no Sierra→CASM compiler, no prover).
//!
//! - [`tx`] deploys and invokes through any starknet-rs account, waits for receipts, and turns
//!   failures into [`tx::TxError`]s that carry the contract's revert message;
//! - [`manifest`] reads and writes `deployments/<network>.json`, where a deployment records what
//!   is deployed where;
//! - [`artifacts`] reads what `ciro-cairo build` (or Scarb) wrote to `target/dev/`.
//!
//! Declaring a class needs its CASM compilation, so it lives in `ciro-deploy`.

#![deny(missing_docs)]

pub mod artifacts;
pub mod manifest;
pub mod tx;

pub use artifacts::{ArtifactsError, ContractArtifacts};
pub use manifest::{Manifest, ManifestError};
pub use tx::{Cost, Deployed, TxError};
