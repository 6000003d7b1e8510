//! ProofVerifier: the interface JobManager checks proofs through, and the on-chain STARK verifier.
mod interface;
mod errors;
mod field;
mod channel;
mod merkle;
mod air;
mod fri;
mod stark;
mod verifier;
