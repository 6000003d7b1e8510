//! ProofVerifier: the interface JobManager checks proofs through.
mod interface;
