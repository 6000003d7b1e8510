//! Input files: JSON `{"input": [f64, ...]}`.

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
    /// Wrong number of values for the model.
    #[error("input has {got} values, the model takes {expected}")]
    Shape {
        /// Model input size.
        expected: usize,
        /// Values in the file.
        got: usize,
    },
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
        let text = std::fs::read_to_string(path).map_err(|source| InputError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text)
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
        assert!(matches!(
            InputFile { input: vec![1.0] }.check_len(2),
            Err(InputError::Shape {
                expected: 2,
                got: 1
            })
        ));
    }
}
