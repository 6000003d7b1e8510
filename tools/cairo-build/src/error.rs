//! The driver's error type.

use std::path::PathBuf;

/// Everything that can stop a build. Each variant says what went wrong and where; `main` prints
/// the whole chain.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A file could not be read or written.
    #[error("{action} {path}")]
    Io {
        /// What the driver was doing, e.g. "reading" or "writing".
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A `Scarb.toml` is missing, malformed or describes nothing to build.
    #[error("invalid manifest {path}: {reason}")]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The Cairo core library could not be found, fetched or verified.
    #[error("{0}")]
    Corelib(String),
    /// The Cairo sources have errors; the message holds every diagnostic with its location.
    #[error("could not compile `{package}` due to previous errors:\n{diagnostics}")]
    Diagnostics {
        /// The package that failed.
        package: String,
        /// The compiler's diagnostics, each with `file:line:col`.
        diagnostics: String,
    },
    /// The compiler failed after the sources were checked (an internal compiler limitation).
    #[error("compiling `{package}`: {message}")]
    Compiler {
        /// The package that failed.
        package: String,
        /// The compiler's message.
        message: String,
    },
    /// An artifact could not be serialized.
    #[error("serializing {path}")]
    Json {
        /// The artifact being written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },
}

impl BuildError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| BuildError::Io { action, path, source }
    }
}

/// The driver's result type.
pub type Result<T, E = BuildError> = std::result::Result<T, E>;
