//! Input files: JSON `{"input": [f64, ...]}`, or a batch `{"input": [[f64, ...], ...]}`.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// Errors of input files.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be read.
    #[error("cannot read input file {path}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Not the expected JSON.
    #[error("malformed input file (expected {{\"input\": [numbers]}})")]
    Json(#[from] serde_json::Error),
    /// A batch whose elements do not line up.
    #[error("malformed batch: {0}")]
    Batch(String),
    /// Wrong number of values for the model.
    #[error("input has {got} values, the model takes {expected}")]
    Shape {
        /// Model input size.
        expected: usize,
        /// Values in the file.
        got: usize,
    },
}

fn read_text(path: &Path) -> Result<String, InputError> {
    std::fs::read_to_string(path).map_err(|source| InputError::Io { path: path.display().to_string(), source })
}

/// The contents of an input file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputFile {
    /// The input vector (real values, quantized by the prover).
    pub input: Vec<f64>,
}

impl InputFile {
    /// Parses JSON text.
    ///
    /// # Errors
    /// [`InputError::Json`] when malformed.
    pub fn parse(text: &str) -> Result<Self, InputError> {
        Ok(serde_json::from_str(text)?)
    }

    /// Reads and parses a file.
    ///
    /// # Errors
    /// [`InputError`] when unreadable or malformed.
    pub fn read(path: &Path) -> Result<Self, InputError> {
        Self::parse(&read_text(path)?)
    }

    /// Reads a file holding one input, `{"input": [numbers]}`, or a batch,
    /// `{"input": [[numbers], [numbers], …]}` (every element the same length): the inputs, one
    /// per element.
    ///
    /// # Errors
    /// [`InputError`] when unreadable, malformed, empty or ragged.
    pub fn read_batch(path: &Path) -> Result<Vec<Vec<f64>>, InputError> {
        Self::parse_batch(&read_text(path)?)
    }

    /// [`InputFile::read_batch`] on JSON text.
    ///
    /// # Errors
    /// [`InputError`] when malformed, empty or ragged.
    pub fn parse_batch(text: &str) -> Result<Vec<Vec<f64>>, InputError> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Values {
            One(Vec<f64>),
            Batch(Vec<Vec<f64>>),
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            input: Values,
        }
        let batch = match serde_json::from_str::<File>(text)?.input {
            Values::One(input) => vec![input],
            Values::Batch(batch) => batch,
        };
        let width = batch.first().map_or(0, Vec::len);
        match batch.iter().find(|x| x.len() != width) {
            _ if batch.is_empty() => Err(InputError::Batch("an empty batch".into())),
            Some(other) => Err(InputError::Batch(format!("elements of {width} and {} values", other.len()))),
            None => Ok(batch),
        }
    }

    /// Checks the length against the model.
    ///
    /// # Errors
    /// [`InputError::Shape`].
    pub fn check_len(&self, expected: usize) -> Result<(), InputError> {
        if self.input.len() == expected {
            Ok(())
        } else {
            Err(InputError::Shape {
                expected,
                got: self.input.len(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(
            InputFile::parse(r#"{"input": [1, -2.5]}"#).unwrap().input,
            vec![1.0, -2.5]
        );
        assert!(matches!(
            InputFile::parse(r#"{"input": "x"}"#),
            Err(InputError::Json(_))
        ));
        assert!(matches!(
            InputFile::parse(r#"[1, 2]"#),
            Err(InputError::Json(_))
        ));
        assert!(matches!(
            InputFile::parse(r#"{"input": [1], "extra": 2}"#),
            Err(InputError::Json(_))
        ));
        assert_eq!(InputFile::parse_batch(r#"{"input": [[1, 2], [3, 4.5]]}"#).unwrap(), vec![vec![1.0, 2.0], vec![3.0, 4.5]]);
        assert_eq!(InputFile::parse_batch(r#"{"input": [1, 2]}"#).unwrap(), vec![vec![1.0, 2.0]]);
        assert!(matches!(InputFile::parse_batch(r#"{"input": [[1, 2], [3]]}"#), Err(InputError::Batch(_))));
        assert!(InputFile::parse_batch(r#"{"input": [[]]}"#).is_ok());
        assert!(matches!(
            InputFile { input: vec![1.0] }.check_len(2),
            Err(InputError::Shape {
                expected: 2,
                got: 1
            })
        ));
    }
}
