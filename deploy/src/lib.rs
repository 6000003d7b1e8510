//! `ciro-deploy`: from built contract artifacts to contracts on a Starknet network.
//!
//! - [`artifacts`] reads what `ciro-cairo build` (or Scarb) wrote to `target/dev/`;
//! - [`class`] compiles a Sierra class to CASM with devnet's/the network's compiler
//!   (`cairo-lang-starknet-classes` 2.19.4) and computes both class hashes;
//! - [`tx`] declares, deploys and invokes through any starknet-rs account, waits for receipts, and
//!   turns failures into [`tx::TxError`]s that carry the contract's revert message.

#![deny(missing_docs)]

pub mod artifacts;
pub mod class;
pub mod tx;

pub use artifacts::{ArtifactsError, ContractArtifacts};
pub use class::{ClassError, PreparedClass};
pub use tx::{Declared, Deployed, TxError};
