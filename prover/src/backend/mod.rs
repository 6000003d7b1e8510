//! Backends: where the heavy operations of the protocol run.
//!
//! As in stwo (`crates/prover/src/core/backend/mod.rs`), [`Backend`] is the sum of per-stage
//! operation traits, each defined next to the protocol stage that needs it:
//!
//! | trait | defined in | stage |
//! |---|---|---|
//! | [`ColumnOps`] | here | moving columns between host and backend |
//! | [`crate::poly::PolyOps`] | `poly.rs` | NTT: interpolation, low-degree extension |
//! | [`crate::merkle::MerkleOps`] | `merkle.rs` | Merkle commitment (Poseidon leaves and nodes) |
//! | [`crate::fri::FriOps`] | `fri.rs` | FRI folding |
//! | [`crate::quotients::QuotientOps`] | `quotients.rs` | composition quotient, DEEP quotient |
//! | [`crate::air::AirProver`] | `air/mod.rs` | constraint evaluation of one AIR on one backend |
//! | [`crate::proof_of_work::GrindOps`] | `proof_of_work.rs` | grinding |
//!
//! Protocol code (`stark/`, `fri.rs`, `merkle.rs`) is generic over `B: Backend` and never
//! branches on the backend. [`cpu::CpuBackend`] is the specification; `cuda::CudaBackend` (the
//! `cuda` feature) produces byte-identical proofs; [`select`] picks one at run time.

pub mod cpu;
#[cfg(feature = "cuda")]
pub mod cuda;
pub mod select;

use crate::field::Felt;
use crate::fri::FriOps;
use crate::merkle::MerkleOps;
use crate::poly::PolyOps;
use crate::proof_of_work::GrindOps;
use crate::quotients::QuotientOps;

/// Columns of field elements owned by a backend (host memory for the CPU, device memory for a GPU).
pub trait ColumnOps {
    /// The backend's column type.
    type Column: Clone + Send + Sync + std::fmt::Debug;

    /// Moves host values into a backend column.
    fn column_from_vec(values: Vec<Felt>) -> Self::Column;
    /// Copies a backend column back to the host.
    fn column_to_vec(column: &Self::Column) -> Vec<Felt>;
    /// Number of elements.
    fn column_len(column: &Self::Column) -> usize;
    /// The values at `indices`, copied to the host.
    fn column_values_at(column: &Self::Column, indices: &[usize]) -> Vec<Felt>;
    /// Splits a column into `parts` contiguous columns of equal length.
    fn column_chunks(column: &Self::Column, parts: usize) -> Vec<Self::Column>;
}

/// Everything the prover needs from a backend.
pub trait Backend:
    ColumnOps
    + PolyOps
    + MerkleOps
    + FriOps
    + QuotientOps
    + GrindOps
    + Copy
    + Clone
    + Send
    + Sync
    + std::fmt::Debug
    + Default
    + 'static
{
    /// A short name for logs and benchmarks.
    const NAME: &'static str;
}
