//! Fixed-point quantization of a float MLP and its exact integer inference (the computation the
//! AIR proves).
//!
//! With scale `s` (`scale_bits`, 8 or 16) the inputs are `x_q = round(x·2^s)` and every layer
//! rescales its accumulator by `s` bits; each layer `l` has its own weight precision `w_l`
//! (`weight_bits`, at most `s`; `s` unless the model was calibrated, see [`calibrate`]). Layer
//! `l`'s inputs are integers at scale `2^(a_l)` (`a_0 = s`), its weights `round(w·2^(w_l))`, its
//! biases `round(b·2^(a_l + w_l))`; it computes the integer accumulator
//! `acc = b_q + Σ_i w_q[i]·x_q[i]` (scale `2^(a_l + w_l)`), rescales by truncation toward zero
//! `y = sign(acc)·(|acc| >> s)` (so `|acc| = 2^s·|y| + r`, `0 ≤ r < 2^s`), then ReLU: its
//! outputs are at scale `2^(a_{l+1})`, `a_{l+1} = a_l + w_l − s`. The model's outputs are at
//! `2^(a_L)` (`output_scale_bits`, part of the model commitment). `|acc|` must be below `2^40`
//! (five 8-bit limbs in the AIR): a real accumulator must stay below `2^(40 − a_l − w_l)`, so a
//! layer with large activations trades weight precision for range.
//!
//! The AIR only sees integers and the `s`-bit rescale: the per-layer precision is a choice of
//! quantization, made once when the model is prepared, and bound by the weights themselves
//! (the preprocessed trace) and by `a_L` in the model commitment.
//!
//! ## Error bound
//! Let `a_l` be the float input of layer `l` and `e_l` a bound on `|a'_l - a_l|_∞` (real units,
//! `a'` the dequantized fixed-point value); `e_0 = 2^(-s-1)` (rounding). Since
//! `|w' - w| ≤ 2^(-w_l-1)`, `|b' - b| ≤ 2^(-(a_l+w_l)-1)`, `W'a' - Wa = W'(a' - a) + (W' - W)a`,
//! truncation loses less than `2^(-a_{l+1})` and ReLU is 1-Lipschitz:
//!
//! `e_{l+1} = max_j ( ‖W'_j‖₁·e_l + Σ_i |w'_ji − w_ji|·|a_{l,i}| + |b'_j − b_j| ) + 2^(-a_{l+1})`
//!
//! (the sum over the inputs neuron `j` reads: all of them in a dense layer, its window in a
//! convolution or a pooling step; the weights' and biases' rounding errors, at most
//! `2^(-w_l-1)` and `2^(-(a_l+w_l)-1)`, are taken as they are). [`error_bounds`] carries it
//! neuron by neuron (`e_l` a vector, `‖W'_j‖₁·e_l` read as `Σ_i |w'_ji|·e_{l,i}`), with two
//! refinements: a ReLU neuron whose float pre-activation is at most minus its bound before the
//! rescale outputs 0 in both models (error 0); a max pooling (its ReLU steps and the sum after
//! them) is 1-Lipschitz in each window, so an output receives the largest error of its window
//! (times the largest factor of an affine map folded after it), plus the pooling's own
//! rounding, bounded by the recursion from an exact input. A piecewise-linear activation
//! (LeakyRelu, Clip, HardSigmoid) passes its input's error at its largest slope, plus its own
//! rounding; a smooth one (Sigmoid, Tanh) is proved as its piecewise-linear interpolation and
//! adds the interpolation's distance to the function
//! ([`crate::model::Smooth::interpolation_error`], below 2e-3).
//!
//! [`error_bound`] evaluates it along the float inference of one input; the output error of the
//! fixed-point model is at most `e_L` in every coordinate (checked by tests on the example models).

use super::{input_len, terms, vector_len, Connections, DenseLayer, FloatMlp, InputMap, LayerShape, SparseOp};

/// Largest accepted magnitude of `|acc|` (exclusive): `2^40`.
pub const ACC_BOUND: i128 = 1 << 40;
/// Largest accepted magnitude of a quantized weight, bias or input (exclusive): `2^40`.
pub const PARAM_BOUND: i64 = 1 << 40;
/// Bits of `|acc|` that [`calibrate`] leaves free above the largest accumulator it saw: inputs
/// up to twice the calibration inputs' magnitude still fit.
pub const CALIBRATION_HEADROOM_BITS: u32 = 1;

/// Errors of quantization and fixed-point inference.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QuantizeError {
    /// Scale other than 8 or 16 bits.
    #[error("unsupported scale of {0} bits (8 or 16)")]
    UnsupportedScale(u32),
    /// Per-layer weight precisions that do not fit the model or the scale.
    #[error("unsupported weight precision: {0}")]
    UnsupportedPrecision(String),
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
         and with this layer's {accumulator_bits} fractional bits an accumulator must stay below \
         {:.4e}; {advice}",
        accumulator_limit(*accumulator_bits)
    )]
    Overflow {
        /// Layer index.
        layer: usize,
        /// Neuron index.
        neuron: usize,
        /// The accumulator's fractional bits, `a_l + w_l`.
        accumulator_bits: u32,
        /// The accumulator as a real number (`acc / 2^accumulator_bits`).
        real: f64,
        /// What the user can do about it.
        advice: String,
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

/// The largest real accumulator that fits `|acc·2^accumulator_bits| < 2^40`.
pub fn accumulator_limit(accumulator_bits: u32) -> f64 {
    accumulator_real(ACC_BOUND, accumulator_bits)
}

/// A fixed-point accumulator with `accumulator_bits` fractional bits as a real number.
fn accumulator_real(acc: i128, accumulator_bits: u32) -> f64 {
    acc as f64 / (accumulator_bits as f64).exp2()
}

/// What a user can do about an overflow in a layer whose weights have `weight_bits` bits, at
/// most `lowest` bits fewer.
fn overflow_advice(layer: usize, scale_bits: u32, weight_bits: u32, lowest: u32) -> String {
    if weight_bits > lowest {
        format!(
            "calibrate the model on inputs like this one (`ciro-prover calibrate`, or `ciro \
             models register --calibration`): layer {layer}'s weights then use as few as {lowest} \
             bits instead of {weight_bits}, {}x the range",
            1u64 << (weight_bits - lowest)
        )
    } else if scale_bits > 8 {
        format!(
            "this layer is already at its coarsest weights; prepare the model with 8 scale bits \
             (`--scale-bits 8`: {}x the range, at a coarser precision), or scale this layer's \
             inputs down",
            1u64 << (scale_bits - 8)
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
    /// `weights[out][in]`, scale `2^weight_bits`.
    pub weights: Vec<Vec<i64>>,
    /// Biases, scale `2^(a_l + weight_bits)` (the accumulator's).
    pub bias: Vec<i64>,
    /// Whether ReLU follows.
    pub relu: bool,
    /// `w_l`: the weights' fractional bits (at most the model's `scale_bits`).
    pub weight_bits: u32,
    /// The inputs each neuron reads, for a sparse layer ([`Connections`]); None for a dense one.
    pub connections: Option<Connections>,
    /// The vectors the layer reads ([`DenseLayer::sources`]); None: the previous layer's outputs.
    pub sources: Option<Vec<usize>>,
}

impl QuantizedLayer {
    /// Number of inputs.
    pub fn inputs(&self) -> usize {
        match &self.connections {
            Some(c) => c.inputs,
            None => self.weights.first().map_or(0, Vec::len),
        }
    }

    /// `(input, weight)` for each weight of neuron `j`.
    pub fn row(&self, j: usize) -> impl Iterator<Item = (usize, i64)> + '_ {
        terms(&self.weights[j], self.connections.as_ref().map(|c| c.indices[j].as_slice()))
    }

    /// Number of outputs (neurons).
    pub fn outputs(&self) -> usize {
        self.weights.len()
    }
}

impl LayerShape for QuantizedLayer {
    fn inputs(&self) -> usize {
        QuantizedLayer::inputs(self)
    }

    fn outputs(&self) -> usize {
        QuantizedLayer::outputs(self)
    }

    fn sources(&self) -> Option<&[usize]> {
        self.sources.as_deref()
    }
}

/// A quantized MLP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuantizedModel {
    /// `s`: the inputs are integers scaled by `2^s`, and every layer rescales by `s` bits.
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

/// The fractional bits of every vector (0: the inputs, `l + 1`: layer `l`'s outputs) when layer
/// `l` reads first the vector `first_sources[l]` and has `weight_bits[l]`-bit weights:
/// `a_{l+1} = a_l + w_l − s`, `a_l` the bits of the first vector it reads (a layer joining two
/// branches quantizes its other branches' weights to match, `w_l + a_l − a_v` bits for a vector at `a_v`).
/// `Err((l, a_l))` when layer `l`'s outputs would have fewer than 0 bits.
fn vector_bits(first_sources: &[usize], scale_bits: u32, weight_bits: &[u32]) -> Result<Vec<u32>, (usize, u32)> {
    let mut bits = vec![scale_bits];
    for (l, (&v, &w)) in first_sources.iter().zip(weight_bits).enumerate() {
        let a = bits[v];
        if a + w < scale_bits {
            return Err((l, a));
        }
        bits.push(a + w - scale_bits);
    }
    Ok(bits)
}

/// The fractional bits of each input of the layer reading `map` with `weight_bits`-bit weights,
/// given every vector's bits: `w_l` for its first vector, and `w_l + a_l − a_v` for a vector `v`
/// at other bits (a branch joining), so that every product has the accumulator's `a_l + w_l` bits.
fn bits_by_input<'a>(map: &'a InputMap, bits_of: &'a [u32], weight_bits: u32) -> impl Fn(usize) -> u32 + 'a {
    let a = bits_of[map.first_vector()];
    move |i| weight_bits + a - bits_of[map.locate(i).0]
}

/// The first vector each layer reads.
fn first_sources<'a>(sources: impl Iterator<Item = &'a Option<Vec<usize>>>) -> Vec<usize> {
    sources.enumerate().map(|(l, s)| s.as_ref().and_then(|s| s.first().copied()).unwrap_or(l)).collect()
}

/// Checks `weight_bits` (one per layer of `model`) against `scale_bits`: each at most
/// `scale_bits`, and no layer's output scale below 0. Returns every vector's fractional bits.
fn check_weight_bits(model: &FloatMlp, scale_bits: u32, weight_bits: &[u32]) -> Result<Vec<u32>, QuantizeError> {
    if weight_bits.len() != model.layers.len() {
        return Err(QuantizeError::UnsupportedPrecision(format!(
            "{} weight precisions for {} layers",
            weight_bits.len(),
            model.layers.len()
        )));
    }
    if let Some((l, bits)) = weight_bits.iter().enumerate().find(|(_, b)| **b > scale_bits) {
        return Err(QuantizeError::UnsupportedPrecision(format!(
            "layer {l}'s weights have {bits} bits, more than the scale's {scale_bits}"
        )));
    }
    vector_bits(&first_sources(model.layers.iter().map(|l| &l.sources)), scale_bits, weight_bits).map_err(|(l, activation_bits)| {
        QuantizeError::UnsupportedPrecision(format!(
            "layer {l}'s weights have {} bits: its outputs would have fewer than 0 \
             fractional bits ({activation_bits} + {} − {scale_bits})",
            weight_bits[l], weight_bits[l]
        ))
    })
}

impl QuantizedModel {
    /// Quantizes a (validated) float model at `scale_bits`, with the weight precision it was
    /// calibrated for ([`FloatMlp::weight_bits`]), or `scale_bits` for every layer.
    ///
    /// # Errors
    /// [`QuantizeError`] for an unsupported scale or precision, or out-of-range parameters.
    pub fn from_float(model: &FloatMlp, scale_bits: u32) -> Result<Self, QuantizeError> {
        match &model.weight_bits {
            Some(bits) => Self::with_weight_bits(model, scale_bits, bits),
            None => Self::with_weight_bits(model, scale_bits, &vec![scale_bits; model.layers.len()]),
        }
    }

    /// Quantizes a (validated) float model at `scale_bits` with `weight_bits[l]` fractional bits
    /// for layer `l`'s weights (see the module docs).
    ///
    /// # Errors
    /// [`QuantizeError`] for an unsupported scale or precision, or out-of-range parameters.
    pub fn with_weight_bits(model: &FloatMlp, scale_bits: u32, weight_bits: &[u32]) -> Result<Self, QuantizeError> {
        if scale_bits != 8 && scale_bits != 16 {
            return Err(QuantizeError::UnsupportedScale(scale_bits));
        }
        let bits_of = check_weight_bits(model, scale_bits, weight_bits)?;
        let mut layers = Vec::with_capacity(model.layers.len());
        for (l, (layer, &bits)) in model.layers.iter().zip(weight_bits).enumerate() {
            let map = model.input_map(l);
            let activation_bits = bits_of[map.first_vector()];
            // A branch at other bits than the first vector's: its weights carry the difference.
            let input_bits = bits_by_input(&map, &bits_of, bits);
            let weights = (0..layer.outputs())
                .map(|j| {
                    layer
                        .row(j)
                        .map(|(i, w)| quantize_value(w, input_bits(i), || format!("layer {l} weight [{j}][{i}]")))
                        .collect::<Result<Vec<_>, _>>()
                })
                .collect::<Result<Vec<_>, _>>()?;
            let bias = layer
                .bias
                .iter()
                .enumerate()
                .map(|(j, b)| quantize_value(*b, activation_bits + bits, || format!("layer {l} bias [{j}]")))
                .collect::<Result<Vec<_>, _>>()?;
            layers.push(QuantizedLayer {
                weights,
                bias,
                relu: layer.relu,
                weight_bits: bits,
                connections: layer.connections.clone(),
                sources: layer.sources.clone(),
            });
        }
        Ok(Self { scale_bits, layers })
    }

    /// Number of inputs.
    pub fn input_len(&self) -> usize {
        input_len(&self.layers)
    }

    /// Length of vector `v` (0: the model's inputs, `k + 1`: layer `k`'s outputs).
    pub fn vector_len(&self, v: usize) -> usize {
        vector_len(&self.layers, v)
    }

    /// Where layer `l`'s inputs come from.
    pub fn input_map(&self, l: usize) -> InputMap {
        InputMap::of(&self.layers, l)
    }

    /// The fractional bits of every vector (0: the inputs, `l + 1`: layer `l`'s outputs).
    pub fn vector_bits(&self) -> Vec<u32> {
        let weight_bits: Vec<u32> = self.layers.iter().map(|l| l.weight_bits).collect();
        // The precisions were checked when the model was quantized.
        vector_bits(&first_sources(self.layers.iter().map(|l| &l.sources)), self.scale_bits, &weight_bits).unwrap_or_default()
    }

    /// Number of outputs.
    pub fn output_len(&self) -> usize {
        self.layers.last().map_or(0, QuantizedLayer::outputs)
    }

    /// `a_l`: the fractional bits of layer `l`'s (first) inputs (`l = layers.len()`: the model's
    /// outputs).
    pub fn activation_bits(&self, l: usize) -> u32 {
        let v = if l == self.layers.len() { l } else { self.input_map(l).first_vector() };
        self.vector_bits().get(v).copied().unwrap_or(self.scale_bits)
    }

    /// `a_L`: the fractional bits of the model's outputs.
    pub fn output_scale_bits(&self) -> u32 {
        self.activation_bits(self.layers.len())
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

    /// Converts fixed-point outputs back to reals.
    pub fn dequantize(&self, values: &[i64]) -> Vec<f64> {
        let scale = (self.output_scale_bits() as f64).exp2();
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
        let mut outputs: Vec<Vec<i64>> = Vec::with_capacity(self.layers.len());
        let bits = self.vector_bits();
        for (l, layer) in self.layers.iter().enumerate() {
            let map = self.input_map(l);
            let vectors: Vec<&[i64]> = std::iter::once(input).chain(outputs.iter().map(Vec::as_slice)).collect();
            let current = map.gather(&vectors);
            let activation_bits = bits[map.first_vector()];
            let mut accs = Vec::with_capacity(layer.outputs());
            let mut outs = Vec::with_capacity(layer.outputs());
            for (j, b) in layer.bias.iter().enumerate() {
                let acc: i128 = layer
                    .row(j)
                    .map(|(i, w)| w as i128 * current[i] as i128)
                    .sum::<i128>()
                    + *b as i128;
                if acc.abs() >= ACC_BOUND {
                    let accumulator_bits = activation_bits + layer.weight_bits;
                    let lowest = self.scale_bits.saturating_sub(activation_bits);
                    return Err(QuantizeError::Overflow {
                        layer: l,
                        neuron: j,
                        accumulator_bits,
                        real: accumulator_real(acc, accumulator_bits),
                        advice: overflow_advice(l, self.scale_bits, layer.weight_bits, lowest),
                    });
                }
                let magnitude = (acc.unsigned_abs() >> self.scale_bits) as i64;
                let y = if acc < 0 { -magnitude } else { magnitude };
                outs.push(if layer.relu { y.max(0) } else { y });
                accs.push(acc);
            }
            accumulators.push(accs);
            outputs.push(outs);
        }
        Ok(FixedPointRun {
            input: input.to_vec(),
            accumulators,
            outputs,
        })
    }
}

/// Chooses each layer's weight precision for `model` at `scale_bits` from its weights and the
/// range of `inputs` (calibration inputs: what the model will be asked about), layer by layer
/// from the input: the most bits (at most `scale_bits`) for which the largest accumulator of
/// the float model over `inputs`, times `2^CALIBRATION_HEADROOM_BITS`, fits `2^40`. Fewer
/// weight bits in a layer also lower the scale of every later layer's activations, so a model
/// whose activations reach the thousands proves at a precision still far below its outputs'
/// magnitude. The choice is then checked by running the quantized model on every input.
///
/// # Errors
/// [`QuantizeError::InputLength`] for an input of the wrong length (or none at all),
/// [`QuantizeError::Overflow`] naming the layer when even its coarsest weights overflow, and
/// the errors of [`QuantizedModel::with_weight_bits`].
pub fn calibrate(model: &FloatMlp, scale_bits: u32, inputs: &[Vec<f64>]) -> Result<Vec<u32>, QuantizeError> {
    if scale_bits != 8 && scale_bits != 16 {
        return Err(QuantizeError::UnsupportedScale(scale_bits));
    }
    if inputs.is_empty() {
        return Err(QuantizeError::InputLength { expected: model.input_len(), got: 0 });
    }
    if let Some(bad) = inputs.iter().find(|x| x.len() != model.input_len()) {
        return Err(QuantizeError::InputLength { expected: model.input_len(), got: bad.len() });
    }
    let runs: Vec<Vec<Vec<f64>>> = inputs.iter().map(|x| model.forward_all(x)).collect();
    let mut weight_bits = Vec::with_capacity(model.layers.len());
    let mut bits_of = vec![scale_bits];
    for (l, layer) in model.layers.iter().enumerate() {
        let map = model.input_map(l);
        let activation_bits = bits_of[map.first_vector()];
        // The largest |Σ w·x + b| over the calibration inputs (before ReLU).
        let mut largest: f64 = 0.0;
        let mut worst_neuron = 0;
        for (input, run) in inputs.iter().zip(&runs) {
            let vectors: Vec<&[f64]> = std::iter::once(input.as_slice()).chain(run.iter().map(Vec::as_slice)).collect();
            let layer_input = map.gather(&vectors);
            for j in 0..layer.outputs() {
                let acc = layer.pre_activation(j, &layer_input).abs();
                if acc > largest {
                    largest = acc;
                    worst_neuron = j;
                }
            }
        }
        let lowest = scale_bits.saturating_sub(activation_bits);
        // acc·2^(a + w) < 2^(40 − headroom), with a little slack for the rounding of weights.
        let free_bits = 40.0 - CALIBRATION_HEADROOM_BITS as f64 - (largest * 1.001).max(f64::MIN_POSITIVE).log2();
        let fits = (free_bits - activation_bits as f64).floor();
        if fits < lowest as f64 {
            let accumulator_bits = activation_bits + lowest;
            return Err(QuantizeError::Overflow {
                layer: l,
                neuron: worst_neuron,
                accumulator_bits,
                real: largest,
                advice: overflow_advice(l, scale_bits, lowest, lowest),
            });
        }
        let bits = if fits >= scale_bits as f64 { scale_bits } else { fits as u32 };
        weight_bits.push(bits);
        bits_of.push(activation_bits + bits - scale_bits);
    }
    let quantized = QuantizedModel::with_weight_bits(model, scale_bits, &weight_bits)?;
    for input in inputs {
        quantized.run(&quantized.quantize_input(input)?)?;
    }
    Ok(weight_bits)
}

/// The a-priori bound `e_L` on `|fixed-point output - float output|` for one input (see the
/// module docs): the largest of [`error_bounds`].
pub fn error_bound(float_model: &FloatMlp, quantized: &QuantizedModel, input: &[f64]) -> f64 {
    error_bounds(float_model, quantized, input).into_iter().fold(0.0, f64::max)
}

/// The bound of the module docs for each output, propagated neuron by neuron along the float
/// inference of `input`.
pub fn error_bounds(float_model: &FloatMlp, quantized: &QuantizedModel, input: &[f64]) -> Vec<f64> {
    let s = quantized.scale_bits;
    let float_activations = float_model.forward_all(input);
    let vectors: Vec<&[f64]> = std::iter::once(input).chain(float_activations.iter().map(Vec::as_slice)).collect();
    let layer_input = |l: usize| float_model.input_map(l).gather(&vectors);
    let bits_of = quantized.vector_bits();
    // Per vector (0: the inputs, `l + 1`: layer `l`'s outputs), the bound on each value's error.
    let mut vector_errors: Vec<Vec<f64>> = vec![vec![(-(s as f64) - 1.0).exp2(); input.len()]];
    let mut l = 0;
    while l < quantized.layers.len() {
        let op = |k: usize| float_model.layers.get(k).and_then(|x| x.connections.as_ref()).map(|c| c.op);
        // A max pooling or a piecewise-linear activation: its layers, and whether it pools.
        let group = match op(l) {
            Some(SparseOp::MaxPoolStep) => (l..quantized.layers.len()).find(|k| op(*k) == Some(SparseOp::MaxPoolSum)).map(|end| (end, true)),
            Some(SparseOp::PiecewiseLinearTerms) if matches!(op(l + 1), Some(SparseOp::PiecewiseLinearSum | SparseOp::SmoothSum(_))) => Some((l + 1, false)),
            _ => None,
        };
        let errors = {
            let refs: Vec<&[f64]> = vector_errors.iter().map(Vec::as_slice).collect();
            float_model.input_map(l).gather(&refs)
        };
        match group {
            // Both are Lipschitz in each output's window (a max pooling: 1, times the largest
            // factor of an affine map folded after it; an activation: its largest slope): an
            // output's error is at most that constant times the largest error of its window's
            // inputs, plus the group's own rounding, bounded by the recursion from an exact input.
            Some((end, pools)) => {
                let mut internal = vec![0.0; errors.len()];
                let mut windows: Vec<Vec<usize>> = (0..errors.len()).map(|i| vec![i]).collect();
                for k in l..=end {
                    internal = layer_errors(float_model, quantized, &bits_of, k, &layer_input(k), &internal);
                    let layer = &float_model.layers[k];
                    windows = (0..layer.outputs())
                        .map(|j| {
                            let mut window: Vec<usize> = layer.row(j).flat_map(|(i, _)| windows[i].iter().copied()).collect();
                            window.sort_unstable();
                            window.dedup();
                            window
                        })
                        .collect();
                }
                let sum = &float_model.layers[end];
                let group_errors = (0..sum.outputs())
                    .map(|j| {
                        let factor = if pools {
                            sum.row(j).fold(0.0f64, |m, (_, w)| m.max(w.abs()))
                        } else {
                            largest_slope(&float_model.layers[l], sum, j)
                        };
                        let received = windows[j].iter().fold(0.0f64, |m, i| m.max(errors[*i]));
                        // A smooth activation is proved as its interpolation.
                        let approximation = match op(end) {
                            Some(SparseOp::SmoothSum(f)) => f.interpolation_error(),
                            _ => 0.0,
                        };
                        factor * received + internal[j] + approximation
                    })
                    .collect();
                // The group's inner vectors are read by the group alone: no bound is claimed.
                for k in l..end {
                    vector_errors.push(vec![f64::INFINITY; float_model.layers[k].outputs()]);
                }
                vector_errors.push(group_errors);
                l = end + 1;
            }
            None => {
                vector_errors.push(layer_errors(float_model, quantized, &bits_of, l, &layer_input(l), &errors));
                l += 1;
            }
        }
    }
    vector_errors.pop().unwrap_or_default()
}

/// The largest slope of output `j` of a piecewise-linear activation, `Σ_k s_k·relu(a_k·z + b_k)`
/// (`terms`: the ReLU layer, `sum`: the layer summing them), over every interval between its
/// breakpoints.
fn largest_slope(terms: &DenseLayer, sum: &DenseLayer, j: usize) -> f64 {
    let pieces: Vec<(f64, f64, f64)> = sum
        .row(j)
        .map(|(k, s)| (terms.row(k).next().map_or(0.0, |(_, a)| a), terms.bias[k], s))
        .collect();
    let mut breaks: Vec<f64> = pieces.iter().filter(|p| p.0 != 0.0).map(|(a, b, _)| -b / a).collect();
    breaks.sort_by(f64::total_cmp);
    let mut probes: Vec<f64> = breaks.windows(2).map(|w| (w[0] + w[1]) / 2.0).collect();
    if let (Some(first), Some(last)) = (breaks.first(), breaks.last()) {
        probes.extend([first - 1.0, last + 1.0]);
    }
    probes.push(0.0);
    probes
        .iter()
        .map(|x| pieces.iter().filter(|(a, b, _)| a * x + b > 0.0).map(|(a, _, s)| a * s).sum::<f64>().abs())
        .fold(0.0, f64::max)
}

/// One step of the recursion, neuron by neuron: layer `l`'s output errors given its inputs'
/// `errors` (`bits_of`: every vector's fractional bits). The weights' and the bias's rounding
/// errors are the actual ones. A ReLU neuron whose float pre-activation is below minus its error
/// bound outputs 0 in both models: no error.
fn layer_errors(float_model: &FloatMlp, quantized: &QuantizedModel, bits_of: &[u32], l: usize, activation: &[f64], errors: &[f64]) -> Vec<f64> {
    let (float, layer) = (&float_model.layers[l], &quantized.layers[l]);
    let map = quantized.input_map(l);
    let activation_bits = bits_of[map.first_vector()];
    let input_bits = bits_by_input(&map, bits_of, layer.weight_bits);
    let bias_scale = ((activation_bits + layer.weight_bits) as f64).exp2();
    let bits = activation_bits + layer.weight_bits - quantized.scale_bits;
    let truncation = (-(bits as f64)).exp2();
    (0..layer.outputs())
        .map(|j| {
            let mut before_truncation = (layer.bias[j] as f64 / bias_scale - float.bias[j]).abs();
            for ((i, q), (_, f)) in layer.row(j).zip(float.row(j)) {
                let q = q as f64 / (input_bits(i) as f64).exp2();
                before_truncation += q.abs() * errors[i] + (q - f).abs() * activation[i].abs();
            }
            if float.relu && float.pre_activation(j, activation) <= -before_truncation {
                0.0
            } else {
                before_truncation + truncation
            }
        })
        .collect()
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
                weight_bits: 8,
                connections: None,
                sources: None,
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
                weight_bits: 16,
                connections: None,
                sources: None,
            }],
        };
        match model.run(&[1 << 12]) {
            Err(QuantizeError::Overflow { layer: 0, neuron: 0, accumulator_bits: 32, real, .. }) => assert_eq!(real, 1024.0),
            other => panic!("{other:?}"),
        }
        let message = model.run(&[1 << 12]).unwrap_err().to_string();
        assert!(message.contains("layer 0, neuron 0: the accumulator is 1.0240e3"), "{message}");
        assert!(message.contains("below 2.5600e2; calibrate the model on inputs like this one"), "{message}");
        assert!(message.contains("as few as 0 bits instead of 16, 65536x the range"), "{message}");
        let coarsest = QuantizedModel { layers: vec![QuantizedLayer { weight_bits: 0, ..model.layers[0].clone() }], ..model.clone() };
        let message = coarsest.run(&[1 << 30]).unwrap_err().to_string();
        assert!(message.contains("already at its coarsest weights; prepare the model with 8 scale bits"), "{message}");
        let coarse = QuantizedModel { scale_bits: 8, layers: vec![QuantizedLayer { weight_bits: 0, ..model.layers[0].clone() }] };
        let message = coarse.run(&[1 << 20]).unwrap_err().to_string();
        assert!(message.contains("below 4.2950e9; scale this layer's inputs down"), "{message}");
        let float = FloatMlp {
            layers: vec![DenseLayer::dense(vec![vec![1e12]], vec![0.0], false)],
            weight_bits: None,
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

    /// A regression MLP whose hidden activations reach ~5,000 and outputs ~26,000 on inputs up
    /// to 100: at 16 bits everywhere it overflows in layer 0.
    fn large_activations() -> FloatMlp {
        FloatMlp {
            layers: vec![
                DenseLayer::dense(vec![vec![25.0, 25.0], vec![-12.5, 30.0]], vec![3.25, -1.5], true),
                DenseLayer::dense(vec![vec![4.0, 3.5]], vec![10.125], false),
            ],
            weight_bits: None,
        }
    }

    #[test]
    fn calibration_trades_weight_bits_for_range_and_keeps_the_bound() {
        let float = large_activations();
        let inputs = vec![vec![100.0, 100.0], vec![-3.0, 80.0], vec![0.5, 0.25]];
        let default = QuantizedModel::from_float(&float, 16).unwrap();
        let overflow = default.run(&default.quantize_input(&inputs[0]).unwrap()).unwrap_err();
        assert!(matches!(overflow, QuantizeError::Overflow { layer: 0, .. }), "{overflow}");

        let bits = calibrate(&float, 16, &inputs).unwrap();
        // Layer 0: |acc| ≤ 5003.25 (2^12.3): 40 − 1 − 12.3 = 26.7 free bits, 16 of them the
        // inputs' → 10 weight bits, outputs at 16 + 10 − 16 = 10 bits.
        // Layer 1: |acc| ≤ 26142.9 (2^14.7): 24.3 free bits, 10 the inputs' → 14; outputs at 8.
        assert_eq!(bits, vec![10, 14]);
        let quantized = QuantizedModel::with_weight_bits(&float, 16, &bits).unwrap();
        assert_eq!(quantized.activation_bits(1), 10);
        assert_eq!(quantized.output_scale_bits(), 8);
        for input in &inputs {
            let run = quantized.run(&quantized.quantize_input(input).unwrap()).unwrap();
            let got = quantized.dequantize(run.output());
            let want = float.forward(input);
            let bound = error_bound(&float, &quantized, input);
            assert!(bound < 2.0, "a useful bound for outputs in the tens of thousands: {bound}");
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() <= bound, "|{g} − {w}| > {bound}");
            }
        }
        // The precision travels with the float model.
        let calibrated = FloatMlp { weight_bits: Some(bits.clone()), ..float.clone() };
        assert_eq!(QuantizedModel::from_float(&calibrated, 16).unwrap(), quantized);
    }

    /// The bound holds through LeakyRelu, Clip and HardSigmoid (their layers as one Lipschitz
    /// map) and through a max pooling, at both scales.
    #[test]
    fn the_bound_holds_through_piecewise_linear_activations_and_pooling() {
        use crate::model::lowering::{max_pool, piecewise_linear, Features, PiecewiseLinear, Window};
        let dense = |n_in: usize, n_out: usize, seed: usize| {
            DenseLayer::dense((0..n_out).map(|o| (0..n_in).map(|i| ((o * 7 + i * 5 + seed) % 11) as f64 / 5.0 - 1.0).collect()).collect(), (0..n_out).map(|o| (o % 3) as f64 / 4.0 - 0.25).collect(), false)
        };
        let mut layers = vec![dense(4, 8, 1)];
        layers.extend(piecewise_linear(8, &PiecewiseLinear::leaky_relu(0.1)));
        let window = Window { kernel: [2, 2], strides: [2, 2], pads: [0; 4], dilations: [1, 1], ceil_mode: false };
        layers.extend(max_pool(&Features::plain(vec![2, 2, 2]), &window, false, "pool").unwrap().0);
        layers.push(dense(2, 6, 2));
        layers.extend(piecewise_linear(6, &PiecewiseLinear::clip(Some(0.0), Some(6.0))));
        layers.push(dense(6, 3, 3));
        layers.extend(piecewise_linear(3, &PiecewiseLinear::hard_sigmoid(0.2, 0.5)));
        let float = FloatMlp { layers, weight_bits: None };
        float.validate().unwrap();
        let mut rng = fastrand::Rng::with_seed(5);
        for scale in [16, 8] {
            let quantized = QuantizedModel::from_float(&float, scale).unwrap();
            for _ in 0..200 {
                let input: Vec<f64> = (0..4).map(|_| rng.f64() * 8.0 - 4.0).collect();
                let fixed = quantized.dequantize(quantized.run(&quantized.quantize_input(&input).unwrap()).unwrap().output());
                let bound = error_bound(&float, &quantized, &input);
                for (q, f) in fixed.iter().zip(float.forward(&input)) {
                    assert!((q - f).abs() <= bound, "scale {scale}: |{q} − {f}| > {bound}");
                }
                assert!(bound < if scale == 16 { 1e-2 } else { 1.0 }, "scale {scale}: a useful bound, {bound}");
            }
        }
    }

    #[test]
    fn calibration_refuses_what_no_precision_fits_and_bad_precisions() {
        let float = large_activations();
        let message = calibrate(&float, 16, &[vec![1e9, 1e9]]).unwrap_err().to_string();
        assert!(message.contains("overflow in layer 0"), "{message}");
        assert!(message.contains("already at its coarsest weights"), "{message}");
        assert!(matches!(calibrate(&float, 16, &[]), Err(QuantizeError::InputLength { got: 0, .. })));
        assert!(matches!(calibrate(&float, 16, &[vec![1.0]]), Err(QuantizeError::InputLength { got: 1, .. })));
        let err = QuantizedModel::with_weight_bits(&float, 16, &[17, 16]).unwrap_err().to_string();
        assert!(err.contains("layer 0's weights have 17 bits, more than the scale's 16"), "{err}");
        let err = QuantizedModel::with_weight_bits(&float, 16, &[4, 8]).unwrap_err().to_string();
        assert!(err.contains("layer 1's weights have 8 bits: its outputs would have fewer than 0"), "{err}");
        let err = QuantizedModel::with_weight_bits(&float, 16, &[16]).unwrap_err().to_string();
        assert!(err.contains("1 weight precisions for 2 layers"), "{err}");
        // A model that fits needs no calibration: every layer keeps the scale's bits.
        let small = calibrate(&float, 16, &[vec![0.01, -0.02]]).unwrap();
        assert_eq!(small, vec![16, 16]);
    }
}
