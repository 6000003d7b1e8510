//! High-level entry points: prepare a model, prove one inference, verify a proof file.

use crate::air::mlp::{
    layout_for, preprocessed_columns, MlpAir, MlpStatement, MlpWitness, ModelLayout,
};
use crate::air::AirError;
use crate::backend::Backend;
use crate::field::{felt_from_i64, Felt};
use crate::model::input::InputError;
use crate::model::onnx::load_onnx;
use crate::model::quantize::{calibrate, error_bound, QuantizeError, QuantizedModel};
use crate::model::{FloatMlp, ModelError};
use crate::proof_file::{DecodedProof, ProofFile, ProofFileError};
use crate::stark::{
    prove_with_preprocessed, PreprocessedTrace, ProofParams, ProveOptions, ProverError,
    SecurityPolicy,
};
use std::path::Path;

/// Any error of the high-level API.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Loading the model failed.
    #[error("cannot load the model")]
    Model(#[from] ModelError),
    /// The input file is unusable.
    #[error("cannot use the input")]
    Input(#[from] InputError),
    /// Quantization or fixed-point inference failed.
    #[error("fixed-point inference failed")]
    Quantize(#[from] QuantizeError),
    /// The model or values do not fit the AIR.
    #[error("the computation does not fit the MLP AIR")]
    Air(#[from] AirError),
    /// Proving failed.
    #[error("proving failed")]
    Prover(#[from] ProverError),
    /// The proof file is malformed or the proof is invalid.
    #[error("proof rejected")]
    ProofFile(#[from] ProofFileError),
    /// The selected backend disagrees with the reference (a bug to report, never expected).
    #[error("backend: {0}")]
    Backend(String),
}

/// A model ready to prove with: quantized, with its preprocessed trace committed.
pub struct PreparedModel<B: Backend> {
    /// The float model.
    pub float: FloatMlp,
    /// The quantized model.
    pub quantized: QuantizedModel,
    /// The public layout (its hash is the model commitment).
    pub layout: ModelLayout,
    /// The proof parameters.
    pub params: ProofParams,
    preprocessed: PreprocessedTrace<B>,
}

impl<B: Backend> PreparedModel<B> {
    /// Quantizes `float` with `scale_bits` and commits its preprocessed trace.
    ///
    /// # Errors
    /// [`Error`] when the model cannot be quantized or does not fit the AIR.
    pub fn new(float: FloatMlp, scale_bits: u32, params: ProofParams) -> Result<Self, Error> {
        float.validate()?;
        let quantized = QuantizedModel::from_float(&float, scale_bits)?;
        let columns = preprocessed_columns(&quantized)?;
        let log_rows = columns.first().map_or(0, |c| c.len().trailing_zeros());
        let preprocessed = PreprocessedTrace::<B>::commit(columns, log_rows, &params)?;
        let layout = layout_for(&quantized, preprocessed.root());
        Ok(Self {
            float,
            quantized,
            layout,
            params,
            preprocessed,
        })
    }

    /// Loads an ONNX file and prepares it.
    ///
    /// # Errors
    /// [`Error`] when the file is unreadable, unsupported or does not fit.
    pub fn from_onnx_file(
        path: &Path,
        scale_bits: u32,
        params: ProofParams,
    ) -> Result<Self, Error> {
        Self::new(load_onnx(path)?, scale_bits, params)
    }

    /// The model commitment to register on-chain.
    pub fn model_commitment(&self) -> Felt {
        self.layout.commitment()
    }

    /// The commitment to `input` a client puts in its job: the Poseidon hash of the quantized
    /// input, as the proof's statement will carry it.
    ///
    /// # Errors
    /// [`Error`] when the input has the wrong length or does not quantize.
    pub fn input_commitment(&self, input: &[f64]) -> Result<Felt, Error> {
        checked_input_commitment(input, self.quantized.input_len(), self.quantized.scale_bits)
    }
}

/// The float model at `path` as [`PreparedModel::from_onnx_file`] would quantize it, or, when
/// it carries no calibration and overflows on `input` at `scale_bits`, calibrated on `input`
/// ([`crate::model::quantize::calibrate`]): a model with large activations proves without
/// flags. The second value is the precision chosen, when it calibrated.
///
/// # Errors
/// [`Error`] when the file is unreadable or unsupported, the input has the wrong shape, or no
/// precision fits the input (the error names the layer).
pub fn load_onnx_for_input(path: &Path, scale_bits: u32, input: &[f64]) -> Result<(FloatMlp, Option<Vec<u32>>), Error> {
    load_onnx_for_inputs(path, scale_bits, &[input.to_vec()])
}

/// [`load_onnx_for_input`] for several inputs (a batch): calibrated on all of them when one
/// overflows.
///
/// # Errors
/// [`Error`] when the model does not load, or no precision fits the inputs.
pub fn load_onnx_for_inputs(path: &Path, scale_bits: u32, inputs: &[Vec<f64>]) -> Result<(FloatMlp, Option<Vec<u32>>), Error> {
    let float = load_onnx(path)?;
    float.validate()?;
    if float.weight_bits.is_some() {
        return Ok((float, None));
    }
    let quantized = QuantizedModel::from_float(&float, scale_bits)?;
    for input in inputs {
        match quantized.run(&quantized.quantize_input(input)?) {
            Err(QuantizeError::Overflow { .. }) => {
                let bits = calibrate(&float, scale_bits, inputs)?;
                return Ok((FloatMlp { weight_bits: Some(bits.clone()), ..float }, Some(bits)));
            }
            Err(other) => return Err(other.into()),
            Ok(_) => {}
        }
    }
    Ok((float, None))
}

/// [`input_commitment`] of an input for a model of `input_len` inputs, checking its length
/// first: what a client needs of a model to submit a job (no preparation).
///
/// # Errors
/// [`Error::Input`] for the wrong length; as [`input_commitment`].
pub fn checked_input_commitment(input: &[f64], input_len: usize, scale_bits: u32) -> Result<Felt, Error> {
    if input.len() != input_len {
        return Err(InputError::Shape { expected: input_len, got: input.len() }.into());
    }
    input_commitment(input, scale_bits)
}

/// The commitment to `input` quantized with `scale_bits`: the Poseidon hash of the fixed-point
/// values packed six per felt, as a proof's statement carries them ([`crate::air::inputs`]). It needs no model, so whoever stores inputs (the
/// coordinator) can check an upload against its commitment before any job names a model.
///
/// # Errors
/// [`Error::Quantize`] when a value is not finite or out of the fixed-point range.
pub fn input_commitment(input: &[f64], scale_bits: u32) -> Result<Felt, Error> {
    let inputs = crate::model::quantize::quantize_values(input, scale_bits)?
        .iter()
        .map(|x| felt_from_i64(*x))
        .collect::<Vec<_>>();
    Ok(crate::air::inputs::input_commitment_of(&inputs))
}

/// A proven inference.
#[derive(Clone, Debug)]
pub struct ProvenInference {
    /// The proof file.
    pub file: ProofFile,
    /// The decoded proof.
    pub decoded: DecodedProof,
    /// Float inference on the same input, for comparison.
    pub float_output: Vec<f64>,
    /// The a-priori bound on `|fixed-point output − float output|`.
    pub error_bound: f64,
}

/// Runs the fixed-point model on `input` and proves it for `job_id`.
///
/// # Errors
/// [`Error`] when the input does not fit or proving fails.
pub fn prove_inference<B: Backend>(
    model: &PreparedModel<B>,
    input: &[f64],
    job_id: Felt,
    options: &ProveOptions<'_>,
) -> Result<ProvenInference, Error>
where
    MlpAir: crate::air::AirProver<B>,
{
    prove_run(model, input, job_id, options, None)
}

/// A cheating prover, for soundness tests: proves `input` with neuron `neuron` of layer `layer`
/// writing its honest value plus `delta` (a wrong convolution output, a wrong pooling maximum),
/// without checking the trace. The proof it returns must be rejected by both verifiers.
///
/// # Errors
/// [`Error`] when the input does not fit, there is no such neuron, or proving fails.
pub fn prove_with_wrong_activation<B: Backend>(
    model: &PreparedModel<B>,
    input: &[f64],
    job_id: Felt,
    (layer, neuron, delta): (usize, usize, i64),
) -> Result<ProvenInference, Error>
where
    MlpAir: crate::air::AirProver<B>,
{
    let options = ProveOptions { check_trace: false, ..ProveOptions::default() };
    prove_run(model, input, job_id, &options, Some((layer, neuron, delta)))
}

fn prove_run<B: Backend>(
    model: &PreparedModel<B>,
    input: &[f64],
    job_id: Felt,
    options: &ProveOptions<'_>,
    wrong_activation: Option<(usize, usize, i64)>,
) -> Result<ProvenInference, Error>
where
    MlpAir: crate::air::AirProver<B>,
{
    if input.len() != model.quantized.input_len() {
        return Err(InputError::Shape {
            expected: model.quantized.input_len(),
            got: input.len(),
        }
        .into());
    }
    let quantized_input = model.quantized.quantize_input(input)?;
    let run = model.quantized.run(&quantized_input)?;
    let mut witness = MlpWitness::new(&model.quantized, &run)?;
    if let Some((layer, neuron, delta)) = wrong_activation {
        witness = witness.with_wrong_activation(&model.quantized, layer, neuron, delta)?;
    }
    let statement = MlpStatement {
        job_id,
        layout: model.layout,
        inputs: quantized_input.iter().map(|x| felt_from_i64(*x)).collect(),
        outputs: run.output().iter().map(|y| felt_from_i64(*y)).collect(),
    };
    let air = MlpAir::new(statement.clone())?;
    let proof =
        prove_with_preprocessed(&air, &witness, &model.preprocessed, &model.params, options)?;
    let decoded = DecodedProof {
        model_commitment: air.model_commitment(),
        input_commitment: air.input_commitment(),
        output_commitment: air.output_commitment(),
        statement,
        params: model.params,
        proof,
    };
    Ok(ProvenInference {
        file: decoded.to_file(),
        decoded,
        float_output: model.float.forward(input),
        error_bound: error_bound(&model.float, &model.quantized, input),
    })
}

/// Decodes and verifies a proof file under `policy`.
///
/// # Errors
/// [`Error::ProofFile`] naming the first failed check.
pub fn verify_proof_file(file: &ProofFile, policy: &SecurityPolicy) -> Result<DecodedProof, Error> {
    Ok(file.verify(policy)?)
}
