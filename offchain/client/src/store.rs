//! Job inputs and models, found by their commitments.
//!
//! A client writes its input to the input store under the commitment it puts on-chain
//! (`<commitment>.json`, `{"input": [...]}`); the worker fetches it from there, from a directory
//! or an HTTP server, and checks it against the commitment before proving. Models are ONNX files
//! in a directory; one is found by the commitment JobManager recorded for the job's model.

use std::path::{Path, PathBuf};

use ciro_prover::api::PreparedModel;
use ciro_prover::backend::cpu::CpuBackend;
use ciro_prover::model::input::InputFile;
use ciro_prover::model::quantize::DEFAULT_SCALE_BITS;
use ciro_prover::stark::ProofParams;
use starknet::core::types::Felt;

use crate::ClientError;

/// A model ready to prove with.
pub type Model = PreparedModel<CpuBackend>;

/// Where job inputs are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputStore {
    /// A local directory (read and write).
    Dir(PathBuf),
    /// An HTTP server (read only): `GET <base>/<commitment>.json`.
    Http(url::Url),
}

/// The file name of the input with `commitment`.
pub fn input_file_name(commitment: Felt) -> String {
    format!("{commitment:#066x}.json")
}

impl InputStore {
    /// A directory path, or an `http://` / `https://` URL.
    ///
    /// # Errors
    /// A malformed URL.
    pub fn parse(location: &str) -> Result<Self, ClientError> {
        if location.starts_with("http://") || location.starts_with("https://") {
            let mut url = url::Url::parse(location)
                .map_err(|e| ClientError::Config(format!("input store URL `{location}`: {e}")))?;
            if !url.path().ends_with('/') {
                url.set_path(&format!("{}/", url.path()));
            }
            Ok(InputStore::Http(url))
        } else {
            Ok(InputStore::Dir(PathBuf::from(location)))
        }
    }

    /// Fetches the input stored under `commitment` (not yet checked against it).
    ///
    /// # Errors
    /// Missing, unreadable, or not an input file.
    pub async fn fetch(&self, commitment: Felt) -> Result<Vec<f64>, ClientError> {
        let name = input_file_name(commitment);
        let text = match self {
            InputStore::Dir(dir) => {
                let path = dir.join(&name);
                tokio::fs::read_to_string(&path).await.map_err(|source| ClientError::Io { path, source })?
            }
            InputStore::Http(base) => {
                let url = base.join(&name).map_err(|e| ClientError::Http { url: base.to_string(), message: e.to_string() })?;
                let http_error = |message: String| ClientError::Http { url: url.to_string(), message };
                let response = reqwest::get(url.clone()).await.map_err(|e| http_error(e.to_string()))?;
                if !response.status().is_success() {
                    return Err(http_error(format!("status {}", response.status())));
                }
                response.text().await.map_err(|e| http_error(e.to_string()))?
            }
        };
        let file = InputFile::parse(&text).map_err(|e| ClientError::Store(format!("input {name}: {e}")))?;
        Ok(file.input)
    }

    /// Stores `input` under `commitment` (directories only); returns where.
    ///
    /// # Errors
    /// The store is an HTTP server, or the file cannot be written.
    pub fn put(&self, commitment: Felt, input: &[f64]) -> Result<String, ClientError> {
        match self {
            InputStore::Dir(dir) => {
                std::fs::create_dir_all(dir).map_err(|source| ClientError::Io { path: dir.clone(), source })?;
                let path = dir.join(input_file_name(commitment));
                let text = serde_json::to_string(&serde_json::json!({ "input": input }))
                    .map_err(|e| ClientError::Store(e.to_string()))?;
                write_atomically(&path, text.as_bytes())?;
                Ok(path.display().to_string())
            }
            InputStore::Http(base) => Err(ClientError::Store(format!(
                "the input store {base} is read-only here: upload the input as {} there yourself, or use a directory store",
                input_file_name(commitment)
            ))),
        }
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename: readers see the old file or the
/// new one, never half of one.
///
/// # Errors
/// The file cannot be written.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ClientError> {
    let io = |source| ClientError::Io { path: path.to_owned(), source };
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&temporary, bytes).map_err(io)?;
    std::fs::rename(&temporary, path).map_err(io)
}

/// Loads, quantizes and commits the ONNX model at `path`.
///
/// # Errors
/// The model cannot be read or does not fit the prover.
pub fn load_model(path: &Path) -> Result<Model, ClientError> {
    PreparedModel::from_onnx_file(path, DEFAULT_SCALE_BITS, ProofParams::default())
        .map_err(|e| ClientError::Prover(format!("model {}: {}", path.display(), crate::error_chain(&e))))
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

    #[tokio::test]
    async fn directory_store_round_trips_and_rejects_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let store = InputStore::parse(dir.path().to_str().unwrap()).unwrap();
        let commitment = Felt::from(0xabcu32);
        store.put(commitment, &[1.5, -2.0]).unwrap();
        assert_eq!(store.fetch(commitment).await.unwrap(), vec![1.5, -2.0]);
        assert!(matches!(store.fetch(Felt::TWO).await, Err(ClientError::Io { .. })));
        std::fs::write(dir.path().join(input_file_name(Felt::THREE)), "{\"input\": \"x\"}").unwrap();
        assert!(matches!(store.fetch(Felt::THREE).await, Err(ClientError::Store(_))));
    }

    #[test]
    fn http_stores_are_read_only() {
        let store = InputStore::parse("http://inputs.example/ciro").unwrap();
        assert_eq!(store, InputStore::Http(url::Url::parse("http://inputs.example/ciro/").unwrap()));
        assert!(store.put(Felt::ONE, &[1.0]).unwrap_err().to_string().contains("read-only"));
    }
}
