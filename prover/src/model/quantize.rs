//! Fixed-point quantization of a float MLP and its exact integer inference (the computation the
//! AIR proves).
//!
//! With scale `s` (`scale_bits`, 8 or 16): weights `w_q = round(w·2^s)`, biases
//! `b_q = round(b·2^(2s))`, inputs `x_q = round(x·2^s)`. A layer computes the integer
//! accumulator `acc = b_q + Σ_i w_q[i]·a_q[i]` (scale `2^(2s)`), rescales by truncation toward
//! zero `y = sign(acc)·(|acc| >> s)` (so `|acc| = 2^s·|y| + r`, `0 ≤ r < 2^s`), then ReLU.
//! `|acc|` must be below `2^40` (five 8-bit limbs in the AIR).
//!
//! ## Error bound
//! Let `a_l` be the float input of layer `l` and `e_l` a bound on `|a'_l - a_l|_∞` (real units,
//! `a'` the dequantized fixed-point value); `e_0 = 2^(-s-1)` (rounding). Since
//! `|w' - w| ≤ 2^(-s-1)`, `|b' - b| ≤ 2^(-2s-1)`, `W'a' - Wa = W'(a' - a) + (W' - W)a`, truncation
//! loses less than `2^-s` and ReLU is 1-Lipschitz:
//!
//! `e_{l+1} = max_j ( ‖W'_j‖₁·e_l + 2^(-s-1)·‖a_l‖₁ + 2^(-2s-1) ) + 2^(-s)`.
//!
//! [`error_bound`] evaluates it along the float inference of one input; the output error of the
//! fixed-point model is at most `e_L` in every coordinate (checked by tests on the example models).

use super::FloatMlp;

/// Largest accepted magnitude of `|acc|` (exclusive): `2^40`.
pub const ACC_BOUND: i128 = 1 << 40;
/// Largest accepted magnitude of a quantized weight, bias or input (exclusive): `2^40`.
pub const PARAM_BOUND: i64 = 1 << 40;

/// Errors of quantization and fixed-point inference.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QuantizeError {
    /// Scale other than 8 or 16 bits.
    #[error("unsupported scale of {0} bits (8 or 16)")]
    UnsupportedScale(u32),
    /// A parameter or input too large for the fixed-point range.
    #[error("{what} = {value} does not fit the fixed-point range (|x·2^s| < 2^40)")]
    OutOfRange {
        /// Which value.
        what: String,
        /// The real value.
        value: f64,
    },
    /// An accumulator beyond `2^40`.
    #[error(
        "fixed-point overflow in layer {layer}, neuron {neuron}: the accumulator is {real:.4e}, \
         and at {scale_bits} scale bits an accumulator must stay below {:.4e}; {}",
        accumulator_limit(*scale_bits),
        overflow_advice(*scale_bits)
    )]
    Overflow {
        /// Layer index.
        layer: usize,
        /// Neuron index.
        neuron: usize,
        /// The model's scale.
        scale_bits: u32,
        /// The accumulator as a real number (`acc / 2^(2s)`).
        real: f64,
    },
    /// Input of the wrong length.
    #[error("input has {got} values, the model takes {expected}")]
    InputLength {
        /// Model input size.
        expected: usize,
        /// Given.
        got: usize,
    },
}

/// The largest real accumulator (weights × activations + bias) that fits `|acc·2^(2s)| < 2^40`.
pub fn accumulator_limit(scale_bits: u32) -> f64 {
    accumulator_real(ACC_BOUND, scale_bits)
}

/// A fixed-point accumulator (a product of two `2^-s` values) as a real number: `acc / 2^(2s)`.
fn accumulator_real(acc: i128, scale_bits: u32) -> f64 {
    acc as f64 / (2.0 * scale_bits as f64).exp2()
}

/// What a user can do about an overflow at `scale_bits`.
fn overflow_advice(scale_bits: u32) -> String {
    if scale_bits > 8 {
        format!(
            "prepare the model with 8 scale bits (`--scale-bits 8`: {}x the range, at a coarser \
             precision), or scale this layer's inputs down",
            1u64 << (2 * (scale_bits - 8))
        )
    } else {
        "scale this layer's inputs down (normalise the model's input, or divide the previous \
         layer's weights and biases and multiply this layer's weights to match)"
            .into()
    }
}

/// A quantized dense layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuantizedLayer {
    /// `weights[out][in]`, scale `2^s`.
    pub weights: Vec<Vec<i64>>,
    /// Biases, scale `2^(2s)`.
    pub bias: Vec<i64>,
    /// Whether ReLU follows.
    pub relu: bool,
}

impl QuantizedLayer {
    /// Number of inputs.
    pub fn inputs(&self) -> usize {
        self.weights.first().map_or(0, Vec::len)
    }

    /// Number of outputs (neurons).
    pub fn outputs(&self) -> usize {
        self.weights.len()
    }
}

/// A quantized MLP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuantizedModel {
    /// `s`: values are integers scaled by `2^s`.
    pub scale_bits: u32,
    /// Layers, input first.
    pub layers: Vec<QuantizedLayer>,
}

/// The default scale: 16 fractional bits.
pub const DEFAULT_SCALE_BITS: u32 = 16;

/// `values` as fixed-point integers scaled by `2^scale_bits`.
///
/// # Errors
/// [`QuantizeError`] naming the first value that is not finite or out of range.
pub fn quantize_values(values: &[f64], scale_bits: u32) -> Result<Vec<i64>, QuantizeError> {
    values
        .iter()
        .enumerate()
        .map(|(i, x)| quantize_value(*x, scale_bits, || format!("input [{i}]")))
        .collect()
}

fn quantize_value(
    value: f64,
    scale_bits: u32,
    what: impl Fn() -> String,
) -> Result<i64, QuantizeError> {
    let scaled = (value * (scale_bits as f64).exp2()).round();
    if !scaled.is_finite() || scaled.abs() >= PARAM_BOUND as f64 {
        return Err(QuantizeError::OutOfRange {
            what: what(),
            value,
        });
    }
    Ok(scaled as i64)
}

/// The result of fixed-point inference: every layer's accumulators and outputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixedPointRun {
    /// The quantized input.
    pub input: Vec<i64>,
    /// Per layer, per neuron: the accumulator `b_q + Σ w_q·a_q`.
    pub accumulators: Vec<Vec<i128>>,
    /// Per layer: the outputs (after rescale and ReLU).
    pub outputs: Vec<Vec<i64>>,
}

impl FixedPointRun {
    /// The model output.
    pub fn output(&self) -> &[i64] {
        self.outputs.last().map_or(&[], Vec::as_slice)
    }
}

impl QuantizedModel {
    /// Quantizes a (validated) float model.
    ///
    /// # Errors
    /// [`QuantizeError`] for an unsupported scale or out-of-range parameters.
    pub fn from_float(model: &FloatMlp, scale_bits: u32) -> Result<Self, QuantizeError> {
        if scale_bits != 8 && scale_bits != 16 {
            return Err(QuantizeError::UnsupportedScale(scale_bits));
        }
        let layers = model
            .layers
            .iter()
            .enumerate()
            .map(|(l, layer)| {
                let weights = layer
                    .weights
                    .iter()
                    .enumerate()
                    .map(|(j, row)| {
                        row.iter()
                            .enumerate()
                            .map(|(i, w)| {
                                quantize_value(*w, scale_bits, || {
                                    format!("layer {l} weight [{j}][{i}]")
                                })
                            })
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let bias = layer
                    .bias
                    .iter()
                    .enumerate()
                    .map(|(j, b)| {
                        quantize_value(*b, 2 * scale_bits, || format!("layer {l} bias [{j}]"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(QuantizedLayer {
                    weights,
                    bias,
                    relu: layer.relu,
                })
            })
            .collect::<Result<Vec<_>, QuantizeError>>()?;
        Ok(Self { scale_bits, layers })
    }

    /// Number of inputs.
    pub fn input_len(&self) -> usize {
        self.layers.first().map_or(0, QuantizedLayer::inputs)
    }

    /// Number of outputs.
    pub fn output_len(&self) -> usize {
        self.layers.last().map_or(0, QuantizedLayer::outputs)
    }

    /// Quantizes an input vector.
    ///
    /// # Errors
    /// [`QuantizeError`] on a wrong length or out-of-range values.
    pub fn quantize_input(&self, input: &[f64]) -> Result<Vec<i64>, QuantizeError> {
        if input.len() != self.input_len() {
            return Err(QuantizeError::InputLength {
                expected: self.input_len(),
                got: input.len(),
            });
        }
        quantize_values(input, self.scale_bits)
    }

    /// Converts fixed-point values back to reals.
    pub fn dequantize(&self, values: &[i64]) -> Vec<f64> {
        let scale = (self.scale_bits as f64).exp2();
        values.iter().map(|v| *v as f64 / scale).collect()
    }

    /// Exact integer inference.
    ///
    /// # Errors
    /// [`QuantizeError`] on a wrong input length, an out-of-range input or an overflow.
    pub fn run(&self, input: &[i64]) -> Result<FixedPointRun, QuantizeError> {
        if input.len() != self.input_len() {
            return Err(QuantizeError::InputLength {
                expected: self.input_len(),
                got: input.len(),
            });
        }
        if let Some((i, x)) = input
            .iter()
            .enumerate()
            .find(|(_, x)| x.unsigned_abs() >= PARAM_BOUND as u64)
        {
            return Err(QuantizeError::OutOfRange {
                what: format!("input [{i}]"),
                value: *x as f64,
            });
        }
        let mut accumulators = Vec::with_capacity(self.layers.len());
        let mut outputs = Vec::with_capacity(self.layers.len());
        let mut current: Vec<i64> = input.to_vec();
        for (l, layer) in self.layers.iter().enumerate() {
            let mut accs = Vec::with_capacity(layer.outputs());
            let mut outs = Vec::with_capacity(layer.outputs());
            for (j, (row, b)) in layer.weights.iter().zip(&layer.bias).enumerate() {
                let acc: i128 = row
                    .iter()
                    .zip(&current)
                    .map(|(w, a)| *w as i128 * *a as i128)
                    .sum::<i128>()
                    + *b as i128;
                if acc.abs() >= ACC_BOUND {
                    return Err(QuantizeError::Overflow {
                        layer: l,
                        neuron: j,
                        scale_bits: self.scale_bits,
                        real: accumulator_real(acc, self.scale_bits),
                    });
                }
                let magnitude = (acc.unsigned_abs() >> self.scale_bits) as i64;
                let y = if acc < 0 { -magnitude } else { magnitude };
                outs.push(if layer.relu { y.max(0) } else { y });
                accs.push(acc);
            }
            accumulators.push(accs);
            current = outs.clone();
            outputs.push(outs);
        }
        Ok(FixedPointRun {
            input: input.to_vec(),
            accumulators,
            outputs,
        })
    }
}

/// The a-priori bound `e_L` on `|fixed-point output - float output|` for one input (see the
/// module docs).
pub fn error_bound(float_model: &FloatMlp, quantized: &QuantizedModel, input: &[f64]) -> f64 {
    let s = quantized.scale_bits as f64;
    let half_ulp = (-s - 1.0).exp2();
    let mut error = half_ulp;
    let mut activation: Vec<f64> = input.to_vec();
    let float_activations = float_model.forward_all(input);
    for (l, layer) in quantized.layers.iter().enumerate() {
        let a_norm: f64 = activation.iter().map(|a| a.abs()).sum();
        let worst = layer
            .weights
            .iter()
            .map(|row| {
                let w_norm: f64 = row.iter().map(|w| (*w as f64 / s.exp2()).abs()).sum();
                w_norm * error + half_ulp * a_norm + (-2.0 * s - 1.0).exp2()
            })
            .fold(0.0, f64::max);
        error = worst + (-s).exp2();
        activation = float_activations[l].clone();
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DenseLayer;

    #[test]
    fn truncation_toward_zero_and_relu() {
        let model = QuantizedModel {
            scale_bits: 8,
            layers: vec![QuantizedLayer {
                weights: vec![vec![256], vec![-256]],
                bias: vec![-100, 0],
                relu: false,
            }],
        };
        // acc = 256·3 - 100 = 668 -> 668 >> 8 = 2; acc = -768 -> -3.
        assert_eq!(model.run(&[3]).unwrap().output(), &[2, -3]);
        let relu = QuantizedModel {
            layers: vec![QuantizedLayer {
                relu: true,
                ..model.layers[0].clone()
            }],
            ..model
        };
        assert_eq!(relu.run(&[3]).unwrap().output(), &[2, 0]);
    }

    #[test]
    fn overflow_and_range_errors() {
        let model = QuantizedModel {
            scale_bits: 16,
            layers: vec![QuantizedLayer {
                weights: vec![vec![1 << 30]],
                bias: vec![0],
                relu: false,
            }],
        };
        assert_eq!(
            model.run(&[1 << 12]),
            Err(QuantizeError::Overflow {
                layer: 0,
                neuron: 0,
                scale_bits: 16,
                real: 1024.0,
            })
        );
        let message = model.run(&[1 << 12]).unwrap_err().to_string();
        assert!(message.contains("layer 0, neuron 0: the accumulator is 1.0240e3"), "{message}");
        assert!(message.contains("below 2.5600e2; prepare the model with 8 scale bits"), "{message}");
        let coarse = QuantizedModel { scale_bits: 8, ..model.clone() };
        let message = coarse.run(&[1 << 20]).unwrap_err().to_string();
        assert!(message.contains("below 1.6777e7; scale this layer's inputs down"), "{message}");
        let float = FloatMlp {
            layers: vec![DenseLayer {
                weights: vec![vec![1e12]],
                bias: vec![0.0],
                relu: false,
            }],
        };
        assert!(matches!(
            QuantizedModel::from_float(&float, 16),
            Err(QuantizeError::OutOfRange { .. })
        ));
        assert!(matches!(
            QuantizedModel::from_float(&float, 12),
            Err(QuantizeError::UnsupportedScale(12))
        ));
    }
}
