//! One configuration file for every operator (`ciro.toml`), overridden by environment variables
//! and flags (flags win; `clap` reads both), with the account's key from an environment variable
//! or an encrypted keystore (starkli's format).
//!
//! ```toml
//! [network]
//! rpc_url = "http://127.0.0.1:5050/rpc"
//! manifest = "deployments/devnet.json"   # written by ciro-deploy
//!
//! [account]
//! address = "0x…"
//! private_key_env = "CIRO_PRIVATE_KEY"    # or: keystore = "…", keystore_password_env = "…"
//!
//! [stores]
//! coordinator = "http://127.0.0.1:9464"   # the keeper's blob store: inputs, models, results
//! inputs = "inputs"                       # a directory, or an http(s):// URL to read from
//!                                         # (default: the coordinator when set, else "inputs")
//! models = "models"                       # ONNX files, found by their commitment (and the
//!                                         # cache of models fetched from the coordinator)
//!
//! [keeper]                                # and [worker]: see KeeperSettings, WorkerSettings
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use starknet::core::types::Felt;
use starknet::signers::{LocalWallet, SigningKey};

use crate::coordinator::Coordinator;
use crate::store::InputStore;
use crate::ClientError;

/// The environment variable read for the private key when the configuration names none.
pub const DEFAULT_KEY_ENV: &str = "CIRO_PRIVATE_KEY";

/// The file as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// `[network]`.
    #[serde(default)]
    pub network: NetworkSection,
    /// `[account]`.
    #[serde(default)]
    pub account: AccountSection,
    /// `[stores]`.
    #[serde(default)]
    pub stores: StoresSection,
    /// `[keeper]`.
    #[serde(default)]
    pub keeper: KeeperSettings,
    /// `[worker]`.
    #[serde(default)]
    pub worker: WorkerSettings,
}

/// `[network]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSection {
    /// The JSON-RPC endpoint.
    pub rpc_url: Option<String>,
    /// The deployment manifest (`deployments/<network>.json`).
    pub manifest: Option<PathBuf>,
}

/// `[account]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSection {
    /// The account contract's address.
    pub address: Option<String>,
    /// The environment variable holding the private key (default `CIRO_PRIVATE_KEY`).
    pub private_key_env: Option<String>,
    /// An encrypted keystore file.
    pub keystore: Option<PathBuf>,
    /// The environment variable holding the keystore's password.
    pub keystore_password_env: Option<String>,
}

/// `[stores]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoresSection {
    /// Where job inputs are: a directory or an `http(s)://` base URL.
    pub inputs: Option<String>,
    /// A directory of ONNX models.
    pub models: Option<PathBuf>,
    /// The coordinator's URL (where `ciro-keeper` listens).
    pub coordinator: Option<String>,
}

/// `[keeper]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeeperSettings {
    /// The SQLite database holding the cursor, the jobs and the actions.
    pub database: PathBuf,
    /// Address of `/health`, `/metrics` and `/relay`.
    pub listen: String,
    /// How often the chain is polled, in milliseconds.
    pub poll_interval_ms: u64,
    /// Blocks re-read on every poll to catch a reorg.
    pub reorg_depth: u64,
    /// At most this many blocks are read per poll.
    pub max_blocks_per_poll: u64,
    /// The sponsor whose Paymaster budget pays for relayed requests (none: no relaying).
    pub sponsor: Option<String>,
    /// Where the data plane keeps inputs, models and results (default: `blobs` beside the
    /// database).
    pub blob_dir: Option<PathBuf>,
    /// The largest upload accepted, in bytes (a model's ONNX file included).
    pub max_upload_bytes: usize,
    /// Uploads kept while no job or model on-chain names them yet, at most.
    pub max_pending_uploads: usize,
    /// How long such an upload is kept, in seconds.
    pub pending_window_seconds: u64,
}

impl Default for KeeperSettings {
    fn default() -> Self {
        KeeperSettings {
            database: PathBuf::from("ciro-keeper.sqlite"),
            listen: "127.0.0.1:9464".to_owned(),
            poll_interval_ms: 1_000,
            reorg_depth: 8,
            max_blocks_per_poll: 1_000,
            sponsor: None,
            blob_dir: None,
            max_upload_bytes: 16 << 20,
            max_pending_uploads: 256,
            pending_window_seconds: 600,
        }
    }
}

/// `[worker]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkerSettings {
    /// Where in-flight jobs are persisted.
    pub state_dir: PathBuf,
    /// Address of `/health` and `/metrics`.
    pub listen: String,
    /// Jobs proved at once.
    pub max_concurrent_jobs: u8,
    /// How often the chain is polled, in milliseconds.
    pub poll_interval_ms: u64,
    /// Proving time assumed for a model before one has been measured, in seconds.
    pub prove_estimate_seconds: u64,
    /// Commission on delegators' rewards, in basis points (registration).
    pub commission_bps: u16,
    /// Where proofs are made: `auto` (the GPU when the binary has the CUDA backend and finds a
    /// device, else the CPU), `cpu`, or `cuda` (the GPU or a refusal to start).
    pub backend: String,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            state_dir: PathBuf::from("ciro-worker-state"),
            listen: "127.0.0.1:9465".to_owned(),
            max_concurrent_jobs: 2,
            poll_interval_ms: 1_000,
            prove_estimate_seconds: 60,
            commission_bps: 1_000,
            backend: "auto".to_owned(),
        }
    }
}

impl KeeperSettings {
    /// The poll interval.
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_interval_ms.max(10))
    }

    /// The data plane's directory: `blob_dir`, else `blobs` beside the database.
    pub fn blob_dir(&self) -> PathBuf {
        self.blob_dir.clone().unwrap_or_else(|| {
            let parent = self.database.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            parent.join("blobs")
        })
    }
}

impl WorkerSettings {
    /// The poll interval.
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_interval_ms.max(10))
    }
}

/// Values from the environment or flags; each replaces the file's (`None` keeps it).
#[derive(Debug, Clone, Default)]
pub struct ConfigOverrides {
    /// `--rpc-url` / `CIRO_RPC_URL`.
    pub rpc_url: Option<String>,
    /// `--manifest` / `CIRO_MANIFEST`.
    pub manifest: Option<PathBuf>,
    /// `--account` / `CIRO_ACCOUNT`.
    pub account: Option<String>,
    /// `--private-key-env`.
    pub private_key_env: Option<String>,
    /// `--keystore` / `CIRO_KEYSTORE`.
    pub keystore: Option<PathBuf>,
    /// `--keystore-password-env`.
    pub keystore_password_env: Option<String>,
    /// `--input-store` / `CIRO_INPUT_STORE`.
    pub input_store: Option<String>,
    /// `--model-dir` / `CIRO_MODEL_DIR`.
    pub model_dir: Option<PathBuf>,
    /// `--coordinator` / `CIRO_COORDINATOR_URL`.
    pub coordinator: Option<String>,
}

impl ConfigOverrides {
    /// The overrides the environment sets (the variables the operators' flags read:
    /// `CIRO_RPC_URL`, `CIRO_MANIFEST`, `CIRO_ACCOUNT`, `CIRO_KEYSTORE`, `CIRO_INPUT_STORE`,
    /// `CIRO_MODEL_DIR`, `CIRO_COORDINATOR_URL`), for a program that has no flags.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        ConfigOverrides {
            rpc_url: var("CIRO_RPC_URL"),
            manifest: var("CIRO_MANIFEST").map(PathBuf::from),
            account: var("CIRO_ACCOUNT"),
            private_key_env: None,
            keystore: var("CIRO_KEYSTORE").map(PathBuf::from),
            keystore_password_env: None,
            input_store: var("CIRO_INPUT_STORE"),
            model_dir: var("CIRO_MODEL_DIR").map(PathBuf::from),
            coordinator: var("CIRO_COORDINATOR_URL"),
        }
    }
}

/// Where the account's key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// An environment variable holding the `0x…` private key.
    Env(String),
    /// An encrypted keystore and the variable holding its password.
    Keystore {
        /// The keystore.
        path: PathBuf,
        /// The password's variable.
        password_env: String,
    },
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct OperatorConfig {
    /// The JSON-RPC endpoint.
    pub rpc_url: url::Url,
    /// The deployment manifest.
    pub manifest: PathBuf,
    /// The account, when one is configured.
    pub account: Option<Felt>,
    /// Its key.
    pub key: KeySource,
    /// Job inputs.
    pub inputs: InputStore,
    /// ONNX models: the operator's own, those fetched from the coordinator and those it registered
    /// (kept as `<commitment>.onnx`), with their commitments remembered in `.commitments.json`.
    pub models: PathBuf,
    /// The coordinator's blob store, when one is configured.
    pub coordinator: Option<Coordinator>,
    /// The keeper's settings.
    pub keeper: KeeperSettings,
    /// The worker's settings.
    pub worker: WorkerSettings,
}

fn config_error(message: impl Into<String>) -> ClientError {
    ClientError::Config(message.into())
}

impl OperatorConfig {
    /// Reads `path` (when given) and applies `overrides`.
    ///
    /// # Errors
    /// The file is unreadable or invalid, or a required value (`rpc_url`, `manifest`) is missing.
    pub fn load(path: Option<&Path>, overrides: &ConfigOverrides) -> Result<Self, ClientError> {
        let file = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ClientError::Io { path: path.to_owned(), source })?;
                Self::parse_file(&text, path)?
            }
            None => ConfigFile::default(),
        };
        Self::resolve(file, overrides)
    }

    /// Parses the text of a configuration file.
    ///
    /// # Errors
    /// Invalid TOML or an unknown key (named in the message).
    pub fn parse_file(text: &str, origin: &Path) -> Result<ConfigFile, ClientError> {
        toml::from_str(text).map_err(|e| config_error(format!("{}: {}", origin.display(), e.message())))
    }

    /// Applies `overrides` to `file`.
    ///
    /// # Errors
    /// A required value is missing or malformed.
    pub fn resolve(file: ConfigFile, overrides: &ConfigOverrides) -> Result<Self, ClientError> {
        let rpc_url = overrides.rpc_url.clone().or(file.network.rpc_url).ok_or_else(|| {
            config_error("no RPC URL: set network.rpc_url in the config file, CIRO_RPC_URL, or --rpc-url")
        })?;
        let rpc_url = url::Url::parse(&rpc_url).map_err(|e| config_error(format!("RPC URL `{rpc_url}`: {e}")))?;
        let manifest = overrides.manifest.clone().or(file.network.manifest).ok_or_else(|| {
            config_error("no deployment manifest: set network.manifest, CIRO_MANIFEST, or --manifest")
        })?;
        let account = match overrides.account.clone().or(file.account.address) {
            Some(text) => Some(parse_address(&text, "account address")?),
            None => None,
        };
        let keystore = overrides.keystore.clone().or(file.account.keystore);
        let key = match keystore {
            Some(path) => KeySource::Keystore {
                path,
                password_env: overrides
                    .keystore_password_env
                    .clone()
                    .or(file.account.keystore_password_env)
                    .unwrap_or_else(|| "CIRO_KEYSTORE_PASSWORD".to_owned()),
            },
            None => KeySource::Env(
                overrides.private_key_env.clone().or(file.account.private_key_env).unwrap_or_else(|| DEFAULT_KEY_ENV.to_owned()),
            ),
        };
        let coordinator = overrides.coordinator.clone().or(file.stores.coordinator).map(|url| Coordinator::parse(&url)).transpose()?;
        let inputs = match (overrides.input_store.clone().or(file.stores.inputs), &coordinator) {
            (Some(location), _) => InputStore::parse(&location)?,
            (None, Some(coordinator)) => InputStore::Coordinator(coordinator.clone()),
            (None, None) => InputStore::Dir(PathBuf::from("inputs")),
        };
        let models = overrides.model_dir.clone().or(file.stores.models).unwrap_or_else(|| PathBuf::from("models"));
        Ok(OperatorConfig { rpc_url, manifest, account, key, inputs, models, coordinator, keeper: file.keeper, worker: file.worker })
    }

    /// The account's address.
    ///
    /// # Errors
    /// None is configured.
    pub fn account_address(&self) -> Result<Felt, ClientError> {
        self.account.ok_or_else(|| config_error("no account: set account.address, CIRO_ACCOUNT, or --account"))
    }

    /// The account's signer.
    ///
    /// # Errors
    /// The variable is unset or not a key, or the keystore cannot be opened with the password.
    pub fn signer(&self) -> Result<LocalWallet, ClientError> {
        Ok(LocalWallet::from(self.signing_key()?))
    }

    /// The account's key (to sign SNIP-9 requests).
    ///
    /// # Errors
    /// As [`OperatorConfig::signer`].
    pub fn signing_key(&self) -> Result<SigningKey, ClientError> {
        match &self.key {
            KeySource::Env(variable) => {
                let value = std::env::var(variable).map_err(|_| {
                    config_error(format!("environment variable {variable} (the account's private key) is not set"))
                })?;
                let secret = Felt::from_hex(value.trim())
                    .map_err(|_| config_error(format!("{variable} does not hold a 0x… private key")))?;
                Ok(SigningKey::from_secret_scalar(secret))
            }
            KeySource::Keystore { path, password_env } => {
                let password = std::env::var(password_env).map_err(|_| {
                    config_error(format!("environment variable {password_env} (the keystore's password) is not set"))
                })?;
                SigningKey::from_keystore(path, &password)
                    .map_err(|e| config_error(format!("keystore {}: {e} (wrong password?)", path.display())))
            }
        }
    }
}

/// A nonzero `0x` address.
///
/// # Errors
/// Not hex, or zero.
pub fn parse_address(text: &str, what: &str) -> Result<Felt, ClientError> {
    match Felt::from_hex(text.trim()) {
        Ok(address) if text.trim().starts_with("0x") && address != Felt::ZERO => Ok(address),
        _ => Err(config_error(format!("{what} `{text}` is not a nonzero 0x address"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ConfigFile, ClientError> {
        OperatorConfig::parse_file(text, Path::new("ciro.toml"))
    }

    #[test]
    fn flags_override_the_file() {
        let file = parse(
            "[network]\nrpc_url = \"http://a:1/rpc\"\nmanifest = \"m.json\"\n[account]\naddress = \"0x1\"\n[keeper]\nreorg_depth = 3\n",
        )
        .unwrap();
        let overrides = ConfigOverrides { rpc_url: Some("http://b:2/rpc".into()), ..Default::default() };
        let config = OperatorConfig::resolve(file, &overrides).unwrap();
        assert_eq!(config.rpc_url.as_str(), "http://b:2/rpc");
        assert_eq!(config.manifest, PathBuf::from("m.json"));
        assert_eq!(config.account, Some(Felt::ONE));
        assert_eq!(config.key, KeySource::Env(DEFAULT_KEY_ENV.into()));
        assert_eq!(config.keeper.reorg_depth, 3);
        assert_eq!(config.keeper.poll_interval_ms, 1_000);
    }

    #[test]
    fn inputs_go_to_the_coordinator_unless_a_store_is_named() {
        let file = |extra: &str| parse(&format!("[network]\nrpc_url = \"http://a/rpc\"\nmanifest = \"m\"\n[stores]\n{extra}")).unwrap();
        let config = OperatorConfig::resolve(file("coordinator = \"http://k:9464\"\n"), &ConfigOverrides::default()).unwrap();
        assert!(matches!(&config.inputs, InputStore::Coordinator(c) if c.base().as_str() == "http://k:9464/"));
        let config = OperatorConfig::resolve(file("coordinator = \"http://k:9464\"\ninputs = \"dir\"\n"), &ConfigOverrides::default()).unwrap();
        assert_eq!(config.inputs, InputStore::Dir(PathBuf::from("dir")));
        assert!(config.coordinator.is_some());
        let config = OperatorConfig::resolve(file(""), &ConfigOverrides::default()).unwrap();
        assert_eq!((config.inputs, config.coordinator), (InputStore::Dir(PathBuf::from("inputs")), None));
        let bad = OperatorConfig::resolve(file("coordinator = \"ftp://k\"\n"), &ConfigOverrides::default()).unwrap_err();
        assert!(bad.to_string().contains("coordinator URL"), "{bad}");
    }

    #[test]
    fn bad_files_name_the_problem() {
        let unknown = parse("[network]\nrpc = \"x\"\n").unwrap_err().to_string();
        assert!(unknown.contains("unknown field `rpc`"), "{unknown}");
        let missing = OperatorConfig::resolve(ConfigFile::default(), &ConfigOverrides::default()).unwrap_err().to_string();
        assert!(missing.contains("--rpc-url"), "{missing}");
        let file = parse("[network]\nrpc_url = \"http://a/rpc\"\nmanifest = \"m\"\n[account]\naddress = \"12\"\n").unwrap();
        let bad = OperatorConfig::resolve(file, &ConfigOverrides::default()).unwrap_err().to_string();
        assert!(bad.contains("not a nonzero 0x address"), "{bad}");
    }
}
