//! Choosing the backend at run time: `--backend auto|cpu|cuda`.
//!
//! `auto` takes the GPU when this build has the `cuda` feature and a device opens, and the CPU
//! otherwise, saying why; `cuda` insists on the GPU (a clear error without one); `cpu` is the
//! reference backend.

use crate::api::{prove_inference, Error, PreparedModel, ProvenInference};
use crate::backend::cpu::CpuBackend;
use crate::field::Felt;
use crate::stark::{ProofParams, ProveOptions};
use crate::model::FloatMlp;

/// The backend asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BackendChoice {
    /// The GPU when there is one, else the CPU.
    #[default]
    Auto,
    /// The CPU backend.
    Cpu,
    /// The CUDA backend; an error without a GPU.
    Cuda,
}

impl std::str::FromStr for BackendChoice {
    type Err = SelectError;

    fn from_str(text: &str) -> Result<Self, SelectError> {
        match text {
            "auto" => Ok(BackendChoice::Auto),
            "cpu" => Ok(BackendChoice::Cpu),
            "cuda" => Ok(BackendChoice::Cuda),
            other => Err(SelectError::Unknown(other.to_owned())),
        }
    }
}

/// Why a backend cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SelectError {
    /// Not a backend name.
    #[error("unknown backend {0:?}: auto, cpu or cuda")]
    Unknown(String),
    /// `cuda` asked of a build without the feature.
    #[error("this build has no CUDA backend: build with `--features cuda` (ciro-prover) to prove on a GPU")]
    NotBuilt,
    /// `cuda` asked, and the GPU cannot be opened.
    #[cfg(feature = "cuda")]
    #[error("the CUDA backend cannot start: {0}")]
    Device(#[from] crate::backend::cuda::CudaError),
}

/// The backend that will prove.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectedBackend {
    /// The CPU backend.
    Cpu,
    /// The GPU (installed for the process).
    #[cfg(feature = "cuda")]
    Cuda,
}

/// The selection and why it fell where it did (for the log).
#[derive(Clone, Debug)]
pub struct Selection {
    /// The backend.
    pub backend: SelectedBackend,
    /// One line: the device's name, or why the CPU proves.
    pub reason: String,
}

impl SelectedBackend {
    /// The backend's name (`cpu`, `cuda`).
    pub fn name(self) -> &'static str {
        match self {
            SelectedBackend::Cpu => "cpu",
            #[cfg(feature = "cuda")]
            SelectedBackend::Cuda => "cuda",
        }
    }

    /// Prepares `float` and proves one inference on this backend.
    ///
    /// # Errors
    /// As [`PreparedModel::new`] and [`prove_inference`].
    pub fn prove_float(
        self,
        float: FloatMlp,
        scale_bits: u32,
        params: ProofParams,
        input: &[f64],
        job_id: Felt,
        options: &ProveOptions<'_>,
    ) -> Result<ProvenInference, Error> {
        match self {
            SelectedBackend::Cpu => prove_inference(&PreparedModel::<CpuBackend>::new(float, scale_bits, params)?, input, job_id, options),
            #[cfg(feature = "cuda")]
            SelectedBackend::Cuda => {
                use crate::backend::cuda::CudaBackend;
                prove_inference(&PreparedModel::<CudaBackend>::new(float, scale_bits, params)?, input, job_id, options)
            }
        }
    }
}

/// A model prepared on the selected backend (what a worker keeps per model).
pub enum PreparedOn {
    /// On the CPU.
    Cpu(std::sync::Arc<PreparedModel<CpuBackend>>),
    /// On the GPU.
    #[cfg(feature = "cuda")]
    Cuda(Box<PreparedModel<crate::backend::cuda::CudaBackend>>),
}

impl SelectedBackend {
    /// `model` (prepared on the CPU) ready to prove on this backend: itself on the CPU, prepared
    /// again from the same float model on the GPU (the same commitment, checked).
    ///
    /// # Errors
    /// Preparing on the GPU fails, or its commitment differs from the CPU's.
    pub fn prepare_like(self, model: std::sync::Arc<PreparedModel<CpuBackend>>) -> Result<PreparedOn, Error> {
        match self {
            SelectedBackend::Cpu => Ok(PreparedOn::Cpu(model)),
            #[cfg(feature = "cuda")]
            SelectedBackend::Cuda => {
                let on_gpu = PreparedModel::<crate::backend::cuda::CudaBackend>::new(model.float.clone(), model.quantized.scale_bits, model.params)?;
                if on_gpu.model_commitment() != model.model_commitment() {
                    return Err(Error::Backend(format!(
                        "the GPU prepared model commitment {:#x}, the CPU {:#x}",
                        on_gpu.model_commitment(),
                        model.model_commitment()
                    )));
                }
                Ok(PreparedOn::Cuda(Box::new(on_gpu)))
            }
        }
    }
}

impl PreparedOn {
    /// The model commitment (the same on every backend).
    pub fn model_commitment(&self) -> Felt {
        match self {
            PreparedOn::Cpu(model) => model.model_commitment(),
            #[cfg(feature = "cuda")]
            PreparedOn::Cuda(model) => model.model_commitment(),
        }
    }

    /// The commitment to `input`, as [`PreparedModel::input_commitment`].
    ///
    /// # Errors
    /// As [`PreparedModel::input_commitment`].
    pub fn input_commitment(&self, input: &[f64]) -> Result<Felt, Error> {
        match self {
            PreparedOn::Cpu(model) => model.input_commitment(input),
            #[cfg(feature = "cuda")]
            PreparedOn::Cuda(model) => model.input_commitment(input),
        }
    }

    /// Proves one inference, as [`prove_inference`].
    ///
    /// # Errors
    /// As [`prove_inference`].
    pub fn prove(&self, input: &[f64], job_id: Felt, options: &ProveOptions<'_>) -> Result<ProvenInference, Error> {
        match self {
            PreparedOn::Cpu(model) => prove_inference(model, input, job_id, options),
            #[cfg(feature = "cuda")]
            PreparedOn::Cuda(model) => prove_inference(model, input, job_id, options),
        }
    }
}

/// Picks the backend for `choice` (opening the GPU, once per process, when it is taken).
///
/// # Errors
/// `cuda` asked and not available.
pub fn select(choice: BackendChoice) -> Result<Selection, SelectError> {
    match choice {
        BackendChoice::Cpu => Ok(Selection { backend: SelectedBackend::Cpu, reason: "the CPU backend, as asked".to_owned() }),
        BackendChoice::Cuda => cuda().map_err(|error| error.unwrap_or(SelectError::NotBuilt)),
        BackendChoice::Auto => Ok(cuda().unwrap_or_else(|error| Selection {
            backend: SelectedBackend::Cpu,
            reason: match error {
                None => "proving on the CPU: this build has no CUDA backend (the `cuda` feature)".to_owned(),
                Some(error) => format!("proving on the CPU: {error}"),
            },
        })),
    }
}

/// The GPU, or why not (`None`: not built with the feature).
#[cfg(feature = "cuda")]
fn cuda() -> Result<Selection, Option<SelectError>> {
    let device = crate::backend::cuda::CudaDevice::install(0).map_err(|e| Some(SelectError::Device(e)))?;
    Ok(Selection { backend: SelectedBackend::Cuda, reason: format!("proving on the GPU: {}", device.name()) })
}

#[cfg(not(feature = "cuda"))]
fn cuda() -> Result<Selection, Option<SelectError>> {
    Err(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_unknown_ones_are_refused() {
        assert_eq!("auto".parse::<BackendChoice>().unwrap(), BackendChoice::Auto);
        assert_eq!("cpu".parse::<BackendChoice>().unwrap(), BackendChoice::Cpu);
        assert_eq!("cuda".parse::<BackendChoice>().unwrap(), BackendChoice::Cuda);
        assert!("gpu".parse::<BackendChoice>().unwrap_err().to_string().contains("auto, cpu or cuda"));
    }

    #[test]
    fn cpu_is_always_there_and_auto_falls_back_saying_why() {
        assert_eq!(select(BackendChoice::Cpu).unwrap().backend, SelectedBackend::Cpu);
        let auto = select(BackendChoice::Auto).unwrap();
        if auto.backend == SelectedBackend::Cpu {
            assert!(auto.reason.starts_with("proving on the CPU: "), "{}", auto.reason);
            // Without a GPU, insisting on one is an error that says why.
            let refused = select(BackendChoice::Cuda).unwrap_err().to_string();
            assert!(refused.contains("CUDA"), "{refused}");
        }
    }
}
