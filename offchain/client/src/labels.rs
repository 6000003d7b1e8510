//! A model's class labels: the names of its outputs, one per output, in order.
//!
//! A labels file is UTF-8 text with one label per line (`\n` or `\r\n`; a final newline is
//! optional). Its commitment, recorded on-chain with the model (`JobManager.register_model`) and
//! used as the labels' name in the coordinator, is
//!
//! ```text
//! poseidon_hash_many([short_string("ciro.labels.v1"), n_bytes, chunk_0, chunk_1, ...])
//! ```
//!
//! over the canonical text (the labels joined by `\n`, with a final `\n`), cut into 31-byte
//! big-endian chunks (the last one shorter). The length makes the chunking unambiguous, and the
//! tag keeps the hash apart from every other commitment Ciro computes.

use starknet::core::types::Felt;
use starknet::core::utils::cairo_short_string_to_felt;

use crate::coordinator::{commitment_name, BlobKind, Coordinator};
use crate::ClientError;

/// The most labels a model may have.
pub const MAX_LABELS: usize = 4096;
/// The longest label, in bytes.
pub const MAX_LABEL_BYTES: usize = 256;
/// The domain tag of the commitment.
const TAG: &str = "ciro.labels.v1";

/// Why a labels file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelsError {
    /// The bytes are not UTF-8.
    #[error("the labels are not UTF-8 text")]
    NotUtf8,
    /// There is no label at all.
    #[error("there are no labels (one label per line)")]
    Empty,
    /// A line is empty or only whitespace.
    #[error("label {line} is empty (one label per line, no blank lines)")]
    EmptyLabel {
        /// The line, from 1.
        line: usize,
    },
    /// A label is too long.
    #[error("label {line} has {bytes} bytes; at most {MAX_LABEL_BYTES} are allowed")]
    TooLong {
        /// The line, from 1.
        line: usize,
        /// Its length in bytes.
        bytes: usize,
    },
    /// There are too many labels.
    #[error("{count} labels; at most {MAX_LABELS} are allowed")]
    TooMany {
        /// How many there are.
        count: usize,
    },
}

/// A model's class labels, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassLabels {
    names: Vec<String>,
}

impl ClassLabels {
    /// Parses a labels file.
    ///
    /// # Errors
    /// The bytes are not UTF-8, there are no labels, a line is blank or too long, or there are
    /// more than [`MAX_LABELS`].
    pub fn parse(bytes: &[u8]) -> Result<Self, LabelsError> {
        let text = std::str::from_utf8(bytes).map_err(|_| LabelsError::NotUtf8)?;
        let text = text.strip_suffix('\n').unwrap_or(text);
        if text.is_empty() {
            return Err(LabelsError::Empty);
        }
        let names: Vec<String> = text.split('\n').map(|line| line.strip_suffix('\r').unwrap_or(line).to_owned()).collect();
        Self::new(names)
    }

    /// Labels from their names, in output order.
    ///
    /// # Errors
    /// As [`ClassLabels::parse`]; a name may not contain a line break either.
    pub fn new(names: Vec<String>) -> Result<Self, LabelsError> {
        if names.is_empty() {
            return Err(LabelsError::Empty);
        }
        if names.len() > MAX_LABELS {
            return Err(LabelsError::TooMany { count: names.len() });
        }
        for (index, name) in names.iter().enumerate() {
            let line = index + 1;
            if name.trim().is_empty() || name.contains(['\n', '\r']) {
                return Err(LabelsError::EmptyLabel { line });
            }
            if name.len() > MAX_LABEL_BYTES {
                return Err(LabelsError::TooLong { line, bytes: name.len() });
            }
        }
        Ok(Self { names })
    }

    /// The labels, in output order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// How many labels there are.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Always false: a `ClassLabels` has at least one label.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The label of output `index`.
    pub fn get(&self, index: usize) -> Option<&str> {
        self.names.get(index).map(String::as_str)
    }

    /// The canonical text: every label followed by `\n`. This is what the coordinator stores.
    pub fn canonical_text(&self) -> String {
        let mut text = String::with_capacity(self.names.iter().map(|n| n.len() + 1).sum());
        for name in &self.names {
            text.push_str(name);
            text.push('\n');
        }
        text
    }

    /// The commitment of the labels (see the module documentation). Never zero in practice (zero
    /// means "no labels" on-chain).
    pub fn commitment(&self) -> Felt {
        let text = self.canonical_text();
        let bytes = text.as_bytes();
        let tag = cairo_short_string_to_felt(TAG).expect("the tag is a valid short string");
        let mut elements = Vec::with_capacity(2 + bytes.len().div_ceil(31));
        elements.push(tag);
        elements.push(Felt::from(bytes.len() as u64));
        elements.extend(bytes.chunks(31).map(Felt::from_bytes_be_slice));
        starknet_crypto::poseidon_hash_many(&elements)
    }
}

/// The labels `commitment` names, from `coordinator`: `None` when it has none; checked against
/// the commitment, so a coordinator cannot substitute other names.
///
/// # Errors
/// The coordinator fails, or serves bytes that are not labels or commit to something else.
pub async fn fetch(coordinator: &Coordinator, commitment: Felt) -> Result<Option<ClassLabels>, ClientError> {
    let Some(bytes) = coordinator.get(BlobKind::Labels, &commitment_name(commitment)).await? else {
        return Ok(None);
    };
    let labels = ClassLabels::parse(&bytes).map_err(|e| ClientError::Result(format!("the coordinator's labels {commitment:#x} are not a labels file ({e}): refused")))?;
    let actual = labels.commitment();
    if actual != commitment {
        return Err(ClientError::Result(format!("the coordinator's labels commit to {actual:#x}, not to {commitment:#x}: refused")));
    }
    Ok(Some(labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_one_label_per_line_with_or_without_a_final_newline() {
        let unix = ClassLabels::parse(b"setosa\nversicolor\nvirginica\n").unwrap();
        let windows = ClassLabels::parse(b"setosa\r\nversicolor\r\nvirginica").unwrap();
        assert_eq!(unix.names(), ["setosa", "versicolor", "virginica"]);
        assert_eq!(unix, windows);
        assert_eq!(unix.commitment(), windows.commitment());
        assert_eq!(unix.canonical_text(), "setosa\nversicolor\nvirginica\n");
        assert_eq!(unix.get(2), Some("virginica"));
        assert_eq!(unix.get(3), None);
    }

    #[test]
    fn refuses_what_is_not_a_labels_file() {
        assert_eq!(ClassLabels::parse(b""), Err(LabelsError::Empty));
        assert_eq!(ClassLabels::parse(b"\n"), Err(LabelsError::Empty));
        assert_eq!(ClassLabels::parse(b"a\n\nb\n"), Err(LabelsError::EmptyLabel { line: 2 }));
        assert_eq!(ClassLabels::parse(b"a\n  \n"), Err(LabelsError::EmptyLabel { line: 2 }));
        assert_eq!(ClassLabels::parse(b"a\n\n"), Err(LabelsError::EmptyLabel { line: 2 }));
        assert_eq!(ClassLabels::parse(&[0xff, b'\n']), Err(LabelsError::NotUtf8));
        let long = "x".repeat(MAX_LABEL_BYTES + 1);
        assert_eq!(ClassLabels::parse(long.as_bytes()), Err(LabelsError::TooLong { line: 1, bytes: MAX_LABEL_BYTES + 1 }));
        let many = "a\n".repeat(MAX_LABELS + 1);
        assert_eq!(ClassLabels::parse(many.as_bytes()), Err(LabelsError::TooMany { count: MAX_LABELS + 1 }));
        assert_eq!(ClassLabels::new(vec!["a\nb".into()]), Err(LabelsError::EmptyLabel { line: 1 }));
    }

    #[test]
    fn the_commitment_binds_every_byte_and_the_order() {
        let labels = ClassLabels::parse(b"cat\ndog\n").unwrap();
        let commitment = labels.commitment();
        assert_ne!(commitment, Felt::ZERO);
        for other in [&b"dog\ncat\n"[..], b"cat\ndog\nbird\n", b"cat\ndoh\n", b"ca\ntdog\n", b"cat dog\n"] {
            assert_ne!(ClassLabels::parse(other).unwrap().commitment(), commitment, "{:?}", std::str::from_utf8(other));
        }
        // Labels longer than one 31-byte chunk, and ones whose text is a multiple of 31 bytes.
        let thirty = "y".repeat(30);
        let a = ClassLabels::new(vec![thirty.clone()]).unwrap();
        let b = ClassLabels::new(vec![thirty.clone(), "z".into()]).unwrap();
        assert_eq!(a.canonical_text().len(), 31);
        assert_ne!(a.commitment(), b.commitment());
    }

    #[test]
    fn the_commitment_is_the_documented_hash() {
        let labels = ClassLabels::parse(b"a\nb\n").unwrap();
        let tag = cairo_short_string_to_felt("ciro.labels.v1").unwrap();
        let expected = starknet_crypto::poseidon_hash_many(&[tag, Felt::from(4u8), Felt::from_bytes_be_slice(b"a\nb\n")]);
        assert_eq!(labels.commitment(), expected);
    }
}
