//! Image operators lowered to the layers the AIR proves: a convolution is a sparse layer (each
//! neuron reads its window), a max-pooling step is a short chain of ReLU layers
//! (`max(a, b) = b + relu(a − b)`, exact in fixed point) and a linear one, an average pooling a
//! sparse linear layer.
//!
//! Features of shape `[C, H, W]` are kept **channels-last** inside the trace: the activation at
//! position `p = (y·W + x)·C + c` is the ONNX tensor's element `c·H·W + y·W + x`. A block's eight
//! neurons are then eight channels at one position, which read the same window, and a window's
//! row of pixels (all channels) lies at consecutive addresses, two a trace row. [`Features`]
//! carries the map from positions to ONNX indices through the graph.

use super::{Connections, DenseLayer, ModelError, Smooth, SparseOp};

/// The features between two operators: their ONNX shape (without the batch dimension) and where
/// each ONNX element sits in the activation vector.
#[derive(Clone, Debug, PartialEq)]
pub struct Features {
    /// ONNX shape, e.g. `[C, H, W]`, `[n]`.
    pub shape: Vec<usize>,
    /// `onnx_index[p]`: the ONNX (row-major) index of the activation at position `p`; None when
    /// they are in ONNX order.
    pub onnx_index: Option<Vec<usize>>,
}

impl Features {
    /// Features in ONNX order.
    pub fn plain(shape: Vec<usize>) -> Self {
        Features { shape, onnx_index: None }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `values` (one per ONNX element, row-major) in activation order.
    pub fn arrange(&self, values: &[f64]) -> Vec<f64> {
        match &self.onnx_index {
            None => values.to_vec(),
            Some(index) => index.iter().map(|i| values[*i]).collect(),
        }
    }

    /// `position[i]`: the position of ONNX element `i`.
    pub fn positions(&self) -> Vec<usize> {
        let mut position: Vec<usize> = (0..self.len()).collect();
        if let Some(index) = &self.onnx_index {
            for (p, i) in index.iter().enumerate() {
                position[*i] = p;
            }
        }
        position
    }

    /// `[C, H, W]`, or an error naming `what`.
    fn image(&self, what: &str) -> Result<(usize, usize, usize), ModelError> {
        match self.shape.as_slice() {
            [c, h, w] => Ok((*c, *h, *w)),
            other => Err(ModelError::ShapeMismatch(format!(
                "{what}: takes images of shape [C, H, W] (after the batch), given {other:?}"
            ))),
        }
    }
}

/// Channels-last features of shape `[c, h, w]`.
fn channels_last(c: usize, h: usize, w: usize) -> Features {
    let mut index = Vec::with_capacity(c * h * w);
    for y in 0..h {
        for x in 0..w {
            for ch in 0..c {
                index.push(ch * h * w + y * w + x);
            }
        }
    }
    Features { shape: vec![c, h, w], onnx_index: Some(index) }
}

/// The geometry of a 2-D window sliding over an image (a convolution's kernel, a pooling
/// window).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// Kernel height and width.
    pub kernel: [usize; 2],
    /// Vertical and horizontal strides.
    pub strides: [usize; 2],
    /// Padding: top, left, bottom, right.
    pub pads: [usize; 4],
    /// Vertical and horizontal dilations.
    pub dilations: [usize; 2],
    /// Whether the output size rounds up (`ceil_mode`).
    pub ceil_mode: bool,
}

impl Window {
    /// The output height and width over an `h × w` image.
    ///
    /// # Errors
    /// The window does not fit the padded image.
    pub fn output_size(&self, h: usize, w: usize, what: &str) -> Result<(usize, usize), ModelError> {
        let size = |n: usize, axis: usize| -> Option<usize> {
            let padded = n + self.pads[axis] + self.pads[axis + 2];
            let span = (self.kernel[axis].checked_sub(1)?) * self.dilations[axis] + 1;
            let stride = self.strides[axis];
            if stride == 0 || padded < span {
                return None;
            }
            let steps = padded - span;
            Some(if self.ceil_mode { steps.div_ceil(stride) } else { steps / stride } + 1)
        };
        match (size(h, 0), size(w, 1)) {
            (Some(oh), Some(ow)) => Ok((oh, ow)),
            _ => Err(ModelError::ShapeMismatch(format!(
                "{what}: a {:?} window (strides {:?}, pads {:?}, dilations {:?}) does not fit a {h}×{w} image",
                self.kernel, self.strides, self.pads, self.dilations
            ))),
        }
    }

    /// The image pixels `(y, x, ky, kx)` the window at output `(oy, ox)` covers (inside the
    /// image: padding reads nothing).
    fn covered(&self, oy: usize, ox: usize, h: usize, w: usize) -> Vec<(usize, usize, usize, usize)> {
        let mut pixels = Vec::new();
        for ky in 0..self.kernel[0] {
            let y = (oy * self.strides[0] + ky * self.dilations[0]).checked_sub(self.pads[0]);
            let Some(y) = y.filter(|y| *y < h) else { continue };
            for kx in 0..self.kernel[1] {
                let x = (ox * self.strides[1] + kx * self.dilations[1]).checked_sub(self.pads[1]);
                let Some(x) = x.filter(|x| *x < w) else { continue };
                pixels.push((y, x, ky, kx));
            }
        }
        pixels
    }
}

/// A linear neuron under construction: `(position, coefficient)` terms.
type Terms = Vec<(usize, f64)>;

/// A sparse layer from its neurons' terms (sorted and merged by position).
fn sparse_layer(op: SparseOp, inputs: usize, neurons: Vec<Terms>, bias: Vec<f64>, relu: bool) -> DenseLayer {
    let mut weights = Vec::with_capacity(neurons.len());
    let mut indices = Vec::with_capacity(neurons.len());
    for mut terms in neurons {
        terms.sort_by_key(|(p, _)| *p);
        let mut merged: Terms = Vec::with_capacity(terms.len());
        for (p, w) in terms {
            match merged.last_mut() {
                Some((last, sum)) if *last == p => *sum += w,
                _ => merged.push((p, w)),
            }
        }
        indices.push(merged.iter().map(|(p, _)| *p).collect());
        weights.push(merged.iter().map(|(_, w)| *w).collect());
    }
    DenseLayer { weights, bias, relu, connections: Some(Connections { op, inputs, indices }), sources: None }
}

/// A 2-D convolution: `weight` of shape `[M, C/groups, kh, kw]` (row-major values), `bias` of
/// `M` values, over `input` of shape `[C, H, W]`; output `[M, OH, OW]`, channels-last.
///
/// # Errors
/// Shapes that do not match, groups that do not divide the channels.
pub fn convolution(
    input: &Features,
    weight: (&[usize], &[f64]),
    bias: Option<&[f64]>,
    window: &Window,
    groups: usize,
    what: &str,
) -> Result<(DenseLayer, Features), ModelError> {
    let (c, h, w) = input.image(what)?;
    let (dims, values) = weight;
    let &[m, c_group, kh, kw] = dims else {
        return Err(ModelError::ShapeMismatch(format!("{what}: weights of shape {dims:?}, expected [M, C/groups, kH, kW]")));
    };
    if groups == 0 || c % groups != 0 || m % groups != 0 || c_group * groups != c {
        return Err(ModelError::ShapeMismatch(format!(
            "{what}: {groups} groups for {c} input channels and {m} output channels (weights {dims:?})"
        )));
    }
    if [kh, kw] != window.kernel {
        return Err(ModelError::ShapeMismatch(format!("{what}: kernel_shape {:?}, weights {dims:?}", window.kernel)));
    }
    let bias = match bias {
        Some(b) if b.len() == m => b.to_vec(),
        Some(b) => return Err(ModelError::ShapeMismatch(format!("{what}: {} biases for {m} channels", b.len()))),
        None => vec![0.0; m],
    };
    let (oh, ow) = window.output_size(h, w, what)?;
    let position = input.positions();
    let m_group = m / groups;
    let mut neurons = Vec::with_capacity(m * oh * ow);
    let mut biases = Vec::with_capacity(m * oh * ow);
    for oy in 0..oh {
        for ox in 0..ow {
            let covered = window.covered(oy, ox, h, w);
            for out in 0..m {
                let group = out / m_group;
                let mut terms = Terms::with_capacity(c_group * covered.len());
                for local in 0..c_group {
                    let channel = group * c_group + local;
                    for &(y, x, ky, kx) in &covered {
                        let value = values[((out * c_group + local) * kh + ky) * kw + kx];
                        terms.push((position[(channel * h + y) * w + x], value));
                    }
                }
                neurons.push(terms);
                biases.push(bias[out]);
            }
        }
    }
    Ok((sparse_layer(SparseOp::Convolution, input.len(), neurons, biases, false), channels_last(m, oh, ow)))
}

/// Average pooling (`count_include_pad`: divide by the whole window, padding included, else by
/// the pixels covered); `global` pools the whole image. Output channels-last.
///
/// # Errors
/// Shapes that do not match.
pub fn average_pool(input: &Features, window: &Window, count_include_pad: bool, what: &str) -> Result<(DenseLayer, Features), ModelError> {
    let (c, h, w) = input.image(what)?;
    let (oh, ow) = window.output_size(h, w, what)?;
    let position = input.positions();
    let mut neurons = Vec::with_capacity(c * oh * ow);
    for oy in 0..oh {
        for ox in 0..ow {
            let covered = window.covered(oy, ox, h, w);
            let count = if count_include_pad { window.kernel[0] * window.kernel[1] } else { covered.len().max(1) };
            for ch in 0..c {
                let terms = covered.iter().map(|&(y, x, _, _)| (position[(ch * h + y) * w + x], 1.0 / count as f64)).collect();
                neurons.push(terms);
            }
        }
    }
    let n = neurons.len();
    Ok((sparse_layer(SparseOp::AveragePool, input.len(), neurons, vec![0.0; n], false), channels_last(c, oh, ow)))
}

/// Max pooling as `max(a, b) = b + relu(a − b)`: rounds of ReLU layers, each halving every
/// window (a pair `(a, b)` becomes the neurons `relu(a − b)` and `relu(b)`, plus `−relu(−b)` when
/// the input may be negative), then one linear layer summing what is left of each window. A 2×2
/// window of nonnegative inputs costs two ReLU layers (4 and 2 neurons an output) and a linear one.
/// The fixed-point result is exact: the weights are ±1.
///
/// # Errors
/// Shapes that do not match.
pub fn max_pool(input: &Features, window: &Window, nonnegative: bool, what: &str) -> Result<(Vec<DenseLayer>, Features), ModelError> {
    let (c, h, w) = input.image(what)?;
    let (oh, ow) = window.output_size(h, w, what)?;
    let position = input.positions();
    // Each output's window: the linear combinations (of the current vector) still to compare.
    let mut windows: Vec<Vec<Terms>> = Vec::with_capacity(c * oh * ow);
    for oy in 0..oh {
        for ox in 0..ow {
            let covered = window.covered(oy, ox, h, w);
            if covered.is_empty() {
                return Err(ModelError::ShapeMismatch(format!("{what}: a window covers padding only")));
            }
            for ch in 0..c {
                windows.push(covered.iter().map(|&(y, x, _, _)| vec![(position[(ch * h + y) * w + x], 1.0)]).collect());
            }
        }
    }
    let mut layers = Vec::new();
    let mut inputs = input.len();
    while windows.iter().any(|w| w.len() > 1) {
        let mut neurons: Vec<Terms> = Vec::new();
        let mut next = Vec::with_capacity(windows.len());
        for elements in &windows {
            let mut halved = Vec::with_capacity(elements.len().div_ceil(2));
            for pair in elements.chunks(2) {
                let mut kept = Terms::new();
                if let [a, b] = pair {
                    let mut difference = a.clone();
                    difference.extend(b.iter().map(|(p, v)| (*p, -v)));
                    kept.push((neurons.len(), 1.0));
                    neurons.push(difference);
                }
                // The last element (b, or a lone a) passes through the ReLU layer.
                let last = &pair[pair.len() - 1];
                kept.push((neurons.len(), 1.0));
                neurons.push(last.clone());
                if !nonnegative {
                    kept.push((neurons.len(), -1.0));
                    neurons.push(last.iter().map(|(p, v)| (*p, -v)).collect());
                }
                halved.push(kept);
            }
            next.push(halved);
        }
        let n = neurons.len();
        layers.push(sparse_layer(SparseOp::MaxPoolStep, inputs, neurons, vec![0.0; n], true));
        inputs = n;
        windows = next;
    }
    let sums: Vec<Terms> = windows.into_iter().map(|mut w| w.pop().unwrap_or_default()).collect();
    let n = sums.len();
    layers.push(sparse_layer(SparseOp::MaxPoolSum, inputs, sums, vec![0.0; n], false));
    Ok((layers, channels_last(c, oh, ow)))
}

/// A piecewise-linear activation `y = c + Σ_k s_k·relu(a_k·z + b_k)`, applied to each feature.
/// `LeakyRelu`, `Clip` (ReLU6) and `HardSigmoid` are exactly of this form.
#[derive(Clone, Debug, PartialEq)]
pub struct PiecewiseLinear {
    /// `c`.
    pub constant: f64,
    /// `(a_k, b_k, s_k)`.
    pub terms: Vec<(f64, f64, f64)>,
}

impl PiecewiseLinear {
    /// `LeakyRelu(alpha)`: `relu(z) − alpha·relu(−z)`.
    pub fn leaky_relu(alpha: f64) -> Self {
        PiecewiseLinear { constant: 0.0, terms: vec![(1.0, 0.0, 1.0), (-1.0, 0.0, -alpha)] }
    }

    /// `Clip(lo, hi)` (either bound may be absent): `lo + relu(z − lo) − relu(z − hi)`.
    pub fn clip(lo: Option<f64>, hi: Option<f64>) -> Self {
        match (lo, hi) {
            (Some(lo), Some(hi)) => PiecewiseLinear { constant: lo, terms: vec![(1.0, -lo, 1.0), (1.0, -hi, -1.0)] },
            (Some(lo), None) => PiecewiseLinear { constant: lo, terms: vec![(1.0, -lo, 1.0)] },
            (None, Some(hi)) => PiecewiseLinear { constant: hi, terms: vec![(-1.0, hi, -1.0)] },
            (None, None) => PiecewiseLinear { constant: 0.0, terms: vec![(1.0, 0.0, 1.0), (-1.0, 0.0, -1.0)] },
        }
    }

    /// `HardSigmoid(alpha, beta)`: `max(0, min(1, alpha·z + beta))`.
    pub fn hard_sigmoid(alpha: f64, beta: f64) -> Self {
        PiecewiseLinear { constant: 0.0, terms: vec![(alpha, beta, 1.0), (alpha, beta - 1.0, -1.0)] }
    }

    /// The activation at `z`.
    pub fn eval(&self, z: f64) -> f64 {
        self.constant + self.terms.iter().map(|(a, b, s)| s * (a * z + b).max(0.0)).sum::<f64>()
    }
}

/// `f` on each of `n` features, as its piecewise-linear interpolation ([`Smooth::interpolation`]):
/// the layers of [`piecewise_linear`], the sum marked [`SparseOp::SmoothSum`] (the float model
/// computes `f` itself there).
pub fn smooth(n: usize, f: Smooth) -> [DenseLayer; 2] {
    let (constant, knots) = f.interpolation();
    let activation = PiecewiseLinear { constant, terms: knots.iter().map(|(t, s)| (1.0, -t, *s)).collect() };
    let [terms, mut sum] = piecewise_linear(n, &activation);
    if let Some(c) = &mut sum.connections {
        c.op = SparseOp::SmoothSum(f);
    }
    [terms, sum]
}

/// `activation` on each of `n` features: a ReLU layer of its terms (each neuron reads one
/// feature), then a linear layer summing them. Exact up to the weights' rounding.
pub fn piecewise_linear(n: usize, activation: &PiecewiseLinear) -> [DenseLayer; 2] {
    let k = activation.terms.len();
    let mut terms = Vec::with_capacity(n * k);
    let mut term_bias = Vec::with_capacity(n * k);
    let mut sums = Vec::with_capacity(n);
    for i in 0..n {
        let mut sum = Terms::with_capacity(k);
        for &(a, b, s) in &activation.terms {
            sum.push((terms.len(), s));
            terms.push(vec![(i, a)]);
            term_bias.push(b);
        }
        sums.push(sum);
    }
    [
        sparse_layer(SparseOp::PiecewiseLinearTerms, n, terms, term_bias, true),
        sparse_layer(SparseOp::PiecewiseLinearSum, n * k, sums, vec![activation.constant; n], false),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(layers: &[DenseLayer], input: &[f64]) -> Vec<f64> {
        layers.iter().fold(input.to_vec(), |x, layer| {
            (0..layer.outputs())
                .map(|j| {
                    let y = layer.pre_activation(j, &x);
                    if layer.relu { y.max(0.0) } else { y }
                })
                .collect()
        })
    }

    fn window(k: usize, s: usize, pad: usize) -> Window {
        Window { kernel: [k, k], strides: [s, s], pads: [pad; 4], dilations: [1, 1], ceil_mode: false }
    }

    /// The ONNX-order image from channels-last activations.
    fn onnx_order(features: &Features, values: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; values.len()];
        for (p, i) in features.onnx_index.as_ref().unwrap().iter().enumerate() {
            out[*i] = values[p];
        }
        out
    }

    #[test]
    fn convolution_matches_the_direct_sum_with_padding_strides_and_groups() {
        // 2 input channels, 4×5 image, 4 output channels in 2 groups, 3×3 kernel, stride 2, pad 1.
        let (c, h, w, m) = (2, 4, 5, 4);
        let image: Vec<f64> = (0..c * h * w).map(|i| ((i * 7) % 11) as f64 - 5.0).collect();
        let kernel: Vec<f64> = (0..m * 9).map(|i| ((i * 5) % 7) as f64 / 4.0 - 0.75).collect();
        let bias = [0.5, -1.0, 0.25, 2.0];
        let win = window(3, 2, 1);
        let (layer, out) = convolution(&Features::plain(vec![c, h, w]), (&[m, 1, 3, 3], &kernel), Some(&bias), &win, 2, "conv").unwrap();
        assert_eq!(out.shape, vec![4, 2, 3]);
        let got = onnx_order(&out, &run(&[layer], &image));
        for o in 0..m {
            for oy in 0..2 {
                for ox in 0..3 {
                    let mut sum = bias[o];
                    for ky in 0..3 {
                        for kx in 0..3 {
                            let (y, x) = ((oy * 2 + ky) as isize - 1, (ox * 2 + kx) as isize - 1);
                            if (0..h as isize).contains(&y) && (0..w as isize).contains(&x) {
                                sum += kernel[o * 9 + ky * 3 + kx] * image[(o / 2 * h + y as usize) * w + x as usize];
                            }
                        }
                    }
                    assert_eq!(got[(o * 2 + oy) * 3 + ox], sum, "channel {o} at ({oy}, {ox})");
                }
            }
        }
    }

    #[test]
    fn pools_match_max_and_mean_on_signed_and_nonnegative_inputs() {
        let (c, h, w) = (3, 4, 4);
        let image: Vec<f64> = (0..c * h * w).map(|i| ((i * 13) % 17) as f64 - 8.0).collect();
        // Feed the pools channels-last features (as after a convolution).
        let features = channels_last(c, h, w);
        let arranged = features.arrange(&image);
        for (k, s, nonnegative) in [(2, 2, false), (3, 1, false), (2, 2, true)] {
            let input: Vec<f64> = if nonnegative { arranged.iter().map(|v| v.max(0.0)).collect() } else { arranged.clone() };
            let (layers, out) = max_pool(&features, &window(k, s, 0), nonnegative, "pool").unwrap();
            let relu_layers = layers.iter().filter(|l| l.relu).count();
            assert_eq!(relu_layers, (k * k).next_power_of_two().trailing_zeros() as usize);
            let got = onnx_order(&out, &run(&layers, &input));
            let source = onnx_order(&features, &input);
            let (oh, ow) = (out.shape[1], out.shape[2]);
            for ch in 0..c {
                for oy in 0..oh {
                    for ox in 0..ow {
                        let mut best = f64::MIN;
                        for ky in 0..k {
                            for kx in 0..k {
                                best = best.max(source[(ch * h + oy * s + ky) * w + ox * s + kx]);
                            }
                        }
                        assert_eq!(got[(ch * oh + oy) * ow + ox], best, "k {k} s {s} channel {ch} at ({oy}, {ox})");
                    }
                }
            }
        }
        let (layer, out) = average_pool(&features, &window(2, 2, 0), false, "avg").unwrap();
        let got = onnx_order(&out, &run(&[layer], &arranged));
        assert_eq!(got[0], (image[0] + image[1] + image[4] + image[5]) / 4.0);
    }

    #[test]
    fn piecewise_linear_activations_are_exact() {
        let cases = [
            (PiecewiseLinear::leaky_relu(0.1), (|z: f64| if z > 0.0 { z } else { 0.1 * z }) as fn(f64) -> f64),
            (PiecewiseLinear::clip(Some(0.0), Some(6.0)), |z: f64| z.clamp(0.0, 6.0)),
            (PiecewiseLinear::clip(Some(-1.5), None), |z: f64| z.max(-1.5)),
            (PiecewiseLinear::clip(None, Some(2.0)), |z: f64| z.min(2.0)),
            (PiecewiseLinear::hard_sigmoid(0.2, 0.5), |z: f64| (0.2 * z + 0.5).clamp(0.0, 1.0)),
        ];
        let zs: Vec<f64> = (-40..=40).map(|i| i as f64 / 4.0).collect();
        for (activation, f) in cases {
            let layers = piecewise_linear(zs.len(), &activation);
            let got = run(&layers, &zs);
            for (z, y) in zs.iter().zip(&got) {
                assert!((y - f(*z)).abs() < 1e-12, "{activation:?} at {z}: {y} != {}", f(*z));
                assert!((activation.eval(*z) - f(*z)).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn smooth_activations_are_interpolated_within_their_bound() {
        for f in [Smooth::Sigmoid, Smooth::Tanh] {
            let zs: Vec<f64> = (-4000..=4000).map(|i| i as f64 / 200.0).collect();
            let layers = smooth(zs.len(), f);
            let got = run(&layers, &zs);
            let worst = zs.iter().zip(&got).map(|(z, y)| (y - f.eval(*z)).abs()).fold(0.0, f64::max);
            assert!(worst <= f.interpolation_error(), "{f:?}: {worst} > {}", f.interpolation_error());
            assert!(f.interpolation_error() < 2e-3, "{f:?}: {}", f.interpolation_error());
            assert!(worst > f.interpolation_error() / 4.0, "{f:?}: the bound is tight ({worst})");
        }
    }

    #[test]
    fn windows_that_do_not_fit_are_refused() {
        let err = convolution(&Features::plain(vec![1, 2, 2]), (&[1, 1, 3, 3], &[0.0; 9]), None, &window(3, 1, 0), 1, "conv").unwrap_err();
        assert!(err.to_string().contains("does not fit a 2×2 image"), "{err}");
        let err = max_pool(&Features::plain(vec![4]), &window(2, 2, 0), true, "pool").unwrap_err();
        assert!(err.to_string().contains("takes images of shape [C, H, W]"), "{err}");
        let err = convolution(&Features::plain(vec![3, 4, 4]), (&[2, 1, 3, 3], &[0.0; 18]), None, &window(3, 1, 0), 2, "conv").unwrap_err();
        assert!(err.to_string().contains("2 groups for 3 input channels"), "{err}");
    }
}
