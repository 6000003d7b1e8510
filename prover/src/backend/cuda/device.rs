//! A CUDA GPU with the kernels loaded, as a [`Launcher`]: the operations of [`super::ops`] run
//! on it. Every byte that crosses between host and device is counted ([`Transfers`]).

use super::constants::{poseidon_round_constants, POSEIDON_CONSTANTS};
use super::{ops, Arg, Kernel, Launcher, BLOCK, KERNEL_SOURCE};
use crate::field::Felt;
use crate::poly::{Coset, PolyError};
use cudarc::driver::{CudaContext, CudaFunction, CudaSlice, CudaStream, LaunchConfig, PushKernelArg};
use cudarc::nvrtc::{compile_ptx_with_opts, CompileOptions};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Why the GPU cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CudaError {
    /// The CUDA driver library (`libcuda.so`) is not installed.
    #[error("no CUDA driver: libcuda could not be loaded (no NVIDIA driver on this machine?)")]
    NoDriver,
    /// NVRTC, which compiles the kernels at run time, is not installed.
    #[error("no NVRTC: libnvrtc could not be loaded (install the CUDA toolkit's NVRTC, or put it on LD_LIBRARY_PATH)")]
    NoNvrtc,
    /// The driver found no GPU with this ordinal.
    #[error("no CUDA device {ordinal}: the driver reports {count}")]
    NoDevice {
        /// The ordinal asked for.
        ordinal: usize,
        /// How many devices the driver sees.
        count: i32,
    },
    /// A driver call failed.
    #[error("CUDA driver: {0}")]
    Driver(String),
    /// NVRTC refused the kernels.
    #[error("compiling the kernels with NVRTC: {0}")]
    Compile(String),
    /// Inputs of the wrong shape.
    #[error("{0}")]
    Shape(String),
    /// A domain or a length the NTT cannot take.
    #[error(transparent)]
    Poly(#[from] PolyError),
    /// A field-level failure (a sample point inside the domain, a domain too large).
    #[error(transparent)]
    Field(#[from] crate::field::FieldError),
    /// A FRI layer that does not match its domain.
    #[error(transparent)]
    Fri(#[from] crate::fri::FriError),
}

fn driver(error: cudarc::driver::DriverError) -> CudaError {
    CudaError::Driver(error.to_string())
}

/// Bytes moved between host and device since the device was opened.
#[derive(Debug, Default)]
pub struct Transfers {
    to_device: AtomicU64,
    to_host: AtomicU64,
}

impl Transfers {
    /// Bytes copied host → device.
    pub fn to_device(&self) -> u64 {
        self.to_device.load(Ordering::Relaxed)
    }
    /// Bytes copied device → host.
    pub fn to_host(&self) -> u64 {
        self.to_host.load(Ordering::Relaxed)
    }
}

/// A column of felts on the device.
pub type DeviceColumn = ops::Column<CudaSlice<u64>>;

/// Columns of equal length packed in one device buffer.
pub type DeviceMatrix = ops::Matrix<CudaSlice<u64>>;

/// A GPU, its stream, the compiled kernels and Poseidon's round constants, resident.
pub struct CudaDevice {
    context: Arc<CudaContext>,
    stream: Arc<CudaStream>,
    /// The loaded kernels, in [`Kernel::ALL`]'s order.
    kernels: Vec<CudaFunction>,
    constants: CudaSlice<u64>,
    transfers: Transfers,
}

impl std::fmt::Debug for CudaDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CudaDevice").field("name", &self.name()).field("transfers", &self.transfers).finish()
    }
}

impl CudaDevice {
    /// Opens GPU `ordinal`: loads the driver and NVRTC (a clear error when either is missing),
    /// compiles the kernels for the device's architecture, and uploads the round constants.
    ///
    /// # Errors
    /// No driver, no NVRTC, no such device, or the driver or the compiler failed.
    pub fn open(ordinal: usize) -> Result<Self, CudaError> {
        // SAFETY: these only try to load the libraries (cudarc would panic on first use otherwise).
        if !unsafe { cudarc::driver::sys::is_culib_present() } {
            return Err(CudaError::NoDriver);
        }
        if !unsafe { cudarc::nvrtc::sys::is_culib_present() } {
            return Err(CudaError::NoNvrtc);
        }
        let count = CudaContext::device_count().map_err(driver)?;
        if ordinal >= usize::try_from(count).unwrap_or(0) {
            return Err(CudaError::NoDevice { ordinal, count });
        }
        let context = CudaContext::new(ordinal).map_err(driver)?;
        let (major, minor) = context.compute_capability().map_err(driver)?;
        let options = CompileOptions {
            // A virtual architecture: NVRTC emits PTX, which the driver compiles for the device.
            options: vec![format!("--gpu-architecture=compute_{major}{minor}"), "--std=c++17".to_owned()],
            name: Some("ciro_kernels.cu".to_owned()),
            ..Default::default()
        };
        let ptx = compile_ptx_with_opts(KERNEL_SOURCE, options).map_err(|e| CudaError::Compile(e.to_string()))?;
        let module = context.load_module(ptx).map_err(driver)?;
        let kernels = Kernel::ALL.iter().map(|kernel| module.load_function(kernel.name()).map_err(driver)).collect::<Result<Vec<_>, _>>()?;
        let stream = context.default_stream();
        // The constants are converted by a kernel of this device: it is built with an empty
        // buffer first, which the converted constants then replace.
        let empty = stream.alloc_zeros::<u64>(1).map_err(driver)?;
        let mut device = CudaDevice { context, stream, kernels, constants: empty, transfers: Transfers::default() };
        let mut constants = device.upload_limbs(&poseidon_round_constants())?;
        device.launch(Kernel::ToMontgomery, POSEIDON_CONSTANTS, &mut [Arg::Out(&mut constants), Arg::Value(POSEIDON_CONSTANTS as u64)])?;
        device.constants = constants;
        Ok(device)
    }

    /// The device's name, as the driver reports it.
    pub fn name(&self) -> String {
        self.context.name().unwrap_or_else(|e| format!("(name unavailable: {e})"))
    }

    /// What crossed between host and device so far.
    pub fn transfers(&self) -> &Transfers {
        &self.transfers
    }

    /// Waits for every launched kernel.
    ///
    /// # Errors
    /// A kernel failed.
    pub fn synchronize(&self) -> Result<(), CudaError> {
        self.stream.synchronize().map_err(driver)
    }

    /// Copies a column to the device.
    ///
    /// # Errors
    /// The driver failed.
    pub fn upload(&self, values: &[Felt]) -> Result<DeviceColumn, CudaError> {
        ops::upload(self, values)
    }

    /// Copies columns of equal length to the device, packed.
    ///
    /// # Errors
    /// Columns of different lengths, or the driver failed.
    pub fn upload_columns(&self, columns: &[&[Felt]]) -> Result<DeviceMatrix, CudaError> {
        ops::upload_columns(self, columns)
    }

    /// Copies a column back to the host.
    ///
    /// # Errors
    /// The driver failed.
    pub fn download(&self, column: &DeviceColumn) -> Result<Vec<Felt>, CudaError> {
        ops::download(self, column)
    }

    /// The Merkle tree over the rows of `matrix` (a power of two of them), every layer left on
    /// the device, leaves first; only [`Self::root`] copies anything back.
    ///
    /// # Errors
    /// Not a power of two, or the driver failed.
    pub fn commit(&self, matrix: &DeviceMatrix) -> Result<Vec<DeviceColumn>, CudaError> {
        ops::commit(self, matrix)
    }

    /// The root of a tree made by [`Self::commit`] (one felt copied back).
    ///
    /// # Errors
    /// An empty tree, or the driver failed.
    pub fn root(&self, layers: &[DeviceColumn]) -> Result<Felt, CudaError> {
        let top = layers.last().ok_or_else(|| CudaError::Shape("an empty tree".to_owned()))?;
        Ok(self.download(top)?[0])
    }

    /// Grinding, as [`crate::proof_of_work::GrindOps`]: the smallest nonce `≥ start` valid for
    /// `seed` and `bits`, 2^22 nonces per launch.
    ///
    /// # Errors
    /// The driver failed.
    pub fn grind(&self, seed: Felt, bits: u32, start: u64) -> Result<u64, CudaError> {
        ops::grind(self, seed, bits, start, 1 << 22)
    }

    /// The low-degree extension's step, as [`crate::poly::PolyOps::evaluate`]: the evaluations
    /// on `domain` of the polynomial with `coefficients`, left on the device.
    ///
    /// # Errors
    /// More coefficients than points, an invalid domain, or the driver failed.
    pub fn evaluate(&self, coefficients: &DeviceColumn, domain: Coset) -> Result<DeviceColumn, CudaError> {
        ops::evaluate(self, coefficients, domain)
    }

    /// As [`crate::poly::PolyOps::interpolate`]: the coefficients of the polynomial taking
    /// `evals` on `domain`, left on the device.
    ///
    /// # Errors
    /// A length that is not the domain's, an invalid domain, or the driver failed.
    pub fn interpolate(&self, evals: &DeviceColumn, domain: Coset) -> Result<DeviceColumn, CudaError> {
        ops::interpolate(self, evals, domain)
    }
}

impl Launcher for CudaDevice {
    type Buffer = CudaSlice<u64>;

    fn zeros(&self, felts: usize) -> Result<CudaSlice<u64>, CudaError> {
        self.stream.alloc_zeros::<u64>(4 * felts.max(1)).map_err(driver)
    }

    fn upload_limbs(&self, limbs: &[u64]) -> Result<CudaSlice<u64>, CudaError> {
        self.transfers.to_device.fetch_add(8 * limbs.len() as u64, Ordering::Relaxed);
        self.stream.clone_htod(limbs).map_err(driver)
    }

    fn download_limbs(&self, buffer: &CudaSlice<u64>) -> Result<Vec<u64>, CudaError> {
        self.transfers.to_host.fetch_add(8 * buffer.len() as u64, Ordering::Relaxed);
        self.stream.clone_dtoh(buffer).map_err(driver)
    }

    fn concat(&self, parts: &[(&CudaSlice<u64>, usize)]) -> Result<CudaSlice<u64>, CudaError> {
        let total = parts.iter().map(|(_, len)| len).sum::<usize>();
        let mut out = self.stream.alloc_zeros::<u64>(total.max(1)).map_err(driver)?;
        let mut offset = 0;
        for (buffer, len) in parts {
            self.stream.memcpy_dtod(&buffer.slice(..*len), &mut out.slice_mut(offset..offset + len)).map_err(driver)?;
            offset += len;
        }
        Ok(out)
    }

    fn copy_range(&self, buffer: &CudaSlice<u64>, start: usize, len: usize) -> Result<CudaSlice<u64>, CudaError> {
        self.stream.clone_dtod(&buffer.slice(start..start + len)).map_err(driver)
    }

    fn launch(&self, kernel: Kernel, threads: usize, args: &mut [Arg<'_, CudaSlice<u64>>]) -> Result<(), CudaError> {
        let index = kernel.index();
        let function = self.kernels.get(index).ok_or_else(|| CudaError::Shape(format!("kernel {kernel:?} is not loaded")))?;
        let blocks = threads.div_ceil(BLOCK as usize).max(1);
        let grid = u32::try_from(blocks).map_err(|_| CudaError::Shape(format!("{threads} threads: more blocks than one launch takes")))?;
        let config = LaunchConfig { grid_dim: (grid, 1, 1), block_dim: (BLOCK, 1, 1), shared_mem_bytes: 0 };
        let mut launch = self.stream.launch_builder(function);
        for arg in args.iter_mut() {
            match arg {
                Arg::In(buffer) => launch.arg(*buffer),
                Arg::Out(buffer) => launch.arg(&mut **buffer),
                Arg::Value(value) => launch.arg(&*value),
            };
        }
        // SAFETY: the ops pass each kernel its parameters in order, with buffers sized for
        // `threads` threads; the kernels check their bounds.
        unsafe { launch.launch(config) }.map_err(driver)?;
        Ok(())
    }

    fn constants(&self) -> &CudaSlice<u64> {
        &self.constants
    }
}
