//! What a worker proves with: ONNX models, found by the commitment JobManager recorded for them,
//! and input files, parsed from the text the input store holds.

use std::path::{Path, PathBuf};

use ciro_client::store::input_file_name;
use ciro_client::ClientError;
use ciro_prover::api::PreparedModel;
use ciro_prover::backend::cpu::CpuBackend;
use ciro_prover::model::input::InputFile;
use ciro_prover::model::quantize::DEFAULT_SCALE_BITS;
use ciro_prover::stark::ProofParams;
use starknet::core::types::Felt;

/// A model ready to prove with.
pub type Model = PreparedModel<CpuBackend>;

/// `error` from the prover as an operator error.
pub fn prover_error(error: &ciro_prover::api::Error) -> ClientError {
    ClientError::Prover(ciro_client::error_chain(error))
}

/// The input values of the input file `text`, stored under `commitment`.
///
/// # Errors
/// The text is not an input file.
pub fn parse_input(commitment: Felt, text: &str) -> Result<Vec<f64>, ClientError> {
    InputFile::parse(text)
        .map(|file| file.input)
        .map_err(|e| ClientError::Store(format!("input {}: {e}", input_file_name(commitment))))
}

/// The text of the input file holding `input`, as the input store keeps it.
///
/// # Errors
/// A value that JSON cannot hold (NaN or infinite).
pub fn input_text(input: &[f64]) -> Result<String, ClientError> {
    if let Some(bad) = input.iter().find(|v| !v.is_finite()) {
        return Err(ClientError::Store(format!("the input holds {bad}, which is not a finite number")));
    }
    serde_json::to_string(&InputFile { input: input.to_vec() }).map_err(|e| ClientError::Store(e.to_string()))
}

/// Loads, quantizes and commits the ONNX model at `path`.
///
/// # Errors
/// The model cannot be read or does not fit the prover.
pub fn load_model(path: &Path) -> Result<Model, ClientError> {
    PreparedModel::from_onnx_file(path, DEFAULT_SCALE_BITS, ProofParams::default())
        .map_err(|e| ClientError::Prover(format!("model {}: {}", path.display(), ciro_client::error_chain(&e))))
}

/// A directory of ONNX models.
#[derive(Debug, Clone)]
pub struct ModelStore {
    dir: PathBuf,
}

impl ModelStore {
    /// The models in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        ModelStore { dir: dir.into() }
    }

    /// Every `.onnx` file in the directory, sorted.
    ///
    /// # Errors
    /// The directory cannot be read.
    pub fn files(&self) -> Result<Vec<PathBuf>, ClientError> {
        let io = |source| ClientError::Io { path: self.dir.clone(), source };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&self.dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if path.extension().is_some_and(|e| e == "onnx") {
                files.push(path);
            }
        }
        files.sort();
        Ok(files)
    }

    /// The model whose commitment is `commitment`, and its file.
    ///
    /// # Errors
    /// No model in the directory has that commitment.
    pub fn find(&self, commitment: Felt) -> Result<(PathBuf, Model), ClientError> {
        for path in self.files()? {
            let Ok(model) = load_model(&path) else { continue };
            if model.model_commitment() == commitment {
                return Ok((path, model));
            }
        }
        Err(ClientError::Store(format!(
            "no model in {} has commitment {commitment:#x}: copy the model's ONNX file there",
            self.dir.display()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_files_round_trip_and_garbage_is_refused() {
        let text = input_text(&[1.5, -2.0]).unwrap();
        assert_eq!(parse_input(Felt::ONE, &text).unwrap(), vec![1.5, -2.0]);
        let error = parse_input(Felt::THREE, "{\"input\": \"x\"}").unwrap_err();
        assert!(matches!(error, ClientError::Store(_)), "{error}");
        assert!(error.to_string().contains(&input_file_name(Felt::THREE)), "{error}");
        assert!(input_text(&[f64::NAN]).is_err());
    }

    #[test]
    fn a_model_no_file_commits_to_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("broken.onnx"), b"not onnx").unwrap();
        let Err(error) = ModelStore::new(dir.path()).find(Felt::TWO) else { panic!("a model was found") };
        assert!(error.to_string().contains("no model in"), "{error}");
    }
}
