//! `ciro-inference`: verifiable inference on the client's and the worker's side, where the prover
//! is linked (the keeper and the chain layer do not link it).
//!
//! - [`jobs`]: registering a model (with its class labels), submitting a job, waiting for it, and
//!   proving an inference locally;
//! - [`models`]: ONNX models found by the commitment JobManager recorded for them, in a local
//!   directory or fetched from the coordinator and cached by commitment; input files and their
//!   commitments;
//! - [`results`]: a job's result, its proof read from the completing transaction (or the
//!   coordinator), verified against the job's on-chain statement, its outputs dequantized.

#![deny(missing_docs)]

pub mod jobs;
pub mod models;
pub mod results;
