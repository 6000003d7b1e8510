//! What a proof is made from: ONNX models, found by the commitment JobManager recorded for them
//! (in a local directory, else fetched from the coordinator and cached there by commitment), and
//! input files, parsed from the text the input store holds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use ciro_client::coordinator::{commitment_name, BlobKind, Coordinator};
use ciro_client::store::{input_file_name, write_atomically};
use ciro_client::{ClientError, OperatorConfig};
use ciro_prover::api::PreparedModel;
use ciro_prover::backend::cpu::CpuBackend;
use ciro_prover::model::input::InputFile;
use ciro_prover::model::onnx::{decode_onnx, with_weight_bits};
use ciro_prover::model::quantize::{calibrate, DEFAULT_SCALE_BITS};
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
    PreparedModel::from_onnx_file(path, DEFAULT_SCALE_BITS, ProofParams::default()).map_err(|e| model_error(path, &e))
}

/// The ONNX model at `path` applied to batches of `n` inputs
/// ([`ciro_prover::model::FloatMlp::batched`]), quantized and committed as [`load_model`] does
/// (the single model is not committed).
///
/// # Errors
/// The model cannot be read or does not fit the prover.
pub fn load_batched_model(path: &Path, n: usize) -> Result<Model, ClientError> {
    let float = ciro_prover::model::onnx::load_onnx(path).map_err(|e| model_error(path, &e))?;
    PreparedModel::new(float.batched(n), DEFAULT_SCALE_BITS, ProofParams::default()).map_err(|e| model_error(path, &e))
}

fn model_error(path: &Path, error: &(dyn std::error::Error + 'static)) -> ClientError {
    ClientError::Prover(format!("model {}: {}", path.display(), ciro_client::error_chain(error)))
}

/// `layout` as JobManager's `register_model` takes it (it computes the model's commitment, and
/// records its kind, from it).
pub fn onchain_layout(layout: &ciro_prover::air::mlp::ModelLayout) -> ciro_bindings::job_manager::ModelLayout {
    use ciro_bindings::job_manager::ModelKind;
    let small = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
    ciro_bindings::job_manager::ModelLayout {
        log_trace_rows: layout.log_trace_rows,
        scale_bits: layout.scale_bits,
        output_scale_bits: layout.output_scale_bits,
        n_inputs: small(layout.n_inputs),
        n_outputs: small(layout.n_outputs),
        input_reads: small(layout.input_reads),
        total_neurons: small(layout.total_neurons),
        kind: match layout.kind {
            ciro_prover::air::mlp::ModelKind::Mlp => ModelKind::MLP,
            ciro_prover::air::mlp::ModelKind::Cnn => ModelKind::CNN,
        },
        preprocessed_root: layout.preprocessed_root,
    }
}

/// Quantizes and commits the ONNX model in `bytes`, exactly as [`load_model`] does a file.
///
/// # Errors
/// The bytes are not an ONNX model the prover supports.
pub fn prepare_model(bytes: &[u8]) -> Result<Model, ClientError> {
    let prepare = || -> Result<Model, ciro_prover::api::Error> {
        let float = decode_onnx(bytes).map_err(ciro_prover::api::Error::Model)?;
        PreparedModel::new(float, DEFAULT_SCALE_BITS, ProofParams::default())
    };
    prepare().map_err(|e| ClientError::Prover(format!("not a model the prover supports: {}", ciro_client::error_chain(&e))))
}

/// `bytes` (an ONNX model) calibrated on `inputs` (what the model will be asked about,
/// [`ciro_prover::model::quantize::calibrate`]): the same model, with each layer's weight
/// precision recorded in its metadata, so that every party preparing it quantizes it alike.
/// Returns the calibrated bytes and the precisions.
///
/// # Errors
/// The bytes are not a model the prover supports, an input has the wrong length, or no
/// precision fits the inputs (the message names the layer).
pub fn calibrate_model(bytes: &[u8], inputs: &[Vec<f64>]) -> Result<(Vec<u8>, Vec<u32>), ClientError> {
    let float = decode_onnx(bytes).map_err(|e| ClientError::Prover(format!("not a model the prover supports: {}", ciro_client::error_chain(&e))))?;
    let bits = calibrate(&float, DEFAULT_SCALE_BITS, inputs)
        .map_err(|e| ClientError::Prover(format!("calibrating on {} inputs: {}", inputs.len(), ciro_client::error_chain(&e))))?;
    Ok((with_weight_bits(bytes, &bits), bits))
}

/// The commitment to `input` a job carries, for models prepared here (whatever the model: it
/// needs only the fixed-point scale).
///
/// # Errors
/// A value that is not finite or out of the fixed-point range.
pub fn input_commitment(input: &[f64]) -> Result<Felt, ClientError> {
    ciro_prover::api::input_commitment(input, DEFAULT_SCALE_BITS).map_err(|e| prover_error(&e))
}

/// ONNX models: a local directory, and the coordinator to fetch the missing ones from (they are
/// cached in the directory as `<commitment>.onnx`).
#[derive(Debug, Clone)]
pub struct ModelStore {
    dir: PathBuf,
    coordinator: Option<Coordinator>,
}

impl ModelStore {
    /// The models in `dir`, and nowhere else.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        ModelStore { dir: dir.into(), coordinator: None }
    }

    /// The configured model directory and coordinator.
    pub fn from_config(config: &OperatorConfig) -> Self {
        ModelStore { dir: config.models.clone(), coordinator: config.coordinator.clone() }
    }

    /// The same, fetching missing models from `coordinator`.
    pub fn with_coordinator(mut self, coordinator: Option<Coordinator>) -> Self {
        self.coordinator = coordinator;
        self
    }

    /// Every `.onnx` file in the directory, sorted (none when it does not exist).
    ///
    /// # Errors
    /// The directory cannot be read.
    pub fn files(&self) -> Result<Vec<PathBuf>, ClientError> {
        let io = |source| ClientError::Io { path: self.dir.clone(), source };
        let mut files = Vec::new();
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(files),
            Err(error) => return Err(io(error)),
        };
        for entry in entries {
            let path = entry.map_err(io)?.path();
            if path.extension().is_some_and(|e| e == "onnx") {
                files.push(path);
            }
        }
        files.sort();
        Ok(files)
    }

    /// Where a model fetched from the coordinator is cached.
    pub fn cached_path(&self, commitment: Felt) -> PathBuf {
        self.dir.join(format!("{}.onnx", commitment_name(commitment)))
    }

    /// The model in the directory whose commitment is `commitment`, and its file: the cached
    /// file first, then every other. Preparing a model hashes its whole preprocessed trace, so
    /// the commitments of the files already prepared are remembered in
    /// [`COMMITMENT_INDEX`] (by name, size and modification time): only the file that
    /// commits to `commitment`, and files new or changed since, are prepared. The index is a
    /// hint: the model returned is always the one prepared from its file.
    ///
    /// # Errors
    /// The directory cannot be read.
    pub fn find_local(&self, commitment: Felt) -> Result<Option<(PathBuf, Model)>, ClientError> {
        let mut index = CommitmentIndex::read(&self.dir);
        let mut found = None;
        for path in self.candidates(&index, commitment)? {
            let Ok(model) = load_model(&path) else { continue };
            index.record(&path, model.model_commitment());
            if model.model_commitment() == commitment {
                found = Some((path, model));
                break;
            }
        }
        index.write(&self.dir);
        Ok(found)
    }

    /// The number of inputs of the model whose commitment is `commitment`, and its file, for a
    /// client checking its input before it submits a job: a file the index says commits to it
    /// is only decoded, not prepared (preparing a CNN takes seconds); otherwise as
    /// [`ModelStore::find`].
    ///
    /// # Errors
    /// As [`ModelStore::find`].
    pub async fn find_input_len(&self, commitment: Felt) -> Result<(PathBuf, usize), ClientError> {
        let local = self.clone();
        let indexed = blocking(move || -> Result<Option<(PathBuf, usize)>, ClientError> {
            let index = CommitmentIndex::read(&local.dir);
            let mut matching = local.indexed_files(&index, commitment)?.into_iter().filter(|(_, known)| *known == Some(commitment));
            Ok(matching.find_map(|(path, _)| ciro_prover::model::onnx::load_onnx(&path).ok().map(|float| (path, float.input_len()))))
        })
        .await??;
        match indexed {
            Some(found) => Ok(found),
            None => self.find(commitment).await.map(|(path, model)| (path, model.quantized.input_len())),
        }
    }

    /// The commitment of every model file in the directory that the prover takes (those the index
    /// knows are not prepared again), with its file.
    ///
    /// # Errors
    /// The directory cannot be read.
    pub fn local_commitments(&self) -> Result<Vec<(Felt, PathBuf)>, ClientError> {
        let mut index = CommitmentIndex::read(&self.dir);
        let mut found = Vec::new();
        for path in self.files()? {
            let commitment = match index.commitment_of(&path) {
                Some(commitment) => commitment,
                None => match load_model(&path) {
                    Ok(model) => {
                        index.record(&path, model.model_commitment());
                        model.model_commitment()
                    }
                    Err(_) => continue,
                },
            };
            found.push((commitment, path));
        }
        index.write(&self.dir);
        Ok(found)
    }

    /// The directory's files in search order for `commitment` (the coordinator's cached file
    /// first), each with the commitment the index knows for it.
    fn indexed_files(&self, index: &CommitmentIndex, commitment: Felt) -> Result<Vec<(PathBuf, Option<Felt>)>, ClientError> {
        let cached = self.cached_path(commitment);
        let (first, rest): (Vec<PathBuf>, Vec<PathBuf>) = self.files()?.into_iter().partition(|p| *p == cached);
        let ordered = first.into_iter().chain(rest);
        Ok(ordered
            .map(|path| {
                let known = index.commitment_of(&path);
                (path, known)
            })
            .collect())
    }

    /// The files [`ModelStore::find_local`] prepares, in order: those the index says commit to
    /// `commitment` (the coordinator's cached file first), then those it does not know.
    fn candidates(&self, index: &CommitmentIndex, commitment: Felt) -> Result<Vec<PathBuf>, ClientError> {
        let files = self.indexed_files(index, commitment)?;
        let matching = files.iter().filter(|(_, known)| *known == Some(commitment));
        let unknown = files.iter().filter(|(_, known)| known.is_none());
        Ok(matching.chain(unknown).map(|(path, _)| path.clone()).collect())
    }

    /// The model whose commitment is `commitment`, and its file: from the directory, else
    /// downloaded from the coordinator, checked against the commitment and cached.
    ///
    /// # Errors
    /// Neither has it, the coordinator's bytes do not commit to it, or the coordinator cannot be
    /// reached ([`ClientError::Http`], worth retrying).
    pub async fn find(&self, commitment: Felt) -> Result<(PathBuf, Model), ClientError> {
        let local = self.clone();
        if let Some(found) = blocking(move || local.find_local(commitment)).await?? {
            return Ok(found);
        }
        let Some(coordinator) = &self.coordinator else {
            return Err(ClientError::Store(format!(
                "no model in {} has commitment {commitment:#x}: copy the model's ONNX file there, or set a coordinator",
                self.dir.display()
            )));
        };
        let name = commitment_name(commitment);
        let bytes = coordinator.get(BlobKind::Model, &name).await?.ok_or_else(|| {
            ClientError::Store(format!(
                "no model in {} has commitment {commitment:#x}, and the coordinator at {} has none either (its owner uploads it with `ciro models register`)",
                self.dir.display(),
                coordinator.base()
            ))
        })?;
        let store = self.clone();
        blocking(move || {
            let model = prepare_model(&bytes)?;
            if model.model_commitment() != commitment {
                return Err(ClientError::Store(format!(
                    "the coordinator's model {name} commits to {:#x}: refused",
                    model.model_commitment()
                )));
            }
            Ok((store.remember(commitment, &bytes)?, model))
        })
        .await?
    }

    /// Keeps `bytes`, a model prepared elsewhere that commits to `commitment` (one this operator
    /// registered, or fetched from the coordinator and checked), in the directory as `<commitment>.onnx`, and its commitment in the index: a
    /// later search finds it without preparing it again.
    ///
    /// # Errors
    /// The directory cannot be written.
    pub fn remember(&self, commitment: Felt, bytes: &[u8]) -> Result<PathBuf, ClientError> {
        let path = self.cached_path(commitment);
        std::fs::create_dir_all(&self.dir).map_err(|source| ClientError::Io { path: self.dir.clone(), source })?;
        if std::fs::read(&path).ok().as_deref() != Some(bytes) {
            write_atomically(&path, bytes)?;
        }
        let mut index = CommitmentIndex::read(&self.dir);
        index.record(&path, commitment);
        index.write(&self.dir);
        Ok(path)
    }
}

/// The file in a model directory that remembers its models' commitments
/// ([`ModelStore::find_local`]).
pub const COMMITMENT_INDEX: &str = ".commitments.json";

/// A model file's commitment, with the size and modification time it was computed for.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct IndexedModel {
    len: u64,
    modified_ns: u128,
    commitment: Felt,
}

/// The commitments of a model directory's files, by file name.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct CommitmentIndex {
    files: BTreeMap<String, IndexedModel>,
}

impl CommitmentIndex {
    /// The directory's index; empty when it is missing or unreadable (it is rebuilt).
    fn read(dir: &Path) -> Self {
        std::fs::read_to_string(dir.join(COMMITMENT_INDEX)).ok().and_then(|text| serde_json::from_str(&text).ok()).unwrap_or_default()
    }

    /// The size and modification time of `path`, if it can be read.
    fn stamp(path: &Path) -> Option<(u64, u128)> {
        let metadata = std::fs::metadata(path).ok()?;
        let modified = metadata.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_nanos();
        Some((metadata.len(), modified))
    }

    fn name(path: &Path) -> Option<String> {
        path.file_name().map(|n| n.to_string_lossy().into_owned())
    }

    /// The commitment recorded for `path`, if the file has not changed since.
    fn commitment_of(&self, path: &Path) -> Option<Felt> {
        let entry = self.files.get(&Self::name(path)?)?;
        (Self::stamp(path)? == (entry.len, entry.modified_ns)).then_some(entry.commitment)
    }

    fn record(&mut self, path: &Path, commitment: Felt) {
        if let (Some(name), Some((len, modified_ns))) = (Self::name(path), Self::stamp(path)) {
            self.files.insert(name, IndexedModel { len, modified_ns, commitment });
        }
    }

    /// Writes the index, for the next search; a directory that cannot take it only costs time.
    fn write(&self, dir: &Path) {
        if let Ok(text) = serde_json::to_string_pretty(self) {
            if let Err(error) = write_atomically(&dir.join(COMMITMENT_INDEX), text.as_bytes()) {
                tracing::debug!(%error, "the model commitment index was not written");
            }
        }
    }
}

/// Runs `work` on the blocking pool (preparing a model hashes its whole preprocessed trace).
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ClientError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| ClientError::Prover(format!("a model task failed: {e}")))
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

    #[tokio::test]
    async fn a_model_no_file_commits_to_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("broken.onnx"), b"not onnx").unwrap();
        let Err(error) = ModelStore::new(dir.path()).find(Felt::TWO).await else { panic!("a model was found") };
        assert!(error.to_string().contains("no model in"), "{error}");
        let Err(error) = prepare_model(b"not onnx") else { panic!("garbage was prepared") };
        assert!(error.to_string().contains("not a model the prover supports"), "{error}");
    }

    /// A second search prepares only the model it finds: the others' commitments come from the
    /// index while their files are unchanged, and a changed file is prepared again.
    #[test]
    fn the_commitment_index_spares_preparing_every_model() {
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../prover/examples/models");
        let dir = tempfile::tempdir().unwrap();
        for name in ["iris_mlp.onnx", "digits_mlp.onnx"] {
            std::fs::copy(examples.join(name), dir.path().join(name)).unwrap();
        }
        let store = ModelStore::new(dir.path());
        let (digits_path, iris_path) = (dir.path().join("digits_mlp.onnx"), dir.path().join("iris_mlp.onnx"));
        let (digits, iris) = (load_model(&digits_path).unwrap().model_commitment(), load_model(&iris_path).unwrap().model_commitment());
        // The first search prepares the files in order until one matches: both here.
        let before = store.candidates(&CommitmentIndex::read(dir.path()), iris).unwrap();
        assert_eq!(before, [digits_path.clone(), iris_path.clone()]);
        let (path, model) = store.find_local(iris).unwrap().unwrap();
        assert_eq!((path, model.model_commitment()), (iris_path.clone(), iris));
        // Then each search prepares only the file that commits to what it looks for.
        let index = CommitmentIndex::read(dir.path());
        assert_eq!(store.candidates(&index, digits).unwrap(), vec![digits_path.clone()]);
        assert_eq!(store.candidates(&index, iris).unwrap(), vec![iris_path.clone()]);
        assert!(store.candidates(&index, Felt::TWO).unwrap().is_empty(), "no file commits to it");
        assert_eq!(store.find_local(digits).unwrap().map(|(p, _)| p), Some(digits_path.clone()));
        assert_eq!(store.local_commitments().unwrap(), [(digits, digits_path.clone()), (iris, iris_path.clone())]);
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        assert_eq!(runtime.block_on(store.find_input_len(iris)).unwrap(), (iris_path.clone(), 4));
        assert_eq!(runtime.block_on(store.find_input_len(digits)).unwrap(), (digits_path.clone(), 16));
        // A changed file is prepared again.
        std::fs::write(&iris_path, b"no longer a model").unwrap();
        let index = CommitmentIndex::read(dir.path());
        assert_eq!(index.commitment_of(&iris_path), None);
        assert_eq!(store.candidates(&index, Felt::TWO).unwrap(), vec![iris_path.clone()]);
        assert!(store.find_local(iris).unwrap().is_none());
        assert_eq!(store.local_commitments().unwrap(), [(digits, digits_path.clone())], "a file that is no model is left out");
        // A model registered here is kept under its commitment and found without preparing.
        let iris_bytes = std::fs::read(examples.join("iris_mlp.onnx")).unwrap();
        let kept = store.remember(iris, &iris_bytes).unwrap();
        // (The changed iris file stays a candidate until it has been read again.)
        assert_eq!(store.candidates(&CommitmentIndex::read(dir.path()), iris).unwrap(), vec![kept.clone(), iris_path.clone()]);
        assert_eq!(runtime.block_on(store.find_input_len(iris)).unwrap(), (kept, 4));
        // A garbage index is rebuilt.
        std::fs::write(dir.path().join(COMMITMENT_INDEX), b"{").unwrap();
        assert_eq!(store.find_local(digits).unwrap().map(|(p, _)| p), Some(digits_path.clone()));
        assert_eq!(CommitmentIndex::read(dir.path()).commitment_of(&digits_path), Some(digits));
    }

    #[test]
    fn input_commitments_need_no_model() {
        let model = load_model(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../prover/examples/models/iris_mlp.onnx")).unwrap();
        let input = [5.1, 3.5, 1.4, 0.2];
        assert_eq!(input_commitment(&input).unwrap(), model.input_commitment(&input).unwrap());
        assert!(input_commitment(&[f64::INFINITY]).is_err());
    }
}
