//! Models: float networks (MLPs, CNNs lowered to dense and sparse layers, a layer reading the one before it or earlier ones) loaded from ONNX ([`onnx`]), their fixed-point quantization
//! ([`quantize`]) and input files ([`input`]).

pub mod input;
pub mod lowering;
pub mod onnx;
pub mod quantize;

/// Errors of model loading.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The file could not be read or written.
    #[error("cannot access model file {path}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not an ONNX protobuf.
    #[error("malformed ONNX protobuf")]
    Decode(#[from] prost::DecodeError),
    /// An operator the loader does not take ([`onnx::SUPPORTED_OPS`] lists those it does).
    #[error("unsupported ONNX operator {op_type:?} (node {node:?}); supported: {}", onnx::SUPPORTED_OPS)]
    UnsupportedOp {
        /// The operator.
        op_type: String,
        /// The node name.
        node: String,
    },
    /// Tensor shapes that do not chain.
    #[error("shape mismatch: {0}")]
    ShapeMismatch(String),
    /// A graph this loader does not understand.
    #[error("unsupported model structure: {0}")]
    Structure(String),
    /// A tensor with an unsupported element type or inconsistent data.
    #[error("bad tensor {name:?}: {reason}")]
    BadTensor {
        /// Tensor name.
        name: String,
        /// What is wrong.
        reason: String,
    },
}

/// What a sparse layer computes (the operator it comes from).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SparseOp {
    /// A 2-D convolution: each neuron reads its window.
    Convolution,
    /// An average pooling.
    AveragePool,
    /// A ReLU step of a max pooling (`relu(a − b)`, `relu(b)`, `relu(−b)`).
    MaxPoolStep,
    /// The last layer of a max pooling: each window's maximum from its steps' outputs (its
    /// weights may carry an affine map folded after the pooling).
    MaxPoolSum,
    /// An elementwise affine map (`diag(s)·x + t`).
    Elementwise,
    /// A dense layer applied to each element of a batch ([`FloatMlp::batched`]).
    BatchedDense,
    /// Two branches joining (ONNX `Add`/`Sub` of two computed tensors, a residual connection):
    /// each neuron reads one element of each branch ([`DenseLayer::sources`]).
    BranchSum,
    /// The ReLU terms of a piecewise-linear activation (`LeakyRelu`, `Clip`, `HardSigmoid`):
    /// `relu(a_k·z + b_k)` for each term `k` of each element.
    PiecewiseLinearTerms,
    /// The activation's value: `c + Σ_k s_k·relu(a_k·z + b_k)` for each element.
    PiecewiseLinearSum,
    /// The value of a smooth activation (after its [`SparseOp::PiecewiseLinearTerms`]): in the
    /// trace its piecewise-linear interpolation ([`Smooth::interpolation`]), in the float model
    /// the function itself.
    SmoothSum(Smooth),
}

/// A smooth activation, proved as its piecewise-linear interpolation on [`Smooth::KNOTS`]
/// evenly spaced knots over `[−range, range]` (constant beyond): a sum of ReLUs, so no new
/// constraint, within [`Smooth::interpolation_error`] of the function everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Smooth {
    /// `1 / (1 + e^−z)`.
    Sigmoid,
    /// `tanh(z)`.
    Tanh,
}

impl Smooth {
    /// Interpolation knots.
    pub const KNOTS: usize = 65;

    /// The function.
    pub fn eval(self, z: f64) -> f64 {
        match self {
            Smooth::Sigmoid => 1.0 / (1.0 + (-z).exp()),
            Smooth::Tanh => z.tanh(),
        }
    }

    /// The knots span `[−range, range]`.
    pub fn range(self) -> f64 {
        match self {
            Smooth::Sigmoid => 8.0,
            Smooth::Tanh => 4.0,
        }
    }

    /// A bound on `|interpolation − function|` over the reals: `h²/8·max|f''|` between knots
    /// (`h` the spacing; `max|σ''| < 0.0963`, `max|tanh''| < 0.7699`), and beyond the last knots,
    /// where the interpolation is constant, the distance to the function's limit.
    pub fn interpolation_error(self) -> f64 {
        let h = 2.0 * self.range() / (Self::KNOTS - 1) as f64;
        let curvature = match self {
            Smooth::Sigmoid => 0.0963,
            Smooth::Tanh => 0.7699,
        };
        let tail = (self.eval(-self.range()) - self.eval(-1e3)).abs(); // the limit at −∞ (odd or point-symmetric: the same at +∞)
        (h * h / 8.0 * curvature).max(tail)
    }

    /// The interpolation as `c + Σ_k s_k·relu(z − t_k)`: `(c, [(t_k, s_k)])`.
    pub fn interpolation(self) -> (f64, Vec<(f64, f64)>) {
        let n = Self::KNOTS;
        let knots: Vec<f64> = (0..n).map(|k| -self.range() + 2.0 * self.range() * k as f64 / (n - 1) as f64).collect();
        let values: Vec<f64> = knots.iter().map(|t| self.eval(*t)).collect();
        let mut terms = Vec::with_capacity(n);
        let mut slope = 0.0;
        for k in 0..n {
            let next = if k + 1 < n { (values[k + 1] - values[k]) / (knots[k + 1] - knots[k]) } else { 0.0 };
            terms.push((knots[k], next - slope));
            slope = next;
        }
        (values[0], terms)
    }
}

/// Which inputs a sparse layer's neurons read: neuron `j`'s `k`-th weight multiplies input
/// `indices[j][k]`. Convolutions and pooling are sparse layers; a dense layer has none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connections {
    /// What the layer computes.
    pub op: SparseOp,
    /// The layer's number of inputs.
    pub inputs: usize,
    /// Per neuron, the input each weight multiplies (increasing, each below `inputs`).
    pub indices: Vec<Vec<usize>>,
}

/// Where a layer's inputs come from: the vectors it reads, one after the other (vector 0: the
/// model's inputs, vector `k + 1`: layer `k`'s outputs). A chain reads the vector before it; a
/// layer after a branch, or joining two, names its vectors ([`DenseLayer::sources`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputMap {
    /// `(vector, first input, length)` per vector read.
    segments: Vec<(usize, usize, usize)>,
}

impl InputMap {
    /// The inputs of layer `l` reading `sources` (None: vector `l`), given each vector's length.
    pub fn new(l: usize, sources: Option<&[usize]>, vector_len: impl Fn(usize) -> usize) -> Self {
        let default = [l];
        let mut start = 0;
        let segments = sources
            .unwrap_or(&default)
            .iter()
            .map(|v| {
                let len = vector_len(*v);
                start += len;
                (*v, start - len, len)
            })
            .collect();
        InputMap { segments }
    }

    /// The vectors read, in order.
    pub fn vectors(&self) -> impl Iterator<Item = usize> + '_ {
        self.segments.iter().map(|s| s.0)
    }

    /// The first vector read: its fractional bits are the layer's `a_l` (0 for a layer that
    /// reads nothing, which [`FloatMlp::validate`] refuses).
    pub fn first_vector(&self) -> usize {
        self.segments.first().map_or(0, |s| s.0)
    }

    /// Number of inputs.
    pub fn len(&self) -> usize {
        self.segments.last().map_or(0, |s| s.1 + s.2)
    }

    /// Whether the layer reads nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Input `i` as `(vector, index in the vector)`.
    pub fn locate(&self, i: usize) -> (usize, usize) {
        let k = self.segments.partition_point(|s| s.1 + s.2 <= i).min(self.segments.len().saturating_sub(1));
        let (v, start, _) = self.segments[k];
        (v, i - start)
    }

    /// The inputs' values, from every vector's values (`vectors[v]`).
    pub fn gather<T: Clone>(&self, vectors: &[&[T]]) -> Vec<T> {
        self.segments.iter().flat_map(|(v, _, _)| vectors[*v].iter().cloned()).collect()
    }

    /// The inputs of layer `l` of a model made of `layers`.
    pub fn of<L: LayerShape>(layers: &[L], l: usize) -> Self {
        InputMap::new(l, layers[l].sources(), |v| vector_len(layers, v))
    }
}

/// A layer's shape, float ([`DenseLayer`]) or quantized: what [`InputMap::of`] reads.
pub trait LayerShape {
    /// Number of inputs.
    fn inputs(&self) -> usize;
    /// Number of outputs.
    fn outputs(&self) -> usize;
    /// The vectors it reads, when not the previous layer's outputs.
    fn sources(&self) -> Option<&[usize]>;
}

/// The number of inputs of a model made of `layers` (the first layer reads only them).
pub fn input_len<L: LayerShape>(layers: &[L]) -> usize {
    layers.first().map_or(0, |l| l.inputs() / l.sources().map_or(1, |s| s.len().max(1)))
}

/// Length of vector `v` of a model made of `layers` (0: its inputs, `k + 1`: layer `k`'s
/// outputs).
pub fn vector_len<L: LayerShape>(layers: &[L], v: usize) -> usize {
    if v == 0 {
        input_len(layers)
    } else {
        layers.get(v - 1).map_or(0, L::outputs)
    }
}

impl LayerShape for DenseLayer {
    fn inputs(&self) -> usize {
        DenseLayer::inputs(self)
    }

    fn outputs(&self) -> usize {
        DenseLayer::outputs(self)
    }

    fn sources(&self) -> Option<&[usize]> {
        self.sources.as_deref()
    }
}

/// `(input, weight)` for each weight of a neuron: `weights` is the neuron's row, `indices` its
/// connections when the layer is sparse (None: weight `k` multiplies input `k`).
pub fn terms<'a, T: Copy>(weights: &'a [T], indices: Option<&'a [usize]>) -> impl Iterator<Item = (usize, T)> + 'a {
    weights.iter().enumerate().map(move |(k, w)| (indices.map_or(k, |ix| ix[k]), *w))
}

/// One linear layer `y = W·x + b`, optionally followed by ReLU: dense (`weights[out][in]`) or
/// sparse ([`Connections`]: a convolution, a pooling step).
#[derive(Clone, Debug, PartialEq)]
pub struct DenseLayer {
    /// Weights: `weights[out][in]`, or for a sparse layer `weights[out][k]`, the weight of
    /// input `connections.indices[out][k]`.
    pub weights: Vec<Vec<f64>>,
    /// Bias, one per output.
    pub bias: Vec<f64>,
    /// Whether ReLU follows.
    pub relu: bool,
    /// The inputs each neuron reads, for a sparse layer; None for a dense one.
    pub connections: Option<Connections>,
    /// The vectors the layer reads, concatenated ([`InputMap`]; each at most the layer's own
    /// index); None: the previous layer's outputs (the model's inputs for the first layer).
    pub sources: Option<Vec<usize>>,
}

impl DenseLayer {
    /// A dense layer.
    pub fn dense(weights: Vec<Vec<f64>>, bias: Vec<f64>, relu: bool) -> Self {
        DenseLayer { weights, bias, relu, connections: None, sources: None }
    }

    /// Number of inputs.
    pub fn inputs(&self) -> usize {
        match &self.connections {
            Some(c) => c.inputs,
            None => self.weights.first().map_or(0, Vec::len),
        }
    }

    /// Number of outputs.
    pub fn outputs(&self) -> usize {
        self.weights.len()
    }

    /// `(input, weight)` for each weight of neuron `j`.
    pub fn row(&self, j: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        terms(&self.weights[j], self.connections.as_ref().map(|c| c.indices[j].as_slice()))
    }

    /// The weights as a dense matrix `[out][in]`.
    pub fn dense_weights(&self) -> Vec<Vec<f64>> {
        (0..self.outputs())
            .map(|j| {
                let mut row = vec![0.0; self.inputs()];
                self.row(j).for_each(|(i, w)| row[i] = w);
                row
            })
            .collect()
    }

    /// Neuron `j`'s `Σ w·x + b` on `x`.
    pub fn pre_activation(&self, j: usize, x: &[f64]) -> f64 {
        self.row(j).map(|(i, w)| w * x[i]).sum::<f64>() + self.bias[j]
    }
}

/// A float network: dense and sparse layers in trace order, each reading the layer before it or
/// the earlier vectors it names ([`DenseLayer::sources`]).
#[derive(Clone, Debug, PartialEq)]
pub struct FloatMlp {
    /// The layers, input first.
    pub layers: Vec<DenseLayer>,
    /// The fixed-point precision of each layer's weights the model was calibrated for
    /// ([`quantize::calibrate`]; carried in the ONNX file's metadata as
    /// [`onnx::WEIGHT_BITS_KEY`]), or None: the scale's bits for every layer.
    pub weight_bits: Option<Vec<u32>>,
}

impl FloatMlp {
    /// Checks the layers chain and every value is finite.
    ///
    /// # Errors
    /// [`ModelError::ShapeMismatch`] or [`ModelError::Structure`].
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.layers.is_empty() {
            return Err(ModelError::Structure("no dense layers".into()));
        }
        for (l, layer) in self.layers.iter().enumerate() {
            let inputs = layer.inputs();
            if inputs == 0 || layer.outputs() == 0 {
                return Err(ModelError::ShapeMismatch(format!(
                    "layer {l} has an empty weight matrix"
                )));
            }
            match &layer.connections {
                None if layer.weights.iter().any(|row| row.len() != inputs) => {
                    return Err(ModelError::ShapeMismatch(format!(
                        "layer {l} has ragged weight rows"
                    )));
                }
                Some(c) => {
                    let consistent = c.indices.len() == layer.weights.len()
                        && c.indices.iter().zip(&layer.weights).all(|(ix, w)| {
                            ix.len() == w.len()
                                && ix.windows(2).all(|p| p[0] < p[1])
                                && ix.last().is_none_or(|i| *i < inputs)
                        });
                    if !consistent {
                        return Err(ModelError::ShapeMismatch(format!(
                            "layer {l}'s connections do not match its weights"
                        )));
                    }
                }
                None => {}
            }
            if layer.bias.len() != layer.outputs() {
                return Err(ModelError::ShapeMismatch(format!(
                    "layer {l}: bias of {} for {} outputs",
                    layer.bias.len(),
                    layer.outputs()
                )));
            }
            if let Some(sources) = &layer.sources {
                if sources.is_empty() || sources.iter().any(|v| *v > l) || (l == 0 && inputs % sources.len() != 0) {
                    return Err(ModelError::Structure(format!("layer {l} reads vectors {sources:?}")));
                }
            }
            let given = self.input_map(l).len();
            if l > 0 && given != inputs {
                return Err(ModelError::ShapeMismatch(format!(
                    "layer {l} takes {inputs} inputs but its sources give {given}"
                )));
            }
            let finite = layer
                .weights
                .iter()
                .flatten()
                .chain(&layer.bias)
                .all(|v| v.is_finite());
            if !finite {
                return Err(ModelError::Structure(format!(
                    "layer {l} has non-finite parameters"
                )));
            }
        }
        Ok(())
    }

    /// Number of model inputs.
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

    /// Number of model outputs.
    pub fn output_len(&self) -> usize {
        self.layers.last().map_or(0, DenseLayer::outputs)
    }

    /// Float inference; returns the activations after every layer (the last is the output).
    pub fn forward_all(&self, input: &[f64]) -> Vec<Vec<f64>> {
        let mut activations: Vec<Vec<f64>> = Vec::with_capacity(self.layers.len());
        for (l, layer) in self.layers.iter().enumerate() {
            let vectors: Vec<&[f64]> = std::iter::once(input).chain(activations.iter().map(Vec::as_slice)).collect();
            let next: Vec<f64> = if let Some(SparseOp::SmoothSum(f)) = layer.connections.as_ref().map(|c| c.op) {
                // The function itself, on the element its terms read.
                let z = self.input_map(l - 1).gather(&vectors);
                let terms = &self.layers[l - 1];
                (0..layer.outputs())
                    .map(|j| {
                        let element = layer.row(j).next().and_then(|(k, _)| terms.row(k).next()).map_or(0, |(i, _)| i);
                        f.eval(z[element])
                    })
                    .collect()
            } else {
                let current = self.input_map(l).gather(&vectors);
                (0..layer.outputs())
                    .map(|j| {
                        let y = layer.pre_activation(j, &current);
                        if layer.relu {
                            y.max(0.0)
                        } else {
                            y
                        }
                    })
                    .collect()
            };
            activations.push(next);
        }
        activations
    }

    /// The model applied to each of `n` inputs at once: every layer repeated `n` times, each copy
    /// reading its own element's activations (a sparse layer). It takes the `n` inputs one after
    /// the other and gives the `n` outputs in the same order; one proof of it proves the `n`
    /// inferences, at `n` times the trace rows.
    pub fn batched(&self, n: usize) -> FloatMlp {
        if n == 1 {
            return self.clone();
        }
        let layers = self
            .layers
            .iter()
            .enumerate()
            .map(|(l, layer)| {
                let map = self.input_map(l);
                // Input `i` of element `e`: each vector read is now `n` copies, one per element.
                let batched_index = |e: usize, i: usize| {
                    let (v, offset) = map.locate(i);
                    let start = i - offset;
                    n * start + e * self.vector_len(v) + offset
                };
                let op = layer.connections.as_ref().map_or(SparseOp::BatchedDense, |c| c.op);
                let mut weights = Vec::with_capacity(n * layer.outputs());
                let mut indices = Vec::with_capacity(n * layer.outputs());
                for element in 0..n {
                    for j in 0..layer.outputs() {
                        let (ix, w): (Vec<usize>, Vec<f64>) = layer.row(j).map(|(i, w)| (batched_index(element, i), w)).unzip();
                        indices.push(ix);
                        weights.push(w);
                    }
                }
                DenseLayer {
                    weights,
                    bias: (0..n).flat_map(|_| layer.bias.iter().copied()).collect(),
                    relu: layer.relu,
                    connections: Some(Connections { op, inputs: n * layer.inputs(), indices }),
                    sources: layer.sources.clone(),
                }
            })
            .collect();
        FloatMlp { layers, weight_bits: self.weight_bits.clone() }
    }

    /// Float inference.
    pub fn forward(&self, input: &[f64]) -> Vec<f64> {
        self.forward_all(input).pop().unwrap_or_default()
    }
}
