//! Job inputs, found by their commitments.
//!
//! A client writes its input to the input store under the commitment it puts on-chain
//! (`<commitment>.json`, the prover's input file `{"input": [...]}`); the worker fetches it from
//! there (a directory, an HTTP server, or the coordinator's blob store) and checks it against the
//! commitment before proving.
//! The store moves the file's text and knows nothing of its format, so the operators that never
//! prove (the keeper) do not link the prover.

use std::path::{Path, PathBuf};

use starknet::core::types::Felt;

use crate::coordinator::{commitment_name, BlobKind, Coordinator};
use crate::ClientError;

/// Where job inputs are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputStore {
    /// A local directory (read and write).
    Dir(PathBuf),
    /// An HTTP server (read only): `GET <base>/<commitment>.json`.
    Http(url::Url),
    /// The coordinator's blob store (read and write): `<base>/v1/inputs/<commitment>`.
    Coordinator(Coordinator),
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

    /// Fetches the text of the input file stored under `commitment` (not yet parsed nor checked
    /// against it).
    ///
    /// # Errors
    /// Missing or unreadable.
    pub async fn fetch(&self, commitment: Felt) -> Result<String, ClientError> {
        let name = input_file_name(commitment);
        match self {
            InputStore::Dir(dir) => {
                let path = dir.join(&name);
                tokio::fs::read_to_string(&path).await.map_err(|source| ClientError::Io { path, source })
            }
            InputStore::Http(base) => {
                let url = base.join(&name).map_err(|e| ClientError::Http { url: base.to_string(), message: e.to_string() })?;
                let http_error = |message: String| ClientError::Http { url: url.to_string(), message };
                let response = reqwest::get(url.clone()).await.map_err(|e| http_error(e.to_string()))?;
                if !response.status().is_success() {
                    return Err(http_error(format!("status {}", response.status())));
                }
                response.text().await.map_err(|e| http_error(e.to_string()))
            }
            InputStore::Coordinator(coordinator) => {
                let name = commitment_name(commitment);
                let bytes = coordinator.get(BlobKind::Input, &name).await?.ok_or_else(|| {
                    ClientError::Store(format!("the coordinator at {} has no input {name}", coordinator.base()))
                })?;
                String::from_utf8(bytes).map_err(|_| ClientError::Store(format!("the input {name} is not UTF-8 text")))
            }
        }
    }

    /// Stores the input file `text` under `commitment` (a directory or the coordinator); returns
    /// where.
    ///
    /// # Errors
    /// The store is a plain HTTP server, the file cannot be written, or the coordinator refuses
    /// it (its reason) or cannot be reached.
    pub async fn put(&self, commitment: Felt, text: &str) -> Result<String, ClientError> {
        match self {
            InputStore::Dir(dir) => {
                std::fs::create_dir_all(dir).map_err(|source| ClientError::Io { path: dir.clone(), source })?;
                let path = dir.join(input_file_name(commitment));
                write_atomically(&path, text.as_bytes())?;
                Ok(path.display().to_string())
            }
            InputStore::Http(base) => Err(ClientError::Store(format!(
                "the input store {base} is read-only here: upload the input as {} there yourself, or use a directory store",
                input_file_name(commitment)
            ))),
            InputStore::Coordinator(coordinator) => {
                let name = commitment_name(commitment);
                coordinator.put(BlobKind::Input, &name, text.as_bytes().to_vec()).await?;
                Ok(coordinator.blob_url(BlobKind::Input, &name))
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn directory_store_round_trips_and_reports_missing_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let store = InputStore::parse(dir.path().to_str().unwrap()).unwrap();
        let commitment = Felt::from(0xabcu32);
        let text = "{\"input\":[1.5,-2.0]}";
        store.put(commitment, text).await.unwrap();
        assert_eq!(store.fetch(commitment).await.unwrap(), text);
        assert!(matches!(store.fetch(Felt::TWO).await, Err(ClientError::Io { .. })));
    }

    #[tokio::test]
    async fn http_stores_are_read_only() {
        let store = InputStore::parse("http://inputs.example/ciro").unwrap();
        assert_eq!(store, InputStore::Http(url::Url::parse("http://inputs.example/ciro/").unwrap()));
        assert!(store.put(Felt::ONE, "{}").await.unwrap_err().to_string().contains("read-only"));
    }
}
