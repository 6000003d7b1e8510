//! Writing Scarb-compatible artifacts.
//!
//! For package `p` with contract `C`, Scarb's `starknet-contract` target writes
//! `target/dev/p_C.contract_class.json` (the Sierra class) and `target/dev/p.starknet_artifacts.json`
//! (an index of the package's contracts). We write the same files in the same shapes, so tools made
//! for Scarb (starkli, sncast, starknet.js loaders) read ours, and our deployer reads Scarb's.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::compile::CompiledContract;
use crate::corelib::hex;
use crate::error::{BuildError, Result};

/// `<package>.starknet_artifacts.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StarknetArtifacts {
    /// Format version; Scarb writes 1.
    pub version: u32,
    /// One entry per contract, in source order.
    pub contracts: Vec<ContractArtifacts>,
}

/// One contract's entry in [`StarknetArtifacts`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractArtifacts {
    /// A short id, stable for a given package and module path.
    pub id: String,
    /// The package name.
    pub package_name: String,
    /// The contract module's name.
    pub contract_name: String,
    /// The contract module's full Cairo path.
    pub module_path: String,
    /// Artifact file names, relative to the artifacts directory.
    pub artifacts: ArtifactFiles,
}

/// File names of one contract's artifacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactFiles {
    /// The Sierra contract class file.
    pub sierra: Option<String>,
    /// The CASM file; never written by this driver (see [`crate::manifest::StarknetContractTarget`]).
    pub casm: Option<String>,
}

/// The index file name for `package`.
pub fn index_file_name(package: &str) -> String {
    format!("{package}.starknet_artifacts.json")
}

/// The Sierra class file name for `contract` of `package`.
pub fn sierra_file_name(package: &str, contract: &str) -> String {
    format!("{package}_{contract}.contract_class.json")
}

/// Writes each contract's class (when `sierra` is set) and the package index; returns the paths
/// written.
///
/// # Errors
/// A file that cannot be written or serialized.
pub fn write_package_artifacts(
    dir: &Path,
    package: &str,
    contracts: &[CompiledContract],
    sierra: bool,
) -> Result<Vec<PathBuf>> {
    fs::create_dir_all(dir).map_err(BuildError::io("creating", dir))?;
    let mut written = Vec::new();
    let mut index = StarknetArtifacts { version: 1, contracts: Vec::new() };
    for contract in contracts {
        let sierra_name = sierra.then(|| sierra_file_name(package, &contract.contract_name));
        if let Some(name) = &sierra_name {
            let path = dir.join(name);
            write_json(&path, &contract.class)?;
            written.push(path);
        }
        index.contracts.push(ContractArtifacts {
            id: short_id(package, &contract.module_path),
            package_name: package.to_owned(),
            contract_name: contract.contract_name.clone(),
            module_path: contract.module_path.clone(),
            artifacts: ArtifactFiles { sierra: sierra_name, casm: None },
        });
    }
    let index_path = dir.join(index_file_name(package));
    write_json(&index_path, &index)?;
    written.push(index_path);
    Ok(written)
}

/// Writes `value` as JSON to `path` through a temporary file, so a reader never sees half a file.
fn write_json(path: &Path, value: &impl Serialize) -> Result<()> {
    let json = serde_json::to_vec(value)
        .map_err(|source| BuildError::Json { path: path.to_path_buf(), source })?;
    let partial = path.with_extension("json.partial");
    fs::write(&partial, json).map_err(BuildError::io("writing", &partial))?;
    fs::rename(&partial, path).map_err(BuildError::io("writing", path))
}

fn short_id(package: &str, module_path: &str) -> String {
    let digest = Sha256::digest(format!("{package}\0{module_path}").as_bytes());
    hex(&digest[..7])
}
