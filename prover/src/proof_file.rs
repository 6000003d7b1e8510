//! Proof files (JSON) and the calldata felt array the Cairo verifier receives, with the
//! complete Rust verification of calldata (statement checks + STARK).
//!
//! Calldata layout (all felts; see `PROOF_FORMAT.md`):
//! `[job_id, model_commitment, input_commitment, output_commitment,
//!   log_blowup, log_fold, n_queries, grinding_bits,
//!   log_trace_rows, scale_bits, output_scale_bits, n_inputs, n_outputs, input_reads, total_neurons,
//!   kind, preprocessed_root, packed inputs (ceil(n_inputs / 6)), outputs (n_outputs), STARK proof body]`.

use crate::air::inputs::{pack_inputs, packed_len, unpack_inputs};
use crate::air::mlp::{MlpAir, MlpStatement, ModelKind, ModelLayout};
use crate::air::AirError;
use crate::field::{felt_to_i128, parse_felt, to_hex, Felt};
use crate::stark::{
    verify, FeltReader, ParamsError, ProofParams, SecurityPolicy, StarkProof, VerifierError,
};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The `format` field of proof files.
pub const PROOF_FILE_FORMAT: &str = "ciro-mlp-stark-v2";
/// Number of felts before the inputs in the calldata.
pub const HEADER_FELTS: usize = 17;

/// Errors of proof files and calldata verification.
#[derive(Debug, thiserror::Error)]
pub enum ProofFileError {
    /// The file could not be read or written.
    #[error("cannot access proof file {path}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Not a proof file.
    #[error("malformed proof file")]
    Json(#[from] serde_json::Error),
    /// Unknown format tag.
    #[error("unsupported proof file format {0:?}")]
    Format(String),
    /// The calldata cannot be decoded.
    #[error("malformed calldata: {0}")]
    Calldata(String),
    /// A human-readable field disagrees with the calldata.
    #[error("proof file field {0} disagrees with the calldata")]
    FieldMismatch(&'static str),
    /// The parameters are below the verifier's policy.
    #[error(transparent)]
    Policy(#[from] ParamsError),
    /// The model commitment is not the hash of the layout.
    #[error("model commitment does not match the model layout")]
    ModelCommitmentMismatch,
    /// The input commitment is not the hash of the inputs.
    #[error("input commitment does not match the inputs")]
    InputCommitmentMismatch,
    /// The output commitment is not the hash of the outputs.
    #[error("output commitment does not match the outputs")]
    OutputCommitmentMismatch,
    /// The statement does not fit the AIR.
    #[error("invalid statement")]
    Statement(#[from] AirError),
    /// The STARK proof is invalid.
    #[error("invalid proof")]
    Proof(#[from] VerifierError),
}

/// The four public inputs a proof binds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicInputs {
    /// Job id.
    pub job_id: String,
    /// Model commitment (hash of the model layout, including the weights' Merkle root).
    pub model_commitment: String,
    /// `poseidon_hash_many(packed inputs)` (six inputs per felt, see `air::inputs`).
    pub input_commitment: String,
    /// `poseidon_hash_many(outputs)`.
    pub output_commitment: String,
}

/// A proof file: human-readable fields plus the calldata (the only part the verifier trusts;
/// the other fields must agree with it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProofFile {
    /// [`PROOF_FILE_FORMAT`].
    pub format: String,
    /// The public inputs.
    pub public_inputs: PublicInputs,
    /// Security parameters.
    pub params: ProofParams,
    /// Model layout (preprocessed root in hex).
    pub layout: LayoutJson,
    /// Quantized inputs.
    pub inputs: Vec<i64>,
    /// Quantized outputs.
    pub outputs: Vec<i64>,
    /// Outputs as reals (`outputs / 2^output_scale_bits`), informational.
    pub outputs_real: Vec<f64>,
    /// The calldata, hex felts.
    pub calldata: Vec<String>,
}

/// [`ModelLayout`] with the root as hex, for JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayoutJson {
    /// log2 of the trace rows.
    pub log_trace_rows: u32,
    /// Scale bits.
    pub scale_bits: u32,
    /// The outputs' fractional bits.
    pub output_scale_bits: u32,
    /// Inputs.
    pub n_inputs: u64,
    /// Outputs.
    pub n_outputs: u64,
    /// How many times the trace reads each input.
    pub input_reads: u64,
    /// All neurons.
    pub total_neurons: u64,
    /// MLP or CNN.
    pub kind: ModelKind,
    /// Preprocessed root.
    pub preprocessed_root: String,
}

impl From<&ModelLayout> for LayoutJson {
    fn from(l: &ModelLayout) -> Self {
        Self {
            log_trace_rows: l.log_trace_rows,
            scale_bits: l.scale_bits,
            output_scale_bits: l.output_scale_bits,
            n_inputs: l.n_inputs,
            n_outputs: l.n_outputs,
            input_reads: l.input_reads,
            total_neurons: l.total_neurons,
            kind: l.kind,
            preprocessed_root: to_hex(&l.preprocessed_root),
        }
    }
}

/// A proof together with its statement, in decoded form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodedProof {
    /// The statement.
    pub statement: MlpStatement,
    /// Model commitment as written in the calldata.
    pub model_commitment: Felt,
    /// Input commitment as written.
    pub input_commitment: Felt,
    /// Output commitment as written.
    pub output_commitment: Felt,
    /// Parameters.
    pub params: ProofParams,
    /// The STARK proof.
    pub proof: StarkProof,
}

impl DecodedProof {
    /// The calldata felts.
    pub fn to_calldata(&self) -> Vec<Felt> {
        let l = &self.statement.layout;
        let mut out = vec![
            self.statement.job_id,
            self.model_commitment,
            self.input_commitment,
            self.output_commitment,
            Felt::from(self.params.log_blowup),
            Felt::from(self.params.log_fold),
            Felt::from(self.params.n_queries),
            Felt::from(self.params.grinding_bits),
            Felt::from(l.log_trace_rows),
            Felt::from(l.scale_bits),
            Felt::from(l.output_scale_bits),
            Felt::from(l.n_inputs),
            Felt::from(l.n_outputs),
            Felt::from(l.input_reads),
            Felt::from(l.total_neurons),
            Felt::from(l.kind as u64),
            l.preprocessed_root,
        ];
        out.extend(pack_inputs(&self.statement.inputs));
        out.extend_from_slice(&self.statement.outputs);
        self.proof.write_felts(&mut out);
        out
    }

    /// Decodes calldata (shape only; no verification).
    ///
    /// # Errors
    /// [`ProofFileError::Calldata`] at the first malformed field.
    pub fn from_calldata(calldata: &[Felt]) -> Result<Self, ProofFileError> {
        Self::read(calldata).map_err(ProofFileError::Calldata)
    }

    fn read(calldata: &[Felt]) -> Result<Self, String> {
        let mut r = FeltReader::new(calldata);
        let job_id = r.felt()?;
        let model_commitment = r.felt()?;
        let input_commitment = r.felt()?;
        let output_commitment = r.felt()?;
        let small32 = |r: &mut FeltReader<'_>| r.small(u32::MAX as u64).map(|v| v as u32);
        let params = ProofParams {
            log_blowup: small32(&mut r)?,
            log_fold: small32(&mut r)?,
            n_queries: small32(&mut r)?,
            grinding_bits: small32(&mut r)?,
        };
        let layout = ModelLayout {
            log_trace_rows: small32(&mut r)?,
            scale_bits: small32(&mut r)?,
            output_scale_bits: small32(&mut r)?,
            n_inputs: r.small(u32::MAX as u64)?,
            n_outputs: r.small(u32::MAX as u64)?,
            input_reads: r.small(u32::MAX as u64)?,
            total_neurons: r.small(u32::MAX as u64)?,
            kind: if r.small(1)? == 1 { ModelKind::Cnn } else { ModelKind::Mlp },
            preprocessed_root: r.felt()?,
        };
        let n_inputs = layout.n_inputs as usize;
        let inputs = unpack_inputs(&r.take(packed_len(n_inputs))?, n_inputs)?;
        let outputs = r.take(layout.n_outputs as usize)?;
        let proof = StarkProof::read_felts(&mut r)?;
        r.finish()?;
        Ok(Self {
            statement: MlpStatement {
                job_id,
                layout,
                inputs,
                outputs,
            },
            model_commitment,
            input_commitment,
            output_commitment,
            params,
            proof,
        })
    }

    /// Verifies everything: the policy, the three commitments, the statement's shape and input
    /// ranges, then the STARK proof.
    ///
    /// # Errors
    /// [`ProofFileError`] naming the first failed check.
    pub fn verify(&self, policy: &SecurityPolicy) -> Result<(), ProofFileError> {
        policy.check(&self.params)?;
        if self.statement.model_commitment() != self.model_commitment {
            return Err(ProofFileError::ModelCommitmentMismatch);
        }
        if self.statement.input_commitment() != self.input_commitment {
            return Err(ProofFileError::InputCommitmentMismatch);
        }
        if self.statement.output_commitment() != self.output_commitment {
            return Err(ProofFileError::OutputCommitmentMismatch);
        }
        let air = MlpAir::new(self.statement.clone())?;
        verify(&air, &self.proof, &self.params)?;
        Ok(())
    }

    /// The public inputs, hex.
    pub fn public_inputs(&self) -> PublicInputs {
        PublicInputs {
            job_id: to_hex(&self.statement.job_id),
            model_commitment: to_hex(&self.model_commitment),
            input_commitment: to_hex(&self.input_commitment),
            output_commitment: to_hex(&self.output_commitment),
        }
    }

    /// Builds the proof file.
    pub fn to_file(&self) -> ProofFile {
        let ints = |v: &[Felt]| {
            v.iter()
                .map(|f| felt_to_i128(*f).map_or(i64::MAX, |x| x as i64))
                .collect::<Vec<_>>()
        };
        let outputs = ints(&self.statement.outputs);
        let scale = (self.statement.layout.output_scale_bits as f64).exp2();
        ProofFile {
            format: PROOF_FILE_FORMAT.to_string(),
            public_inputs: self.public_inputs(),
            params: self.params,
            layout: LayoutJson::from(&self.statement.layout),
            inputs: ints(&self.statement.inputs),
            outputs_real: outputs.iter().map(|v| *v as f64 / scale).collect(),
            outputs,
            calldata: self.to_calldata().iter().map(to_hex).collect(),
        }
    }
}

impl ProofFile {
    /// Parses JSON text.
    ///
    /// # Errors
    /// [`ProofFileError::Json`] or [`ProofFileError::Format`].
    pub fn parse(text: &str) -> Result<Self, ProofFileError> {
        let file: Self = serde_json::from_str(text)?;
        if file.format != PROOF_FILE_FORMAT {
            return Err(ProofFileError::Format(file.format));
        }
        Ok(file)
    }

    /// Reads a proof file.
    ///
    /// # Errors
    /// [`ProofFileError`] when unreadable or malformed.
    pub fn read(path: &Path) -> Result<Self, ProofFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProofFileError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text)
    }

    /// The JSON text (pretty, deterministic, newline-terminated).
    ///
    /// # Errors
    /// [`ProofFileError::Json`] (cannot happen for valid floats).
    pub fn to_json(&self) -> Result<String, ProofFileError> {
        Ok(serde_json::to_string_pretty(self)? + "\n")
    }

    /// Writes the file.
    ///
    /// # Errors
    /// [`ProofFileError::Io`].
    pub fn write(&self, path: &Path) -> Result<(), ProofFileError> {
        std::fs::write(path, self.to_json()?).map_err(|source| ProofFileError::Io {
            path: path.display().to_string(),
            source,
        })
    }

    /// The calldata felts.
    ///
    /// # Errors
    /// [`ProofFileError::Calldata`] on a malformed felt.
    pub fn calldata_felts(&self) -> Result<Vec<Felt>, ProofFileError> {
        self.calldata
            .iter()
            .map(|s| parse_felt(s).map_err(ProofFileError::Calldata))
            .collect()
    }

    /// Decodes the calldata and checks that every human-readable field agrees with it.
    ///
    /// # Errors
    /// [`ProofFileError`] when malformed or inconsistent.
    pub fn decode(&self) -> Result<DecodedProof, ProofFileError> {
        let decoded = DecodedProof::from_calldata(&self.calldata_felts()?)?;
        let canonical = decoded.to_file();
        if canonical.public_inputs != self.public_inputs {
            return Err(ProofFileError::FieldMismatch("public_inputs"));
        }
        if canonical.params != self.params {
            return Err(ProofFileError::FieldMismatch("params"));
        }
        if canonical.layout != self.layout {
            return Err(ProofFileError::FieldMismatch("layout"));
        }
        if canonical.inputs != self.inputs {
            return Err(ProofFileError::FieldMismatch("inputs"));
        }
        if canonical.outputs != self.outputs {
            return Err(ProofFileError::FieldMismatch("outputs"));
        }
        Ok(decoded)
    }

    /// Decodes and verifies.
    ///
    /// # Errors
    /// [`ProofFileError`] naming the first failed check.
    pub fn verify(&self, policy: &SecurityPolicy) -> Result<DecodedProof, ProofFileError> {
        let decoded = self.decode()?;
        decoded.verify(policy)?;
        Ok(decoded)
    }
}
