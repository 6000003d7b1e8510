//! `ciro._ciro`: the native half of the Python SDK. Every rule lives in the Rust crates it calls
//! (`ciro-client`, `ciro-inference`, `ciro-prover`); this module only moves values across the
//! boundary. Results cross as JSON text that the Python half (`python/ciro/`) turns into typed
//! objects; errors cross as the exceptions below, carrying the Rust message with its causes.
//!
//! The GIL is released while anything waits on the network or proves, so other Python threads run.

use std::path::{Path, PathBuf};
use std::time::Instant;

use ciro_client::labels::ClassLabels;
use ciro_client::{Chain, ClientError, ConfigOverrides, JobView, OperatorConfig};
use ciro_inference::jobs::{self, Deadline, JobRequest, PaymentRoute};
use ciro_inference::results::{verified_result, SourceChoice};
use ciro_prover::proof_file::ProofFile;
use ciro_prover::stark::SecurityPolicy;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use serde_json::json;

create_exception!(ciro, CiroError, PyException, "Something Ciro was asked to do failed; the message says what and why.");
create_exception!(ciro, ConfigError, CiroError, "The configuration is missing a value or has a bad one (file, environment, arguments, key).");
create_exception!(ciro, ChainError, CiroError, "The node, the coordinator or the keeper could not be reached, or refused or reverted a request.");
create_exception!(ciro, ProofError, CiroError, "A proof is invalid, or a result does not check out against the chain, or proving failed.");
create_exception!(ciro, ModelError, CiroError, "The model cannot be used: an unsupported operator or shape, or a malformed file.");
create_exception!(ciro, InputError, CiroError, "The request was refused before anything was sent: an input that does not fit, an unknown model or job, too little CIRO.");

/// What kind of step failed, so the prover's errors raise the exception that fits.
#[derive(Clone, Copy)]
enum Step {
    /// Loading or preparing a model.
    Model,
    /// Proving or verifying.
    Proof,
}

fn to_py(error: ClientError, step: Step) -> PyErr {
    let message = ciro_client::error_chain(&error);
    match error {
        ClientError::Config(_) | ClientError::Manifest { .. } | ClientError::Signing(_) => ConfigError::new_err(message),
        ClientError::Provider { .. } | ClientError::Read { .. } | ClientError::Tx { .. } | ClientError::Refused { .. } | ClientError::Http { .. } => {
            ChainError::new_err(message)
        }
        ClientError::Rejected(_) | ClientError::Store(_) => InputError::new_err(message),
        ClientError::Result(_) => ProofError::new_err(message),
        ClientError::Prover(_) => match step {
            Step::Model => ModelError::new_err(message),
            Step::Proof => ProofError::new_err(message),
        },
        ClientError::Io { .. } => CiroError::new_err(message),
    }
}

fn runtime() -> PyResult<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CiroError::new_err(format!("cannot start the async runtime: {e}")))
}

fn job_json(view: &JobView) -> serde_json::Value {
    let job = &view.job;
    json!({
        "job_id": view.id,
        "state": view.state_name(),
        "settled": job.settled,
        "final": view.is_final(),
        "model_id": job.model_id,
        "client": format!("{:#x}", job.client.0),
        "worker": (job.worker.0 != starknet::core::types::Felt::ZERO).then(|| format!("{:#x}", job.worker.0)),
        "payment": view.payment().to_string(),
        "deadline": job.deadline,
        "input_commitment": format!("{:#x}", job.input_commitment),
        "output_commitment": (job.output_commitment != starknet::core::types::Felt::ZERO).then(|| format!("{:#x}", job.output_commitment)),
    })
}

/// A connection to a deployed Ciro: the node, the contracts, the account and the coordinator.
#[pyclass(frozen, module = "ciro._ciro")]
struct NativeClient {
    runtime: tokio::runtime::Runtime,
    config: OperatorConfig,
    chain: Chain,
}

#[pymethods]
impl NativeClient {
    /// Reads the configuration as the `ciro` CLI does: the TOML file `config` (else `CIRO_CONFIG`,
    /// else none), the `CIRO_*` environment variables over it, the arguments over both.
    #[new]
    #[pyo3(signature = (config=None, rpc_url=None, manifest=None, account=None, private_key_env=None, keystore=None, coordinator=None, model_dir=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        config: Option<PathBuf>,
        rpc_url: Option<String>,
        manifest: Option<PathBuf>,
        account: Option<String>,
        private_key_env: Option<String>,
        keystore: Option<PathBuf>,
        coordinator: Option<String>,
        model_dir: Option<PathBuf>,
    ) -> PyResult<Self> {
        let mut overrides = ConfigOverrides::from_env();
        let pick = |given: Option<String>, from_env: &mut Option<String>| {
            if given.is_some() {
                *from_env = given;
            }
        };
        pick(rpc_url, &mut overrides.rpc_url);
        pick(account, &mut overrides.account);
        pick(coordinator, &mut overrides.coordinator);
        overrides.manifest = manifest.or(overrides.manifest);
        overrides.keystore = keystore.or(overrides.keystore);
        overrides.model_dir = model_dir.or(overrides.model_dir);
        overrides.private_key_env = private_key_env;
        let path = config.or_else(|| std::env::var_os("CIRO_CONFIG").filter(|v| !v.is_empty()).map(PathBuf::from));
        let config = OperatorConfig::load(path.as_deref(), &overrides).map_err(|e| to_py(e, Step::Proof))?;
        let runtime = runtime()?;
        let with_account = config.account.is_some();
        let chain = py.detach(|| runtime.block_on(Chain::connect(&config, with_account))).map_err(|e| to_py(e, Step::Proof))?;
        Ok(NativeClient { runtime, config, chain })
    }

    /// The account's address (`0x…`), or None when no account is configured.
    #[getter]
    fn address(&self) -> Option<String> {
        self.config.account.map(|a| format!("{a:#x}"))
    }

    /// The node's URL.
    #[getter]
    fn rpc_url(&self) -> String {
        self.config.rpc_url.to_string()
    }

    /// The coordinator's URL, when one is configured.
    #[getter]
    fn coordinator(&self) -> Option<String> {
        self.config.coordinator.as_ref().map(|c| c.base().to_string())
    }

    /// The CIRO balance of `owner` (default: the account), in base units, as a decimal string.
    #[pyo3(signature = (owner=None))]
    fn balance(&self, py: Python<'_>, owner: Option<String>) -> PyResult<String> {
        let owner = match owner {
            Some(text) => ciro_client::config::parse_address(&text, "owner").map_err(|e| InputError::new_err(e.to_string()))?,
            None => self.chain.address().map_err(|e| to_py(e, Step::Proof))?,
        };
        let balance = py.detach(|| self.runtime.block_on(self.chain.balance(owner))).map_err(|e| to_py(e, Step::Proof))?;
        Ok(balance.to_string())
    }

    /// How many jobs JobManager holds.
    fn job_count(&self, py: Python<'_>) -> PyResult<u64> {
        py.detach(|| self.runtime.block_on(self.chain.job_count())).map_err(|e| to_py(e, Step::Proof))
    }

    /// How many models JobManager has registered.
    fn model_count(&self, py: Python<'_>) -> PyResult<u64> {
        py.detach(|| self.runtime.block_on(self.chain.jobs_reader().model_count().call()))
            .map_err(|e| ChainError::new_err(format!("reading model_count: {e}")))
    }

    /// Registers the ONNX file at `path` with its class `labels` (one per output), calibrated on
    /// the `calibration` inputs when given; JSON.
    #[pyo3(signature = (path, labels=None, calibration=None))]
    fn register_model(&self, py: Python<'_>, path: PathBuf, labels: Option<Vec<String>>, calibration: Option<Vec<Vec<f64>>>) -> PyResult<String> {
        let labels = labels.map(ClassLabels::new).transpose().map_err(|e| InputError::new_err(format!("the labels: {e}")))?;
        let bytes = std::fs::read(&path).map_err(|e| CiroError::new_err(format!("{}: {e}", path.display())))?;
        let registered = py
            .detach(|| self.runtime.block_on(jobs::register_model(&self.chain, &self.config, &path, bytes, labels, calibration)))
            .map_err(|e| to_py(e, Step::Model))?;
        Ok(json!({
            "model_id": registered.model_id,
            "commitment": format!("{:#x}", registered.commitment),
            "labels": registered.labels.as_ref().map(ClassLabels::names),
            "labels_commitment": registered.labels.as_ref().map(|_| format!("{:#x}", registered.labels_commitment)),
            "uploaded_to": registered.uploaded_to,
            "transaction_hash": format!("{:#x}", registered.sent.transaction_hash),
            "weight_bits": registered.calibrated.as_ref().map(|(bits, _)| bits),
        })
        .to_string())
    }

    /// Model `model_id` as JobManager records it; JSON.
    fn model(&self, py: Python<'_>, model_id: u64) -> PyResult<String> {
        let count = self.model_count(py)?;
        if model_id == 0 || model_id > count {
            return Err(InputError::new_err(format!("there is no model #{model_id} ({count} registered)")));
        }
        let model = py.detach(|| self.runtime.block_on(self.chain.model(model_id))).map_err(|e| to_py(e, Step::Proof))?;
        Ok(json!({
            "model_id": model_id,
            "owner": format!("{:#x}", model.owner.0),
            "commitment": format!("{:#x}", model.commitment),
            "labels_commitment": (model.labels != starknet::core::types::Felt::ZERO).then(|| format!("{:#x}", model.labels)),
        })
        .to_string())
    }

    /// Submits an inference job; JSON.
    #[pyo3(signature = (model_id, input, payment, deadline=None, deadline_in=3600, pay_with_paymaster=false, keeper_url=None, required_capabilities=0, min_gpu_memory_gb=0, min_tier=1, job_type="ai-inference"))]
    #[allow(clippy::too_many_arguments)]
    fn submit(
        &self,
        py: Python<'_>,
        model_id: u64,
        input: Vec<f64>,
        payment: &str,
        deadline: Option<u64>,
        deadline_in: u64,
        pay_with_paymaster: bool,
        keeper_url: Option<String>,
        required_capabilities: u8,
        min_gpu_memory_gb: u32,
        min_tier: u8,
        job_type: &str,
    ) -> PyResult<String> {
        let payment = ciro_client::parse_ciro(payment).map_err(|e| InputError::new_err(format!("the payment: {e}")))?;
        let job_type = jobs::job_type(job_type).map_err(|e| to_py(e, Step::Model))?;
        let route = if pay_with_paymaster {
            let keeper_url = keeper_url
                .or_else(|| self.config.coordinator.as_ref().map(|c| c.base().as_str().trim_end_matches('/').to_owned()))
                .ok_or_else(|| ConfigError::new_err("paying through the Paymaster needs the keeper's URL: keeper_url=..., or a coordinator"))?;
            PaymentRoute::Paymaster { keeper_url }
        } else {
            PaymentRoute::OwnAccount
        };
        let request = JobRequest {
            deadline: deadline.map_or(Deadline::In(deadline_in), Deadline::At),
            required_capabilities,
            min_gpu_memory_gb,
            min_tier,
            route,
            job_type,
            ..JobRequest::new(model_id, input, payment)
        };
        let submitted = py.detach(|| self.runtime.block_on(jobs::submit_job(&self.chain, &self.config, &request))).map_err(|e| to_py(e, Step::Model))?;
        Ok(submitted.to_json().to_string())
    }

    /// Job `job_id` as JobManager holds it; JSON.
    fn status(&self, py: Python<'_>, job_id: u64) -> PyResult<String> {
        let view = py.detach(|| self.runtime.block_on(jobs::job(&self.chain, job_id))).map_err(|e| to_py(e, Step::Proof))?;
        Ok(job_json(&view).to_string())
    }

    /// Job `job_id`'s verified result (`source`: "auto", "chain" or "coordinator"); JSON, with the
    /// proof file's text under "proof".
    #[pyo3(signature = (job_id, source="auto"))]
    fn result(&self, py: Python<'_>, job_id: u64, source: &str) -> PyResult<String> {
        let source = match source {
            "auto" => SourceChoice::Auto,
            "chain" => SourceChoice::Chain,
            "coordinator" => SourceChoice::Coordinator,
            other => return Err(InputError::new_err(format!("source `{other}`: \"auto\", \"chain\" or \"coordinator\""))),
        };
        let result = py
            .detach(|| self.runtime.block_on(verified_result(&self.chain, self.config.coordinator.as_ref(), job_id, source)))
            .map_err(|e| to_py(e, Step::Proof))?;
        let mut value = result.to_json();
        value["proof"] = json!(result.proof.to_json().map_err(|e| ProofError::new_err(e.to_string()))?);
        value["verify_seconds"] = json!(result.verify_seconds);
        Ok(value.to_string())
    }
}

/// Proves `model_path` on `input` (one row, or a batch of rows in one proof) for `job_id` here,
/// without a chain; JSON with the proof file's text under "proof".
#[pyfunction]
#[pyo3(signature = (model_path, input, job_id=1))]
fn prove(py: Python<'_>, model_path: PathBuf, input: Vec<Vec<f64>>, job_id: u64) -> PyResult<String> {
    let started = Instant::now();
    let proven = py.detach(|| jobs::prove_batch_locally(&model_path, &input, job_id)).map_err(|e| to_py(e, Step::Model))?;
    let prove_seconds = started.elapsed().as_secs_f64();
    let file = &proven.file;
    Ok(json!({
        "proof": file.to_json().map_err(|e| ProofError::new_err(e.to_string()))?,
        "outputs": file.outputs_real,
        "float_outputs": proven.float_output,
        "error_bound": proven.error_bound,
        "prove_seconds": prove_seconds,
        "calldata_felts": proven.decoded.to_calldata().len(),
    })
    .to_string())
}

/// Verifies a proof file's text under the production policy; JSON of its public statement.
/// Raises `ProofError` naming the first failed check.
#[pyfunction]
fn verify(py: Python<'_>, proof: &str) -> PyResult<String> {
    let file = ProofFile::parse(proof).map_err(|e| ProofError::new_err(format!("not a proof file: {}", ciro_client::error_chain(&e))))?;
    let started = Instant::now();
    let decoded = py
        .detach(|| file.verify(&SecurityPolicy::default()))
        .map_err(|e| ProofError::new_err(format!("the proof is INVALID: {}", ciro_client::error_chain(&e))))?;
    Ok(json!({
        "valid": true,
        "verify_seconds": started.elapsed().as_secs_f64(),
        "job_id": format!("{:#x}", decoded.statement.job_id),
        "model_commitment": format!("{:#x}", decoded.model_commitment),
        "input_commitment": format!("{:#x}", decoded.input_commitment),
        "output_commitment": format!("{:#x}", decoded.output_commitment),
        "outputs": file.outputs_real,
        "scale_bits": decoded.statement.layout.output_scale_bits,
    })
    .to_string())
}

/// A model's facts as the prover sees it (its commitment, shape, fixed-point scale); JSON.
#[pyfunction]
fn model_info(py: Python<'_>, model_path: PathBuf) -> PyResult<String> {
    let model = py.detach(|| ciro_inference::models::load_model(&model_path)).map_err(|e| to_py(e, Step::Model))?;
    Ok(json!({
        "commitment": format!("{:#x}", model.model_commitment()),
        "inputs": model.layout.n_inputs,
        "outputs": model.layout.n_outputs,
        "scale_bits": model.layout.scale_bits,
        "output_scale_bits": model.layout.output_scale_bits,
        "weight_bits": model.quantized.layers.iter().map(|l| l.weight_bits).collect::<Vec<_>>(),
        "log_trace_rows": model.layout.log_trace_rows,
        "layers": model.float.layers.len(),
    })
    .to_string())
}

/// Writes an MLP as ONNX (Gemm and Relu nodes): `layers` is `[(weights[out][in], bias[out],
/// relu), ...]`, the first layer first.
#[pyfunction]
fn save_mlp_onnx(path: PathBuf, layers: Vec<(Vec<Vec<f64>>, Vec<f64>, bool)>) -> PyResult<()> {
    let mlp = mlp_from(layers)?;
    let bytes = ciro_prover::model::onnx::encode_onnx(&mlp, ciro_prover::model::onnx::DenseStyle::Gemm, "ciro python sdk");
    write_file(&path, &bytes)
}

fn mlp_from(layers: Vec<(Vec<Vec<f64>>, Vec<f64>, bool)>) -> PyResult<ciro_prover::model::FloatMlp> {
    if layers.is_empty() {
        return Err(ModelError::new_err("an MLP needs at least one layer"));
    }
    let mut width: Option<usize> = None;
    let mut dense = Vec::with_capacity(layers.len());
    for (index, (weights, bias, relu)) in layers.into_iter().enumerate() {
        let inputs = weights.first().map_or(0, Vec::len);
        if weights.is_empty() || inputs == 0 || weights.iter().any(|row| row.len() != inputs) {
            return Err(ModelError::new_err(format!("layer {index}: the weights must be a non-empty matrix weights[out][in]")));
        }
        if bias.len() != weights.len() {
            return Err(ModelError::new_err(format!("layer {index}: {} biases for {} outputs", bias.len(), weights.len())));
        }
        if let Some(previous) = width.filter(|w| *w != inputs) {
            return Err(ModelError::new_err(format!("layer {index} takes {inputs} inputs but the layer before gives {previous}")));
        }
        if weights.iter().flatten().chain(&bias).any(|v| !v.is_finite()) {
            return Err(ModelError::new_err(format!("layer {index}: a weight or bias is not a finite number")));
        }
        width = Some(weights.len());
        dense.push(ciro_prover::model::DenseLayer::dense(weights, bias, relu));
    }
    Ok(ciro_prover::model::FloatMlp { layers: dense, weight_bits: None })
}

fn write_file(path: &Path, bytes: &[u8]) -> PyResult<()> {
    std::fs::write(path, bytes).map_err(|e| CiroError::new_err(format!("{}: {e}", path.display())))
}

/// The native module.
#[pymodule]
fn _ciro(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<NativeClient>()?;
    m.add_function(wrap_pyfunction!(prove, m)?)?;
    m.add_function(wrap_pyfunction!(verify, m)?)?;
    m.add_function(wrap_pyfunction!(model_info, m)?)?;
    m.add_function(wrap_pyfunction!(save_mlp_onnx, m)?)?;
    m.add("CiroError", py.get_type::<CiroError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("ChainError", py.get_type::<ChainError>())?;
    m.add("ProofError", py.get_type::<ProofError>())?;
    m.add("ModelError", py.get_type::<ModelError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
