//! `ciro-client`: what Ciro's operators (the keeper, the worker node and the `ciro` CLI) share.
//!
//! - [`config`]: one TOML file for every operator, with environment and flag overrides, and the
//!   account's key from an environment variable or an encrypted keystore;
//! - [`chain`]: the deployed contracts (addresses from the deployment manifest) through the
//!   generated bindings, and transactions whose hash is known before they are sent;
//! - [`store`]: job inputs, content-addressed by their commitment, in a directory, behind a plain
//!   HTTP server or in the coordinator;
//! - [`coordinator`]: the coordinator's blob store (inputs, models, labels, results), as its
//!   clients use it; [`labels`]: a model's class labels and their commitment;
//! - `cli` (feature `cli`): the flags every operator binary takes, and how a binary ends;
//! - [`outside_execution`]: SNIP-9 v2 requests a user signs for the Paymaster to relay;
//! - [`retry`], [`http`], [`metrics`]: backoff with jitter, the endpoints behind `/health`,
//!   `/metrics` and `/relay` (axum on hyper, with tower-http's limits), and Prometheus metrics
//!   (prometheus-client).

#![deny(missing_docs)]

pub mod chain;
#[cfg(feature = "cli")]
pub mod cli;
pub mod config;
pub mod coordinator;
pub mod http;
pub mod labels;
pub mod metrics;
pub mod outside_execution;
pub mod retry;
pub mod store;

pub use chain::{Chain, JobView, Sent};
pub use config::{ConfigOverrides, OperatorConfig};

/// One CIRO in base units (18 decimals).
pub const CIRO: u128 = 1_000_000_000_000_000_000;

/// Why an operator could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The configuration is missing a value or has a bad one.
    #[error("configuration: {0}")]
    Config(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The deployment manifest cannot be used.
    #[error("deployment manifest {path}: {message} (deploy first: `ciro-deploy --config <network>.toml`, or pass --manifest)")]
    Manifest {
        /// The manifest.
        path: std::path::PathBuf,
        /// Why.
        message: String,
    },
    /// The node could not be reached or answered with an error.
    #[error("talking to the node at {url}: {message} (check --rpc-url / CIRO_RPC_URL)")]
    Provider {
        /// The RPC URL.
        url: String,
        /// The error.
        message: String,
    },
    /// A contract read failed.
    #[error("reading {what}: {message}")]
    Read {
        /// What was read.
        what: &'static str,
        /// The error.
        message: String,
        /// Whether the node was unreachable (rather than the call failing).
        transient: bool,
    },
    /// A transaction was rejected or reverted.
    #[error("{action}: {}", summarize(source))]
    Tx {
        /// What the transaction was for.
        action: String,
        /// Why it failed (with the contract's revert message).
        #[source]
        source: Box<ciro_chain::TxError>,
    },
    /// A request was refused before anything was sent: an input that does not fit the model, an
    /// unknown model or job, a deadline in the past, too little CIRO, labels that do not fit.
    #[error("{0}")]
    Rejected(String),
    /// An input or a model is missing from its store or does not match its commitment.
    #[error("{0}")]
    Store(String),
    /// A job's result cannot be found, or does not check out against the chain.
    #[error("{0}")]
    Result(String),
    /// The prover rejected a model, an input or a proof.
    #[error("prover: {0}")]
    Prover(String),
    /// A SNIP-9 request could not be built or signed.
    #[error("signing the request: {0}")]
    Signing(String),
    /// Another operator refused a request (4xx): its reason.
    #[error("{url} refused the request ({status}): {reason}")]
    Refused {
        /// Where.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The reason it gave.
        reason: String,
    },
    /// An HTTP request to another operator failed (unreachable, or a 5xx): worth retrying.
    #[error("HTTP {url}: {message}")]
    Http {
        /// Where.
        url: String,
        /// Why.
        message: String,
    },
}

/// A failed transaction in one line: the contract's revert message when there is one.
fn summarize(error: &ciro_chain::TxError) -> String {
    let messages = error.revert_messages();
    match (error, messages.last()) {
        (ciro_chain::TxError::Reverted { transaction_hash, .. }, Some(message)) => {
            format!("transaction {transaction_hash:#x} reverted: '{message}'")
        }
        (_, Some(message)) => format!("rejected by the contract: '{message}'"),
        (_, None) => error.to_string(),
    }
}

impl ClientError {
    /// A failed transaction for `action`.
    pub fn tx(action: impl Into<String>, source: ciro_chain::TxError) -> Self {
        ClientError::Tx { action: action.into(), source: Box::new(source) }
    }

    /// The contract's revert messages, when this is a failed transaction.
    pub fn revert_messages(&self) -> Vec<String> {
        match self {
            ClientError::Tx { source, .. } => source.revert_messages(),
            _ => Vec::new(),
        }
    }
}

/// `error` and its sources, joined with `: `.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `amount` base units as CIRO with 4 decimals (`1234.5000`).
pub fn format_ciro(amount: u128) -> String {
    let whole = amount / CIRO;
    let fraction = (amount % CIRO) / (CIRO / 10_000);
    format!("{whole}.{fraction:04}")
}

/// Parses a decimal CIRO amount (`12`, `0.5`, at most 18 decimals) into base units.
///
/// # Errors
/// Not a non-negative decimal number, or too many decimals, or too large.
pub fn parse_ciro(text: &str) -> Result<u128, ClientError> {
    let bad = || ClientError::Config(format!("`{text}` is not an amount of CIRO (e.g. 100 or 0.5)"));
    let (whole, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    if whole.is_empty() && fraction.is_empty() || fraction.len() > 18 {
        return Err(bad());
    }
    let digits = |s: &str| s.is_empty() || s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) {
        return Err(bad());
    }
    let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
    let padded = format!("{fraction:0<18}");
    let fraction: u128 = padded.parse().map_err(|_| bad())?;
    whole.checked_mul(CIRO).and_then(|w| w.checked_add(fraction)).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ciro_amounts_round_trip() {
        assert_eq!(parse_ciro("100").unwrap(), 100 * CIRO);
        assert_eq!(parse_ciro("0.5").unwrap(), CIRO / 2);
        assert_eq!(parse_ciro(".25").unwrap(), CIRO / 4);
        assert_eq!(format_ciro(1_234 * CIRO + CIRO / 2), "1234.5000");
        for bad in ["", ".", "-1", "1e3", "abc", "1.0000000000000000001", "999999999999999999999999"] {
            assert!(parse_ciro(bad).is_err(), "{bad}");
        }
    }
}
