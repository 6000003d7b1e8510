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
    /// log2 of the blowup factor (5: blowup 32).
    pub log_blowup: u32,
    /// log2 of the FRI folding factor (3: fold by 8).
    pub log_fold: u32,
    /// Number of FRI queries.
    pub n_queries: u32,
    /// Proof-of-work bits.
    pub grinding_bits: u32,
}

/// Smallest supported `log_blowup` (blowup 4: the constraints have degree 3).
pub const MIN_LOG_BLOWUP: u32 = 2;
/// Largest supported `log_blowup` (blowup 64).
pub const MAX_LOG_BLOWUP: u32 = 6;
/// Largest evaluation domain, `log_trace_rows + log_blowup` (the verifier's roots of unity).
pub const MAX_LOG_DOMAIN: u32 = 27;

impl Default for ProofParams {
    /// The production parameters: blowup 32, fold by 8, 17 queries, 15 grinding bits
    /// (17·5 + 15 = 100 bits of conjectured security, 85 of them from the queries). On Starknet
    /// a query costs far more than a larger evaluation domain costs the prover: ~135 felts of
    /// calldata and ~20k Cairo steps each, against 4× the hashing of blowup 8 (PROOF_FORMAT.md
    /// §12 has the measurements).
    fn default() -> Self {
        Self {
            log_blowup: 5,
            log_fold: 3,
            n_queries: 17,
            grinding_bits: 15,
        }
    }
}

impl ProofParams {
    /// Parameters for the largest traces, where calldata is scarcest: 16 queries and 20
    /// grinding bits (16·5 + 20 = 100 bits). The 2^20 hashes of proof of work (about 4 s on 2
    /// cores, measured) save one query: ~85 felts and ~30k Cairo steps, worth it where proving
    /// takes minutes anyway.
    pub const COMPACT: Self = Self {
        log_blowup: 5,
        log_fold: 3,
        n_queries: 16,
        grinding_bits: 20,
    };

    /// Conjectured security in bits: `n_queries · log_blowup + grinding_bits`.
    pub fn conjectured_security_bits(&self) -> u32 {
        self.n_queries * self.log_blowup + self.grinding_bits
    }

    /// The part of the conjectured security the queries give: `n_queries · log_blowup`.
    pub fn query_security_bits(&self) -> u32 {
        self.n_queries * self.log_blowup
    }

    /// Checks the parameters are supported by this implementation (and by the Cairo verifier):
    /// blowup 4 to 64, folding by 8, 1..=128 queries, at most 64 grinding bits.
    ///
    /// # Errors
    /// [`ParamsError::Unsupported`].
    pub fn validate(&self) -> Result<(), ParamsError> {
        if !(MIN_LOG_BLOWUP..=MAX_LOG_BLOWUP).contains(&self.log_blowup) {
            return Err(ParamsError::Unsupported(format!(
                "log_blowup {} (must be {MIN_LOG_BLOWUP}..={MAX_LOG_BLOWUP})",
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
    /// Minimum security from the queries alone, `n_queries · log_blowup`: at most
    /// `min_security_bits − min_query_bits` bits may come from grinding.
    pub min_query_bits: u32,
    /// Minimum conjectured security, `n_queries · log_blowup + grinding_bits`.
    pub min_security_bits: u32,
}

impl Default for SecurityPolicy {
    /// The production policy (ProofVerifier's): 100 bits, at least 80 of them from the queries.
    fn default() -> Self {
        Self {
            min_query_bits: 80,
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
        if params.query_security_bits() < self.min_query_bits {
            return Err(ParamsError::BelowPolicy(format!(
                "{} bits of security from the queries ({} queries · {}) < {}",
                params.query_security_bits(),
                params.n_queries,
                params.log_blowup,
                self.min_query_bits
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
            grinding_bits: 14,
            ..params
        };
        assert!(SecurityPolicy::default().check(&weak).is_err());
        // 15·5 = 75 bits from the queries: too much grinding makes up the rest.
        let few_queries = ProofParams {
            n_queries: 15,
            grinding_bits: 30,
            ..params
        };
        let err = SecurityPolicy::default().check(&few_queries).unwrap_err().to_string();
        assert!(err.contains("75 bits of security from the queries (15 queries · 5) < 80"), "{err}");
        // Blowup 8 needs 27 queries for 80 bits.
        let blowup_8 = ProofParams { log_blowup: 3, n_queries: 27, grinding_bits: 19, ..params };
        SecurityPolicy::default().check(&blowup_8).unwrap();
        assert!(SecurityPolicy::default().check(&ProofParams { n_queries: 26, grinding_bits: 30, ..blowup_8 }).is_err());
        assert!(ProofParams { log_blowup: 1, ..params }.validate().is_err());
        assert!(ProofParams { log_blowup: 7, ..params }.validate().is_err());
    }
}

#[cfg(test)]
mod fibonacci_tests;
