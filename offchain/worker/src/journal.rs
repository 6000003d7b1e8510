//! In-flight jobs on disk: one JSON file per job the worker accepted, written atomically at each
//! stage, so a restarted worker resumes them (and does not prove twice what it already proved).

use std::path::{Path, PathBuf};

use ciro_client::store::write_atomically;
use ciro_client::ClientError;
use serde::{Deserialize, Serialize};
use starknet::core::types::Felt;

/// How far a job got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    /// Accepted; proving (or about to).
    Proving,
    /// Proved; `complete_job` not yet confirmed.
    Proved {
        /// The output commitment.
        output_commitment: Felt,
        /// The proof, as `complete_job`'s calldata.
        proof: Vec<Felt>,
        /// Proving time in seconds.
        prove_seconds: f64,
    },
}

/// A journal entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The job.
    pub job_id: u64,
    /// Its stage.
    #[serde(flatten)]
    pub stage: Stage,
}

/// The journal directory.
#[derive(Debug, Clone)]
pub struct Journal {
    dir: PathBuf,
}

impl Journal {
    /// The journal under `state_dir`.
    ///
    /// # Errors
    /// The directory cannot be created.
    pub fn open(state_dir: &Path) -> Result<Self, ClientError> {
        let dir = state_dir.join("jobs");
        std::fs::create_dir_all(&dir).map_err(|source| ClientError::Io { path: dir.clone(), source })?;
        Ok(Journal { dir })
    }

    fn path(&self, job_id: u64) -> PathBuf {
        self.dir.join(format!("{job_id}.json"))
    }

    /// Writes `entry`.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn save(&self, entry: &Entry) -> Result<(), ClientError> {
        let text = serde_json::to_vec(entry).map_err(|e| ClientError::Store(e.to_string()))?;
        write_atomically(&self.path(entry.job_id), &text)
    }

    /// Forgets job `job_id` (done or given up).
    ///
    /// # Errors
    /// The file cannot be removed.
    pub fn remove(&self, job_id: u64) -> Result<(), ClientError> {
        let path = self.path(job_id);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(ClientError::Io { path, source }),
        }
    }

    /// The entry for `job_id`, if any.
    pub fn get(&self, job_id: u64) -> Option<Entry> {
        let text = std::fs::read(self.path(job_id)).ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// Every entry, by job id.
    ///
    /// # Errors
    /// The directory cannot be read.
    pub fn entries(&self) -> Result<Vec<Entry>, ClientError> {
        let io = |source| ClientError::Io { path: self.dir.clone(), source };
        let mut entries = Vec::new();
        for file in std::fs::read_dir(&self.dir).map_err(io)? {
            let path = file.map_err(io)?.path();
            let job_id = path.file_stem().and_then(|s| s.to_str()).and_then(|s| s.parse::<u64>().ok());
            if let Some(entry) = job_id.and_then(|id| self.get(id)) {
                entries.push(entry);
            }
        }
        entries.sort_by_key(|e| e.job_id);
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_survive_and_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        journal.save(&Entry { job_id: 7, stage: Stage::Proving }).unwrap();
        let proved = Stage::Proved { output_commitment: Felt::TWO, proof: vec![Felt::ONE], prove_seconds: 1.5 };
        journal.save(&Entry { job_id: 3, stage: proved.clone() }).unwrap();
        let reopened = Journal::open(dir.path()).unwrap();
        assert_eq!(reopened.entries().unwrap().iter().map(|e| e.job_id).collect::<Vec<_>>(), vec![3, 7]);
        assert_eq!(reopened.get(3).unwrap().stage, proved);
        reopened.remove(3).unwrap();
        reopened.remove(3).unwrap();
        assert_eq!(reopened.entries().unwrap().len(), 1);
    }
}
