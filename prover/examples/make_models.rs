//! Generates the example models and inputs in `prover/examples/models/`:
//! `iris_mlp.onnx` (4 → 8 ReLU → 3, Gemm nodes), `digits_mlp.onnx` (16 → 24 ReLU → 16 ReLU → 4,
//! MatMul + Add nodes), `regression_mlp.onnx` (2 → 2 ReLU → 1, activations in the thousands:
//! it proves only calibrated), `digits_cnn.onnx` (a small CNN for 8×8 images), `lenet5.onnx`
//! (LeNet-5 for 28×28 images), `residual_cnn.onnx` (two ResNet blocks for 8×8 images), JSON
//! inputs for each and the iris model's class labels. The
//! weights are random (seeded): the models show shapes and costs, not predictions.
//! Deterministic (a fixed-seed splitmix64, and fixed weights for the regression model).
//!
//! Run: `cargo run -p ciro-prover --example make_models`.

use ciro_prover::model::onnx::{encode_onnx, DenseStyle, GraphWriter};
use ciro_prover::model::{DenseLayer, FloatMlp};
use std::path::{Path, PathBuf};

#[path = "data/digits.rs"]
mod digits;

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
            DenseLayer::dense(
                (0..outputs)
                    .map(|_| (0..inputs).map(|_| rng.uniform() * gain).collect())
                    .collect(),
                (0..outputs).map(|_| rng.uniform() * 0.1).collect(),
                l + 2 < widths.len(),
            )
        })
        .collect();
    FloatMlp { layers, weight_bits: None }
}

/// `n` weights of a layer with `fan_in` inputs (He-scaled: activations keep their size).
fn weights(rng: &mut SplitMix64, n: usize, fan_in: usize) -> Vec<f64> {
    let gain = (3.0 / fan_in as f64).sqrt() * 1.4;
    (0..n).map(|_| rng.uniform() * gain).collect()
}

/// A dense layer's `[out][in]` weights.
fn matrix(rng: &mut SplitMix64, outputs: usize, inputs: usize) -> Vec<Vec<f64>> {
    (0..outputs).map(|_| weights(rng, inputs, inputs)).collect()
}

/// A grey `side × side` image in [0, 1]: a ring and a stroke, like a hand-written digit.
fn digit_image(side: usize, variant: usize) -> Vec<f64> {
    let c = (side as f64 - 1.0) / 2.0;
    let mut image = Vec::with_capacity(side * side);
    for y in 0..side {
        for x in 0..side {
            let (dy, dx) = ((y as f64 - c) / c, (x as f64 - c) / c);
            let ring = (((dx * dx + dy * dy).sqrt() - 0.55).abs() < 0.2) as u8 as f64;
            let stroke = ((dx - dy * (variant as f64 * 0.5 - 0.25)).abs() < 0.15) as u8 as f64;
            let v: f64 = if variant.is_multiple_of(2) { ring } else { ring.max(stroke) };
            image.push((v * 16.0).round() / 16.0);
        }
    }
    image
}

/// The digits CNN: Conv(8@3×3, pad 1) → ReLU → MaxPool 2 → Flatten → Linear(128, 10), trained
/// with stochastic gradient descent on the softmax cross-entropy.
struct DigitsCnn {
    /// `kernel[c][ky·3 + kx]`.
    kernel: Vec<[f64; 9]>,
    kernel_bias: Vec<f64>,
    /// `dense[class][feature]`, features in ONNX (channel, y, x) order.
    dense: Vec<Vec<f64>>,
    dense_bias: Vec<f64>,
}

const CHANNELS: usize = 8;
const FEATURES: usize = CHANNELS * 16;

/// What a forward pass keeps for the backward one.
struct Pass {
    /// Pre-activations of the convolution, `[c][y·8 + x]`.
    conv: Vec<[f64; 64]>,
    /// The pooled features and, for each, the pixel (y·8 + x) its maximum came from.
    pooled: Vec<f64>,
    argmax: Vec<usize>,
    logits: Vec<f64>,
}

impl DigitsCnn {
    fn forward(&self, image: &[f64]) -> Pass {
        let mut conv = vec![[0.0; 64]; CHANNELS];
        for (c, out) in conv.iter_mut().enumerate() {
            for y in 0..8 {
                for x in 0..8 {
                    let mut sum = self.kernel_bias[c];
                    for k in 0..9 {
                        let (iy, ix) = ((y + k / 3) as isize - 1, (x + k % 3) as isize - 1);
                        if (0..8).contains(&iy) && (0..8).contains(&ix) {
                            sum += self.kernel[c][k] * image[(iy * 8 + ix) as usize];
                        }
                    }
                    out[y * 8 + x] = sum;
                }
            }
        }
        let mut pooled = vec![0.0; FEATURES];
        let mut argmax = vec![0; FEATURES];
        for c in 0..CHANNELS {
            for i in 0..4 {
                for j in 0..4 {
                    let cells = [(2 * i) * 8 + 2 * j, (2 * i) * 8 + 2 * j + 1, (2 * i + 1) * 8 + 2 * j, (2 * i + 1) * 8 + 2 * j + 1];
                    let best = cells.into_iter().fold(cells[0], |b, p| if conv[c][p] > conv[c][b] { p } else { b });
                    pooled[c * 16 + i * 4 + j] = conv[c][best].max(0.0);
                    argmax[c * 16 + i * 4 + j] = best;
                }
            }
        }
        let logits = self.dense.iter().zip(&self.dense_bias).map(|(row, b)| row.iter().zip(&pooled).map(|(w, v)| w * v).sum::<f64>() + b).collect();
        Pass { conv, pooled, argmax, logits }
    }

    fn predict(&self, image: &[f64]) -> usize {
        let logits = self.forward(image).logits;
        (0..10).fold(0, |b, k| if logits[k] > logits[b] { k } else { b })
    }

    fn train(data: &[digits::Digit], rng: &mut SplitMix64) -> Self {
        let mut net = DigitsCnn {
            kernel: (0..CHANNELS).map(|_| std::array::from_fn(|_| rng.uniform() * 0.6)).collect(),
            kernel_bias: vec![0.0; CHANNELS],
            dense: matrix(rng, 10, FEATURES),
            dense_bias: vec![0.0; 10],
        };
        let train: Vec<&digits::Digit> = data.iter().enumerate().filter(|(i, _)| !digits::is_test(*i)).map(|(_, d)| d).collect();
        let mut order: Vec<usize> = (0..train.len()).collect();
        for epoch in 0..30 {
            let rate = 0.02 / (1.0 + epoch as f64 / 10.0);
            // A seeded shuffle per epoch.
            for i in (1..order.len()).rev() {
                order.swap(i, (rng.next() % (i as u64 + 1)) as usize);
            }
            for &i in &order {
                net.step(&train[i].pixels, train[i].class, rate);
            }
        }
        let test: Vec<&digits::Digit> = data.iter().enumerate().filter(|(i, _)| digits::is_test(*i)).map(|(_, d)| d).collect();
        let correct = test.iter().filter(|d| net.predict(&d.pixels) == d.class).count();
        println!("digits CNN: {correct}/{} held-out images classified correctly (float)", test.len());
        net
    }

    /// One SGD step on one image.
    #[allow(clippy::needless_range_loop)] // indices address the weights and the gradients at once
    fn step(&mut self, image: &[f64], class: usize, rate: f64) {
        let pass = self.forward(image);
        let top = pass.logits.iter().copied().fold(f64::MIN, f64::max);
        let exp: Vec<f64> = pass.logits.iter().map(|l| (l - top).exp()).collect();
        let total: f64 = exp.iter().sum();
        let d_logits: Vec<f64> = (0..10).map(|k| exp[k] / total - (k == class) as u8 as f64).collect();
        let mut d_pooled = vec![0.0; FEATURES];
        for k in 0..10 {
            for f in 0..FEATURES {
                d_pooled[f] += self.dense[k][f] * d_logits[k];
                self.dense[k][f] -= rate * d_logits[k] * pass.pooled[f];
            }
            self.dense_bias[k] -= rate * d_logits[k];
        }
        for c in 0..CHANNELS {
            for f in c * 16..(c + 1) * 16 {
                let p = pass.argmax[f];
                if pass.conv[c][p] <= 0.0 {
                    continue;
                }
                let (y, x) = (p / 8, p % 8);
                for k in 0..9 {
                    let (iy, ix) = ((y + k / 3) as isize - 1, (x + k % 3) as isize - 1);
                    if (0..8).contains(&iy) && (0..8).contains(&ix) {
                        self.kernel[c][k] -= rate * d_pooled[f] * image[(iy * 8 + ix) as usize];
                    }
                }
                self.kernel_bias[c] -= rate * d_pooled[f];
            }
        }
    }

    fn onnx(&self) -> GraphWriter {
        let kernel: Vec<f64> = self.kernel.iter().flatten().copied().collect();
        let mut graph = GraphWriter::new(&[1, 8, 8]);
        graph.conv(&kernel, [CHANNELS, 1, 3, 3], &self.kernel_bias, 1, 1).relu().max_pool(2, 2);
        graph.flatten().gemm(&self.dense, &self.dense_bias);
        graph
    }
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
            DenseLayer::dense(vec![vec![25.0, 25.0], vec![-12.5, 30.0]], vec![3.25, -1.5], true),
            DenseLayer::dense(vec![vec![4.0, 3.5]], vec![10.125], false),
        ],
        weight_bits: None,
    };
    write(&dir, "regression_mlp.onnx", &encode_onnx(&regression, DenseStyle::Gemm, producer))?;
    write(&dir, "regression_input_0.json", input_json(&[100.0, 100.0]).as_bytes())?;
    write(&dir, "regression_input_1.json", input_json(&[-3.0, 80.0]).as_bytes())?;

    // A small CNN trained on the digits data set (8×8 images): Conv(8@3×3, pad 1) → ReLU →
    // MaxPool 2 → Flatten → Linear(128, 10), trained here on four fifths of the images.
    let mut rng = SplitMix64(0x2718_2818_2845_9045);
    let digits = digits::load()?;
    let cnn = DigitsCnn::train(&digits, &mut rng);
    write(&dir, "digits_cnn.onnx", &cnn.onnx().encode(producer))?;
    write(&dir, "digits_cnn.labels.txt", b"zero\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\n")?;
    let held_out: Vec<&digits::Digit> = digits.iter().enumerate().filter(|(i, _)| digits::is_test(*i)).map(|(_, d)| d).collect();
    for (k, digit) in held_out.iter().take(2).enumerate() {
        write(&dir, &format!("digits_cnn_input_{k}.json"), input_json(&digit.pixels).as_bytes())?;
    }

    // LeNet-5 for 28×28 grey images (MNIST's shape): Conv(6@5×5, pad 2) → ReLU → MaxPool 2 →
    // Conv(16@5×5) → ReLU → MaxPool 2 → Flatten → Linear(400, 120) → ReLU → Linear(120, 84) →
    // ReLU → Linear(84, 10): 417,000 multiply-accumulates.
    let mut lenet = GraphWriter::new(&[1, 28, 28]);
    lenet.conv(&weights(&mut rng, 150, 25), [6, 1, 5, 5], &weights(&mut rng, 6, 10), 1, 2).relu().max_pool(2, 2);
    lenet.conv(&weights(&mut rng, 2400, 150), [16, 6, 5, 5], &weights(&mut rng, 16, 10), 1, 0).relu().max_pool(2, 2);
    lenet.flatten().gemm(&matrix(&mut rng, 120, 400), &weights(&mut rng, 120, 10)).relu();
    lenet.gemm(&matrix(&mut rng, 84, 120), &weights(&mut rng, 84, 10)).relu();
    lenet.gemm(&matrix(&mut rng, 10, 84), &weights(&mut rng, 10, 10));
    write(&dir, "lenet5.onnx", &lenet.encode(producer))?;
    write(&dir, "lenet5_input_0.json", input_json(&digit_image(28, 1)).as_bytes())?;

    // A residual CNN for 8×8 images, ResNet's two blocks (random weights: it shows what the
    // proof costs and checks, not accuracy): Conv(2@3×3, pad 1) → ReLU, then a block whose
    // shortcut is the identity (Conv → ReLU → Conv, Add, ReLU) and one whose shortcut is a
    // strided 1×1 convolution (Conv(4@3×3, stride 2) → ReLU → Conv; Conv(4@1×1, stride 2);
    // Add, ReLU), GlobalAveragePool → Flatten → Linear(4, 10).
    let mut resnet = GraphWriter::new(&[1, 8, 8]);
    resnet.conv(&weights(&mut rng, 18, 9), [2, 1, 3, 3], &weights(&mut rng, 2, 10), 1, 1).relu();
    let block = resnet.tensor();
    resnet.conv(&weights(&mut rng, 36, 18), [2, 2, 3, 3], &weights(&mut rng, 2, 10), 1, 1).relu();
    resnet.conv(&weights(&mut rng, 36, 18), [2, 2, 3, 3], &weights(&mut rng, 2, 10), 1, 1).add(&block).relu();
    let block = resnet.tensor();
    resnet.conv(&weights(&mut rng, 72, 18), [4, 2, 3, 3], &weights(&mut rng, 4, 10), 2, 1).relu();
    resnet.conv(&weights(&mut rng, 144, 36), [4, 4, 3, 3], &weights(&mut rng, 4, 10), 1, 1);
    let branch = resnet.tensor();
    resnet.resume(&block).conv(&weights(&mut rng, 8, 2), [4, 2, 1, 1], &weights(&mut rng, 4, 10), 2, 0).add(&branch).relu();
    resnet.global_average_pool().flatten().gemm(&matrix(&mut rng, 10, 4), &weights(&mut rng, 10, 10));
    write(&dir, "residual_cnn.onnx", &resnet.encode(producer))?;
    write(&dir, "residual_cnn_input_0.json", input_json(&held_out[2].pixels).as_bytes())?;
    Ok(())
}
