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
