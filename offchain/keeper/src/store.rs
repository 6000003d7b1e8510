//! The keeper's state in SQLite: where it is in the chain (the cursor and the hashes of the last
//! blocks it read, to notice a reorg), the jobs it follows, every transaction it sent, recorded
//! *before* it is sent so that a restart finds out what became of it instead of sending it again,
//! and the commitments that jobs and models on-chain name (what the blob store may serve).

use std::path::Path;
use std::sync::Mutex;

use ciro_client::coordinator::BlobKind;
use rusqlite::{params, Connection, OptionalExtension};
use starknet::core::types::Felt;

/// A store failure.
#[derive(Debug, thiserror::Error)]
#[error("keeper database: {0}")]
pub struct StoreError(#[from] rusqlite::Error);

/// A transaction the keeper recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedAction {
    /// Row id.
    pub id: i64,
    /// The job (0 for relays).
    pub job_id: u64,
    /// `assign_job`, `timeout_job`, `release_payment` or `sponsor_execution`.
    pub kind: String,
    /// The transaction.
    pub transaction_hash: Felt,
    /// `sent`, `succeeded`, `reverted`, `already_done` or `dropped`.
    pub status: String,
}

/// The SQLite database.
pub struct Store {
    connection: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    next_block INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS blocks (
    number INTEGER PRIMARY KEY,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    state TEXT NOT NULL,
    open INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL DEFAULT '',
    transaction_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS actions_by_job ON actions (job_id, kind);
CREATE TABLE IF NOT EXISTS named (
    kind TEXT NOT NULL,
    commitment TEXT NOT NULL,
    PRIMARY KEY (kind, commitment)
);
";

fn hex(value: Felt) -> String {
    format!("{value:#x}")
}

fn felt(text: &str) -> Felt {
    Felt::from_hex(text).unwrap_or(Felt::ZERO)
}

impl Store {
    /// Opens (creating) the database at `path`.
    ///
    /// # Errors
    /// It cannot be opened or migrated.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let connection = Connection::open(path)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.execute_batch(SCHEMA)?;
        Ok(Store { connection: Mutex::new(connection) })
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> Result<T, StoreError> {
        let mut connection = self.connection.lock().unwrap_or_else(|p| p.into_inner());
        Ok(f(&mut connection)?)
    }

    /// The next block to read, `None` before the first poll.
    ///
    /// # Errors
    /// The database fails.
    pub fn next_block(&self) -> Result<Option<u64>, StoreError> {
        self.with(|c| c.query_row("SELECT next_block FROM cursor WHERE id = 1", [], |r| r.get::<_, i64>(0)).optional())
            .map(|n| n.map(|n| n as u64))
    }

    /// The recorded hashes of the blocks from `from` on, in order.
    ///
    /// # Errors
    /// The database fails.
    pub fn recorded_blocks(&self) -> Result<Vec<(u64, Felt)>, StoreError> {
        self.with(|c| {
            let mut statement = c.prepare("SELECT number, hash FROM blocks ORDER BY number")?;
            let rows = statement.query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, felt(&r.get::<_, String>(1)?))))?;
            rows.collect()
        })
    }

    /// Forgets the blocks from `number` on and reads again from there (a reorg replaced them).
    ///
    /// # Errors
    /// The database fails.
    pub fn rewind(&self, number: u64) -> Result<(), StoreError> {
        self.with(|c| {
            let transaction = c.transaction()?;
            transaction.execute("DELETE FROM blocks WHERE number >= ?1", params![number as i64])?;
            transaction.execute(
                "INSERT INTO cursor (id, next_block) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET next_block = MIN(next_block, ?1)",
                params![number as i64],
            )?;
            transaction.commit()
        })
    }

    /// Records, in one transaction, that blocks up to `last` were read: the jobs they touched
    /// (opened for the keeper to look at), the commitments they `named` (job inputs, models), the
    /// hashes of the blocks to re-check, and the cursor. Only the `keep` latest block hashes are
    /// kept.
    ///
    /// # Errors
    /// The database fails.
    pub fn advance(&self, last: u64, touched_jobs: &[u64], named: &[(BlobKind, Felt)], hashes: &[(u64, Felt)], keep: u64) -> Result<(), StoreError> {
        self.with(|c| {
            let transaction = c.transaction()?;
            for (kind, commitment) in named {
                transaction.execute(
                    "INSERT INTO named (kind, commitment) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                    params![kind.segment(), hex(*commitment)],
                )?;
            }
            for job in touched_jobs {
                transaction.execute(
                    "INSERT INTO jobs (id, state, open) VALUES (?1, 'Unknown', 1) ON CONFLICT (id) DO UPDATE SET open = 1",
                    params![*job as i64],
                )?;
            }
            for (number, hash) in hashes {
                transaction.execute(
                    "INSERT INTO blocks (number, hash) VALUES (?1, ?2) ON CONFLICT (number) DO UPDATE SET hash = ?2",
                    params![*number as i64, hex(*hash)],
                )?;
            }
            transaction.execute(
                "DELETE FROM blocks WHERE number + ?1 <= ?2",
                params![keep as i64, last as i64],
            )?;
            transaction.execute(
                "INSERT INTO cursor (id, next_block) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET next_block = ?1",
                params![(last + 1) as i64],
            )?;
            transaction.commit()
        })
    }

    /// Whether a job (an input) or a registered model names `commitment`, in the blocks read.
    ///
    /// # Errors
    /// The database fails.
    pub fn is_named(&self, kind: BlobKind, commitment: Felt) -> Result<bool, StoreError> {
        self.with(|c| {
            c.query_row(
                "SELECT 1 FROM named WHERE kind = ?1 AND commitment = ?2",
                params![kind.segment(), hex(commitment)],
                |_| Ok(()),
            )
            .optional()
            .map(|found| found.is_some())
        })
    }

    /// Jobs not yet finished and paid.
    ///
    /// # Errors
    /// The database fails.
    pub fn open_jobs(&self) -> Result<Vec<u64>, StoreError> {
        self.with(|c| {
            let mut statement = c.prepare("SELECT id FROM jobs WHERE open = 1 ORDER BY id")?;
            let rows = statement.query_map([], |r| Ok(r.get::<_, i64>(0)? as u64))?;
            rows.collect()
        })
    }

    /// Records a job's state as last read; a closed job is no longer looked at.
    ///
    /// # Errors
    /// The database fails.
    pub fn set_job(&self, job_id: u64, state: &str, open: bool) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO jobs (id, state, open) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET state = ?2, open = ?3",
                params![job_id as i64, state, open as i64],
            )
            .map(|_| ())
        })
    }

    /// Jobs followed, by state.
    ///
    /// # Errors
    /// The database fails.
    pub fn job_states(&self) -> Result<Vec<(String, u64)>, StoreError> {
        self.with(|c| {
            let mut statement = c.prepare("SELECT state, COUNT(*) FROM jobs GROUP BY state ORDER BY state")?;
            let rows = statement.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))?;
            rows.collect()
        })
    }

    /// Records a transaction about to be sent; returns its row id.
    ///
    /// # Errors
    /// The database fails.
    pub fn record_action(&self, job_id: u64, kind: &str, reference: &str, transaction_hash: Felt) -> Result<i64, StoreError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO actions (job_id, kind, reference, transaction_hash, status) VALUES (?1, ?2, ?3, ?4, 'sent')",
                params![job_id as i64, kind, reference, hex(transaction_hash)],
            )?;
            Ok(c.last_insert_rowid())
        })
    }

    /// Sets what became of a recorded transaction.
    ///
    /// # Errors
    /// The database fails.
    pub fn finish_action(&self, id: i64, status: &str, detail: &str) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute("UPDATE actions SET status = ?2, detail = ?3 WHERE id = ?1", params![id, status, detail]).map(|_| ())
        })
    }

    /// Recorded transactions whose outcome is not known yet (`kind` filters; `reference` too when
    /// not empty).
    ///
    /// # Errors
    /// The database fails.
    pub fn unfinished_actions(&self, kind: Option<&str>, reference: Option<&str>) -> Result<Vec<RecordedAction>, StoreError> {
        self.actions_where("status = 'sent'", kind, reference)
    }

    /// Every recorded transaction (`kind` and `reference` filter).
    ///
    /// # Errors
    /// The database fails.
    pub fn actions(&self, kind: Option<&str>, reference: Option<&str>) -> Result<Vec<RecordedAction>, StoreError> {
        self.actions_where("1 = 1", kind, reference)
    }

    fn actions_where(&self, condition: &str, kind: Option<&str>, reference: Option<&str>) -> Result<Vec<RecordedAction>, StoreError> {
        let sql = format!(
            "SELECT id, job_id, kind, transaction_hash, status FROM actions WHERE {condition} \
             AND (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR reference = ?2) ORDER BY id"
        );
        self.with(|c| {
            let mut statement = c.prepare(&sql)?;
            let rows = statement.query_map(params![kind, reference], |r| {
                Ok(RecordedAction {
                    id: r.get(0)?,
                    job_id: r.get::<_, i64>(1)? as u64,
                    kind: r.get(2)?,
                    transaction_hash: felt(&r.get::<_, String>(3)?),
                    status: r.get(4)?,
                })
            })?;
            rows.collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_jobs_and_actions_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keeper.sqlite");
        {
            let store = Store::open(&path).unwrap();
            assert_eq!(store.next_block().unwrap(), None);
            let hashes: Vec<(u64, Felt)> = (1..=10).map(|n| (n, Felt::from(100 + n))).collect();
            store.advance(10, &[1, 2], &[(BlobKind::Input, Felt::from(0x1du8))], &hashes, 4).unwrap();
            let id = store.record_action(1, "assign_job", "", Felt::from(0xabcu32)).unwrap();
            store.record_action(2, "release_payment", "", Felt::from(0xdefu32)).unwrap();
            store.finish_action(id, "succeeded", "").unwrap();
            store.set_job(1, "Completed", false).unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.next_block().unwrap(), Some(11));
        assert_eq!(store.recorded_blocks().unwrap().iter().map(|b| b.0).collect::<Vec<_>>(), vec![7, 8, 9, 10]);
        assert_eq!(store.open_jobs().unwrap(), vec![2]);
        assert!(store.is_named(BlobKind::Input, Felt::from(0x1du8)).unwrap());
        assert!(!store.is_named(BlobKind::Model, Felt::from(0x1du8)).unwrap(), "an input's commitment names no model");
        let unfinished = store.unfinished_actions(None, None).unwrap();
        assert_eq!(unfinished.len(), 1);
        assert_eq!((unfinished[0].job_id, unfinished[0].transaction_hash), (2, Felt::from(0xdefu32)));
        store.rewind(8).unwrap();
        assert_eq!(store.next_block().unwrap(), Some(8));
        assert_eq!(store.recorded_blocks().unwrap().iter().map(|b| b.0).collect::<Vec<_>>(), vec![7]);
    }
}
