//! # ciro-prover
//!
//! A STARK prover and verifier for fixed-point MLP inference over the Starknet field, designed so
//! that a Cairo contract can verify the proofs on-chain.
//!
//! - Field and hash: `p = 2^251 + 17·2^192 + 1` ([`field`]), Starknet Poseidon for Merkle trees
//!   ([`merkle`]) and the Fiat–Shamir [`channel`].
//! - Protocol ([`stark`]): blowup 32, FRI folding by 8 with a small last layer ([`fri`]), 17
//!   queries, 15 bits of grinding ([`proof_of_work`]); the parameters are part of the statement.
//! - Backends ([`backend`]): a `Backend` trait composed of per-stage operation traits, with the
//!   multithreaded CPU backend as the specification.
//! - AIR ([`air::mlp`]): dense layers, bias, rescale with range-checked limbs, ReLU, with LogUp
//!   for the wiring between layers and for the range checks.
//! - Models ([`model`]): ONNX MLPs as exporters write them (dense layers, ReLU, affine maps and
//!   batch norms folded into the dense layers, shape-only nodes), decoded with `prost`
//!   ([`model::onnx::SUPPORTED_OPS`]), quantized to fixed point per layer.
//! - Proof files and calldata ([`proof_file`]); the exact layout is in `PROOF_FORMAT.md`.
//!
//! The high-level entry points are [`api::prove_inference`] and [`api::verify_proof_file`].
#![deny(missing_docs)]

pub mod air;
pub mod api;
pub mod backend;
pub mod bench;
pub mod channel;
pub mod field;
pub mod fri;
pub mod merkle;
pub mod model;
pub mod poly;
pub mod proof_file;
pub mod proof_of_work;
pub mod quotients;
pub mod report;
pub mod stark;
