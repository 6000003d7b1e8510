//! Generates the example models and inputs in `prover/examples/models/`:
//! `iris_mlp.onnx` (4 → 8 ReLU → 3, Gemm nodes), `digits_mlp.onnx` (16 → 24 ReLU → 16 ReLU → 4,
//! MatMul + Add nodes), `regression_mlp.onnx` (2 → 2 ReLU → 1, activations in the thousands:
//! it proves only calibrated), JSON inputs for each and the iris model's class labels.
//! Deterministic (a fixed-seed splitmix64, and fixed weights for the regression model).
//!
//! Run: `cargo run -p ciro-prover --example make_models`.

use ciro_prover::model::onnx::{encode_onnx, DenseStyle};
use ciro_prover::model::{DenseLayer, FloatMlp};
use std::path::{Path, PathBuf};

struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [-1, 1), rounded to 1/1024 so the files read well.
    fn uniform(&mut self) -> f64 {
        let unit = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((unit * 2.0 - 1.0) * 1024.0).round() / 1024.0
    }
}

fn random_mlp(rng: &mut SplitMix64, widths: &[usize]) -> FloatMlp {
    let layers = widths
        .windows(2)
        .enumerate()
        .map(|(l, w)| {
            let (inputs, outputs) = (w[0], w[1]);
            let gain = 1.5 / (inputs as f64).sqrt();
            DenseLayer {
                weights: (0..outputs)
                    .map(|_| (0..inputs).map(|_| rng.uniform() * gain).collect())
                    .collect(),
                bias: (0..outputs).map(|_| rng.uniform() * 0.1).collect(),
                relu: l + 2 < widths.len(),
            }
        })
        .collect();
    FloatMlp { layers, weight_bits: None }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let path = dir.join(name);
    std::fs::write(&path, bytes)?;
    println!("wrote {}", path.display());
    Ok(())
}

fn input_json(values: &[f64]) -> String {
    let items: Vec<String> = values.iter().map(|v| format!("{v}")).collect();
    format!("{{\"input\": [{}]}}\n", items.join(", "))
}

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join("models");
    std::fs::create_dir_all(&dir)?;
    let producer = "ciro-prover make_models";

    let mut rng = SplitMix64(0x1415_9265_3589_7932);
    let iris = random_mlp(&mut rng, &[4, 8, 3]);
    write(
        &dir,
        "iris_mlp.onnx",
        &encode_onnx(&iris, DenseStyle::Gemm, producer),
    )?;
    // The class labels `ciro models register --labels` takes: one per output, in order. (The
    // weights are random: the classes name the outputs, they are no botanical prediction.)
    write(&dir, "iris_mlp.labels.txt", b"setosa\nversicolor\nvirginica\n")?;
    let iris_inputs = [
        [5.1, 3.5, 1.4, 0.2],
        [6.2, 2.9, 4.3, 1.3],
        [7.7, 3.0, 6.1, 2.3],
    ];
    for (k, x) in iris_inputs.iter().enumerate() {
        write(
            &dir,
            &format!("iris_input_{k}.json"),
            input_json(x).as_bytes(),
        )?;
    }

    let digits = random_mlp(&mut rng, &[16, 24, 16, 4]);
    write(
        &dir,
        "digits_mlp.onnx",
        &encode_onnx(&digits, DenseStyle::MatMulAdd, producer),
    )?;
    for k in 0..2 {
        let x: Vec<f64> = (0..16)
            .map(|_| ((rng.uniform() + 1.0) * 8.0).round() / 16.0)
            .collect();
        write(
            &dir,
            &format!("digits_input_{k}.json"),
            input_json(&x).as_bytes(),
        )?;
    }

    // A regression MLP whose hidden activations reach ~5,000 and outputs ~26,000 on inputs up
    // to 100: at full precision its first layer overflows the fixed-point range, and
    // calibrated on its two inputs it proves with 10 and 14 weight bits.
    let regression = FloatMlp {
        layers: vec![
            DenseLayer { weights: vec![vec![25.0, 25.0], vec![-12.5, 30.0]], bias: vec![3.25, -1.5], relu: true },
            DenseLayer { weights: vec![vec![4.0, 3.5]], bias: vec![10.125], relu: false },
        ],
        weight_bits: None,
    };
    write(&dir, "regression_mlp.onnx", &encode_onnx(&regression, DenseStyle::Gemm, producer))?;
    write(&dir, "regression_input_0.json", input_json(&[100.0, 100.0]).as_bytes())?;
    write(&dir, "regression_input_1.json", input_json(&[-3.0, 80.0]).as_bytes())?;
    Ok(())
}
