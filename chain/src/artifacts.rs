//! Reading Scarb-compatible build artifacts (`target/dev/<package>.starknet_artifacts.json`).

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Errors reading artifacts.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactsError {
    /// The index or a class file cannot be read.
    #[error("reading {path} (build the contracts first: `ciro-cairo build`)")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The index is not valid JSON of the expected shape.
    #[error("parsing {path}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },
    /// No contract of that name in the package.
    #[error("no contract `{contract}` in {index}; it has: {available}")]
    UnknownContract {
        /// The name asked for.
        contract: String,
        /// The index file.
        index: PathBuf,
        /// The contracts it lists.
        available: String,
    },
    /// The contract was built without a Sierra class.
    #[error("contract `{0}` has no Sierra artifact (set `sierra = true` in Scarb.toml)")]
    NoSierra(String),
}

#[derive(Deserialize)]
struct Index {
    contracts: Vec<IndexEntry>,
}

#[derive(Deserialize)]
struct IndexEntry {
    contract_name: String,
    module_path: String,
    artifacts: IndexFiles,
}

#[derive(Deserialize)]
struct IndexFiles {
    sierra: Option<String>,
}

/// The built contracts of one package.
#[derive(Debug, Clone)]
pub struct ContractArtifacts {
    dir: PathBuf,
    index: PathBuf,
    contracts: Vec<(String, String, Option<String>)>,
}

impl ContractArtifacts {
    /// Reads `<dir>/<package>.starknet_artifacts.json`.
    ///
    /// # Errors
    /// The index is missing or malformed.
    pub fn load(dir: &Path, package: &str) -> Result<Self, ArtifactsError> {
        let index = dir.join(format!("{package}.starknet_artifacts.json"));
        let text = fs::read_to_string(&index)
            .map_err(|source| ArtifactsError::Io { path: index.clone(), source })?;
        let parsed: Index = serde_json::from_str(&text)
            .map_err(|source| ArtifactsError::Json { path: index.clone(), source })?;
        let contracts = parsed
            .contracts
            .into_iter()
            .map(|c| (c.contract_name, c.module_path, c.artifacts.sierra))
            .collect();
        Ok(ContractArtifacts { dir: dir.to_path_buf(), index, contracts })
    }

    /// Contract names, in build order.
    pub fn contract_names(&self) -> impl Iterator<Item = &str> {
        self.contracts.iter().map(|(name, _, _)| name.as_str())
    }

    /// The Sierra class JSON of `contract` (its module name, e.g. `OwnedCounter`).
    ///
    /// # Errors
    /// Unknown contract, no Sierra artifact, or an unreadable file.
    pub fn sierra_json(&self, contract: &str) -> Result<String, ArtifactsError> {
        let (_, _, sierra) = self
            .contracts
            .iter()
            .find(|(name, path, _)| name == contract || path == contract)
            .ok_or_else(|| ArtifactsError::UnknownContract {
                contract: contract.into(),
                index: self.index.clone(),
                available: self.contract_names().collect::<Vec<_>>().join(", "),
            })?;
        let file = sierra.as_ref().ok_or_else(|| ArtifactsError::NoSierra(contract.into()))?;
        let path = self.dir.join(file);
        fs::read_to_string(&path).map_err(|source| ArtifactsError::Io { path, source })
    }
}
