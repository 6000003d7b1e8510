//! Models: float MLPs loaded from ONNX ([`onnx`]), their fixed-point quantization
//! ([`quantize`]) and input files ([`input`]).

pub mod input;
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
    /// A graph this loader does not understand (not a chain of dense layers).
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

/// One dense layer `y = W·x + b`, optionally followed by ReLU.
#[derive(Clone, Debug, PartialEq)]
pub struct DenseLayer {
    /// Weights, `weights[out][in]`.
    pub weights: Vec<Vec<f64>>,
    /// Bias, one per output.
    pub bias: Vec<f64>,
    /// Whether ReLU follows.
    pub relu: bool,
}

impl DenseLayer {
    /// Number of inputs.
    pub fn inputs(&self) -> usize {
        self.weights.first().map_or(0, Vec::len)
    }

    /// Number of outputs.
    pub fn outputs(&self) -> usize {
        self.weights.len()
    }
}

/// A float MLP: a chain of dense layers.
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
            if layer.weights.iter().any(|row| row.len() != inputs) {
                return Err(ModelError::ShapeMismatch(format!(
                    "layer {l} has ragged weight rows"
                )));
            }
            if layer.bias.len() != layer.outputs() {
                return Err(ModelError::ShapeMismatch(format!(
                    "layer {l}: bias of {} for {} outputs",
                    layer.bias.len(),
                    layer.outputs()
                )));
            }
            if l > 0 && self.layers[l - 1].outputs() != inputs {
                return Err(ModelError::ShapeMismatch(format!(
                    "layer {l} takes {inputs} inputs but layer {} gives {}",
                    l - 1,
                    self.layers[l - 1].outputs()
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
        self.layers.first().map_or(0, DenseLayer::inputs)
    }

    /// Number of model outputs.
    pub fn output_len(&self) -> usize {
        self.layers.last().map_or(0, DenseLayer::outputs)
    }

    /// Float inference; returns the activations after every layer (the last is the output).
    pub fn forward_all(&self, input: &[f64]) -> Vec<Vec<f64>> {
        let mut activations = Vec::with_capacity(self.layers.len());
        let mut current = input.to_vec();
        for layer in &self.layers {
            let next: Vec<f64> = layer
                .weights
                .iter()
                .zip(&layer.bias)
                .map(|(row, b)| {
                    let y = row.iter().zip(&current).map(|(w, x)| w * x).sum::<f64>() + b;
                    if layer.relu {
                        y.max(0.0)
                    } else {
                        y
                    }
                })
                .collect();
            activations.push(next.clone());
            current = next;
        }
        activations
    }

    /// Float inference.
    pub fn forward(&self, input: &[f64]) -> Vec<f64> {
        self.forward_all(input).pop().unwrap_or_default()
    }
}
