//! The CPU backend: the specification of every backend operation, multithreaded with rayon.
//!
//! One file per operation trait, mirroring the protocol modules that define them.

mod air;
mod column;
mod fri;
mod grind;
mod merkle;
mod poly;
mod quotients;

pub use poly::{ntt_in_place, Twiddles};

/// The CPU backend (columns are `Vec<Felt>` in host memory).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuBackend;

impl super::Backend for CpuBackend {
    const NAME: &'static str = "cpu";
}

/// Below this many elements, per-element work is not split across threads.
pub(crate) const PAR_MIN: usize = 1 << 10;
