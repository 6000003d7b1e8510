//! The kernels compiled as C++ for the host (`kernels/host.cpp`, built by `build.rs` with the
//! `cuda` feature) as a [`Launcher`]: buffers are vectors of limbs, and a launch runs the kernel
//! once per thread, in order. The parity tests run [`super::ops`] on it.

use super::constants::{poseidon_round_constants, POSEIDON_CONSTANTS};
use super::{Arg, CudaError, GlobalLauncher, Kernel, Launcher};
use std::sync::OnceLock;

extern "C" {
    fn ciro_host_launch(kernel: u32, threads: u64, args: *const u64) -> i32;
}

/// The host build of the kernels, with the round constants converted by its own kernel.
pub(crate) struct HostLauncher {
    constants: Vec<u64>,
}

impl HostLauncher {
    pub(crate) fn new() -> Self {
        let mut launcher = HostLauncher { constants: Vec::new() };
        let mut constants = poseidon_round_constants();
        launcher
            .launch(Kernel::ToMontgomery, POSEIDON_CONSTANTS, &mut [Arg::Out(&mut constants), Arg::Value(POSEIDON_CONSTANTS as u64)])
            .expect("the host build converts the constants");
        launcher.constants = constants;
        launcher
    }
}

impl Launcher for HostLauncher {
    type Buffer = Vec<u64>;

    fn zeros(&self, felts: usize) -> Result<Vec<u64>, CudaError> {
        Ok(vec![0; 4 * felts])
    }

    fn upload_limbs(&self, limbs: &[u64]) -> Result<Vec<u64>, CudaError> {
        Ok(limbs.to_vec())
    }

    fn download_limbs(&self, buffer: &Vec<u64>) -> Result<Vec<u64>, CudaError> {
        Ok(buffer.clone())
    }

    fn concat(&self, parts: &[(&Vec<u64>, usize)]) -> Result<Vec<u64>, CudaError> {
        Ok(parts.iter().flat_map(|(buffer, len)| buffer[..*len].iter().copied()).collect())
    }

    fn copy_range(&self, buffer: &Vec<u64>, start: usize, len: usize) -> Result<Vec<u64>, CudaError> {
        Ok(buffer[start..start + len].to_vec())
    }

    fn launch(&self, kernel: Kernel, threads: usize, args: &mut [Arg<'_, Vec<u64>>]) -> Result<(), CudaError> {
        let words: Vec<u64> = args
            .iter_mut()
            .map(|arg| match arg {
                Arg::In(buffer) => buffer.as_ptr() as u64,
                Arg::Out(buffer) => buffer.as_mut_ptr() as u64,
                Arg::Value(value) => *value,
            })
            .collect();
        let index = kernel.index();
        // SAFETY: `words` holds the kernel's arguments in its parameter order (the ops build them
        // from buffers sized for `threads` threads); the buffers outlive the call.
        let status = unsafe { ciro_host_launch(index as u32, threads as u64, words.as_ptr()) };
        if status != 0 {
            return Err(CudaError::Shape(format!("the host build has no kernel {kernel:?}")));
        }
        Ok(())
    }

    fn constants(&self) -> &Vec<u64> {
        &self.constants
    }
}

impl GlobalLauncher for HostLauncher {
    const NAME: &'static str = "cuda-kernels-on-host";

    fn global() -> &'static HostLauncher {
        static HOST: OnceLock<HostLauncher> = OnceLock::new();
        HOST.get_or_init(HostLauncher::new)
    }
}
