//! Flags every operator binary takes: where the configuration, the node, the deployment and the
//! key are. Each flag also reads an environment variable; both override the configuration file.

use std::path::PathBuf;

use ciro_client::{ConfigOverrides, OperatorConfig};

/// Connection and account flags.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConnectionArgs {
    /// Configuration file (TOML: [network], [account], [stores], [keeper], [worker]).
    #[arg(long, env = "CIRO_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Starknet JSON-RPC endpoint.
    #[arg(long, env = "CIRO_RPC_URL", global = true)]
    pub rpc_url: Option<String>,
    /// Deployment manifest written by ciro-deploy (deployments/<network>.json).
    #[arg(long, env = "CIRO_MANIFEST", global = true)]
    pub manifest: Option<PathBuf>,
    /// Account address.
    #[arg(long, env = "CIRO_ACCOUNT", global = true)]
    pub account: Option<String>,
    /// Environment variable holding the account's private key [default: CIRO_PRIVATE_KEY].
    #[arg(long, global = true)]
    pub private_key_env: Option<String>,
    /// Encrypted keystore (starkli format) instead of a private key variable.
    #[arg(long, env = "CIRO_KEYSTORE", global = true)]
    pub keystore: Option<PathBuf>,
    /// Environment variable holding the keystore's password [default: CIRO_KEYSTORE_PASSWORD].
    #[arg(long, global = true)]
    pub keystore_password_env: Option<String>,
    /// Input store: a directory, or an http(s):// URL to read inputs from.
    #[arg(long, env = "CIRO_INPUT_STORE", global = true)]
    pub input_store: Option<String>,
    /// Directory of ONNX models.
    #[arg(long, env = "CIRO_MODEL_DIR", global = true)]
    pub model_dir: Option<PathBuf>,
}

impl ConnectionArgs {
    /// The configuration: the file, then these flags and variables.
    ///
    /// # Errors
    /// The file is unreadable or invalid, or a required value is missing.
    pub fn load(&self) -> Result<OperatorConfig, ciro_client::ClientError> {
        let overrides = ConfigOverrides {
            rpc_url: self.rpc_url.clone(),
            manifest: self.manifest.clone(),
            account: self.account.clone(),
            private_key_env: self.private_key_env.clone(),
            keystore: self.keystore.clone(),
            keystore_password_env: self.keystore_password_env.clone(),
            input_store: self.input_store.clone(),
            model_dir: self.model_dir.clone(),
        };
        OperatorConfig::load(self.config.as_deref(), &overrides)
    }
}
