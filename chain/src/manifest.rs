//! The deployment manifest, `deployments/<network>.json`: what is deployed where, by which
//! transactions, and which steps are done, so an interrupted deployment resumes where it stopped.
//!
//! The file holds only the JSON document (progress goes to stderr), and it is replaced atomically
//! after every step: a crash leaves either the old or the new version, never a torn one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use starknet::core::types::Felt;

/// Errors reading or writing a manifest.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// Reading or writing failed.
    #[error("{action} {path}")]
    Io {
        /// `reading` or `writing`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a manifest.
    #[error("{path} is not a deployment manifest")]
    Json {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },
}

/// A declared class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassRecord {
    /// The class hash.
    pub class_hash: Felt,
    /// The Blake2 hash of its CASM.
    pub compiled_class_hash: Felt,
    /// The declare transaction; `None` when the class was already on the network.
    pub transaction_hash: Option<Felt>,
    /// Its block; `None` when the class was already on the network.
    pub block_number: Option<u64>,
}

/// A deployed contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractRecord {
    /// Its address.
    pub address: Felt,
    /// Its class.
    pub class_hash: Felt,
    /// The salt given to the Universal Deployer (unique deployment: hashed with the deployer).
    pub salt: Felt,
    /// The constructor arguments, serialized.
    pub constructor_calldata: Vec<Felt>,
    /// The deploy transaction; `None` when it was found deployed by an earlier, interrupted run.
    pub transaction_hash: Option<Felt>,
    /// Its block, when known.
    pub block_number: Option<u64>,
}

/// A finished configuration step (wiring a role or an address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    /// The step's name, e.g. `CDCPool.set_job_manager`.
    pub name: String,
    /// The transaction; `None` when the chain already had the effect.
    pub transaction_hash: Option<Felt>,
    /// Its block, when sent.
    pub block_number: Option<u64>,
}

/// The compilers that produced what was declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compilers {
    /// The Cairo compiler recorded in the Sierra classes.
    pub cairo: String,
    /// The Sierra version.
    pub sierra: String,
    /// The Sierra → CASM compiler used for the compiled class hashes.
    pub casm: String,
}

/// The result of reading the wiring back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// The block the checks read.
    pub block_number: u64,
    /// What was checked, one line each.
    pub checks: Vec<String>,
}

/// `deployments/<network>.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The network's name, from the configuration.
    pub network: String,
    /// The chain id the node reported.
    pub chain_id: Felt,
    /// The RPC endpoint used.
    pub rpc_url: String,
    /// The deploying account.
    pub deployer: Felt,
    /// Compiler versions.
    pub compilers: Compilers,
    /// Declared classes by contract name.
    pub classes: BTreeMap<String, ClassRecord>,
    /// Deployed contracts by name.
    pub contracts: BTreeMap<String, ContractRecord>,
    /// Finished configuration steps, in order.
    pub steps: Vec<StepRecord>,
    /// Set once the wiring has been read back and found as configured.
    pub verified: Option<Verification>,
}

impl Manifest {
    /// The manifest for `network` under `dir`: `<dir>/<network>.json`.
    pub fn path_for(dir: &Path, network: &str) -> PathBuf {
        dir.join(format!("{network}.json"))
    }

    /// Reads `path`; `Ok(None)` when there is no file yet.
    ///
    /// # Errors
    /// Unreadable, or not a manifest.
    pub fn load(path: &Path) -> Result<Option<Self>, ManifestError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(ManifestError::Io { action: "reading", path: path.into(), source }),
        };
        serde_json::from_str(&text).map(Some).map_err(|source| ManifestError::Json { path: path.into(), source })
    }

    /// Writes to `path` atomically (a temporary file renamed over it).
    ///
    /// # Errors
    /// The directory or file cannot be written.
    pub fn save(&self, path: &Path) -> Result<(), ManifestError> {
        let io = |source| ManifestError::Io { action: "writing", path: path.into(), source };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut text = serde_json::to_string_pretty(self)
            .map_err(|source| ManifestError::Json { path: path.into(), source })?;
        text.push('\n');
        let temporary = path.with_extension("json.tmp");
        std::fs::write(&temporary, text).map_err(io)?;
        std::fs::rename(&temporary, path).map_err(io)
    }

    /// The address of deployed contract `name`.
    pub fn address_of(&self, name: &str) -> Option<Felt> {
        self.contracts.get(name).map(|c| c.address)
    }

    /// Whether configuration step `name` is done.
    pub fn step_done(&self, name: &str) -> bool {
        self.steps.iter().any(|s| s.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        Manifest {
            network: "devnet".into(),
            chain_id: Felt::from(0x534e5f5345504f4c4941u128),
            rpc_url: "http://127.0.0.1:5050/rpc".into(),
            deployer: Felt::from(0xabcu32),
            compilers: Compilers { cairo: "2.1.0".into(), sierra: "1.3.0".into(), casm: "x".into() },
            classes: BTreeMap::new(),
            contracts: BTreeMap::from([(
                "CIROToken".into(),
                ContractRecord {
                    address: Felt::from(0x123u32),
                    class_hash: Felt::from(0x456u32),
                    salt: Felt::ONE,
                    constructor_calldata: vec![Felt::TWO],
                    transaction_hash: Some(Felt::THREE),
                    block_number: Some(4),
                },
            )]),
            steps: vec![StepRecord { name: "CDCPool.set_job_manager".into(), transaction_hash: None, block_number: None }],
            verified: None,
        }
    }

    #[test]
    fn a_manifest_round_trips_through_its_file() {
        let dir = std::env::temp_dir().join(format!("ciro-manifest-{}", std::process::id()));
        let path = Manifest::path_for(&dir, "devnet");
        assert_eq!(Manifest::load(&path).expect("no file is fine"), None);
        sample().save(&path).expect("save");
        assert_eq!(Manifest::load(&path).expect("load"), Some(sample()));
        assert!(!path.with_extension("json.tmp").exists(), "the temporary file was renamed");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn addresses_are_written_as_hex() {
        let text = serde_json::to_string(&sample()).expect("json");
        assert!(text.contains("\"address\":\"0x123\""), "{text}");
        assert_eq!(sample().address_of("CIROToken"), Some(Felt::from(0x123u32)));
        assert!(sample().step_done("CDCPool.set_job_manager"));
    }

    #[test]
    fn a_corrupted_file_is_an_error_not_a_fresh_start() {
        let dir = std::env::temp_dir().join(format!("ciro-manifest-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("devnet.json");
        std::fs::write(&path, "declaring CIROToken...\n{}").expect("write");
        assert!(matches!(Manifest::load(&path), Err(ManifestError::Json { .. })));
        let _ = std::fs::remove_dir_all(dir);
    }
}
