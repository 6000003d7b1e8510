//! With the `cuda` feature, compiles the CUDA kernels as ordinary C++ for the host
//! (`src/backend/cuda/kernels/host.cpp`), so the parity tests run them without a GPU. Nothing is
//! built otherwise.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(feature = "cuda")]
    host_kernels();
}

#[cfg(feature = "cuda")]
fn host_kernels() {
    let dir = "src/backend/cuda/kernels";
    // The directory: any kernel source changed (or added) rebuilds the host kernels.
    println!("cargo:rerun-if-changed={dir}");
    cc::Build::new()
        .cpp(true)
        .std("c++17")
        .opt_level(3)
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true)
        .file(format!("{dir}/host.cpp"))
        .compile("ciro_host_kernels");
}
