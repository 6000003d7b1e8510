//! What every operator binary shares (feature `cli`): the flags saying where the configuration,
//! the node, the deployment and the key are (each also reads an environment variable; both
//! override the configuration file), how they log, and how a binary ends.

use std::path::PathBuf;

use crate::{ConfigOverrides, OperatorConfig};

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
    /// Input store: a directory, or an http(s):// URL to read inputs from [default: the
    /// coordinator when one is set, else ./inputs].
    #[arg(long, env = "CIRO_INPUT_STORE", global = true)]
    pub input_store: Option<String>,
    /// Directory of ONNX models.
    #[arg(long, env = "CIRO_MODEL_DIR", global = true)]
    pub model_dir: Option<PathBuf>,
    /// The coordinator (the keeper's URL): inputs, models, labels and results move through it.
    #[arg(long, env = "CIRO_COORDINATOR_URL", global = true)]
    pub coordinator: Option<String>,
}

impl ConnectionArgs {
    /// The configuration: the file, then these flags and variables.
    ///
    /// # Errors
    /// The file is unreadable or invalid, or a required value is missing.
    pub fn load(&self) -> Result<OperatorConfig, crate::ClientError> {
        let overrides = ConfigOverrides {
            rpc_url: self.rpc_url.clone(),
            manifest: self.manifest.clone(),
            account: self.account.clone(),
            private_key_env: self.private_key_env.clone(),
            keystore: self.keystore.clone(),
            keystore_password_env: self.keystore_password_env.clone(),
            input_store: self.input_store.clone(),
            model_dir: self.model_dir.clone(),
            coordinator: self.coordinator.clone(),
        };
        OperatorConfig::load(self.config.as_deref(), &overrides)
    }
}

/// How the operator binaries write their log (on stderr): `text`, one human-readable line per
/// event, or `json`, one JSON object per line for log shippers.
// The variants carry no doc comments: clap would then print a long help page for every binary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
#[allow(missing_docs)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Logging flags.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LogArgs {
    /// Log lines on stderr as text or JSON; `RUST_LOG` filters them [default filter: info]
    #[arg(long, env = "CIRO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

impl LogArgs {
    /// Installs the process's logger: events at `RUST_LOG`'s levels (`info` when unset or
    /// invalid), with their spans (the job a line is about), on stderr.
    pub fn init(&self) {
        use tracing_subscriber::EnvFilter;
        let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
        let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
        // A second logger in one process (tests) keeps the first: nothing to report.
        let _ = match self.log_format {
            LogFormat::Text => builder.try_init(),
            LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).try_init(),
        };
    }
}

/// Ends a binary: prints a command's output on stdout, or its error (with its causes) on stderr,
/// and returns the matching exit code.
pub fn exit_with(result: anyhow::Result<String>) -> std::process::ExitCode {
    match result {
        Ok(output) => {
            print!("{output}");
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
