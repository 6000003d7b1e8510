//! The coordinator's data plane: job inputs, models and results over HTTP, so a client and a
//! worker on different machines share nothing but the chain and this URL.
//!
//! ```text
//! PUT /v1/inputs/<input commitment>   an input file {"input": [...]}
//! PUT /v1/models/<model commitment>   an ONNX model
//! PUT /v1/results/<job id>            a proof file (as `ciro verify` reads it)
//! GET the same paths
//! ```
//!
//! Every upload authenticates itself, so no account is needed: the keeper recomputes the input's
//! commitment from its values, prepares the model exactly as a worker will and compares its
//! commitment, and verifies a result's proof against the job's on-chain statement (the job must be
//! Completed). Bytes that do not match their name are refused (422) and change nothing. An input
//! or model that no job or model on-chain names yet is kept *pending* for
//! `keeper.pending_window_seconds` (the client uploads before it submits, so a job whose input
//! never arrives is given back and refunded, and an upload whose job never comes is dropped);
//! pending blobs are not served, and at most `keeper.max_pending_uploads` are kept. A second
//! upload of a stored name answers 200 and rewrites nothing. A result the keeper does not hold is
//! read from the chain (the completing transaction's calldata), verified and stored.

use std::time::Duration;

use ciro_bindings::job_manager::JobState;
use ciro_client::coordinator::{commitment_name, BlobKind};
use ciro_client::labels::ClassLabels;
use ciro_client::http::Response;
use ciro_inference::models::{input_commitment, prepare_model};
use ciro_inference::results::check_proof;
use ciro_prover::model::input::InputFile;
use ciro_prover::proof_file::ProofFile;
use starknet::core::types::Felt;

use crate::blobs::{BlobError, Written};
use crate::Keeper;

/// A refusal: its status and reason.
struct Refusal(u16, String);

impl Refusal {
    fn response(self) -> Response {
        Response::json(self.0, &serde_json::json!({ "error": self.1 }))
    }
}

impl From<BlobError> for Refusal {
    fn from(error: BlobError) -> Self {
        tracing::error!("{error}");
        Refusal(500, format!("the blob store failed: {error}"))
    }
}

fn refuse(status: u16, reason: impl Into<String>) -> Refusal {
    Refusal(status, reason.into())
}

/// A blob's name as the request has it, checked: a commitment (`0x` and at most 64 hex digits),
/// or a job id (decimal); its canonical form is what the store uses.
enum Name {
    Commitment(Felt),
    Job(u64),
}

impl Name {
    fn parse(kind: BlobKind, text: &str) -> Result<Self, Refusal> {
        match kind {
            BlobKind::Input | BlobKind::Model | BlobKind::Labels => {
                let hex = text.strip_prefix("0x").filter(|h| !h.is_empty() && h.len() <= 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
                let commitment = hex.and_then(|_| Felt::from_hex(text).ok()).ok_or_else(|| {
                    refuse(400, format!("`{text}` is not a commitment: the name is the {} commitment, 0x and up to 64 hex digits", possessive(kind)))
                })?;
                Ok(Name::Commitment(commitment))
            }
            BlobKind::Result => text
                .parse::<u64>()
                .ok()
                .filter(|id| *id > 0 && text.bytes().all(|b| b.is_ascii_digit()))
                .map(Name::Job)
                .ok_or_else(|| refuse(400, format!("`{text}` is not a job id: a result is named by its job's id (1, 2, …)"))),
        }
    }

    fn canonical(&self) -> String {
        match self {
            Name::Commitment(commitment) => commitment_name(*commitment),
            Name::Job(id) => id.to_string(),
        }
    }
}

impl Keeper {
    /// Answers a request under `/v1/`.
    pub(crate) async fn handle_blob(&self, method: &str, path: &str, body: &[u8]) -> Response {
        let Some((segment, name)) = path.strip_prefix("/v1/").and_then(|rest| rest.split_once('/')) else {
            return refuse(404, "not found: /v1/inputs/<commitment>, /v1/models/<commitment>, /v1/labels/<commitment>, /v1/results/<job id>").response();
        };
        let Some(kind) = BlobKind::from_segment(segment) else {
            return refuse(404, format!("no blobs of kind `{segment}`: inputs, models, labels or results")).response();
        };
        let answer = match Name::parse(kind, name) {
            Err(refusal) => Err(refusal),
            Ok(name) => match method {
                "GET" => self.get_blob(kind, &name).await,
                "PUT" => self.put_blob(kind, &name, body).await,
                _ => Err(refuse(405, "method not allowed: GET or PUT")),
            },
        };
        answer.unwrap_or_else(Refusal::response)
    }

    async fn get_blob(&self, kind: BlobKind, name: &Name) -> Result<Response, Refusal> {
        let canonical = name.canonical();
        let found = match self.blobs.get(kind, &canonical)? {
            Some(bytes) => Some(bytes),
            None => match name {
                Name::Commitment(commitment) => {
                    if !self.named(kind, *commitment)? && self.is_pending(kind, &canonical)? {
                        // The job or the model naming it may be on-chain already, in blocks the
                        // poll has not read yet.
                        if let Err(error) = self.catch_up().await {
                            tracing::warn!("catching up with the chain: {}", ciro_client::error_chain(&error));
                        }
                    }
                    if self.named(kind, *commitment)? && self.blobs.promote(kind, &canonical)? { self.blobs.get(kind, &canonical)? } else { None }
                }
                Name::Job(job_id) => self.result_from_chain(*job_id).await?,
            },
        };
        match found {
            Some(bytes) => Ok(Response { status: 200, content_type: content_type(kind).to_owned(), body: bytes }),
            None => Err(refuse(404, format!("no {} {canonical} here{}", kind.noun(), self.why_missing(kind, name).await))),
        }
    }

    fn is_pending(&self, kind: BlobKind, name: &str) -> Result<bool, Refusal> {
        Ok(self.blobs.pending()?.iter().any(|p| p.kind == kind && p.name == name))
    }

    async fn why_missing(&self, kind: BlobKind, name: &Name) -> String {
        match name {
            Name::Commitment(_) => {
                if self.is_pending(kind, &name.canonical()).unwrap_or(false) {
                    ": it is pending until a job or model on-chain names it".to_owned()
                } else {
                    String::new()
                }
            }
            Name::Job(job_id) => match self.chain.job(*job_id).await {
                Ok(view) if view.job.state != JobState::Completed => format!(": job #{job_id} is {}, not Completed", view.state_name()),
                Ok(_) => String::new(),
                Err(error) => format!(": {error}"),
            },
        }
    }

    /// Whether the chain names `commitment` (as the keeper has read it so far).
    fn named(&self, kind: BlobKind, commitment: Felt) -> Result<bool, Refusal> {
        self.store.is_named(kind, commitment).map_err(|e| refuse(500, format!("the keeper's database failed: {e}")))
    }

    async fn put_blob(&self, kind: BlobKind, name: &Name, body: &[u8]) -> Result<Response, Refusal> {
        let canonical = name.canonical();
        if self.blobs.get(kind, &canonical)?.is_some() {
            return Ok(stored(200, kind, &canonical, "already stored; nothing changed"));
        }
        match (kind, name) {
            (BlobKind::Input, Name::Commitment(claimed)) => check_input(*claimed, body)?,
            (BlobKind::Labels, Name::Commitment(claimed)) => check_labels(*claimed, body)?,
            (BlobKind::Model, Name::Commitment(claimed)) => {
                let (claimed, bytes) = (*claimed, body.to_vec());
                tokio::task::spawn_blocking(move || check_model(claimed, &bytes))
                    .await
                    .map_err(|e| refuse(500, format!("preparing the model failed: {e}")))??;
            }
            (BlobKind::Result, Name::Job(job_id)) => {
                let text = std::str::from_utf8(body).map_err(|_| refuse(400, "a result is a proof file (JSON text)"))?;
                let file = ProofFile::parse(text).map_err(|e| refuse(400, format!("not a proof file: {e}")))?;
                let calldata = file.calldata_felts().map_err(|e| refuse(400, format!("not a proof file: {e}")))?;
                self.check_result(*job_id, calldata).await?;
                return match self.blobs.put(kind, &canonical, body)? {
                    Written::Created => Ok(stored(201, kind, &canonical, "verified against the job's on-chain statement and stored")),
                    Written::AlreadyThere => Ok(stored(200, kind, &canonical, "already stored; nothing changed")),
                };
            }
            _ => return Err(refuse(400, "a blob's name does not fit its kind")),
        }
        let Name::Commitment(commitment) = name else { return Err(refuse(400, "a blob's name does not fit its kind")) };
        if self.named(kind, *commitment)? {
            return Ok(match self.blobs.put(kind, &canonical, body)? {
                Written::Created => stored(201, kind, &canonical, "stored"),
                Written::AlreadyThere => stored(200, kind, &canonical, "already stored; nothing changed"),
            });
        }
        self.sweep_pending()?;
        let pending = self.blobs.pending()?;
        if pending.iter().any(|p| p.kind == kind && p.name == canonical) {
            return Ok(stored(202, kind, &canonical, "already pending; nothing changed"));
        }
        if pending.len() >= self.settings.max_pending_uploads {
            return Err(refuse(
                429,
                format!(
                    "{} uploads already wait for the chain to name them (the limit): submit the job or register the model first, or retry later",
                    pending.len()
                ),
            ));
        }
        self.blobs.put_pending(kind, &canonical, body)?;
        Ok(stored(
            202,
            kind,
            &canonical,
            &format!("pending: kept {} s for a job or model on-chain to name it", self.settings.pending_window_seconds),
        ))
    }

    /// Checks an uploaded proof for job `job_id`: the job is Completed, and the proof verifies
    /// against its on-chain statement.
    async fn check_result(&self, job_id: u64, calldata: Vec<Felt>) -> Result<(), Refusal> {
        let chain_error = |e: ciro_client::ClientError| refuse(503, format!("reading job #{job_id} from the chain: {e}"));
        let count = self.chain.job_count().await.map_err(chain_error)?;
        if job_id > count {
            return Err(refuse(404, format!("there is no job #{job_id} on-chain")));
        }
        let view = self.chain.job(job_id).await.map_err(chain_error)?;
        if view.job.state != JobState::Completed {
            return Err(refuse(409, format!("job #{job_id} is {}, not Completed: its result is taken once complete_job succeeds", view.state_name())));
        }
        let model = self.chain.model(view.job.model_id).await.map_err(chain_error)?;
        let job = view.job.clone();
        tokio::task::spawn_blocking(move || check_proof(job_id, &job, model.commitment, &calldata))
            .await
            .map_err(|e| refuse(500, format!("verifying the proof failed: {e}")))?
            .map_err(|e| refuse(422, e.to_string()))?;
        Ok(())
    }

    /// Job `job_id`'s result read from the chain, verified and stored; `None` when the job is not
    /// Completed (or its completing transaction cannot be decoded).
    async fn result_from_chain(&self, job_id: u64) -> Result<Option<Vec<u8>>, Refusal> {
        let completion = match self.chain.completion(job_id).await {
            Ok(Some(completion)) => completion,
            Ok(None) => return Ok(None),
            Err(error) => {
                tracing::debug!("result of job #{job_id} from the chain: {error}");
                return Ok(None);
            }
        };
        let file = ciro_prover::proof_file::DecodedProof::from_calldata(&completion.proof)
            .map_err(|e| refuse(500, format!("job #{job_id}'s on-chain proof does not decode: {e}")))?
            .to_file();
        self.check_result(job_id, completion.proof).await?;
        let text = file.to_json().map_err(|e| refuse(500, e.to_string()))?;
        self.blobs.put(BlobKind::Result, &job_id.to_string(), text.as_bytes())?;
        Ok(self.blobs.get(BlobKind::Result, &job_id.to_string())?)
    }

    /// Promotes the pending blobs the chain now names and drops those older than the window.
    ///
    /// # Errors
    /// The store or the database fails.
    fn sweep_pending(&self) -> Result<(), Refusal> {
        let window = Duration::from_secs(self.settings.pending_window_seconds);
        for blob in self.blobs.pending()? {
            let commitment = Felt::from_hex(&blob.name).ok();
            if let Some(commitment) = commitment.filter(|c| self.named(blob.kind, *c).unwrap_or(false)) {
                self.blobs.promote(blob.kind, &commitment_name(commitment))?;
            } else if blob.age > window {
                tracing::info!(kind = blob.kind.noun(), name = %blob.name, "dropping an upload no job or model named within the window");
                self.blobs.remove_pending(blob.kind, &blob.name)?;
            }
        }
        Ok(())
    }

    /// [`Keeper::sweep_pending`], logged.
    pub(crate) fn sweep(&self) {
        if let Err(Refusal(_, reason)) = self.sweep_pending() {
            tracing::warn!("sweeping pending uploads: {reason}");
        }
    }
}

fn stored(status: u16, kind: BlobKind, name: &str, detail: &str) -> Response {
    Response::json(status, &serde_json::json!({ "kind": kind.noun(), "name": name, "status": detail }))
}

fn content_type(kind: BlobKind) -> &'static str {
    match kind {
        BlobKind::Input | BlobKind::Result => "application/json",
        BlobKind::Model => "application/octet-stream",
        BlobKind::Labels => "text/plain; charset=utf-8",
    }
}

/// "the input's", "the labels'", for messages.
fn possessive(kind: BlobKind) -> String {
    match kind {
        BlobKind::Labels => "labels'".to_owned(),
        other => format!("{}'s", other.noun()),
    }
}

/// A labels file whose canonical text is the body (one label per line, each followed by `\n`) and
/// whose commitment is `claimed`. Only the canonical text is stored, so every client reading the
/// labels gets the bytes the commitment was computed over.
fn check_labels(claimed: Felt, body: &[u8]) -> Result<(), Refusal> {
    let labels = ClassLabels::parse(body).map_err(|e| refuse(400, format!("not a labels file: {e}")))?;
    if labels.canonical_text().as_bytes() != body {
        return Err(refuse(400, "labels are stored as their canonical text: one label per line, each ending in \\n (no \\r, no blank lines)"));
    }
    let actual = labels.commitment();
    if actual != claimed {
        return Err(refuse(422, format!("the labels commit to {actual:#x}, not to {claimed:#x}: refused")));
    }
    Ok(())
}

/// An input file whose values commit to `claimed`.
fn check_input(claimed: Felt, body: &[u8]) -> Result<(), Refusal> {
    let text = std::str::from_utf8(body).map_err(|_| refuse(400, "an input is an input file: JSON text {\"input\": [numbers]}"))?;
    let file = InputFile::parse(text).map_err(|e| refuse(400, format!("not an input file ({{\"input\": [numbers]}}): {e}")))?;
    let actual = input_commitment(&file.input).map_err(|e| refuse(400, format!("the input cannot be committed to: {e}")))?;
    if actual != claimed {
        return Err(refuse(422, format!("the input's values commit to {actual:#x}, not to {claimed:#x}: refused")));
    }
    Ok(())
}

/// An ONNX model that, prepared as a worker prepares it, commits to `claimed`.
fn check_model(claimed: Felt, bytes: &[u8]) -> Result<(), Refusal> {
    let model = prepare_model(bytes).map_err(|e| refuse(400, format!("malformed model: {e}")))?;
    let actual = model.model_commitment();
    if actual != claimed {
        return Err(refuse(422, format!("the model commits to {actual:#x}, not to {claimed:#x}: refused")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_canonical_commitments_or_job_ids() {
        assert!(matches!(Name::parse(BlobKind::Input, "0xAb"), Ok(Name::Commitment(c)) if c == Felt::from(0xabu8)));
        assert_eq!(Name::parse(BlobKind::Model, "0x1").map(|n| n.canonical()).ok(), Some(commitment_name(Felt::ONE)));
        assert!(matches!(Name::parse(BlobKind::Result, "12"), Ok(Name::Job(12))));
        let refused = |kind, name: &str| Name::parse(kind, name).err().map(|r| r.0);
        for bad in ["..", "../etc/passwd", "0x1/../2", "0x", "1", "0xg", "%2e%2e", &format!("0x{}", "f".repeat(65))] {
            assert_eq!(refused(BlobKind::Input, bad), Some(400), "{bad}");
        }
        for bad in ["0", "-1", "+1", "1.0", "0x1", ".."] {
            assert_eq!(refused(BlobKind::Result, bad), Some(400), "{bad}");
        }
    }

    #[test]
    fn inputs_and_models_must_match_their_commitments() {
        let input = br#"{"input": [5.1, 3.5, 1.4, 0.2]}"#;
        let commitment = input_commitment(&[5.1, 3.5, 1.4, 0.2]).unwrap();
        assert!(check_input(commitment, input).is_ok());
        assert_eq!(check_input(commitment + Felt::ONE, input).err().map(|r| r.0), Some(422));
        assert_eq!(check_input(commitment, b"{\"input\": \"x\"}").err().map(|r| r.0), Some(400));
        assert_eq!(check_input(commitment, &[0xff, 0xfe]).err().map(|r| r.0), Some(400));

        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../prover/examples/models/iris_mlp.onnx")).unwrap();
        let model = prepare_model(&bytes).unwrap().model_commitment();
        assert!(check_model(model, &bytes).is_ok());
        assert_eq!(check_model(model + Felt::ONE, &bytes).err().map(|r| r.0), Some(422));
        let malformed = check_model(model, &bytes[..bytes.len() / 2]).err().unwrap();
        assert_eq!(malformed.0, 400);
        assert!(malformed.1.contains("malformed model"), "{}", malformed.1);
    }

    #[test]
    fn labels_must_be_canonical_and_match_their_commitment() {
        let labels = ClassLabels::parse(b"setosa\nversicolor\nvirginica\n").unwrap();
        let commitment = labels.commitment();
        assert!(check_labels(commitment, labels.canonical_text().as_bytes()).is_ok());
        assert_eq!(check_labels(commitment + Felt::ONE, labels.canonical_text().as_bytes()).err().map(|r| r.0), Some(422));
        for bad in [&b"setosa\r\nversicolor\r\nvirginica\r\n"[..], b"setosa\nversicolor\nvirginica", b"", b"a\n\nb\n", &[0xff, b'\n']] {
            assert_eq!(check_labels(commitment, bad).err().map(|r| r.0), Some(400), "{bad:?}");
        }
        assert!(matches!(Name::parse(BlobKind::Labels, "0x1ab"), Ok(Name::Commitment(c)) if c == Felt::from(0x1abu16)));
        let refused = Name::parse(BlobKind::Labels, "7").err().unwrap();
        assert_eq!(refused.0, 400);
        assert!(refused.1.contains("the labels' commitment"), "{}", refused.1);
    }
}
