//! What this machine can offer: CUDA devices through the driver (`libcuda.so.1`, opened at run
//! time, so nothing CUDA is needed to build or to run on a CPU-only machine), else the CPU; and
//! the capability bitmask CDC_Pool matches jobs against.

use std::ffi::{c_char, c_int, c_void, CStr};

/// `CAP_CUDA`: CUDA devices.
pub const CAP_CUDA: u8 = 1;
/// `CAP_FP16`: half precision (compute capability 5.3 and up).
pub const CAP_FP16: u8 = 4;
/// `CAP_INT8`: int8 dot products (6.1 and up).
pub const CAP_INT8: u8 = 8;
/// `CAP_TENSOR_CORES`: tensor cores (7.0 and up).
pub const CAP_TENSOR_CORES: u8 = 64;
/// `CAP_MULTI_GPU`: more than one device.
pub const CAP_MULTI_GPU: u8 = 128;

/// One CUDA device.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CudaDevice {
    /// Its ordinal.
    pub index: u32,
    /// The driver's name for it.
    pub name: String,
    /// Its memory in bytes.
    pub memory_bytes: u64,
    /// Compute capability (major, minor).
    pub compute_capability: (u32, u32),
}

/// The machine.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Hardware {
    /// CUDA devices (empty without a driver or devices).
    pub cuda_devices: Vec<CudaDevice>,
    /// Why no CUDA device was found, when none was.
    pub cuda_unavailable: Option<String>,
    /// CPU threads.
    pub cpu_threads: usize,
    /// System memory in bytes (0 when unknown).
    pub memory_bytes: u64,
}

impl Hardware {
    /// Detects the machine.
    pub fn detect() -> Self {
        let (cuda_devices, cuda_unavailable) = match cuda_devices() {
            Ok(devices) if devices.is_empty() => (devices, Some("the CUDA driver reports no device".to_owned())),
            Ok(devices) => (devices, None),
            Err(reason) => (Vec::new(), Some(reason)),
        };
        Hardware {
            cuda_devices,
            cuda_unavailable,
            cpu_threads: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            memory_bytes: system_memory(),
        }
    }

    /// The `CAP_*` bitmask to register with.
    pub fn capabilities(&self) -> u8 {
        let Some(weakest) = self.cuda_devices.iter().map(|d| d.compute_capability).min() else { return 0 };
        let mut capabilities = CAP_CUDA;
        if weakest >= (5, 3) {
            capabilities |= CAP_FP16;
        }
        if weakest >= (6, 1) {
            capabilities |= CAP_INT8;
        }
        if weakest >= (7, 0) {
            capabilities |= CAP_TENSOR_CORES;
        }
        if self.cuda_devices.len() > 1 {
            capabilities |= CAP_MULTI_GPU;
        }
        capabilities
    }

    /// Memory the prover can use, in whole GiB, as registered in CDC_Pool: the smallest CUDA
    /// device's, or the system's on a CPU-only machine (the CPU backend proves in host memory).
    pub fn gpu_memory_gb(&self) -> u32 {
        let bytes = self.cuda_devices.iter().map(|d| d.memory_bytes).min().unwrap_or(self.memory_bytes);
        ((bytes >> 30) as u32).max(1)
    }
}

/// The names of the set `CAP_*` bits.
pub fn capability_names(capabilities: u8) -> Vec<&'static str> {
    const NAMES: [&str; 8] = ["CUDA", "OPENCL", "FP16", "INT8", "NVLINK", "INFINIBAND", "TENSOR_CORES", "MULTI_GPU"];
    (0..8).filter(|bit| capabilities & (1 << bit) != 0).map(|bit| NAMES[bit]).collect()
}

fn system_memory() -> u64 {
    let Ok(text) = std::fs::read_to_string("/proc/meminfo") else { return 0 };
    text.lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

type CuInit = unsafe extern "C" fn(u32) -> c_int;
type CuDeviceGetCount = unsafe extern "C" fn(*mut c_int) -> c_int;
type CuDeviceGet = unsafe extern "C" fn(*mut c_int, c_int) -> c_int;
type CuDeviceGetName = unsafe extern "C" fn(*mut c_char, c_int, c_int) -> c_int;
type CuDeviceTotalMem = unsafe extern "C" fn(*mut usize, c_int) -> c_int;
type CuDeviceGetAttribute = unsafe extern "C" fn(*mut c_int, c_int, c_int) -> c_int;

const COMPUTE_CAPABILITY_MAJOR: c_int = 75;
const COMPUTE_CAPABILITY_MINOR: c_int = 76;

/// Looks `name` up in `library`.
fn symbol(library: *mut c_void, name: &CStr) -> Result<*mut c_void, String> {
    // SAFETY: `library` is a live handle from `dlopen`, `name` is NUL-terminated.
    let pointer = unsafe { libc::dlsym(library, name.as_ptr()) };
    if pointer.is_null() {
        Err(format!("the CUDA driver lacks {}", name.to_string_lossy()))
    } else {
        Ok(pointer)
    }
}

fn cuda_devices() -> Result<Vec<CudaDevice>, String> {
    // SAFETY: dlopen with a NUL-terminated name; a null result is handled.
    let library = unsafe { libc::dlopen(c"libcuda.so.1".as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
    if library.is_null() {
        return Err("no CUDA driver (libcuda.so.1 not found)".to_owned());
    }
    // SAFETY: each symbol is the driver API function of that name, with the C signature declared
    // above (CUDA driver API, stable since CUDA 3.2 for the _v2 memory query).
    let (init, count, get, get_name, total_mem, attribute) = unsafe {
        (
            std::mem::transmute::<*mut c_void, CuInit>(symbol(library, c"cuInit")?),
            std::mem::transmute::<*mut c_void, CuDeviceGetCount>(symbol(library, c"cuDeviceGetCount")?),
            std::mem::transmute::<*mut c_void, CuDeviceGet>(symbol(library, c"cuDeviceGet")?),
            std::mem::transmute::<*mut c_void, CuDeviceGetName>(symbol(library, c"cuDeviceGetName")?),
            std::mem::transmute::<*mut c_void, CuDeviceTotalMem>(symbol(library, c"cuDeviceTotalMem_v2")?),
            std::mem::transmute::<*mut c_void, CuDeviceGetAttribute>(symbol(library, c"cuDeviceGetAttribute")?),
        )
    };
    let check = |what: &str, code: c_int| if code == 0 { Ok(()) } else { Err(format!("{what} failed with CUDA error {code}")) };
    // SAFETY: the functions are called with valid out-pointers to locals, as the driver API asks.
    unsafe {
        check("cuInit", init(0))?;
        let mut n: c_int = 0;
        check("cuDeviceGetCount", count(&mut n))?;
        let mut devices = Vec::new();
        for ordinal in 0..n {
            let mut device: c_int = 0;
            check("cuDeviceGet", get(&mut device, ordinal))?;
            let mut name = [0 as c_char; 256];
            check("cuDeviceGetName", get_name(name.as_mut_ptr(), name.len() as c_int, device))?;
            let mut memory: usize = 0;
            check("cuDeviceTotalMem", total_mem(&mut memory, device))?;
            let (mut major, mut minor): (c_int, c_int) = (0, 0);
            check("cuDeviceGetAttribute", attribute(&mut major, COMPUTE_CAPABILITY_MAJOR, device))?;
            check("cuDeviceGetAttribute", attribute(&mut minor, COMPUTE_CAPABILITY_MINOR, device))?;
            devices.push(CudaDevice {
                index: ordinal as u32,
                name: CStr::from_ptr(name.as_ptr()).to_string_lossy().into_owned(),
                memory_bytes: memory as u64,
                compute_capability: (major as u32, minor as u32),
            });
        }
        Ok(devices)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(cc: (u32, u32), gib: u64) -> CudaDevice {
        CudaDevice { index: 0, name: "GPU".into(), memory_bytes: gib << 30, compute_capability: cc }
    }

    #[test]
    fn capabilities_follow_the_weakest_device() {
        let cpu = Hardware { cuda_devices: vec![], cuda_unavailable: Some("none".into()), cpu_threads: 2, memory_bytes: 24 << 30 };
        assert_eq!((cpu.capabilities(), cpu.gpu_memory_gb()), (0, 24));
        let h100 = Hardware { cuda_devices: vec![device((9, 0), 80)], ..cpu.clone() };
        assert_eq!(h100.capabilities(), CAP_CUDA | CAP_FP16 | CAP_INT8 | CAP_TENSOR_CORES);
        assert_eq!(h100.gpu_memory_gb(), 80);
        let mixed = Hardware { cuda_devices: vec![device((9, 0), 80), device((6, 1), 11)], ..cpu };
        assert_eq!(mixed.capabilities(), CAP_CUDA | CAP_FP16 | CAP_INT8 | CAP_MULTI_GPU);
        assert_eq!(mixed.gpu_memory_gb(), 11);
        assert_eq!(capability_names(mixed.capabilities()), ["CUDA", "FP16", "INT8", "MULTI_GPU"]);
    }

    #[test]
    fn detection_never_fails() {
        let hardware = Hardware::detect();
        assert!(hardware.cpu_threads >= 1);
        assert_eq!(hardware.cuda_devices.is_empty(), hardware.cuda_unavailable.is_some());
    }
}
