//! The STARK protocol: parameters, proof, prover and verifier, generic over the backend and the
//! AIR. The exact transcript and calldata are specified in `PROOF_FORMAT.md`.

mod proof;
mod prover;
mod verifier;

pub use proof::{FeltReader, StarkProof};
pub use prover::{
    prove, prove_with_preprocessed, NoProgress, PreprocessedTrace, ProgressSink, ProveOptions,
    ProverError, Stage,
};
pub use verifier::{verify, VerifierError};

use crate::field::Felt;
use serde::{Deserialize, Serialize};

/// `'CIRO_STARK_V2'` as a Cairo short string: the first felt the channel absorbs.
pub const PROTOCOL_TAG: Felt = Felt::from_hex_unchecked("0x4349524f5f535441524b5f5632");

/// Errors in proof parameters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    /// A parameter outside what the protocol supports.
    #[error("unsupported proof parameter: {0}")]
    Unsupported(String),
    /// Parameters below the verifier's security policy.
    #[error("proof parameters below the security policy: {0}")]
    BelowPolicy(String),
}

/// The security parameters of a proof; part of the statement hashed into the channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofParams {
    /// log2 of the blowup factor (3: blowup 8).
    pub log_blowup: u32,
    /// log2 of the FRI folding factor (3: fold by 8).
    pub log_fold: u32,
    /// Number of FRI queries.
    pub n_queries: u32,
    /// Proof-of-work bits.
    pub grinding_bits: u32,
}

impl Default for ProofParams {
    /// The production parameters: blowup 8, fold by 8, 30 queries, 10 grinding bits
    /// (30·3 + 10 = 100 bits of conjectured security). Ten bits of proof of work take a few
    /// milliseconds where twenty took seconds; the three extra queries cost ~80 felts each.
    fn default() -> Self {
        Self {
            log_blowup: 3,
            log_fold: 3,
            n_queries: 30,
            grinding_bits: 10,
        }
    }
}

impl ProofParams {
    /// Parameters for large traces, where calldata is scarce and proving takes a minute: 27
    /// queries, 19 grinding bits (27·3 + 19 = 100 bits). The 2^19 hashes of proof of work
    /// (~4 s on 2 cores) buy ~240 felts of calldata.
    pub const COMPACT: Self = Self {
        log_blowup: 3,
        log_fold: 3,
        n_queries: 27,
        grinding_bits: 19,
    };

    /// Conjectured security in bits: `n_queries · log_blowup + grinding_bits`.
    pub fn conjectured_security_bits(&self) -> u32 {
        self.n_queries * self.log_blowup + self.grinding_bits
    }

    /// Checks the parameters are supported by this implementation (and by the Cairo verifier):
    /// blowup 8, folding by 8, 1..=128 queries, at most 64 grinding bits.
    ///
    /// # Errors
    /// [`ParamsError::Unsupported`].
    pub fn validate(&self) -> Result<(), ParamsError> {
        if self.log_blowup != 3 {
            return Err(ParamsError::Unsupported(format!(
                "log_blowup {} (must be 3)",
                self.log_blowup
            )));
        }
        if self.log_fold != 3 {
            return Err(ParamsError::Unsupported(format!(
                "log_fold {} (must be 3)",
                self.log_fold
            )));
        }
        if self.n_queries == 0 || self.n_queries > 128 {
            return Err(ParamsError::Unsupported(format!(
                "{} queries (must be 1..=128)",
                self.n_queries
            )));
        }
        if self.grinding_bits > 64 {
            return Err(ParamsError::Unsupported(format!(
                "{} grinding bits (at most 64)",
                self.grinding_bits
            )));
        }
        Ok(())
    }
}

/// The minimum parameters a verifier accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityPolicy {
    /// Minimum number of queries.
    pub min_queries: u32,
    /// Minimum conjectured security, `n_queries · log_blowup + grinding_bits`.
    pub min_security_bits: u32,
}

impl Default for SecurityPolicy {
    /// The production policy (ProofVerifier's): at least 27 queries and 100 bits.
    fn default() -> Self {
        Self {
            min_queries: 27,
            min_security_bits: 100,
        }
    }
}

impl SecurityPolicy {
    /// Checks `params` against the policy (after [`ProofParams::validate`]).
    ///
    /// # Errors
    /// [`ParamsError`] when unsupported or too weak.
    pub fn check(&self, params: &ProofParams) -> Result<(), ParamsError> {
        params.validate()?;
        if params.n_queries < self.min_queries {
            return Err(ParamsError::BelowPolicy(format!(
                "{} queries < {}",
                params.n_queries, self.min_queries
            )));
        }
        if params.conjectured_security_bits() < self.min_security_bits {
            return Err(ParamsError::BelowPolicy(format!(
                "{} bits of security ({} queries · {} + {} grinding bits) < {}",
                params.conjectured_security_bits(),
                params.n_queries,
                params.log_blowup,
                params.grinding_bits,
                self.min_security_bits
            )));
        }
        Ok(())
    }
}

/// The felts the channel starts from:
/// `[PROTOCOL_TAG, log_blowup, log_fold, n_queries, grinding_bits, log_trace_rows, ..statement]`.
pub fn channel_seed(params: &ProofParams, log_trace_rows: u32, statement: &[Felt]) -> Vec<Felt> {
    let mut seed = vec![
        PROTOCOL_TAG,
        Felt::from(params.log_blowup),
        Felt::from(params.log_fold),
        Felt::from(params.n_queries),
        Felt::from(params.grinding_bits),
        Felt::from(log_trace_rows),
    ];
    seed.extend_from_slice(statement);
    seed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::short_string;

    #[test]
    fn tag_and_policy() {
        assert_eq!(PROTOCOL_TAG, short_string("CIRO_STARK_V2").unwrap());
        let params = ProofParams::default();
        assert_eq!(params.conjectured_security_bits(), 100);
        assert_eq!(ProofParams::COMPACT.conjectured_security_bits(), 100);
        SecurityPolicy::default().check(&params).unwrap();
        SecurityPolicy::default().check(&ProofParams::COMPACT).unwrap();
        let weak = ProofParams {
            grinding_bits: 9,
            ..params
        };
        assert!(SecurityPolicy::default().check(&weak).is_err());
        let few_queries = ProofParams {
            n_queries: 26,
            grinding_bits: 30,
            ..params
        };
        assert!(SecurityPolicy::default().check(&few_queries).is_err());
        assert!(ProofParams {
            log_blowup: 2,
            ..params
        }
        .validate()
        .is_err());
    }
}

#[cfg(test)]
mod fibonacci_tests;
