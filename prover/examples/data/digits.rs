//! The digits data set (`digits.csv.gz`, see README.md) and its split: every fifth image is held
//! out for testing, the others train. Shared by `make_models` and `tests/quantization.rs`.

use std::io::Read;
use std::path::{Path, PathBuf};

/// One image: 64 pixels scaled to [0, 1] (row-major 8×8) and its class.
pub struct Digit {
    pub pixels: Vec<f64>,
    pub class: usize,
}

/// `prover/examples/data/digits.csv.gz`.
pub fn path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join("data").join("digits.csv.gz")
}

/// The 1,797 images, in the file's order.
pub fn load() -> std::io::Result<Vec<Digit>> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path())?).read_to_string(&mut text)?;
    let bad = |line: usize| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("digits.csv.gz line {line}"));
    text.lines()
        .enumerate()
        .map(|(n, line)| {
            let values: Vec<f64> = line.split(',').map(|v| v.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|_| bad(n + 1))?;
            let [pixels @ .., class] = values.as_slice() else { return Err(bad(n + 1)) };
            if pixels.len() != 64 {
                return Err(bad(n + 1));
            }
            Ok(Digit { pixels: pixels.iter().map(|p| p / 16.0).collect(), class: *class as usize })
        })
        .collect()
}

/// Whether image `index` is held out for testing.
pub fn is_test(index: usize) -> bool {
    index.is_multiple_of(5)
}
