//! Where the coordinator keeps blobs (job inputs, models, results): a small trait, so another
//! store (an object store, a database) can replace the filesystem one.
//!
//! A blob is either *stored* (its name is named on-chain, or it is a verified result: served) or
//! *pending* (uploaded before the job or model naming it reached the chain: kept for a short
//! window, not served, promoted once the chain names it). Nothing is ever overwritten, and a
//! reader never sees half a blob.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use ciro_client::coordinator::BlobKind;

/// A blob store failure.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The filesystem failed.
    #[error("blob store {path}: {source}")]
    Io {
        /// Where.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A name that is not a plain file name (the data plane only passes canonical names).
    #[error("`{0}` is not a blob name")]
    Name(String),
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The blob is new.
    Created,
    /// A blob of that name was already there: nothing was written.
    AlreadyThere,
}

/// A pending blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingBlob {
    /// Its kind.
    pub kind: BlobKind,
    /// Its name.
    pub name: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// How long ago it was uploaded.
    pub age: Duration,
}

/// Blobs, by kind and name.
pub trait BlobStore: Send + Sync {
    /// A stored blob.
    ///
    /// # Errors
    /// The store fails.
    fn get(&self, kind: BlobKind, name: &str) -> Result<Option<Vec<u8>>, BlobError>;

    /// Stores a blob, unless one of that name is there.
    ///
    /// # Errors
    /// The store fails.
    fn put(&self, kind: BlobKind, name: &str, bytes: &[u8]) -> Result<Written, BlobError>;

    /// Keeps a pending blob, unless one of that name is pending.
    ///
    /// # Errors
    /// The store fails.
    fn put_pending(&self, kind: BlobKind, name: &str, bytes: &[u8]) -> Result<Written, BlobError>;

    /// Makes a pending blob a stored one; `false` when none is pending under that name.
    ///
    /// # Errors
    /// The store fails.
    fn promote(&self, kind: BlobKind, name: &str) -> Result<bool, BlobError>;

    /// Every pending blob.
    ///
    /// # Errors
    /// The store fails.
    fn pending(&self) -> Result<Vec<PendingBlob>, BlobError>;

    /// Forgets a pending blob.
    ///
    /// # Errors
    /// The store fails.
    fn remove_pending(&self, kind: BlobKind, name: &str) -> Result<(), BlobError>;
}

/// Blobs as files: `<root>/<kind>/<name>` stored, `<root>/pending/<kind>/<name>` pending. A blob
/// is written to `<root>/tmp/` and then hard-linked into place, which fails when the name is
/// taken: readers see a whole file or none, and nothing is replaced.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: PathBuf,
}

impl FsBlobStore {
    /// A store under `root` (created when missing).
    ///
    /// # Errors
    /// The directories cannot be created.
    pub fn open(root: &Path) -> Result<Self, BlobError> {
        let store = FsBlobStore { root: root.to_owned() };
        for kind in BlobKind::ALL {
            for dir in [store.dir(kind, false), store.dir(kind, true)] {
                std::fs::create_dir_all(&dir).map_err(io(&dir))?;
            }
        }
        let tmp = store.root.join("tmp");
        std::fs::create_dir_all(&tmp).map_err(io(&tmp))?;
        Ok(store)
    }

    fn dir(&self, kind: BlobKind, pending: bool) -> PathBuf {
        if pending { self.root.join("pending").join(kind.segment()) } else { self.root.join(kind.segment()) }
    }

    fn path(&self, kind: BlobKind, name: &str, pending: bool) -> Result<PathBuf, BlobError> {
        let plain = !name.is_empty() && name.len() <= 80 && name.bytes().all(|b| b.is_ascii_alphanumeric());
        if !plain {
            return Err(BlobError::Name(name.to_owned()));
        }
        Ok(self.dir(kind, pending).join(name))
    }

    fn read(path: &Path) -> Result<Option<Vec<u8>>, BlobError> {
        match std::fs::read(path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(BlobError::Io { path: path.to_owned(), source }),
        }
    }

    /// Writes `bytes` to a temporary file, synced, then links it to `path` if that is free.
    fn write_new(&self, path: &Path, bytes: &[u8]) -> Result<Written, BlobError> {
        use std::io::Write;
        if path.exists() {
            return Ok(Written::AlreadyThere);
        }
        let temporary = self.root.join("tmp").join(format!("{}-{}", std::process::id(), fastrand::u64(..)));
        let result = (|| {
            let mut file = std::fs::File::create(&temporary).map_err(io(&temporary))?;
            file.write_all(bytes).map_err(io(&temporary))?;
            file.sync_all().map_err(io(&temporary))?;
            match std::fs::hard_link(&temporary, path) {
                Ok(()) => Ok(Written::Created),
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(Written::AlreadyThere),
                Err(source) => Err(BlobError::Io { path: path.to_owned(), source }),
            }
        })();
        let _ = std::fs::remove_file(&temporary);
        result
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> BlobError + '_ {
    move |source| BlobError::Io { path: path.to_owned(), source }
}

impl BlobStore for FsBlobStore {
    fn get(&self, kind: BlobKind, name: &str) -> Result<Option<Vec<u8>>, BlobError> {
        Self::read(&self.path(kind, name, false)?)
    }

    fn put(&self, kind: BlobKind, name: &str, bytes: &[u8]) -> Result<Written, BlobError> {
        self.write_new(&self.path(kind, name, false)?, bytes)
    }

    fn put_pending(&self, kind: BlobKind, name: &str, bytes: &[u8]) -> Result<Written, BlobError> {
        self.write_new(&self.path(kind, name, true)?, bytes)
    }

    fn promote(&self, kind: BlobKind, name: &str) -> Result<bool, BlobError> {
        let (pending, stored) = (self.path(kind, name, true)?, self.path(kind, name, false)?);
        match std::fs::hard_link(&pending, &stored) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(source) => return Err(BlobError::Io { path: stored, source }),
        }
        self.remove_pending(kind, name)?;
        Ok(true)
    }

    fn pending(&self) -> Result<Vec<PendingBlob>, BlobError> {
        let mut blobs = Vec::new();
        let now = SystemTime::now();
        for kind in BlobKind::ALL {
            let dir = self.dir(kind, true);
            for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
                let entry = entry.map_err(io(&dir))?;
                let Ok(metadata) = entry.metadata() else { continue };
                let age = metadata.modified().ok().and_then(|m| now.duration_since(m).ok()).unwrap_or_default();
                blobs.push(PendingBlob { kind, name: entry.file_name().to_string_lossy().into_owned(), bytes: metadata.len(), age });
            }
        }
        Ok(blobs)
    }

    fn remove_pending(&self, kind: BlobKind, name: &str) -> Result<(), BlobError> {
        let path = self.path(kind, name, true)?;
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(BlobError::Io { path, source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_are_written_once_and_pending_ones_are_promoted() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsBlobStore::open(dir.path()).unwrap();
        assert_eq!(store.get(BlobKind::Input, "0xab").unwrap(), None);
        assert_eq!(store.put(BlobKind::Input, "0xab", b"first").unwrap(), Written::Created);
        assert_eq!(store.put(BlobKind::Input, "0xab", b"second").unwrap(), Written::AlreadyThere);
        assert_eq!(store.get(BlobKind::Input, "0xab").unwrap().as_deref(), Some(&b"first"[..]), "nothing is rewritten");
        assert_eq!(store.get(BlobKind::Model, "0xab").unwrap(), None, "kinds are apart");

        assert_eq!(store.put_pending(BlobKind::Model, "0xcd", b"model").unwrap(), Written::Created);
        assert_eq!(store.get(BlobKind::Model, "0xcd").unwrap(), None, "a pending blob is not served");
        let pending = store.pending().unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!((pending[0].kind, pending[0].name.as_str(), pending[0].bytes), (BlobKind::Model, "0xcd", 5));
        assert!(store.promote(BlobKind::Model, "0xcd").unwrap());
        assert_eq!(store.get(BlobKind::Model, "0xcd").unwrap().as_deref(), Some(&b"model"[..]));
        assert!(store.pending().unwrap().is_empty());
        assert!(!store.promote(BlobKind::Model, "0xcd").unwrap(), "nothing left to promote");
        assert!(std::fs::read_dir(dir.path().join("tmp")).unwrap().next().is_none(), "no temporary file is left behind");

        for bad in ["", "../x", "a/b", "..", "x.y", "a\0b"] {
            assert!(matches!(store.put(BlobKind::Input, bad, b"x"), Err(BlobError::Name(_))), "{bad:?}");
        }
    }
}
