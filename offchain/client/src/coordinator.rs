//! The coordinator's blob store, as its clients use it: job inputs, models, class labels and
//! results, each stored under the name that authenticates it.
//!
//! | kind | name | bytes | the coordinator checks |
//! |---|---|---|---|
//! | input | the job's input commitment | the input file `{"input": [...]}` | the commitment of the values |
//! | model | the model's commitment | the ONNX file | the commitment of the model prepared as a worker prepares it |
//! | labels | the labels' commitment | the class labels, one per line | the commitment of the labels ([`crate::labels`]) |
//! | result | the job's id | the proof file (`ciro verify` reads it) | a valid proof of the job's on-chain statement |
//!
//! `PUT <base>/v1/<segment>/<name>` (`inputs`, `models`, `labels`, `results`) stores, `GET` reads. Nothing is ever overwritten: a second
//! upload of the same name is answered 200 and changes nothing (the bytes are the same, since the
//! name authenticates them). No account is needed: the bytes speak for themselves.

use std::time::Duration;

use starknet::core::types::Felt;

use crate::ClientError;

/// What a blob is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlobKind {
    /// A job's input file, named by its input commitment.
    Input,
    /// An ONNX model, named by its model commitment.
    Model,
    /// A model's class labels, named by their commitment.
    Labels,
    /// A job's proof file, named by the job id.
    Result,
}

impl BlobKind {
    /// Every kind.
    pub const ALL: [BlobKind; 4] = [BlobKind::Input, BlobKind::Model, BlobKind::Labels, BlobKind::Result];

    /// The path segment (`inputs`, `models`, `labels`, `results`).
    pub fn segment(self) -> &'static str {
        match self {
            BlobKind::Input => "inputs",
            BlobKind::Model => "models",
            BlobKind::Labels => "labels",
            BlobKind::Result => "results",
        }
    }

    /// The kind whose path segment is `segment`.
    pub fn from_segment(segment: &str) -> Option<Self> {
        BlobKind::ALL.into_iter().find(|kind| kind.segment() == segment)
    }

    /// The singular name, for messages.
    pub fn noun(self) -> &'static str {
        match self {
            BlobKind::Input => "input",
            BlobKind::Model => "model",
            BlobKind::Labels => "labels",
            BlobKind::Result => "result",
        }
    }
}

/// The canonical name of the blob a commitment names: `0x` and 64 hex digits.
pub fn commitment_name(commitment: Felt) -> String {
    format!("{commitment:#066x}")
}

/// What an upload did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uploaded {
    /// Stored now (201).
    Stored,
    /// The coordinator already had it (200); nothing changed.
    AlreadyStored,
    /// Kept until a job or model on-chain names it (202): uploaded before the submission.
    Pending,
}

/// A coordinator's blob store, reached over HTTP.
#[derive(Debug, Clone)]
pub struct Coordinator {
    base: url::Url,
    http: reqwest::Client,
}

impl PartialEq for Coordinator {
    fn eq(&self, other: &Self) -> bool {
        self.base == other.base
    }
}

impl Eq for Coordinator {}

/// How long one request may take (a model upload is prepared by the coordinator before it
/// answers).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

impl Coordinator {
    /// The coordinator at `url` (`http://host:port`, where `ciro-keeper` listens).
    ///
    /// # Errors
    /// Not an `http(s)://` URL.
    pub fn parse(url: &str) -> Result<Self, ClientError> {
        let bad = |why: String| ClientError::Config(format!("coordinator URL `{url}`: {why}"));
        let mut base = url::Url::parse(url).map_err(|e| bad(e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(bad("not http:// or https://".to_owned()));
        }
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let http = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build().map_err(|e| bad(e.to_string()))?;
        Ok(Coordinator { base, http })
    }

    /// The base URL.
    pub fn base(&self) -> &url::Url {
        &self.base
    }

    /// Where blob `name` of `kind` is.
    pub fn blob_url(&self, kind: BlobKind, name: &str) -> String {
        format!("{}v1/{}/{name}", self.base, kind.segment())
    }

    /// Uploads `bytes` as blob `name` of `kind`.
    ///
    /// # Errors
    /// [`ClientError::Refused`] with the coordinator's reason (the bytes do not match the name,
    /// too large, …), or [`ClientError::Http`] when it cannot be reached.
    pub async fn put(&self, kind: BlobKind, name: &str, bytes: Vec<u8>) -> Result<Uploaded, ClientError> {
        let url = self.blob_url(kind, name);
        let unreachable = |e: reqwest::Error| ClientError::Http { url: url.clone(), message: e.to_string() };
        let response = self.http.put(&url).body(bytes).send().await.map_err(unreachable)?;
        let status = response.status();
        let text = response.text().await.map_err(unreachable)?;
        match status.as_u16() {
            201 => Ok(Uploaded::Stored),
            200 => Ok(Uploaded::AlreadyStored),
            202 => Ok(Uploaded::Pending),
            _ => Err(answer_error(&url, status.as_u16(), &text)),
        }
    }

    /// Downloads blob `name` of `kind`; `None` when the coordinator does not have it.
    ///
    /// # Errors
    /// [`ClientError::Refused`] (a bad name), or [`ClientError::Http`] when it cannot be reached.
    pub async fn get(&self, kind: BlobKind, name: &str) -> Result<Option<Vec<u8>>, ClientError> {
        let url = self.blob_url(kind, name);
        let unreachable = |e: reqwest::Error| ClientError::Http { url: url.clone(), message: e.to_string() };
        let response = self.http.get(&url).send().await.map_err(unreachable)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(unreachable)?;
        match status.as_u16() {
            200 => Ok(Some(bytes.to_vec())),
            404 => Ok(None),
            code => Err(answer_error(&url, code, &String::from_utf8_lossy(&bytes))),
        }
    }
}

/// A coordinator's answer other than success: 4xx is its refusal (final), 5xx a failure worth
/// retrying.
/// The error an operator's non-2xx answer means: its `{"error": reason}` (or its body) as the
/// reason; a 4xx is a refusal, anything else worth retrying.
pub(crate) fn answer_error(url: &str, status: u16, body: &str) -> ClientError {
    let reason = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_owned))
        .unwrap_or_else(|| body.trim().to_owned());
    if (400..500).contains(&status) {
        ClientError::Refused { url: url.to_owned(), status, reason }
    } else {
        ClientError::Http { url: url.to_owned(), message: format!("status {status}: {reason}") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_names() {
        let coordinator = Coordinator::parse("http://127.0.0.1:9464").unwrap();
        assert_eq!(
            coordinator.blob_url(BlobKind::Input, &commitment_name(Felt::from(0xabu8))),
            format!("http://127.0.0.1:9464/v1/inputs/0x{:064x}", 0xab)
        );
        assert_eq!(coordinator.blob_url(BlobKind::Result, "7"), "http://127.0.0.1:9464/v1/results/7");
        for kind in BlobKind::ALL {
            assert_eq!(BlobKind::from_segment(kind.segment()), Some(kind));
        }
        assert!(Coordinator::parse("ftp://x").is_err());
        assert!(Coordinator::parse("not a url").is_err());
    }
}
