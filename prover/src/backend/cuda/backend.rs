//! [`KernelBackend`]: a whole [`Backend`] on the kernels of [`super::ops`], over a launcher that
//! lives for the process ([`GlobalLauncher`]). [`CudaBackend`] is it on the GPU; the tests run it
//! on the host build of the kernels and prove the golden vectors byte for byte.
//!
//! On the kernels: the NTT (interpolation, the low-degree extension), the Merkle commitment,
//! FRI folding, the vanishing division, the DEEP quotient, grinding, and the gathering of
//! decommitted values. Still on the host: the AIR's constraint evaluation (the trace's LDE is
//! copied back, evaluated by the CPU backend's code, and the numerators copied in; counted in
//! [`super::Transfers`] on the GPU) and the out-of-domain evaluations at a point (coefficients
//! copied back, Horner on the CPU).
//!
//! The [`Backend`] traits' column operations cannot fail; a device failure in one of them (the
//! GPU lost, memory exhausted) panics with the driver's message, as a CPU backend's allocation
//! failure would abort.

use super::{ops, CudaDevice, CudaError, Launcher};
use crate::air::{Air, AirProver};
use crate::backend::cpu::CpuBackend;
use crate::backend::{Backend, ColumnOps};
use crate::field::{Felt, FieldError};
use crate::fri::{FriError, FriOps};
use crate::merkle::MerkleOps;
use crate::poly::{horner, Coset, PolyError, PolyOps};
use crate::proof_of_work::GrindOps;
use crate::quotients::{DeepSample, QuotientOps};
use std::marker::PhantomData;
use std::sync::OnceLock;

/// A launcher that lives for the process, as the [`Backend`] traits' static functions need.
pub trait GlobalLauncher: Launcher<Buffer: Clone + Send + Sync + std::fmt::Debug> + Send + Sync + 'static {
    /// The backend's name in logs and benchmarks.
    const NAME: &'static str;
    /// The launcher.
    fn global() -> &'static Self;
}

static DEVICE: OnceLock<CudaDevice> = OnceLock::new();

impl CudaDevice {
    /// Opens GPU `ordinal` (see [`CudaDevice::open`]) as the device [`CudaBackend`] proves on,
    /// once per process; later calls return the device installed first.
    ///
    /// # Errors
    /// As [`CudaDevice::open`].
    pub fn install(ordinal: usize) -> Result<&'static CudaDevice, CudaError> {
        if let Some(device) = DEVICE.get() {
            return Ok(device);
        }
        let device = CudaDevice::open(ordinal)?;
        Ok(DEVICE.get_or_init(|| device))
    }
}

impl GlobalLauncher for CudaDevice {
    const NAME: &'static str = "cuda";

    fn global() -> &'static CudaDevice {
        DEVICE.get().expect("CudaBackend used before CudaDevice::install: call it first (ciro-prover --backend does)")
    }
}

/// The backend on the kernels, over launcher `L`.
pub struct KernelBackend<L>(PhantomData<fn() -> L>);

/// The backend on the GPU ([`CudaDevice::install`] first).
pub type CudaBackend = KernelBackend<CudaDevice>;

impl<L> Clone for KernelBackend<L> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<L> Copy for KernelBackend<L> {}
impl<L> Default for KernelBackend<L> {
    fn default() -> Self {
        KernelBackend(PhantomData)
    }
}
impl<L: GlobalLauncher> std::fmt::Debug for KernelBackend<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KernelBackend({})", L::NAME)
    }
}

fn device<T>(result: Result<T, CudaError>) -> T {
    result.unwrap_or_else(|e| panic!("the CUDA backend failed: {e}"))
}

fn poly_error(error: CudaError) -> PolyError {
    match error {
        CudaError::Poly(e) => e,
        CudaError::Field(e) => PolyError::Field(e),
        other => panic!("the CUDA backend failed: {other}"),
    }
}

fn field_error(error: CudaError) -> FieldError {
    match error {
        CudaError::Field(e) => e,
        CudaError::Poly(PolyError::Field(e)) => e,
        other => panic!("the CUDA backend failed: {other}"),
    }
}

fn fri_error(error: CudaError) -> FriError {
    match error {
        CudaError::Fri(e) => e,
        CudaError::Poly(e) => FriError::Poly(e),
        CudaError::Field(e) => FriError::Field(e),
        other => panic!("the CUDA backend failed: {other}"),
    }
}

impl<L: GlobalLauncher> ColumnOps for KernelBackend<L> {
    type Column = ops::Column<L::Buffer>;

    fn column_from_vec(values: Vec<Felt>) -> Self::Column {
        device(ops::upload(L::global(), &values))
    }

    fn column_to_vec(column: &Self::Column) -> Vec<Felt> {
        device(ops::download(L::global(), column))
    }

    fn column_len(column: &Self::Column) -> usize {
        column.len()
    }

    fn column_values_at(column: &Self::Column, indices: &[usize]) -> Vec<Felt> {
        device(ops::values_at(L::global(), column, indices))
    }

    fn column_chunks(column: &Self::Column, parts: usize) -> Vec<Self::Column> {
        device(ops::chunks(L::global(), column, parts))
    }
}

impl<L: GlobalLauncher> PolyOps for KernelBackend<L> {
    fn interpolate(evals: &Self::Column, domain: Coset) -> Result<Self::Column, PolyError> {
        ops::interpolate(L::global(), evals, domain).map_err(poly_error)
    }

    fn evaluate(coefficients: &Self::Column, domain: Coset) -> Result<Self::Column, PolyError> {
        ops::evaluate(L::global(), coefficients, domain).map_err(poly_error)
    }

    fn evaluate_at_point(coefficients: &Self::Column, point: Felt) -> Felt {
        horner(&Self::column_to_vec(coefficients), point)
    }
}

impl<L: GlobalLauncher> MerkleOps for KernelBackend<L> {
    fn hash_leaves(columns: &[&Self::Column]) -> Self::Column {
        let l = L::global();
        device(ops::pack(l, columns).and_then(|matrix| ops::hash_leaves(l, &matrix)))
    }

    fn hash_parents(children: &Self::Column) -> Self::Column {
        device(ops::hash_parents(L::global(), children))
    }
}

impl<L: GlobalLauncher> FriOps for KernelBackend<L> {
    fn fold(evals: &Self::Column, domain: Coset, log_fold: u32, alpha: Felt) -> Result<Self::Column, FriError> {
        ops::fri_fold(L::global(), evals, domain, log_fold, alpha).map_err(fri_error)
    }
}

impl<L: GlobalLauncher> QuotientOps for KernelBackend<L> {
    fn divide_by_vanishing(numerators: &Self::Column, domain: Coset, log_trace: u32) -> Result<Self::Column, FieldError> {
        ops::divide_by_vanishing(L::global(), numerators, domain, log_trace).map_err(field_error)
    }

    fn deep_quotient(columns: &[&Self::Column], domain: Coset, samples: &[DeepSample], rho: Felt) -> Result<Self::Column, FieldError> {
        ops::deep_quotient(L::global(), columns, domain, samples, rho).map_err(field_error)
    }
}

impl<L: GlobalLauncher> GrindOps for KernelBackend<L> {
    fn grind(seed: Felt, bits: u32, start: u64) -> u64 {
        device(ops::grind(L::global(), seed, bits, start, 1 << 22))
    }
}

impl<L: GlobalLauncher> Backend for KernelBackend<L> {
    const NAME: &'static str = L::NAME;
}

/// The AIR's constraints, on the host: the LDE columns are copied back, evaluated by the CPU
/// backend's code, and the numerators copied in.
impl<A: Air, L: GlobalLauncher> AirProver<KernelBackend<L>> for A {
    fn composition_numerators(
        &self,
        trace: &[&ops::Column<L::Buffer>],
        domain: Coset,
        log_blowup: u32,
        challenges: &[Felt],
        constants: &[Felt],
        alpha: Felt,
    ) -> ops::Column<L::Buffer> {
        let host: Vec<Vec<Felt>> = trace.iter().map(|c| KernelBackend::<L>::column_to_vec(c)).collect();
        let refs: Vec<&Vec<Felt>> = host.iter().collect();
        let numerators = <A as AirProver<CpuBackend>>::composition_numerators(self, &refs, domain, log_blowup, challenges, constants, alpha);
        KernelBackend::<L>::column_from_vec(numerators)
    }
}
