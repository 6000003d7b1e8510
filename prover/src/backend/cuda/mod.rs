//! The CUDA backend (`cargo build --features cuda`): [`CudaBackend`], a whole
//! [`super::Backend`] whose proofs are the CPU backend's, byte for byte. As kernels: the field
//! arithmetic; Starknet's Poseidon (Hades: width 3, 8 full and 83 partial rounds, the network's
//! round constants and MDS mix); the Merkle commitment ([`CudaDevice::commit`]: leaves hashed
//! from a matrix of columns, then layer by layer, the data staying on the device); grinding
//! ([`CudaDevice::grind`]); the NTT stage ([`CudaDevice::evaluate`], [`CudaDevice::interpolate`]:
//! the low-degree extension); FRI folding; the vanishing division and the DEEP quotient. The AIR's
//! constraint evaluation still runs on the host (see [`KernelBackend`]).
//!
//! The kernels (`kernels/*.cuh`, `kernels/*.cu`) are compiled at run time by NVRTC for the GPU
//! found, and the CUDA driver is loaded at run time (cudarc's dynamic loading): this builds and
//! tests on machines with no CUDA at all, and a missing driver or NVRTC is a [`CudaError`].
//!
//! Each operation ([`ops`]) is written once, as a sequence of kernel launches over a
//! [`Launcher`]: [`CudaDevice`] launches on the GPU; in tests, the host launcher runs the same
//! kernel sources compiled as ordinary C++ (`kernels/host.h` maps the CUDA built-ins), and the
//! unit tests compare every operation with the CPU backend, byte for byte, over seeded inputs.
//! On a GPU, `scripts/gpu-check` runs the same comparisons on the device.
//!
//! Felts cross to the device as 4 little-endian 64-bit limbs of their canonical value.

mod backend;
mod constants;
mod device;
#[cfg(test)]
mod host;
pub mod ops;
#[cfg(test)]
mod tests;

pub use backend::{CudaBackend, GlobalLauncher, KernelBackend};
pub use device::{CudaDevice, CudaError, DeviceColumn, DeviceMatrix, Transfers};

use crate::field::Felt;

/// The kernels' source as NVRTC compiles it: the device prelude, the field, Poseidon, the kernels.
pub const KERNEL_SOURCE: &str = concat!(
    include_str!("kernels/device.h"),
    "\n",
    include_str!("kernels/field.cuh"),
    "\n",
    include_str!("kernels/poseidon.cuh"),
    "\n",
    include_str!("kernels/merkle.cu"),
    "\n",
    include_str!("kernels/ntt.cu"),
    "\n",
    include_str!("kernels/quotients.cu"),
);

/// Threads per block of every launch (the host build launches the same grid).
pub(crate) const BLOCK: u32 = 256;

/// The kernels, in the order of `kernels/host.cpp`'s cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// `ciro_to_montgomery(values, n)`.
    ToMontgomery,
    /// `ciro_field_ops(a, b, n, product, sum, difference)`.
    FieldOps,
    /// `ciro_hades_permutation(states, n, constants)`.
    HadesPermutation,
    /// `ciro_hash_leaves(columns, n_columns, n, constants, leaves)`.
    HashLeaves,
    /// `ciro_hash_parents(children, n_parents, constants, parents)`.
    HashParents,
    /// `ciro_grind(seed, bits, start, count, constants, found)`.
    Grind,
    /// `ciro_load_montgomery(src, n_src, dst, n)`.
    LoadMontgomery,
    /// `ciro_from_montgomery(values, n)`.
    FromMontgomery,
    /// `ciro_powers(base, n, out)`.
    Powers,
    /// `ciro_mul_powers(values, n, base, scalar)`.
    MulPowers,
    /// `ciro_bit_reverse(values, log_n)`.
    BitReverse,
    /// `ciro_ntt_layer(values, log_n, log_half, twiddles)`.
    NttLayer,
    /// `ciro_gather(values, indices, n, out)`.
    Gather,
    /// `ciro_fri_fold(evals, m, log_fold, shift_inv, omega_inv, alpha, inv_roots, out)`.
    FriFold,
    /// `ciro_mul_periodic(values, n, factors, period, out)`.
    MulPeriodic,
    /// `ciro_deep_quotient(columns, n, shift, omega, n_samples, points, constants, offsets,
    /// term_columns, term_coefficients, out)`.
    DeepQuotient,
}

impl Kernel {
    /// Every kernel, in order.
    pub const ALL: [Kernel; 16] = [
        Kernel::ToMontgomery,
        Kernel::FieldOps,
        Kernel::HadesPermutation,
        Kernel::HashLeaves,
        Kernel::HashParents,
        Kernel::Grind,
        Kernel::LoadMontgomery,
        Kernel::FromMontgomery,
        Kernel::Powers,
        Kernel::MulPowers,
        Kernel::BitReverse,
        Kernel::NttLayer,
        Kernel::Gather,
        Kernel::FriFold,
        Kernel::MulPeriodic,
        Kernel::DeepQuotient,
    ];

    /// The kernel's place in [`Kernel::ALL`] (and its case in `kernels/host.cpp`).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The `extern "C"` name in the kernel sources.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::ToMontgomery => "ciro_to_montgomery",
            Kernel::FieldOps => "ciro_field_ops",
            Kernel::HadesPermutation => "ciro_hades_permutation",
            Kernel::HashLeaves => "ciro_hash_leaves",
            Kernel::HashParents => "ciro_hash_parents",
            Kernel::Grind => "ciro_grind",
            Kernel::LoadMontgomery => "ciro_load_montgomery",
            Kernel::FromMontgomery => "ciro_from_montgomery",
            Kernel::Powers => "ciro_powers",
            Kernel::MulPowers => "ciro_mul_powers",
            Kernel::BitReverse => "ciro_bit_reverse",
            Kernel::NttLayer => "ciro_ntt_layer",
            Kernel::Gather => "ciro_gather",
            Kernel::FriFold => "ciro_fri_fold",
            Kernel::MulPeriodic => "ciro_mul_periodic",
            Kernel::DeepQuotient => "ciro_deep_quotient",
        }
    }
}

/// One argument of a launch, in the kernel's parameter order.
#[derive(Debug)]
pub enum Arg<'a, B> {
    /// A buffer the kernel reads.
    In(&'a B),
    /// A buffer the kernel writes.
    Out(&'a mut B),
    /// A 64-bit value.
    Value(u64),
}

/// Where kernels run: buffers of 64-bit limbs, and launches of `threads` threads.
pub trait Launcher {
    /// A buffer of limbs (device memory for the GPU).
    type Buffer;

    /// A buffer of `felts` zero felts.
    fn zeros(&self, felts: usize) -> Result<Self::Buffer, CudaError>;
    /// A buffer holding `limbs`.
    fn upload_limbs(&self, limbs: &[u64]) -> Result<Self::Buffer, CudaError>;
    /// The buffer's limbs, copied back.
    fn download_limbs(&self, buffer: &Self::Buffer) -> Result<Vec<u64>, CudaError>;
    /// A new buffer holding the first `limbs[i]` limbs of each `parts[i]`, one after the other
    /// (device to device on the GPU).
    fn concat(&self, parts: &[(&Self::Buffer, usize)]) -> Result<Self::Buffer, CudaError>;
    /// A new buffer holding limbs `start .. start + len` of `buffer`.
    fn copy_range(&self, buffer: &Self::Buffer, start: usize, len: usize) -> Result<Self::Buffer, CudaError>;
    /// Runs `kernel` over `threads` threads (blocks of 256), in launch order.
    fn launch(&self, kernel: Kernel, threads: usize, args: &mut [Arg<'_, Self::Buffer>]) -> Result<(), CudaError>;
    /// Poseidon's round constants in Montgomery form, resident.
    fn constants(&self) -> &Self::Buffer;
}

/// Grinding as the CPU does it ([`crate::proof_of_work::GrindOps`]): the smallest valid nonce
/// `≥ start`, searched in consecutive batches of `batch` nonces; `smallest_in(first, count)` runs
/// the grinding kernel over `first..first + count` and returns its smallest valid nonce, or
/// `u64::MAX` when there is none.
pub(crate) fn grind_in_batches<E>(start: u64, batch: u64, mut smallest_in: impl FnMut(u64, u64) -> Result<u64, E>) -> Result<u64, E> {
    let mut first = start;
    loop {
        let count = batch.min(u64::MAX - first).max(1);
        let found = smallest_in(first, count)?;
        if found != u64::MAX {
            return Ok(found);
        }
        first = first.saturating_add(count);
    }
}

/// `values` as the kernels read them: 4 little-endian limbs per felt, canonical.
pub(crate) fn felts_to_limbs(values: &[Felt]) -> Vec<u64> {
    values.iter().flat_map(Felt::to_le_digits).collect()
}

/// The inverse of [`felts_to_limbs`]. The kernels write canonical values (below p).
pub(crate) fn limbs_to_felts(limbs: &[u64]) -> Vec<Felt> {
    limbs
        .chunks_exact(4)
        .map(|limb| {
            let mut bytes = [0u8; 32];
            for (chunk, value) in bytes.chunks_exact_mut(8).zip(limb) {
                chunk.copy_from_slice(&value.to_le_bytes());
            }
            Felt::from_bytes_le(&bytes)
        })
        .collect()
}
