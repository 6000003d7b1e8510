//! The documented quantization error bound holds against float inference.

mod common;

use ciro_prover::model::onnx::load_onnx;
use ciro_prover::model::quantize::{error_bound, QuantizedModel};
use common::model_path;

struct Lcg(u64);

impl Lcg {
    fn unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn check(model_name: &str, scale_bits: u32, magnitude: f64, max_bound: f64) {
    let float = load_onnx(&model_path(model_name)).unwrap();
    let quantized = QuantizedModel::from_float(&float, scale_bits).unwrap();
    let mut rng = Lcg(scale_bits as u64 * 7919 + model_name.len() as u64);
    let mut worst_ratio: f64 = 0.0;
    for _ in 0..300 {
        let input: Vec<f64> = (0..float.input_len())
            .map(|_| (rng.unit() * 2.0 - 1.0) * magnitude)
            .collect();
        let q_in = quantized.quantize_input(&input).unwrap();
        let run = quantized.run(&q_in).unwrap();
        let fixed = quantized.dequantize(run.output());
        let exact = float.forward(&input);
        let bound = error_bound(&float, &quantized, &input);
        assert!(
            bound < max_bound,
            "{model_name}/{scale_bits}: bound {bound} is not useful"
        );
        for (q, f) in fixed.iter().zip(&exact) {
            let error = (q - f).abs();
            assert!(
                error <= bound,
                "{model_name}/{scale_bits}: |{q} - {f}| = {error} > {bound}"
            );
            worst_ratio = worst_ratio.max(error / bound);
        }
    }
    assert!(worst_ratio > 0.0, "errors are measured");
}

#[test]
fn error_bound_holds_for_iris() {
    check("iris_mlp.onnx", 16, 8.0, 1e-2);
    check("iris_mlp.onnx", 8, 8.0, 0.5);
}

#[test]
fn error_bound_holds_for_digits() {
    check("digits_mlp.onnx", 16, 1.0, 1e-2);
    check("digits_mlp.onnx", 8, 1.0, 1.0);
}

#[test]
fn error_bound_holds_for_the_digits_cnn() {
    check("digits_cnn.onnx", 16, 1.0, 0.1);
    check("digits_cnn.onnx", 8, 1.0, 10.0);
}

/// Two residual blocks: the bound follows both branches to where they join.
#[test]
fn error_bound_holds_for_the_residual_cnn() {
    check("residual_cnn.onnx", 16, 1.0, 0.1);
    check("residual_cnn.onnx", 8, 1.0, 10.0);
}

#[path = "../examples/data/digits.rs"]
mod digits;

/// The trained digits CNN on its held-out images: the class of the fixed-point outputs (what a
/// proof proves) is the float model's class for at least 99% of them, and every output is
/// within the documented bound of the float one.
#[test]
fn the_trained_digits_cnn_keeps_its_classes_in_fixed_point() {
    let float = load_onnx(&model_path("digits_cnn.onnx")).unwrap();
    let quantized = QuantizedModel::from_float(&float, 16).unwrap();
    let argmax = |v: &[f64]| (0..v.len()).fold(0, |b, k| if v[k] > v[b] { k } else { b });
    let (mut same, mut correct, mut held_out) = (0, 0, 0);
    let (mut max_error, mut max_bound): (f64, f64) = (0.0, 0.0);
    for (i, digit) in digits::load().unwrap().iter().enumerate().filter(|(i, _)| digits::is_test(*i)) {
        let fixed = quantized.dequantize(quantized.run(&quantized.quantize_input(&digit.pixels).unwrap()).unwrap().output());
        let exact = float.forward(&digit.pixels);
        let bound = error_bound(&float, &quantized, &digit.pixels);
        for (q, f) in fixed.iter().zip(&exact) {
            assert!((q - f).abs() <= bound, "image {i}: |{q} − {f}| > {bound}");
            max_error = max_error.max((q - f).abs());
        }
        max_bound = max_bound.max(bound);
        held_out += 1;
        same += usize::from(argmax(&fixed) == argmax(&exact));
        correct += usize::from(argmax(&fixed) == digit.class);
    }
    println!(
        "digits CNN, {held_out} held-out images: fixed-point class = float class for {same}, correct for {correct}; \
         max output error {max_error:.3e}, largest bound {max_bound:.3e}"
    );
    assert!(same * 100 >= held_out * 99, "{same}/{held_out} classes kept");
    assert!(correct * 10 >= held_out * 9, "the trained model classifies {correct}/{held_out}");
}
