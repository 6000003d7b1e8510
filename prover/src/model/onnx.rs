//! ONNX models: the subset of `onnx.proto` this loader needs, as hand-written `prost` messages
//! (field numbers from `onnx/onnx.proto`), and the translation of a chain of
//! Gemm / MatMul (+ Add) / Relu nodes into a [`FloatMlp`].

use super::{lowering, Connections, DenseLayer, FloatMlp, ModelError, SparseOp};
use prost::Message;
use std::collections::HashMap;
use std::path::Path;

/// `ModelProto` (subset).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ModelProto {
    /// IR version.
    #[prost(int64, tag = "1")]
    pub ir_version: i64,
    /// Producer name.
    #[prost(string, tag = "2")]
    pub producer_name: String,
    /// Producer version.
    #[prost(string, tag = "3")]
    pub producer_version: String,
    /// The graph.
    #[prost(message, optional, tag = "7")]
    pub graph: Option<GraphProto>,
    /// Operator sets.
    #[prost(message, repeated, tag = "8")]
    pub opset_import: Vec<OperatorSetIdProto>,
    /// Named metadata (`metadata_props`); Ciro's calibration is [`WEIGHT_BITS_KEY`].
    #[prost(message, repeated, tag = "14")]
    pub metadata_props: Vec<StringStringEntryProto>,
}

/// `StringStringEntryProto`: one metadata entry.
#[derive(Clone, PartialEq, prost::Message)]
pub struct StringStringEntryProto {
    /// Key.
    #[prost(string, tag = "1")]
    pub key: String,
    /// Value.
    #[prost(string, tag = "2")]
    pub value: String,
}

/// The metadata key under which a calibrated model carries each layer's weight precision
/// ([`crate::model::quantize::calibrate`]), comma-separated from the first layer:
/// `ciro.weight_bits = "10,14"`.
pub const WEIGHT_BITS_KEY: &str = "ciro.weight_bits";

/// `bytes` (an ONNX model) with `weight_bits` recorded under [`WEIGHT_BITS_KEY`]. A serialized
/// message followed by another is their merge, so the entry is appended without decoding and
/// re-encoding the model: every byte of the original survives, and a later entry under the
/// same key takes precedence over an earlier one.
pub fn with_weight_bits(bytes: &[u8], weight_bits: &[u32]) -> Vec<u8> {
    let value = weight_bits.iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
    let entry = ModelProto {
        metadata_props: vec![StringStringEntryProto { key: WEIGHT_BITS_KEY.into(), value }],
        ..ModelProto::default()
    };
    let mut out = bytes.to_vec();
    out.extend_from_slice(&entry.encode_to_vec());
    out
}

/// The weight precisions recorded under [`WEIGHT_BITS_KEY`] (the last such entry), if any.
fn recorded_weight_bits(model: &ModelProto) -> Result<Option<Vec<u32>>, ModelError> {
    let Some(entry) = model.metadata_props.iter().rev().find(|e| e.key == WEIGHT_BITS_KEY) else {
        return Ok(None);
    };
    entry
        .value
        .split(',')
        .map(|v| v.trim().parse::<u32>())
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
        .map_err(|_| {
            ModelError::Structure(format!(
                "metadata {WEIGHT_BITS_KEY} = {:?} is not a comma-separated list of bit counts",
                entry.value
            ))
        })
}

/// `OperatorSetIdProto`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct OperatorSetIdProto {
    /// Domain ("" is the default ONNX domain).
    #[prost(string, tag = "1")]
    pub domain: String,
    /// Opset version.
    #[prost(int64, tag = "2")]
    pub version: i64,
}

/// `GraphProto` (subset).
#[derive(Clone, PartialEq, prost::Message)]
pub struct GraphProto {
    /// Nodes in topological order.
    #[prost(message, repeated, tag = "1")]
    pub node: Vec<NodeProto>,
    /// Graph name.
    #[prost(string, tag = "2")]
    pub name: String,
    /// Constant tensors (weights).
    #[prost(message, repeated, tag = "5")]
    pub initializer: Vec<TensorProto>,
    /// Graph inputs.
    #[prost(message, repeated, tag = "11")]
    pub input: Vec<ValueInfoProto>,
    /// Graph outputs.
    #[prost(message, repeated, tag = "12")]
    pub output: Vec<ValueInfoProto>,
}

/// `NodeProto` (subset).
#[derive(Clone, PartialEq, prost::Message)]
pub struct NodeProto {
    /// Input tensor names.
    #[prost(string, repeated, tag = "1")]
    pub input: Vec<String>,
    /// Output tensor names.
    #[prost(string, repeated, tag = "2")]
    pub output: Vec<String>,
    /// Node name.
    #[prost(string, tag = "3")]
    pub name: String,
    /// Operator.
    #[prost(string, tag = "4")]
    pub op_type: String,
    /// Attributes.
    #[prost(message, repeated, tag = "5")]
    pub attribute: Vec<AttributeProto>,
    /// Operator domain.
    #[prost(string, tag = "7")]
    pub domain: String,
}

/// `AttributeProto` (the kinds the supported operators take).
#[derive(Clone, PartialEq, prost::Message)]
pub struct AttributeProto {
    /// Attribute name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// Float value.
    #[prost(float, tag = "2")]
    pub f: f32,
    /// Integer value.
    #[prost(int64, tag = "3")]
    pub i: i64,
    /// String value (`auto_pad`).
    #[prost(bytes = "vec", tag = "4")]
    pub s: Vec<u8>,
    /// Tensor value (`Constant`'s `value`).
    #[prost(message, optional, tag = "5")]
    pub t: Option<TensorProto>,
    /// Integer list (`Squeeze`'s `axes` before opset 13).
    #[prost(int64, repeated, tag = "8")]
    pub ints: Vec<i64>,
    /// Attribute type (1 FLOAT, 2 INT, 4 TENSOR, 7 INTS).
    #[prost(int32, tag = "20")]
    pub r#type: i32,
}

/// `TensorProto` (subset).
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorProto {
    /// Shape.
    #[prost(int64, repeated, tag = "1")]
    pub dims: Vec<i64>,
    /// Element type (1 FLOAT, 11 DOUBLE).
    #[prost(int32, tag = "2")]
    pub data_type: i32,
    /// FLOAT data.
    #[prost(float, repeated, tag = "4")]
    pub float_data: Vec<f32>,
    /// INT64 data (shapes and axes).
    #[prost(int64, repeated, tag = "7")]
    pub int64_data: Vec<i64>,
    /// Tensor name.
    #[prost(string, tag = "8")]
    pub name: String,
    /// Little-endian raw data.
    #[prost(bytes = "vec", tag = "9")]
    pub raw_data: Vec<u8>,
    /// DOUBLE data.
    #[prost(double, repeated, tag = "10")]
    pub double_data: Vec<f64>,
}

/// `ValueInfoProto` (subset).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ValueInfoProto {
    /// Tensor name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// Type.
    #[prost(message, optional, tag = "2")]
    pub r#type: Option<TypeProto>,
}

/// `TypeProto` (only the `tensor_type` case of its oneof).
#[derive(Clone, PartialEq, prost::Message)]
pub struct TypeProto {
    /// Tensor type.
    #[prost(message, optional, tag = "1")]
    pub tensor_type: Option<TypeProtoTensor>,
}

/// `TypeProto.Tensor`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TypeProtoTensor {
    /// Element type.
    #[prost(int32, tag = "1")]
    pub elem_type: i32,
    /// Shape.
    #[prost(message, optional, tag = "2")]
    pub shape: Option<TensorShapeProto>,
}

/// `TensorShapeProto`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorShapeProto {
    /// Dimensions.
    #[prost(message, repeated, tag = "1")]
    pub dim: Vec<TensorShapeDimension>,
}

/// `TensorShapeProto.Dimension`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorShapeDimension {
    /// A fixed size.
    #[prost(int64, optional, tag = "1")]
    pub dim_value: Option<i64>,
    /// A symbolic size (batch).
    #[prost(string, optional, tag = "2")]
    pub dim_param: Option<String>,
}

/// ONNX element type FLOAT.
pub const DATA_TYPE_FLOAT: i32 = 1;
/// ONNX element type DOUBLE.
pub const DATA_TYPE_DOUBLE: i32 = 11;
/// ONNX element type INT64 (shapes and axes; read as exact integers).
pub const DATA_TYPE_INT64: i32 = 7;

struct Tensor {
    dims: Vec<usize>,
    values: Vec<f64>,
}

fn decode_tensor(t: &TensorProto) -> Result<Tensor, ModelError> {
    let bad = |reason: String| ModelError::BadTensor {
        name: t.name.clone(),
        reason,
    };
    let dims = t
        .dims
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| bad(format!("negative dimension {d}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let values: Vec<f64> = match t.data_type {
        DATA_TYPE_FLOAT if !t.raw_data.is_empty() => {
            if !t.raw_data.len().is_multiple_of(4) {
                return Err(bad("raw data length is not a multiple of 4".into()));
            }
            t.raw_data
                .chunks(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64)
                .collect()
        }
        DATA_TYPE_FLOAT => t.float_data.iter().map(|v| *v as f64).collect(),
        DATA_TYPE_DOUBLE if !t.raw_data.is_empty() => {
            if !t.raw_data.len().is_multiple_of(8) {
                return Err(bad("raw data length is not a multiple of 8".into()));
            }
            t.raw_data
                .chunks(8)
                .map(|b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
                .collect()
        }
        DATA_TYPE_DOUBLE => t.double_data.clone(),
        DATA_TYPE_INT64 if !t.raw_data.is_empty() => {
            if !t.raw_data.len().is_multiple_of(8) {
                return Err(bad("raw data length is not a multiple of 8".into()));
            }
            t.raw_data
                .chunks(8)
                .map(|b| i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f64)
                .collect()
        }
        DATA_TYPE_INT64 => t.int64_data.iter().map(|v| *v as f64).collect(),
        other => {
            return Err(bad(format!(
                "element type {other} (supported: FLOAT, DOUBLE, INT64)"
            )))
        }
    };
    let expected: usize = dims.iter().product();
    if values.len() != expected {
        return Err(bad(format!("{} values for shape {dims:?}", values.len())));
    }
    Ok(Tensor { dims, values })
}

fn attribute<'a>(node: &'a NodeProto, name: &str) -> Option<&'a AttributeProto> {
    node.attribute.iter().find(|a| a.name == name)
}

/// A matrix `[k][n]` (row-major `dims = [k, n]`) as weights `[out = n][in = k]`.
fn weights_from_kn(t: &Tensor) -> Vec<Vec<f64>> {
    let (k, n) = (t.dims[0], t.dims[1]);
    (0..n)
        .map(|j| (0..k).map(|i| t.values[i * n + j]).collect())
        .collect()
}

/// A matrix `[n][k]` as weights `[out = n][in = k]`.
fn weights_from_nk(t: &Tensor) -> Vec<Vec<f64>> {
    let k = t.dims[1];
    t.values.chunks(k).map(<[f64]>::to_vec).collect()
}

fn bias_vector(t: &Tensor, outputs: usize, node: &str) -> Result<Vec<f64>, ModelError> {
    let ok = match t.dims.as_slice() {
        [n] => *n == outputs,
        [1, n] => *n == outputs,
        _ => false,
    };
    if !ok {
        return Err(ModelError::ShapeMismatch(format!(
            "{node}: bias of shape {:?} for {outputs} outputs",
            t.dims
        )));
    }
    Ok(t.values.clone())
}

/// The operators [`decode_onnx`] takes, as its refusals list them.
pub const SUPPORTED_OPS: &str = "Gemm, MatMul, Conv (2-D), MaxPool, AveragePool, GlobalAveragePool, \
     Add, Sub (by constants, or of two branches: residual connections), Mul, Div (by constants), Relu, LeakyRelu, Clip, HardSigmoid, Sigmoid, Tanh, BatchNormalization, Flatten, Reshape, Transpose, Squeeze, \
     Unsqueeze, Identity, Dropout, Cast (to float), Constant";

/// An elementwise affine map `v ↦ scale∘v + shift` on the features being decoded, waiting to be
/// folded into a dense layer: the one before it when that layer's output has had nothing else
/// applied, else the next one.
struct Affine {
    scale: Vec<f64>,
    shift: Vec<f64>,
}

impl Affine {
    fn identity(n: usize) -> Self {
        Affine { scale: vec![1.0; n], shift: vec![0.0; n] }
    }

    /// `self` followed by `v ↦ a∘v + b`.
    fn then(mut self, a: &[f64], b: &[f64]) -> Self {
        for i in 0..self.scale.len() {
            self.scale[i] *= a[i];
            self.shift[i] = self.shift[i] * a[i] + b[i];
        }
        self
    }

    /// The layer `y = diag(scale)·v + shift`, a sparse layer of its own (each neuron reads one
    /// input: two trace rows a neuron).
    fn into_layer(self, relu: bool) -> DenseLayer {
        let n = self.scale.len();
        let weights = self.scale.iter().map(|s| vec![*s]).collect();
        let connections = Connections { op: SparseOp::Elementwise, inputs: n, indices: (0..n).map(|i| vec![i]).collect() };
        DenseLayer { weights, bias: self.shift, relu, connections: Some(connections), sources: None }
    }
}

/// `layer` followed by `affine` (on its outputs): `diag(s)·(W v + b) + t`.
fn fold_after(layer: &mut DenseLayer, affine: Affine) {
    for (j, row) in layer.weights.iter_mut().enumerate() {
        row.iter_mut().for_each(|w| *w *= affine.scale[j]);
        layer.bias[j] = layer.bias[j] * affine.scale[j] + affine.shift[j];
    }
}

/// `affine` followed by `layer` (dense or sparse): `W·(s∘v + t) + b`.
fn fold_before(affine: &Affine, layer: &mut DenseLayer) {
    for j in 0..layer.outputs() {
        let terms: Vec<(usize, f64)> = layer.row(j).collect();
        layer.bias[j] += terms.iter().map(|(i, w)| w * affine.shift[*i]).sum::<f64>();
        for (k, (i, _)) in terms.iter().enumerate() {
            layer.weights[j][k] *= affine.scale[*i];
        }
    }
}

/// Pushes a new linear layer (a dense layer, a convolution) with the pending affine map folded
/// into the last layer when it is open, else into the new one.
fn push_linear(layers: &mut Vec<DenseLayer>, pending: &mut Option<Affine>, open: bool, mut layer: DenseLayer) {
    if let Some(affine) = pending.take() {
        match layers.last_mut() {
            Some(last) if open => fold_after(last, affine),
            _ => fold_before(&affine, &mut layer),
        }
    }
    layers.push(layer);
}

/// Makes the features the last layer's outputs: a pending affine map folds into the last layer
/// when it is open (nothing applied since its pre-activation), else becomes a layer of its own.
fn settle(layers: &mut Vec<DenseLayer>, pending: &mut Option<Affine>, open: &mut bool) {
    if let Some(affine) = pending.take() {
        match layers.last_mut() {
            Some(layer) if *open => fold_after(layer, affine),
            _ => {
                layers.push(affine.into_layer(false));
                *open = true;
            }
        }
    }
}

/// Layers pushed from index `before` on start a branch that `branch` names: the first of them
/// reads that vector instead of the layer before it.
fn attach_branch(layers: &mut [DenseLayer], before: usize, branch: &mut Option<usize>) {
    if layers.len() > before {
        if let Some(v) = branch.take() {
            layers[before].sources = Some(vec![v]);
        }
    }
}

/// Makes the features a vector of their own ([`settle`]) that nothing folds into later (a tensor
/// two nodes read, or a branch left for another): returns the vector (0: the model's inputs,
/// `k + 1`: layer `k`'s outputs).
fn freeze(layers: &mut Vec<DenseLayer>, pending: &mut Option<Affine>, open: &mut bool, branch: &mut Option<usize>) -> usize {
    let before = layers.len();
    settle(layers, pending, open);
    attach_branch(layers, before, branch);
    *open = false;
    branch.unwrap_or(layers.len())
}

/// A tensor more than one node reads (a residual connection's input, a branch's end), frozen
/// into a vector while the decoder follows another branch.
#[derive(Clone)]
struct Branch {
    vector: usize,
    shape: Option<Vec<usize>>,
    onnx_index: Option<Vec<usize>>,
    nonnegative: bool,
}

/// The layer `a ± b` of two computed tensors of the same shape (vectors `a.vector`, `b.vector`):
/// each neuron reads one element of each, its outputs arranged as `a`'s.
fn branch_sum(a: &Branch, b: &Branch, sign: f64, label: &str) -> Result<DenseLayer, ModelError> {
    let (Some(shape), Some(other)) = (&a.shape, &b.shape) else {
        return Err(ModelError::Structure(format!("{label}: the branches' shapes are unknown (declare the graph input's shape)")));
    };
    if shape != other {
        return Err(ModelError::ShapeMismatch(format!(
            "{label}: adds branches of shapes {shape:?} and {other:?} (broadcasting between two computed tensors is not supported)"
        )));
    }
    let n: usize = shape.iter().product();
    let b_positions = lowering::Features { shape: other.clone(), onnx_index: b.onnx_index.clone() }.positions();
    let indices: Vec<Vec<usize>> = (0..n)
        .map(|p| {
            let element = a.onnx_index.as_ref().map_or(p, |index| index[p]);
            vec![p, n + b_positions[element]]
        })
        .collect();
    Ok(DenseLayer {
        weights: vec![vec![1.0, sign]; n],
        bias: vec![0.0; n],
        relu: false,
        connections: Some(Connections { op: SparseOp::BranchSum, inputs: 2 * n, indices }),
        sources: Some(vec![a.vector, b.vector]),
    })
}

/// Two integers of an attribute (`kernel_shape`, `strides`, `dilations`), or `default`.
fn pair_attribute(node: &NodeProto, name: &str, default: [usize; 2], label: &str) -> Result<[usize; 2], ModelError> {
    match attribute(node, name) {
        None => Ok(default),
        Some(a) => match a.ints.as_slice() {
            [x, y] if *x >= 1 && *y >= 1 => Ok([*x as usize, *y as usize]),
            other => Err(ModelError::Structure(format!("{label}: {name} {other:?} (2-D, positive)"))),
        },
    }
}

/// The window of a `Conv` or a pooling node over an `h × w` image (`kernel`: the weights'
/// kernel for `Conv`, else the `kernel_shape` attribute).
fn window_of(node: &NodeProto, label: &str, kernel: Option<[usize; 2]>, h: usize, w: usize) -> Result<lowering::Window, ModelError> {
    let kernel = match kernel {
        Some(k) => pair_attribute(node, "kernel_shape", k, label)?,
        None if attribute(node, "kernel_shape").is_none() => {
            return Err(ModelError::Structure(format!("{label}: kernel_shape is required")))
        }
        None => pair_attribute(node, "kernel_shape", [1, 1], label)?,
    };
    let strides = pair_attribute(node, "strides", [1, 1], label)?;
    let dilations = pair_attribute(node, "dilations", [1, 1], label)?;
    let ceil_mode = attribute(node, "ceil_mode").is_some_and(|a| a.i != 0);
    if attribute(node, "storage_order").is_some_and(|a| a.i != 0) {
        return Err(ModelError::Structure(format!("{label}: storage_order 1 is not supported")));
    }
    let auto_pad = attribute(node, "auto_pad").map(|a| String::from_utf8_lossy(&a.s).into_owned()).unwrap_or_default();
    let pads = match auto_pad.as_str() {
        "" | "NOTSET" => match attribute(node, "pads").map(|a| a.ints.as_slice()) {
            None => [0; 4],
            Some([t, l, b, r]) if [t, l, b, r].iter().all(|p| **p >= 0) => [*t as usize, *l as usize, *b as usize, *r as usize],
            Some(other) => return Err(ModelError::Structure(format!("{label}: pads {other:?} (2-D: top, left, bottom, right)"))),
        },
        "VALID" => [0; 4],
        "SAME_UPPER" | "SAME_LOWER" => {
            let mut pads = [0; 4];
            for (axis, n) in [h, w].into_iter().enumerate() {
                let out = n.div_ceil(strides[axis]);
                let total = ((out - 1) * strides[axis] + (kernel[axis] - 1) * dilations[axis] + 1).saturating_sub(n);
                let small = total / 2;
                let (begin, end) = if auto_pad == "SAME_UPPER" { (small, total - small) } else { (total - small, small) };
                pads[axis] = begin;
                pads[axis + 2] = end;
            }
            pads
        }
        other => return Err(ModelError::Structure(format!("{label}: auto_pad {other:?}"))),
    };
    Ok(lowering::Window { kernel, strides, pads, dilations, ceil_mode })
}

/// `t` broadcast (numpy rules, the batch dimension of size 1 in front) to the features of
/// shape `shape`, as one value per feature in row-major order.
fn broadcast(t: &Tensor, shape: &[usize], label: &str) -> Result<Vec<f64>, ModelError> {
    let mut full = vec![1usize];
    full.extend_from_slice(shape);
    // Leading 1s of the constant beyond the tensor's rank are harmless.
    let mut dims = t.dims.clone();
    while dims.len() > full.len() && dims[0] == 1 {
        dims.remove(0);
    }
    if dims.len() > full.len() {
        return Err(ModelError::ShapeMismatch(format!("{label}: a constant of shape {:?} for features of shape {shape:?}", t.dims)));
    }
    let offset = full.len() - dims.len();
    for (axis, &d) in dims.iter().enumerate() {
        if d != 1 && d != full[offset + axis] {
            return Err(ModelError::ShapeMismatch(format!("{label}: a constant of shape {:?} does not broadcast to features of shape {shape:?}", t.dims)));
        }
    }
    let n: usize = shape.iter().product();
    let mut out = Vec::with_capacity(n);
    for index in 0..n {
        // The feature's coordinates in `full` (batch 0), then the constant's element.
        let mut rest = index;
        let mut coordinates = vec![0usize; full.len()];
        for axis in (1..full.len()).rev() {
            coordinates[axis] = rest % full[axis];
            rest /= full[axis];
        }
        let mut flat = 0;
        for (axis, &d) in dims.iter().enumerate() {
            let c = if d == 1 { 0 } else { coordinates[offset + axis] };
            flat = flat * d + c;
        }
        out.push(t.values[flat]);
    }
    Ok(out)
}

/// The features of a graph input: its declared dimensions after the batch dimension (the first
/// of two or more), or None when they are not all fixed.
///
/// # Errors
/// A fixed batch dimension above 1: one input per proof.
fn declared_features(input: &ValueInfoProto) -> Result<Option<Vec<usize>>, ModelError> {
    let Some(shape) = input.r#type.as_ref().and_then(|t| t.tensor_type.as_ref()).and_then(|t| t.shape.as_ref()) else {
        return Ok(None);
    };
    let dims: Vec<Option<usize>> = shape.dim.iter().map(|d| d.dim_value.and_then(|v| usize::try_from(v).ok())).collect();
    let features = match dims.as_slice() {
        [] => return Ok(None),
        [only] => vec![*only],
        [batch, rest @ ..] => {
            if let Some(n) = batch {
                if *n > 1 {
                    return Err(ModelError::Structure(format!(
                        "the graph input {:?} is a batch of {n}: one input per proof (export with a batch of 1 or a symbolic batch)",
                        input.name
                    )));
                }
            }
            rest.to_vec()
        }
    };
    Ok(features.into_iter().collect::<Option<Vec<usize>>>())
}

/// Decodes ONNX bytes into a float MLP.
///
/// Supported graphs: one input, one output, and a chain of nodes each consuming the previous
/// one's output (every other input a constant: an initializer, also when older exporters list
/// it among the graph inputs, or a `Constant` node's output). Dense layers are `Gemm` (alpha and
/// beta fold into the weights and the bias, `transB` either, `transA = 0`) and `MatMul`; `Relu`
/// follows a dense layer or stands anywhere else (a `Relu` of a `Relu` is one `Relu`; one
/// elsewhere becomes a diagonal layer of its own). Elementwise affine maps by constants (`Add`,
/// `Sub`, `Mul`, `Div`, inference-mode `BatchNormalization`, broadcast by numpy's rules) fold
/// into the dense layer before them when nothing else came between, else into the next one.
/// `Flatten`, `Reshape` (constant shape), `Squeeze`, `Unsqueeze`, `Identity`, `Dropout` and
/// `Cast` to float leave the features as they are (row-major order). Opsets 11 to 17 (axes and
/// shapes as attributes or as inputs).
///
/// # Errors
/// [`ModelError`]: malformed protobuf, unsupported operator (naming it and the node, and listing
/// [`SUPPORTED_OPS`]), shape mismatch, structure.
pub fn decode_onnx(bytes: &[u8]) -> Result<FloatMlp, ModelError> {
    let model = ModelProto::decode(bytes)?;
    let weight_bits = recorded_weight_bits(&model)?;
    let graph = model
        .graph
        .ok_or_else(|| ModelError::Structure("model has no graph".into()))?;
    let mut constants = HashMap::new();
    for t in &graph.initializer {
        constants.insert(t.name.clone(), decode_tensor(t)?);
    }
    let inputs: Vec<&ValueInfoProto> = graph
        .input
        .iter()
        .filter(|i| !constants.contains_key(&i.name))
        .collect();
    let [input] = inputs.as_slice() else {
        return Err(ModelError::Structure(format!(
            "expected one graph input, found {}",
            inputs.len()
        )));
    };
    let declared = declared_features(input)?;
    let mut shape = declared.clone();
    // Where each ONNX element sits among the activations (None: in ONNX order); see `lowering`.
    let mut onnx_index: Option<Vec<usize>> = None;
    // Whether the features are known to be nonnegative (after a ReLU).
    let mut nonnegative = false;
    let mut current = input.name.clone();
    let mut layers: Vec<DenseLayer> = Vec::new();
    // Whether the last layer's output is its pre-activation value, nothing applied since.
    let mut open = false;
    let mut pending: Option<Affine> = None;
    let consumed: Vec<&String> = graph.node.iter().flat_map(|n| n.input.iter()).collect();
    let uses = |name: &String| consumed.iter().filter(|c| **c == name).count() + graph.output.iter().filter(|o| o.name == *name).count();
    // Tensors read more than once, frozen into vectors ([`Branch`]), and the vector the next
    // layer reads when the decoder has just switched to one of them.
    let mut saved: HashMap<String, Branch> = HashMap::new();
    let mut branch: Option<usize> = None;
    // Whether the features' batch axis is second (`[n, batch]`, after `Transpose(perm = [1,
    // 0])`): only a `Gemm` with `transA = 1` takes them.
    let mut batch_second = false;
    if uses(&current) > 1 {
        saved.insert(current.clone(), Branch { vector: 0, shape: shape.clone(), onnx_index: None, nonnegative: false });
    }
    for node in &graph.node {
        let label = if node.name.is_empty() {
            node.op_type.clone()
        } else {
            node.name.clone()
        };
        if !node.domain.is_empty() && node.domain != "ai.onnx" {
            return Err(ModelError::UnsupportedOp {
                op_type: format!("{}:{}", node.domain, node.op_type),
                node: label,
            });
        }
        if node.op_type == "Constant" {
            let [output] = node.output.as_slice() else {
                return Err(ModelError::Structure(format!("{label}: expected one output")));
            };
            constants.insert(output.clone(), constant_value(node, &label)?);
            continue;
        }
        let output = match (node.op_type.as_str(), node.output.as_slice()) {
            (_, [output]) => output,
            // Dropout's mask, if it is named, must go unused.
            ("Dropout", [output, mask]) if !consumed.contains(&mask) => output,
            _ => return Err(ModelError::Structure(format!("{label}: expected one output"))),
        };
        // Two computed tensors joining (a residual connection): `a ± b`.
        let computed = |name: &String| *name == current || saved.contains_key(name);
        let join = matches!(node.op_type.as_str(), "Add" | "Sub") && node.input.len() == 2 && node.input.iter().all(computed);
        if !join && !node.input.contains(&current) {
            // Another branch: the features so far wait as a vector of their own.
            let Some((name, other)) = node.input.iter().find_map(|n| saved.get(n).map(|b| (n.clone(), b.clone()))) else {
                return Err(ModelError::Structure(format!(
                    "{label} reads {:?}: neither the last node's output {current:?} nor a tensor computed before",
                    node.input
                )));
            };
            let vector = freeze(&mut layers, &mut pending, &mut open, &mut branch);
            saved.insert(current.clone(), Branch { vector, shape: shape.clone(), onnx_index: onnx_index.clone(), nonnegative });
            (shape, onnx_index, nonnegative) = (other.shape, other.onnx_index, other.nonnegative);
            branch = Some(other.vector);
            current = name;
        }
        let before = layers.len();
        let trans_a = node.op_type == "Gemm" && attribute(node, "transA").is_some_and(|a| a.i != 0);
        if batch_second && !trans_a && node.op_type != "Transpose" {
            return Err(ModelError::Structure(format!(
                "{label}: reads features whose batch axis is second (after a Transpose): only a Gemm with transA = 1 takes them"
            )));
        }
        let constant = |name: &str| {
            constants.get(name).ok_or_else(|| {
                ModelError::Structure(format!("{label}: {name:?} is not a constant (an initializer or a Constant node)"))
            })
        };
        let features = |shape: &Option<Vec<usize>>| -> Result<Vec<usize>, ModelError> {
            match shape {
                Some(shape) => Ok(shape.clone()),
                None => Err(ModelError::Structure(format!(
                    "{label}: the features' shape is unknown here (declare the graph input's shape)"
                ))),
            }
        };
        match node.op_type.as_str() {
            "Add" | "Sub" if join => {
                let vector = freeze(&mut layers, &mut pending, &mut open, &mut branch);
                let here = Branch { vector, shape: shape.clone(), onnx_index: onnx_index.clone(), nonnegative };
                let branch_of = |name: &String| if *name == current { Some(here.clone()) } else { saved.get(name).cloned() };
                let (Some(a), Some(b)) = (branch_of(&node.input[0]), branch_of(&node.input[1])) else {
                    return Err(ModelError::Structure(format!("{label}: joins {:?}, not all computed before", node.input)));
                };
                let sign = if node.op_type == "Add" { 1.0 } else { -1.0 };
                layers.push(branch_sum(&a, &b, sign, &label)?);
                // The join names the vectors it reads: a branch switched to before is spent.
                branch = None;
                (shape, onnx_index) = (a.shape, a.onnx_index);
                open = true;
                nonnegative = false;
            }
            "Gemm" | "MatMul" => {
                let gemm = node.op_type == "Gemm";
                if node.input.first() != Some(&current) || node.input.len() < 2 || (!gemm && node.input.len() != 2) {
                    return Err(ModelError::Structure(format!(
                        "{label}: {}(previous output, weights{}) expected",
                        node.op_type,
                        if gemm { ", bias?" } else { "" }
                    )));
                }
                // `transA = 1` multiplies `Aᵀ`: with one input, the features transposed to
                // `[n, batch]` before it are the same values.
                if trans_a != batch_second {
                    return Err(ModelError::Structure(format!(
                        "{label}: transA = 1 takes features of shape [n, batch] (a Transpose with perm [1, 0] before it); here the batch axis is first"
                    )));
                }
                batch_second = false;
                if let Some(s) = &shape {
                    if s.len() != 1 {
                        return Err(ModelError::ShapeMismatch(format!(
                            "{label}: a dense layer takes a vector, here features of shape {s:?} (flatten them first)"
                        )));
                    }
                }
                let w = constant(&node.input[1])?;
                if w.dims.len() != 2 {
                    return Err(ModelError::ShapeMismatch(format!("{label}: weights of shape {:?}", w.dims)));
                }
                let trans_b = gemm && attribute(node, "transB").is_some_and(|a| a.i != 0);
                let mut weights = if trans_b { weights_from_nk(w) } else { weights_from_kn(w) };
                if let Some(index) = onnx_index.take() {
                    // Flattened channels-last features: the weights' columns follow them.
                    weights = weights.into_iter().map(|row| index.iter().map(|i| row.get(*i).copied().unwrap_or(0.0)).collect()).collect();
                }
                let alpha = if gemm { attribute(node, "alpha").map_or(1.0, |a| a.f as f64) } else { 1.0 };
                let beta = if gemm { attribute(node, "beta").map_or(1.0, |a| a.f as f64) } else { 1.0 };
                weights.iter_mut().flatten().for_each(|v| *v *= alpha);
                let outputs = weights.len();
                let bias = match node.input.get(2).filter(|n| gemm && !n.is_empty()) {
                    Some(name) => bias_vector(constant(name)?, outputs, &label)?.iter().map(|b| b * beta).collect(),
                    None => vec![0.0; outputs],
                };
                let inputs = weights.first().map_or(0, Vec::len);
                if let Some(s) = &shape {
                    if s[0] != inputs {
                        return Err(ModelError::ShapeMismatch(format!("{label}: takes {inputs} values, given {}", s[0])));
                    }
                }
                push_linear(&mut layers, &mut pending, open, DenseLayer::dense(weights, bias, false));
                shape = Some(vec![outputs]);
                open = true;
                nonnegative = false;
            }
            "Conv" => {
                if node.input.first() != Some(&current) || !(2..=3).contains(&node.input.len()) {
                    return Err(ModelError::Structure(format!("{label}: Conv(previous output, weights, bias?) expected")));
                }
                let input = lowering::Features { shape: features(&shape)?, onnx_index: onnx_index.clone() };
                let w = constant(&node.input[1])?;
                let kernel = match w.dims.as_slice() {
                    [_, _, kh, kw] => [*kh, *kw],
                    other => return Err(ModelError::ShapeMismatch(format!("{label}: weights of shape {other:?} (2-D convolutions only)"))),
                };
                let (h, w_) = (input.shape.get(1).copied().unwrap_or(0), input.shape.get(2).copied().unwrap_or(0));
                let window = window_of(node, &label, Some(kernel), h, w_)?;
                let bias = match node.input.get(2).filter(|n| !n.is_empty()) {
                    Some(name) => Some(constant(name)?.values.clone()),
                    None => None,
                };
                let groups = attribute(node, "group").map_or(1, |a| a.i.max(0) as usize);
                let (layer, out) = lowering::convolution(&input, (&w.dims, &w.values), bias.as_deref(), &window, groups, &label)?;
                push_linear(&mut layers, &mut pending, open, layer);
                shape = Some(out.shape);
                onnx_index = out.onnx_index;
                open = true;
                nonnegative = false;
            }
            "MaxPool" | "AveragePool" | "GlobalAveragePool" => {
                if node.input.len() != 1 {
                    return Err(ModelError::Structure(format!("{label}: one input expected")));
                }
                settle(&mut layers, &mut pending, &mut open);
                let input = lowering::Features { shape: features(&shape)?, onnx_index: onnx_index.clone() };
                let (h, w) = (input.shape.get(1).copied().unwrap_or(0), input.shape.get(2).copied().unwrap_or(0));
                let out = match node.op_type.as_str() {
                    "MaxPool" => {
                        let window = window_of(node, &label, None, h, w)?;
                        let (pool, out) = lowering::max_pool(&input, &window, nonnegative, &label)?;
                        layers.extend(pool);
                        out
                    }
                    op => {
                        let (window, include_pad) = if op == "GlobalAveragePool" {
                            let window = lowering::Window { kernel: [h.max(1), w.max(1)], strides: [1, 1], pads: [0; 4], dilations: [1, 1], ceil_mode: false };
                            (window, false)
                        } else {
                            (window_of(node, &label, None, h, w)?, attribute(node, "count_include_pad").is_some_and(|a| a.i != 0))
                        };
                        let (pool, out) = lowering::average_pool(&input, &window, include_pad, &label)?;
                        layers.push(pool);
                        out
                    }
                };
                shape = Some(out.shape);
                onnx_index = out.onnx_index;
                open = true;
            }
            "Add" | "Sub" | "Mul" | "Div" => {
                if node.input.len() != 2 {
                    return Err(ModelError::Structure(format!("{label}: two inputs expected")));
                }
                let data_first = node.input[0] == current;
                let other = if data_first { &node.input[1] } else { &node.input[0] };
                let features = features(&shape)?;
                let c = broadcast(constant(other)?, &features, &label)?;
                let n = c.len();
                let (a, b): (Vec<f64>, Vec<f64>) = match (node.op_type.as_str(), data_first) {
                    ("Add", _) => (vec![1.0; n], c),
                    ("Sub", true) => (vec![1.0; n], c.iter().map(|v| -v).collect()),
                    ("Sub", false) => (vec![-1.0; n], c),
                    ("Mul", _) => (c, vec![0.0; n]),
                    ("Div", true) => {
                        if c.contains(&0.0) {
                            return Err(ModelError::Structure(format!("{label}: division by a constant holding 0")));
                        }
                        (c.iter().map(|v| 1.0 / v).collect(), vec![0.0; n])
                    }
                    _ => return Err(ModelError::Structure(format!("{label}: a constant divided by the data is not affine"))),
                };
                let arrange = |v: Vec<f64>| lowering::Features { shape: features.clone(), onnx_index: onnx_index.clone() }.arrange(&v);
                let (a, b) = (arrange(a), arrange(b));
                nonnegative = false;
                pending = Some(pending.take().unwrap_or_else(|| Affine::identity(n)).then(&a, &b));
            }
            "BatchNormalization" => {
                if node.input.first() != Some(&current) || node.input.len() != 5 {
                    return Err(ModelError::Structure(format!("{label}: BatchNormalization(X, scale, B, mean, var) expected")));
                }
                if attribute(node, "training_mode").is_some_and(|a| a.i != 0) {
                    return Err(ModelError::Structure(format!("{label}: training mode is not supported")));
                }
                let epsilon = attribute(node, "epsilon").map_or(1e-5, |a| a.f as f64);
                let features = features(&shape)?;
                let channels = features[0];
                let per_channel = |name: &String| -> Result<Vec<f64>, ModelError> {
                    let t = constant(name)?;
                    if t.values.len() != channels {
                        return Err(ModelError::ShapeMismatch(format!("{label}: {} values for {channels} channels", t.values.len())));
                    }
                    Ok(t.values.clone())
                };
                let (gamma, beta, mean, var) = (per_channel(&node.input[1])?, per_channel(&node.input[2])?, per_channel(&node.input[3])?, per_channel(&node.input[4])?);
                let inner: usize = features[1..].iter().product();
                let mut a = Vec::with_capacity(channels * inner);
                let mut b = Vec::with_capacity(channels * inner);
                for c in 0..channels {
                    let factor = gamma[c] / (var[c] + epsilon).sqrt();
                    for _ in 0..inner {
                        a.push(factor);
                        b.push(beta[c] - mean[c] * factor);
                    }
                }
                let arranged = lowering::Features { shape: features.clone(), onnx_index: onnx_index.clone() };
                let (a, b) = (arranged.arrange(&a), arranged.arrange(&b));
                let n = a.len();
                pending = Some(pending.take().unwrap_or_else(|| Affine::identity(n)).then(&a, &b));
                nonnegative = false;
            }
            "Relu" => {
                if node.input.len() != 1 {
                    return Err(ModelError::Structure(format!("{label}: one input expected")));
                }
                match (pending.take(), open) {
                    (affine, true) => {
                        let layer = layers.last_mut().expect("an open layer exists");
                        if let Some(affine) = affine {
                            fold_after(layer, affine);
                        }
                        layer.relu = true;
                        open = false;
                    }
                    // A Relu of features known to be nonnegative (a Relu's output, a Sigmoid's).
                    (None, false) if nonnegative && !layers.is_empty() => {}
                    (affine, false) => {
                        let n: usize = features(&shape)?.iter().product();
                        // An elementwise layer: the features keep their shape and order.
                        layers.push(affine.unwrap_or_else(|| Affine::identity(n)).into_layer(true));
                    }
                }
                nonnegative = true;
            }
            "Sigmoid" | "Tanh" => {
                if node.input.len() != 1 {
                    return Err(ModelError::Structure(format!("{label}: one input expected")));
                }
                let f = if node.op_type == "Sigmoid" { super::Smooth::Sigmoid } else { super::Smooth::Tanh };
                settle(&mut layers, &mut pending, &mut open);
                let n: usize = features(&shape)?.iter().product();
                layers.extend(lowering::smooth(n, f));
                // Nothing folds into the sum (the float model computes the function there): an
                // affine map after it waits for the next layer, or becomes one.
                open = false;
                nonnegative = f == super::Smooth::Sigmoid;
            }
            "LeakyRelu" | "Clip" | "HardSigmoid" => {
                if node.input.first() != Some(&current) {
                    return Err(ModelError::Structure(format!("{label}: {}(previous output, …) expected", node.op_type)));
                }
                let float_attribute = |name: &str, default: f64| attribute(node, name).map_or(default, |a| a.f as f64);
                let activation = match node.op_type.as_str() {
                    "LeakyRelu" => Some(lowering::PiecewiseLinear::leaky_relu(float_attribute("alpha", 0.01))),
                    "HardSigmoid" => Some(lowering::PiecewiseLinear::hard_sigmoid(float_attribute("alpha", 0.2), float_attribute("beta", 0.5))),
                    _ => {
                        // Opset 11 on: the bounds are inputs; before: attributes.
                        let bound = |index: usize, name: &str| -> Result<Option<f64>, ModelError> {
                            match node.input.get(index).filter(|n| !n.is_empty()) {
                                Some(input) => match constant(input)?.values.as_slice() {
                                    [v] => Ok(Some(*v)),
                                    _ => Err(ModelError::Structure(format!("{label}: Clip's {name} is not a scalar"))),
                                },
                                None => Ok(attribute(node, name).map(|a| a.f as f64)),
                            }
                        };
                        let (lo, hi) = (bound(1, "min")?, bound(2, "max")?);
                        if let (Some(lo), Some(hi)) = (lo, hi) {
                            if lo > hi {
                                return Err(ModelError::Structure(format!("{label}: Clip's min {lo} is above its max {hi}")));
                            }
                        }
                        // A Clip without bounds is the identity.
                        if lo.is_none() && hi.is_none() {
                            None
                        } else {
                            Some(lowering::PiecewiseLinear::clip(lo, hi))
                        }
                    }
                };
                if let Some(activation) = activation {
                    settle(&mut layers, &mut pending, &mut open);
                    let n: usize = features(&shape)?.iter().product();
                    layers.extend(lowering::piecewise_linear(n, &activation));
                    open = true;
                    nonnegative = node.op_type == "HardSigmoid" || (node.op_type == "Clip" && activation.constant >= 0.0 && activation.terms.first().is_some_and(|t| t.0 > 0.0));
                }
            }
            // `[batch, n] ↔ [n, batch]`: the values stay, the batch axis moves (for a `transA`).
            "Transpose" if shape.as_ref().is_some_and(|s| s.len() == 1) && attribute(node, "perm").is_none_or(|a| a.ints == [1, 0]) => {
                batch_second = !batch_second;
            }
            "Transpose" => {
                // The activations stay where they are; only which ONNX element each one is changes.
                let features = features(&shape)?;
                let rank = features.len() + 1;
                let perm: Vec<usize> = match attribute(node, "perm") {
                    Some(a) => a.ints.iter().map(|p| usize::try_from(*p).unwrap_or(usize::MAX)).collect(),
                    None => (0..rank).rev().collect(),
                };
                let mut sorted = perm.clone();
                sorted.sort_unstable();
                if sorted != (0..rank).collect::<Vec<_>>() || perm[0] != 0 {
                    return Err(ModelError::Structure(format!(
                        "{label}: perm {perm:?} for a tensor of rank {rank} (the batch axis must stay first)"
                    )));
                }
                let old: Vec<usize> = std::iter::once(1).chain(features.iter().copied()).collect();
                let new: Vec<usize> = perm.iter().map(|p| old[*p]).collect();
                let n: usize = features.iter().product();
                // new_index[i]: where old ONNX element i goes.
                let mut new_index = vec![0; n];
                for (i, slot) in new_index.iter_mut().enumerate() {
                    let mut rest = i;
                    let mut coordinates = vec![0; rank];
                    for axis in (0..rank).rev() {
                        coordinates[axis] = rest % old[axis];
                        rest /= old[axis];
                    }
                    *slot = perm.iter().zip(&new).fold(0, |flat, (p, d)| flat * d + coordinates[*p]);
                }
                onnx_index = Some(match onnx_index.take() {
                    Some(index) => index.iter().map(|i| new_index[*i]).collect(),
                    None => new_index,
                });
                shape = Some(new[1..].to_vec());
            }
            "Flatten" => {
                shape = shape.map(|s| vec![s.iter().product()]);
            }
            "Reshape" => {
                let target = match node.input.get(1) {
                    Some(name) => constant(name)?.values.iter().map(|v| *v as i64).collect::<Vec<_>>(),
                    None => attribute(node, "shape").map(|a| a.ints.clone()).unwrap_or_default(),
                };
                shape = reshaped(shape.as_deref(), &target, &label)?;
            }
            "Squeeze" | "Unsqueeze" | "Identity" | "Dropout" => {
                if node.op_type == "Squeeze" {
                    shape = shape.map(|s| {
                        let kept: Vec<usize> = s.iter().copied().filter(|d| *d != 1).collect();
                        if kept.is_empty() { vec![1] } else { kept }
                    });
                }
            }
            "Cast" => {
                let to = attribute(node, "to").map_or(0, |a| a.i);
                if to != i64::from(DATA_TYPE_FLOAT) && to != i64::from(DATA_TYPE_DOUBLE) {
                    return Err(ModelError::Structure(format!("{label}: Cast to element type {to} (the prover computes on reals)")));
                }
            }
            other => {
                return Err(ModelError::UnsupportedOp {
                    op_type: other.to_string(),
                    node: label,
                })
            }
        }
        attach_branch(&mut layers, before, &mut branch);
        current = output.clone();
        if uses(&current) > 1 {
            let vector = freeze(&mut layers, &mut pending, &mut open, &mut branch);
            saved.insert(current.clone(), Branch { vector, shape: shape.clone(), onnx_index: onnx_index.clone(), nonnegative });
        }
    }
    if batch_second {
        return Err(ModelError::Structure("the graph's output has its batch axis second: transpose it back".into()));
    }
    match graph.output.as_slice() {
        [out] if out.name == current => {}
        _ => {
            return Err(ModelError::Structure(
                "the graph output must be the last node's output".into(),
            ))
        }
    }
    let before = layers.len();
    if let Some(affine) = pending.take() {
        if open {
            fold_after(layers.last_mut().expect("an open layer exists"), affine);
        } else {
            layers.push(affine.into_layer(false));
        }
    } else if branch.is_some() {
        // The output is a vector computed before: the model's outputs are its last layer's.
        let n: usize = shape.as_ref().map_or(0, |s| s.iter().product());
        layers.push(Affine::identity(n).into_layer(false));
    }
    attach_branch(&mut layers, before, &mut branch);
    if layers.is_empty() {
        return Err(ModelError::Structure("the graph has no dense layer and no activation: nothing to prove".into()));
    }
    if let (Some(index), Some(last)) = (onnx_index, layers.last_mut()) {
        // The outputs in ONNX order: the last layer's neurons reordered.
        let mut order = vec![0; index.len()];
        for (p, i) in index.iter().enumerate() {
            order[*i] = p;
        }
        last.weights = order.iter().map(|p| std::mem::take(&mut last.weights[*p])).collect();
        last.bias = order.iter().map(|p| last.bias[*p]).collect();
        if let Some(c) = &mut last.connections {
            c.indices = order.iter().map(|p| std::mem::take(&mut c.indices[*p])).collect();
        }
    }
    let mlp = FloatMlp { layers, weight_bits };
    mlp.validate()?;
    if let Some(features) = declared {
        let width: usize = features.iter().product();
        if width != mlp.input_len() {
            return Err(ModelError::ShapeMismatch(format!(
                "graph input {:?} has {width} values, the first layer takes {}",
                input.name,
                mlp.input_len()
            )));
        }
    }
    Ok(mlp)
}

/// The value of a `Constant` node (its `value`, `value_float`, `value_floats`, `value_int` or
/// `value_ints` attribute).
fn constant_value(node: &NodeProto, label: &str) -> Result<Tensor, ModelError> {
    let Some(attr) = node.attribute.first() else {
        return Err(ModelError::Structure(format!("{label}: a Constant without a value")));
    };
    match attr.name.as_str() {
        "value" => decode_tensor(attr.t.as_ref().ok_or_else(|| ModelError::Structure(format!("{label}: an empty value")))?),
        "value_float" => Ok(Tensor { dims: vec![], values: vec![attr.f as f64] }),
        "value_int" => Ok(Tensor { dims: vec![], values: vec![attr.i as f64] }),
        "value_ints" => Ok(Tensor { dims: vec![attr.ints.len()], values: attr.ints.iter().map(|v| *v as f64).collect() }),
        other => Err(ModelError::Structure(format!("{label}: a Constant's {other:?} is not supported"))),
    }
}

/// The features' shape after `Reshape` to `target` (with the batch dimension in front when it has
/// two or more dimensions; `0` copies a dimension, `-1` is inferred). Unknown stays unknown.
fn reshaped(shape: Option<&[usize]>, target: &[i64], label: &str) -> Result<Option<Vec<usize>>, ModelError> {
    let Some(shape) = shape else { return Ok(None) };
    let n: usize = shape.iter().product();
    let mut full = vec![1usize];
    full.extend_from_slice(shape);
    let mut dims: Vec<Option<usize>> = Vec::with_capacity(target.len());
    for (axis, &d) in target.iter().enumerate() {
        dims.push(match d {
            -1 => None,
            0 => Some(*full.get(axis).ok_or_else(|| ModelError::ShapeMismatch(format!("{label}: shape {target:?}")))?),
            d if d > 0 => Some(d as usize),
            _ => return Err(ModelError::ShapeMismatch(format!("{label}: shape {target:?}"))),
        });
    }
    let known: usize = dims.iter().flatten().product();
    let unknown = dims.iter().filter(|d| d.is_none()).count();
    let resolved: Vec<usize> = match unknown {
        0 => dims.into_iter().flatten().collect(),
        1 if known > 0 && n.is_multiple_of(known) => dims.into_iter().map(|d| d.unwrap_or(n / known)).collect(),
        _ => return Err(ModelError::ShapeMismatch(format!("{label}: cannot reshape {n} values to {target:?}"))),
    };
    if resolved.iter().product::<usize>() != n {
        return Err(ModelError::ShapeMismatch(format!("{label}: cannot reshape {n} values to {target:?}")));
    }
    // The batch dimension (1) in front, when there are two or more.
    let features = if resolved.len() >= 2 && resolved[0] == 1 { resolved[1..].to_vec() } else { resolved };
    Ok(Some(features))
}

/// Reads and decodes an ONNX file.
///
/// # Errors
/// [`ModelError`] when unreadable or unsupported.
pub fn load_onnx(path: &Path) -> Result<FloatMlp, ModelError> {
    let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
        path: path.display().to_string(),
        source,
    })?;
    decode_onnx(&bytes)
}

/// How [`encode_onnx`] writes dense layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DenseStyle {
    /// `Gemm(x, W[out][in], b)` with `transB = 1` (PyTorch's export).
    Gemm,
    /// `MatMul(x, W[in][out])` then `Add(·, b)`.
    MatMulAdd,
}

fn float_tensor(name: &str, dims: Vec<i64>, values: &[f64]) -> TensorProto {
    TensorProto {
        dims,
        data_type: DATA_TYPE_FLOAT,
        float_data: values.iter().map(|v| *v as f32).collect(),
        name: name.to_string(),
        ..TensorProto::default()
    }
}

fn value_info(name: &str, width: usize) -> ValueInfoProto {
    ValueInfoProto {
        name: name.to_string(),
        r#type: Some(TypeProto {
            tensor_type: Some(TypeProtoTensor {
                elem_type: DATA_TYPE_FLOAT,
                shape: Some(TensorShapeProto {
                    dim: vec![
                        TensorShapeDimension {
                            dim_value: None,
                            dim_param: Some("batch".into()),
                        },
                        TensorShapeDimension {
                            dim_value: Some(width as i64),
                            dim_param: None,
                        },
                    ],
                }),
            }),
        }),
    }
}

fn node(
    op_type: &str,
    name: &str,
    input: Vec<String>,
    output: &str,
    attribute: Vec<AttributeProto>,
) -> NodeProto {
    NodeProto {
        input,
        output: vec![output.to_string()],
        name: name.to_string(),
        op_type: op_type.to_string(),
        attribute,
        domain: String::new(),
    }
}

/// Encodes a float MLP as ONNX (opset 13, FLOAT tensors: values are rounded to `f32`).
pub fn encode_onnx(mlp: &FloatMlp, style: DenseStyle, producer: &str) -> Vec<u8> {
    let mut nodes = Vec::new();
    let mut initializer = Vec::new();
    let mut current = "input".to_string();
    for (l, layer) in mlp.layers.iter().enumerate() {
        let (k, n) = (layer.inputs(), layer.outputs());
        let out = format!("dense{l}");
        // A sparse layer is written as its dense matrix.
        let dense = layer.dense_weights();
        let layer = &DenseLayer::dense(dense, layer.bias.clone(), layer.relu);
        match style {
            DenseStyle::Gemm => {
                let w: Vec<f64> = layer.weights.iter().flatten().copied().collect();
                initializer.push(float_tensor(&format!("W{l}"), vec![n as i64, k as i64], &w));
                initializer.push(float_tensor(&format!("b{l}"), vec![n as i64], &layer.bias));
                let trans_b = AttributeProto {
                    name: "transB".into(),
                    i: 1,
                    r#type: 2,
                    ..AttributeProto::default()
                };
                nodes.push(node(
                    "Gemm",
                    &format!("gemm{l}"),
                    vec![current.clone(), format!("W{l}"), format!("b{l}")],
                    &out,
                    vec![trans_b],
                ));
                current = out;
            }
            DenseStyle::MatMulAdd => {
                let w: Vec<f64> = (0..k)
                    .flat_map(|i| layer.weights.iter().map(move |row| row[i]))
                    .collect();
                initializer.push(float_tensor(&format!("W{l}"), vec![k as i64, n as i64], &w));
                initializer.push(float_tensor(&format!("b{l}"), vec![n as i64], &layer.bias));
                let mm = format!("matmul{l}");
                nodes.push(node(
                    "MatMul",
                    &mm,
                    vec![current.clone(), format!("W{l}")],
                    &mm,
                    vec![],
                ));
                nodes.push(node(
                    "Add",
                    &format!("add{l}"),
                    vec![mm.clone(), format!("b{l}")],
                    &out,
                    vec![],
                ));
                current = out;
            }
        }
        if layer.relu {
            let relu = format!("relu{l}");
            nodes.push(node("Relu", &relu, vec![current.clone()], &relu, vec![]));
            current = relu;
        }
    }
    let model = ModelProto {
        ir_version: 8,
        producer_name: producer.to_string(),
        producer_version: env!("CARGO_PKG_VERSION").to_string(),
        graph: Some(GraphProto {
            node: nodes,
            name: "mlp".into(),
            initializer,
            input: vec![value_info("input", mlp.input_len())],
            output: vec![value_info(&current, mlp.output_len())],
        }),
        opset_import: vec![OperatorSetIdProto {
            domain: String::new(),
            version: 13,
        }],
        metadata_props: Vec::new(),
    };
    let bytes = model.encode_to_vec();
    match &mlp.weight_bits {
        Some(bits) => with_weight_bits(&bytes, bits),
        None => bytes,
    }
}

/// Writes ONNX graphs of image models from code, node by node, the way PyTorch exports them
/// (`Conv`, `Relu`, `MaxPool`, `AveragePool`, `GlobalAveragePool`, `Flatten`, `Gemm` with
/// `transB = 1`, `Add` of two branches; opset 13, FLOAT tensors): the examples' CNNs, and tests.
#[derive(Clone, Debug)]
pub struct GraphWriter {
    input_shape: Vec<usize>,
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
    current: String,
}

impl GraphWriter {
    /// A graph taking `[batch, ...input_shape]` (e.g. `[1, 28, 28]` for a grey image).
    pub fn new(input_shape: &[usize]) -> Self {
        GraphWriter { input_shape: input_shape.to_vec(), nodes: Vec::new(), initializers: Vec::new(), current: "input".into() }
    }

    fn push(&mut self, op_type: &str, inputs: Vec<String>, attributes: Vec<AttributeProto>) -> &mut Self {
        let name = format!("{}{}", op_type.to_lowercase(), self.nodes.len());
        let mut all = vec![self.current.clone()];
        all.extend(inputs);
        self.nodes.push(node(op_type, &name, all, &name, attributes));
        self.current = name;
        self
    }

    fn constant(&mut self, dims: &[usize], values: &[f64]) -> String {
        let name = format!("c{}", self.initializers.len());
        self.initializers.push(float_tensor(&name, dims.iter().map(|d| *d as i64).collect(), values));
        name
    }

    /// `Conv` with `weights` of shape `[M, C, k, k]` (row-major), `bias` (M values), `stride` and
    /// `pad` on every side.
    pub fn conv(&mut self, weights: &[f64], dims: [usize; 4], bias: &[f64], stride: usize, pad: usize) -> &mut Self {
        let w = self.constant(&dims, weights);
        let b = self.constant(&[dims[0]], bias);
        let attributes = vec![
            ints_attribute("kernel_shape", &[dims[2], dims[3]]),
            ints_attribute("strides", &[stride, stride]),
            ints_attribute("pads", &[pad; 4]),
        ];
        self.push("Conv", vec![w, b], attributes)
    }

    /// The tensor the next node reads (the last node's output, `"input"` at first): keep it to
    /// join it later ([`GraphWriter::add`]) or to start a second branch from it
    /// ([`GraphWriter::resume`]).
    pub fn tensor(&self) -> String {
        self.current.clone()
    }

    /// The next node reads `tensor` (an earlier node's output, or `"input"`): a second branch.
    pub fn resume(&mut self, tensor: &str) -> &mut Self {
        self.current = tensor.into();
        self
    }

    /// `Add(current, other)`: two branches joining (a residual connection when `other` is the
    /// block's input).
    pub fn add(&mut self, other: &str) -> &mut Self {
        self.push("Add", vec![other.into()], vec![])
    }

    /// `Relu`.
    pub fn relu(&mut self) -> &mut Self {
        self.push("Relu", vec![], vec![])
    }

    /// `MaxPool` (`k × k`, stride `stride`).
    pub fn max_pool(&mut self, k: usize, stride: usize) -> &mut Self {
        self.push("MaxPool", vec![], vec![ints_attribute("kernel_shape", &[k, k]), ints_attribute("strides", &[stride, stride])])
    }

    /// `AveragePool` (`k × k`, stride `stride`).
    pub fn average_pool(&mut self, k: usize, stride: usize) -> &mut Self {
        self.push("AveragePool", vec![], vec![ints_attribute("kernel_shape", &[k, k]), ints_attribute("strides", &[stride, stride])])
    }

    /// `GlobalAveragePool`.
    pub fn global_average_pool(&mut self) -> &mut Self {
        self.push("GlobalAveragePool", vec![], vec![])
    }

    /// `Flatten`.
    pub fn flatten(&mut self) -> &mut Self {
        self.push("Flatten", vec![], vec![])
    }

    /// `Gemm(x, W, b)` with `transB = 1`: `weights[out][in]`.
    pub fn gemm(&mut self, weights: &[Vec<f64>], bias: &[f64]) -> &mut Self {
        let flat: Vec<f64> = weights.iter().flatten().copied().collect();
        let w = self.constant(&[weights.len(), weights.first().map_or(0, Vec::len)], &flat);
        let b = self.constant(&[bias.len()], bias);
        let trans_b = AttributeProto { name: "transB".into(), i: 1, r#type: 2, ..AttributeProto::default() };
        self.push("Gemm", vec![w, b], vec![trans_b])
    }

    /// The ONNX bytes.
    pub fn encode(&self, producer: &str) -> Vec<u8> {
        let dims = |shape: &[usize]| -> ValueInfoProto {
            let mut dim = vec![TensorShapeDimension { dim_value: None, dim_param: Some("batch".into()) }];
            dim.extend(shape.iter().map(|d| TensorShapeDimension { dim_value: Some(*d as i64), dim_param: None }));
            ValueInfoProto {
                name: String::new(),
                r#type: Some(TypeProto { tensor_type: Some(TypeProtoTensor { elem_type: DATA_TYPE_FLOAT, shape: Some(TensorShapeProto { dim }) }) }),
            }
        };
        let input = ValueInfoProto { name: "input".into(), ..dims(&self.input_shape) };
        let output = ValueInfoProto { name: self.current.clone(), r#type: None };
        ModelProto {
            ir_version: 8,
            producer_name: producer.to_string(),
            producer_version: env!("CARGO_PKG_VERSION").to_string(),
            graph: Some(GraphProto { node: self.nodes.clone(), name: "cnn".into(), initializer: self.initializers.clone(), input: vec![input], output: vec![output] }),
            opset_import: vec![OperatorSetIdProto { domain: String::new(), version: 13 }],
            metadata_props: Vec::new(),
        }
        .encode_to_vec()
    }
}

fn ints_attribute(name: &str, values: &[usize]) -> AttributeProto {
    AttributeProto { name: name.into(), ints: values.iter().map(|v| *v as i64).collect(), r#type: 7, ..AttributeProto::default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> FloatMlp {
        FloatMlp {
            layers: vec![
                DenseLayer::dense(vec![vec![0.5, -0.25], vec![1.0, 2.0], vec![-1.5, 0.75]], vec![0.125, -0.25, 0.375], true),
                DenseLayer::dense(vec![vec![1.0, -1.0, 0.5]], vec![0.0], false),
            ],
            weight_bits: None,
        }
    }

    #[test]
    fn both_styles_round_trip() {
        for style in [DenseStyle::Gemm, DenseStyle::MatMulAdd] {
            let decoded = decode_onnx(&encode_onnx(&small(), style, "test")).unwrap();
            assert_eq!(decoded, small(), "{style:?}");
        }
    }

    fn graph_of(bytes: &[u8]) -> ModelProto {
        ModelProto::decode(bytes).unwrap()
    }

    #[test]
    fn unsupported_op_shape_mismatch_and_garbage_are_typed_errors() {
        let mut model = graph_of(&encode_onnx(&small(), DenseStyle::Gemm, "test"));
        let graph = model.graph.as_mut().unwrap();
        graph.node[1].op_type = "Softmax".into();
        match decode_onnx(&model.encode_to_vec()) {
            Err(ModelError::UnsupportedOp { op_type, .. }) => assert_eq!(op_type, "Softmax"),
            other => panic!("expected UnsupportedOp, got {other:?}"),
        }
        let mut model = graph_of(&encode_onnx(&small(), DenseStyle::Gemm, "test"));
        let graph = model.graph.as_mut().unwrap();
        // Second layer's weights: 1x2 instead of 1x3.
        let w1 = graph
            .initializer
            .iter_mut()
            .find(|t| t.name == "W1")
            .unwrap();
        w1.dims = vec![1, 2];
        w1.float_data.truncate(2);
        assert!(matches!(
            decode_onnx(&model.encode_to_vec()),
            Err(ModelError::ShapeMismatch(_))
        ));
        let mut model = graph_of(&encode_onnx(&small(), DenseStyle::MatMulAdd, "test"));
        model.graph.as_mut().unwrap().input[0] = value_info("input", 5);
        assert!(matches!(
            decode_onnx(&model.encode_to_vec()),
            Err(ModelError::ShapeMismatch(_))
        ));
        assert!(matches!(
            decode_onnx(&[0xff, 0xff, 0xff]),
            Err(ModelError::Decode(_))
        ));
        assert!(matches!(decode_onnx(&[]), Err(ModelError::Structure(_))));
    }

    #[test]
    fn weight_bits_travel_in_the_metadata_without_touching_the_model() {
        let plain = encode_onnx(&small(), DenseStyle::Gemm, "test");
        let calibrated = with_weight_bits(&plain, &[12, 16]);
        assert_eq!(&calibrated[..plain.len()], plain.as_slice(), "the original bytes survive");
        let decoded = decode_onnx(&calibrated).unwrap();
        assert_eq!(decoded.weight_bits, Some(vec![12, 16]));
        assert_eq!(decoded.layers, small().layers);
        // A later calibration replaces an earlier one; the encoder writes the same entry.
        assert_eq!(decode_onnx(&with_weight_bits(&calibrated, &[9, 15])).unwrap().weight_bits, Some(vec![9, 15]));
        let again = FloatMlp { weight_bits: Some(vec![12, 16]), ..small() };
        assert_eq!(decode_onnx(&encode_onnx(&again, DenseStyle::MatMulAdd, "test")).unwrap(), again);
        let mut bad = graph_of(&plain);
        bad.metadata_props.push(StringStringEntryProto { key: WEIGHT_BITS_KEY.into(), value: "12,x".into() });
        let err = decode_onnx(&bad.encode_to_vec()).unwrap_err().to_string();
        assert!(err.contains("ciro.weight_bits = \"12,x\" is not a comma-separated list"), "{err}");
    }

    /// A graph as exporters write it: `nodes` in order, `initializers`, one input of
    /// `input_dims` (`None`: symbolic) and the output `output`.
    fn exported(nodes: Vec<NodeProto>, initializers: Vec<TensorProto>, input_dims: &[Option<i64>], output: &str, list_initializers: bool) -> Vec<u8> {
        let dims = input_dims
            .iter()
            .map(|d| TensorShapeDimension { dim_value: *d, dim_param: d.is_none().then(|| "batch".to_string()) })
            .collect();
        let mut inputs = vec![ValueInfoProto {
            name: "x".into(),
            r#type: Some(TypeProto { tensor_type: Some(TypeProtoTensor { elem_type: DATA_TYPE_FLOAT, shape: Some(TensorShapeProto { dim: dims }) }) }),
        }];
        if list_initializers {
            inputs.extend(initializers.iter().map(|t| ValueInfoProto { name: t.name.clone(), r#type: None }));
        }
        ModelProto {
            ir_version: 8,
            graph: Some(GraphProto {
                node: nodes,
                name: "exported".into(),
                initializer: initializers,
                input: inputs,
                output: vec![ValueInfoProto { name: output.into(), r#type: None }],
            }),
            opset_import: vec![OperatorSetIdProto { domain: String::new(), version: 13 }],
            ..ModelProto::default()
        }
        .encode_to_vec()
    }

    fn op(op_type: &str, inputs: &[&str], output: &str, attributes: Vec<AttributeProto>) -> NodeProto {
        node(op_type, output, inputs.iter().map(|s| s.to_string()).collect(), output, attributes)
    }

    fn int_attribute(name: &str, i: i64) -> AttributeProto {
        AttributeProto { name: name.into(), i, r#type: 2, ..AttributeProto::default() }
    }

    fn int64_tensor(name: &str, values: &[i64]) -> TensorProto {
        TensorProto { dims: vec![values.len() as i64], data_type: DATA_TYPE_INT64, int64_data: values.to_vec(), name: name.into(), ..TensorProto::default() }
    }

    fn close(a: &[f64], b: &[f64]) -> bool {
        // The tensors are FLOAT: the parameters are rounded to f32.
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-6 * (1.0 + y.abs()))
    }

    /// What PyTorch writes for `Sequential(Flatten, Linear(4, 3), BatchNorm1d(3), ReLU, Dropout,
    /// Linear(3, 2))` on a `[batch, 1, 2, 2]` input, with the weights also listed as graph
    /// inputs (older exporters): the batch norm folds into the first layer.
    #[test]
    fn pytorch_style_flatten_batchnorm_dropout_fold_into_dense_layers() {
        let w0 = [0.5, -1.0, 0.25, 2.0, 1.5, 0.0, -0.5, 1.0, -2.0, 0.75, 1.0, 0.5];
        let w1 = [1.0, -1.0, 0.5, 0.25, 2.0, -0.5];
        let initializers = vec![
            float_tensor("W0", vec![3, 4], &w0),
            float_tensor("b0", vec![3], &[0.1, -0.2, 0.3]),
            float_tensor("gamma", vec![3], &[2.0, 0.5, 1.0]),
            float_tensor("beta", vec![3], &[0.5, 0.0, -1.0]),
            float_tensor("mean", vec![3], &[1.0, -1.0, 0.5]),
            float_tensor("var", vec![3], &[4.0, 0.25, 1.0]),
            float_tensor("W1", vec![2, 3], &w1),
            float_tensor("b1", vec![2], &[0.0, 1.0]),
        ];
        let nodes = vec![
            op("Flatten", &["x"], "flat", vec![int_attribute("axis", 1)]),
            op("Gemm", &["flat", "W0", "b0"], "h", vec![int_attribute("transB", 1)]),
            op("BatchNormalization", &["h", "gamma", "beta", "mean", "var"], "bn", vec![AttributeProto { name: "epsilon".into(), f: 0.0, r#type: 1, ..AttributeProto::default() }]),
            op("Relu", &["bn"], "r", vec![]),
            NodeProto { output: vec!["d".into(), "mask".into()], ..op("Dropout", &["r"], "d", vec![]) },
            op("Gemm", &["d", "W1", "b1"], "y", vec![int_attribute("transB", 1)]),
        ];
        let bytes = exported(nodes, initializers, &[None, Some(1), Some(2), Some(2)], "y", true);
        let mlp = decode_onnx(&bytes).unwrap();
        assert_eq!(mlp.layers.len(), 2);
        assert!(mlp.layers[0].relu && !mlp.layers[1].relu);
        let x = [1.0, -2.0, 0.5, 3.0];
        // By hand: h = W0·x + b0, bn = gamma·(h − mean)/sqrt(var) + beta, relu, W1·r + b1.
        let h: Vec<f64> = (0..3).map(|j| (0..4).map(|i| w0[j * 4 + i] * x[i]).sum::<f64>() + [0.1, -0.2, 0.3][j]).collect();
        let bn: Vec<f64> = (0..3)
            .map(|j| [2.0, 0.5, 1.0][j] * (h[j] - [1.0, -1.0, 0.5][j]) / [4.0f64, 0.25, 1.0][j].sqrt() + [0.5, 0.0, -1.0][j])
            .map(|v: f64| v.max(0.0))
            .collect();
        let y: Vec<f64> = (0..2).map(|j| (0..3).map(|i| w1[j * 3 + i] * bn[i]).sum::<f64>() + [0.0, 1.0][j]).collect();
        assert!(close(&mlp.forward(&x), &y), "{:?} != {y:?}", mlp.forward(&x));
    }

    /// `Transpose` to `[n, batch]` then `Gemm(transA = 1, transB = 1, alpha, beta)`: a dense layer.
    #[test]
    fn gemm_with_trans_a_takes_transposed_features() {
        let w = [1.5, -2.0, 0.5, 3.0, 1.0, -1.0];
        let float_attribute = |name: &str, f: f32| AttributeProto { name: name.into(), f, r#type: 1, ..AttributeProto::default() };
        let nodes = vec![
            op("Transpose", &["x"], "t", vec![AttributeProto { name: "perm".into(), ints: vec![1, 0], r#type: 7, ..AttributeProto::default() }]),
            op("Gemm", &["t", "W", "b"], "y", vec![int_attribute("transA", 1), int_attribute("transB", 1), float_attribute("alpha", 2.0), float_attribute("beta", 0.5)]),
        ];
        let initializers = vec![float_tensor("W", vec![3, 2], &w), float_tensor("b", vec![3], &[1.0, 2.0, -4.0])];
        let model = decode_onnx(&exported(nodes, initializers, &[None, Some(2)], "y", false)).unwrap();
        let x = [0.5, -1.0];
        let y: Vec<f64> = (0..3).map(|j| 2.0 * (w[2 * j] * x[0] + w[2 * j + 1] * x[1]) + 0.5 * [1.0, 2.0, -4.0][j]).collect();
        assert!(close(&model.forward(&x), &y), "{:?} != {y:?}", model.forward(&x));
    }

    /// Input scaling as scikit-learn pipelines export it ((x − mean) / std), an opset-13 Reshape
    /// with a Constant shape, Squeeze with axes as an input, a Cast to float, and a MatMul + Add:
    /// the scaling folds into the first layer.
    #[test]
    fn input_scaling_reshape_squeeze_cast_and_constants_fold_away() {
        let w = [1.0, 2.0, -1.0, 0.5, 0.0, 1.0]; // [in 3][out 2]
        let initializers = vec![
            float_tensor("mean", vec![3], &[1.0, 2.0, 3.0]),
            float_tensor("std", vec![1, 3], &[2.0, 4.0, 0.5]),
            float_tensor("W", vec![3, 2], &w),
            float_tensor("b", vec![2], &[0.25, -0.25]),
            int64_tensor("axes", &[1]),
        ];
        let shape = AttributeProto { name: "value".into(), t: Some(int64_tensor("", &[-1, 3, 1])), r#type: 4, ..AttributeProto::default() };
        let nodes = vec![
            op("Cast", &["x"], "xf", vec![int_attribute("to", 1)]),
            op("Sub", &["xf", "mean"], "centred", vec![]),
            op("Div", &["centred", "std"], "scaled", vec![]),
            op("Constant", &[], "shape", vec![shape]),
            op("Reshape", &["scaled", "shape"], "column", vec![]),
            op("Squeeze", &["column", "axes"], "row", vec![]),
            op("MatMul", &["row", "W"], "mm", vec![]),
            op("Add", &["b", "mm"], "y", vec![]),
        ];
        let mlp = decode_onnx(&exported(nodes, initializers, &[None, Some(3)], "y", false)).unwrap();
        assert_eq!(mlp.layers.len(), 1);
        let x = [3.0, -2.0, 4.0];
        let scaled = [(3.0 - 1.0) / 2.0, (-2.0 - 2.0) / 4.0, (4.0 - 3.0) / 0.5];
        let y: Vec<f64> = (0..2).map(|j| (0..3).map(|i| w[i * 2 + j] * scaled[i]).sum::<f64>() + [0.25, -0.25][j]).collect();
        assert!(close(&mlp.forward(&x), &y), "{:?} != {y:?}", mlp.forward(&x));
    }

    /// A graph of a single Relu, and a Relu of a Relu: activations anywhere.
    #[test]
    fn activations_stand_anywhere() {
        let single = decode_onnx(&exported(vec![op("Relu", &["x"], "y", vec![])], vec![], &[None, Some(3)], "y", false)).unwrap();
        assert_eq!(single.layers.len(), 1);
        assert_eq!(single.forward(&[-1.0, 2.0, -0.5]), vec![0.0, 2.0, 0.0]);
        let initializers = vec![float_tensor("W", vec![2, 2], &[1.0, -1.0, 2.0, 0.5])];
        let nodes = vec![
            op("Gemm", &["x", "W"], "h", vec![]),
            op("Relu", &["h"], "r1", vec![]),
            op("Relu", &["r1"], "r2", vec![]),
            op("Mul", &["r2", "two"], "y", vec![]),
        ];
        let mut initializers = initializers;
        initializers.push(float_tensor("two", vec![], &[2.0]));
        let mlp = decode_onnx(&exported(nodes, initializers, &[None, Some(2)], "y", false)).unwrap();
        // Gemm + Relu, then the scaling after the Relu as a diagonal layer of its own.
        assert_eq!(mlp.layers.len(), 2);
        let x = [1.0, 3.0];
        let h = [1.0 + 2.0 * 3.0, 0.5 * 3.0 - 1.0];
        assert!(close(&mlp.forward(&x), &[2.0 * h[0], 2.0 * h[1]]), "{:?}", mlp.forward(&x));
    }

    /// `Gemm → LeakyRelu → Gemm → Clip(0, 6) → Gemm → HardSigmoid`, and an opset-6 `Clip`
    /// (bounds as attributes) at the input: each activation computes what ONNX defines.
    #[test]
    fn leaky_relu_clip_and_hard_sigmoid_compute_what_onnx_defines() {
        let w = [1.5, -2.0, 0.5, 3.0];
        let initializers = vec![
            float_tensor("W", vec![2, 2], &w),
            float_tensor("lo", vec![], &[0.0]),
            float_tensor("hi", vec![], &[6.0]),
        ];
        let float_attribute = |name: &str, f: f32| AttributeProto { name: name.into(), f, r#type: 1, ..AttributeProto::default() };
        let nodes = vec![
            op("Gemm", &["x", "W"], "a", vec![]),
            op("LeakyRelu", &["a"], "b", vec![float_attribute("alpha", 0.25)]),
            op("Gemm", &["b", "W"], "c", vec![]),
            op("Clip", &["c", "lo", "hi"], "d", vec![]),
            op("Gemm", &["d", "W"], "e", vec![]),
            op("HardSigmoid", &["e"], "y", vec![]),
        ];
        let model = decode_onnx(&exported(nodes, initializers, &[None, Some(2)], "y", false)).unwrap();
        let gemm = |x: &[f64]| [x[0] * w[0] + x[1] * w[2], x[0] * w[1] + x[1] * w[3]];
        for x in [[1.0, 2.0], [-1.0, 0.5], [3.0, -2.0], [0.1, 0.1]] {
            let a = gemm(&x);
            let b = a.map(|v| if v > 0.0 { v } else { 0.25 * v });
            let d = gemm(&b).map(|v| v.clamp(0.0, 6.0));
            let y = gemm(&d).map(|v| (0.2 * v + 0.5).clamp(0.0, 1.0));
            assert!(close(&model.forward(&x), &y), "{x:?}: {:?} != {y:?}", model.forward(&x));
        }
        let old_clip = vec![op("Clip", &["x"], "y", vec![float_attribute("min", -1.0), float_attribute("max", 1.0)])];
        let model = decode_onnx(&exported(old_clip, vec![], &[None, Some(3)], "y", false)).unwrap();
        assert_eq!(model.forward(&[-3.0, 0.5, 2.0]), vec![-1.0, 0.5, 1.0]);
        let inverted = vec![op("Clip", &["x"], "y", vec![float_attribute("min", 1.0), float_attribute("max", -1.0)])];
        let err = decode_onnx(&exported(inverted, vec![], &[None, Some(3)], "y", false)).unwrap_err().to_string();
        assert!(err.contains("Clip's min 1 is above its max -1"), "{err}");
    }

    /// `Gemm → Tanh → Relu → Gemm → Sigmoid`: the float model computes the functions
    /// themselves, the fixed-point one their interpolations, within the documented bound.
    #[test]
    fn sigmoid_and_tanh_prove_their_interpolations_within_the_bound() {
        use crate::model::quantize::{error_bound, QuantizedModel};
        let w = [1.5, -2.0, 0.5, 3.0];
        let nodes = vec![
            op("Gemm", &["x", "W"], "a", vec![]),
            op("Tanh", &["a"], "b", vec![]),
            op("Relu", &["b"], "c", vec![]),
            op("Gemm", &["c", "W"], "d", vec![]),
            op("Sigmoid", &["d"], "y", vec![]),
        ];
        let model = decode_onnx(&exported(nodes, vec![float_tensor("W", vec![2, 2], &w)], &[None, Some(2)], "y", false)).unwrap();
        let gemm = |x: &[f64]| [x[0] * w[0] + x[1] * w[2], x[0] * w[1] + x[1] * w[3]];
        let quantized = QuantizedModel::from_float(&model, 16).unwrap();
        for x in [[1.0, 2.0], [-1.0, 0.5], [3.0, -2.0], [0.1, 0.1], [-0.3, -0.2]] {
            let c = gemm(&x).map(|v| v.tanh().max(0.0));
            let y = gemm(&c).map(|v| 1.0 / (1.0 + (-v).exp()));
            assert!(close(&model.forward(&x), &y), "{x:?}: {:?} != {y:?}", model.forward(&x));
            let fixed = quantized.dequantize(quantized.run(&quantized.quantize_input(&x).unwrap()).unwrap().output());
            let bound = error_bound(&model, &quantized, &x);
            assert!(bound < 1e-2, "{bound}");
            for (q, f) in fixed.iter().zip(&y) {
                assert!((q - f).abs() <= bound, "{x:?}: |{q} − {f}| > {bound}");
            }
        }
    }

    /// Refusals name the operator or the reason, and the loader lists what it supports.
    #[test]
    fn what_is_not_supported_is_refused_with_the_reason() {
        let initializers = || vec![float_tensor("W", vec![2, 2], &[1.0, 0.0, 0.0, 1.0]), float_tensor("two", vec![], &[2.0])];
        let refused = |nodes: Vec<NodeProto>, dims: &[Option<i64>]| decode_onnx(&exported(nodes, initializers(), dims, "y", false)).unwrap_err().to_string();
        let softmax = refused(vec![op("Gemm", &["x", "W"], "h", vec![]), op("Softmax", &["h"], "y", vec![])], &[None, Some(2)]);
        assert!(softmax.contains("unsupported ONNX operator \"Softmax\" (node \"y\"); supported: Gemm, MatMul"), "{softmax}");
        let cast = refused(vec![op("Cast", &["x"], "c", vec![int_attribute("to", 7)]), op("Gemm", &["c", "W"], "y", vec![])], &[None, Some(2)]);
        assert!(cast.contains("Cast to element type 7"), "{cast}");
        let divided = refused(vec![op("Div", &["two", "x"], "y", vec![])], &[None, Some(2)]);
        assert!(divided.contains("a constant divided by the data is not affine"), "{divided}");
        let batch = refused(vec![op("Gemm", &["x", "W"], "y", vec![])], &[Some(4), Some(2)]);
        assert!(batch.contains("is a batch of 4: one input per proof"), "{batch}");
        let trans_a = refused(vec![op("Gemm", &["x", "W"], "y", vec![int_attribute("transA", 1)])], &[None, Some(2)]);
        assert!(trans_a.contains("transA = 1 takes features of shape [n, batch]"), "{trans_a}");
        let transposed = refused(vec![op("Transpose", &["x"], "t", vec![]), op("Relu", &["t"], "y", vec![])], &[None, Some(2)]);
        assert!(transposed.contains("only a Gemm with transA = 1 takes them"), "{transposed}");
        let left = refused(vec![op("Transpose", &["x"], "t", vec![]), op("Identity", &["t"], "y", vec![])], &[None, Some(2)]);
        assert!(left.contains("only a Gemm with transA = 1"), "{left}");
        let output = refused(vec![op("Gemm", &["x", "W"], "h", vec![]), op("Transpose", &["h"], "y", vec![])], &[None, Some(2)]);
        assert!(output.contains("batch axis second: transpose it back"), "{output}");
        let image = refused(vec![op("Gemm", &["x", "W"], "y", vec![])], &[None, Some(1), Some(2), Some(1)]);
        assert!(image.contains("flatten them first"), "{image}");
        let nothing = refused(vec![op("Identity", &["x"], "y", vec![])], &[None, Some(2)]);
        assert!(nothing.contains("nothing to prove"), "{nothing}");
        let mut model = graph_of(&exported(vec![op("Relu", &["x"], "y", vec![])], vec![], &[None, Some(2)], "y", false));
        model.graph.as_mut().unwrap().node.push(op("Relu", &["other"], "z", vec![]));
        let unknown = decode_onnx(&model.encode_to_vec()).unwrap_err().to_string();
        assert!(unknown.contains("z reads [\"other\"]: neither the last node's output \"y\" nor a tensor computed before"), "{unknown}");
        let mut graph = GraphWriter::new(&[1, 4, 4]);
        graph.flatten();
        let flat = graph.tensor();
        graph.resume("input").add(&flat);
        let broadcast = decode_onnx(&graph.encode("test")).unwrap_err().to_string();
        assert!(broadcast.contains("adds branches of shapes [1, 4, 4] and [16]"), "{broadcast}");
    }

    /// ResNet's two blocks as PyTorch writes them: one whose shortcut is the identity, one whose
    /// shortcut is a strided 1×1 convolution (its nodes after the main branch's), then an MLP
    /// whose input joins its hidden layer (`Sub`) and the input read by two nodes. The decoded
    /// model computes what the operators compute; its fixed-point run stays within the bound,
    /// calibrated too (the branches then join at different scales).
    #[test]
    fn residual_connections_join_branches() {
        use crate::model::quantize::{calibrate, error_bound, QuantizedModel};
        use crate::model::SparseOp;
        let (k0, b0) = (values(18, 1), values(2, 2));
        let (ka, ba, kb, bb) = (values(36, 3), values(2, 4), values(36, 5), values(2, 6));
        let (kc, bc, kd, bd, ke, be) = (values(72, 7), values(4, 8), values(144, 9), values(4, 10), values(8, 11), values(4, 12));
        let dense: Vec<Vec<f64>> = (0..3).map(|o| values(36, 13 + o)).collect();
        let bias = values(3, 16);
        let mut graph = GraphWriter::new(&[1, 6, 6]);
        graph.conv(&k0, [2, 1, 3, 3], &b0, 1, 1).relu();
        let x = graph.tensor();
        graph.conv(&ka, [2, 2, 3, 3], &ba, 1, 1).relu().conv(&kb, [2, 2, 3, 3], &bb, 1, 1).add(&x).relu();
        let r = graph.tensor();
        graph.conv(&kc, [4, 2, 3, 3], &bc, 2, 1).relu().conv(&kd, [4, 4, 3, 3], &bd, 1, 1);
        let main = graph.tensor();
        graph.resume(&r).conv(&ke, [4, 2, 1, 1], &be, 2, 0).add(&main).relu().flatten().gemm(&dense, &bias);
        let model = decode_onnx(&graph.encode("test")).unwrap();
        let joins = model.layers.iter().filter(|l| l.connections.as_ref().is_some_and(|c| c.op == SparseOp::BranchSum)).count();
        assert_eq!(joins, 2);

        let f32s = |v: &[f64]| v.iter().map(|x| *x as f32 as f64).collect::<Vec<_>>();
        let add = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| p + q).collect::<Vec<_>>();
        let image = values(36, 17);
        let (x, shape) = reference::conv(&image, (1, 6, 6), &f32s(&k0), 2, 3, &f32s(&b0), 1, 1);
        let x = reference::relu(x);
        let (h, _) = reference::conv(&x, shape, &f32s(&ka), 2, 3, &f32s(&ba), 1, 1);
        let (h, _) = reference::conv(&reference::relu(h), shape, &f32s(&kb), 2, 3, &f32s(&bb), 1, 1);
        let r = reference::relu(add(&h, &x));
        let (m, small) = reference::conv(&r, shape, &f32s(&kc), 4, 3, &f32s(&bc), 2, 1);
        let (m, _) = reference::conv(&reference::relu(m), small, &f32s(&kd), 4, 3, &f32s(&bd), 1, 1);
        let (e, _) = reference::conv(&r, shape, &f32s(&ke), 4, 1, &f32s(&be), 2, 0);
        let y = reference::relu(add(&e, &m));
        let want: Vec<f64> = dense.iter().zip(&bias).map(|(row, b)| f32s(row).iter().zip(&y).map(|(w, v)| w * v).sum::<f64>() + *b as f32 as f64).collect();
        let got = model.forward(&image);
        assert!(close(&got, &want), "{got:?} != {want:?}");

        let mut rng = fastrand::Rng::with_seed(3);
        let mut inputs = |range: f64| -> Vec<Vec<f64>> { (0..20).map(|_| (0..36).map(|_| (rng.f64() * 2.0 - 1.0) * range).collect()).collect() };
        let (small, large) = (inputs(2.0), inputs(300.0));
        let bits = calibrate(&model, 16, &large).unwrap();
        let calibrated = QuantizedModel::with_weight_bits(&model, 16, &bits).unwrap();
        let vector_bits = calibrated.vector_bits();
        let uneven = (0..model.layers.len()).any(|l| {
            let bits: Vec<u32> = calibrated.input_map(l).vectors().map(|v| vector_bits[v]).collect();
            bits.windows(2).any(|p| p[0] != p[1])
        });
        assert!(uneven, "a join of branches at different scales: {bits:?}, vectors at {vector_bits:?}");
        for (quantized, inputs) in [(QuantizedModel::from_float(&model, 16).unwrap(), &small), (calibrated, &large), (QuantizedModel::from_float(&model, 8).unwrap(), &small)] {
            for input in inputs {
                let fixed = quantized.dequantize(quantized.run(&quantized.quantize_input(input).unwrap()).unwrap().output());
                let bound = error_bound(&model, &quantized, input);
                for (q, f) in fixed.iter().zip(model.forward(input)) {
                    assert!((q - f).abs() <= bound, "{:?}: |{q} − {f}| > {bound}", quantized.scale_bits);
                    // Random weights of fan-in 18 to 36 compound the worst case, yet at 16 bits
                    // the bound stays below one unit of outputs in the tens.
                    assert!(quantized.output_scale_bits() != 16 || bound < 1.0, "{bound}");
                }
            }
        }

        // An MLP: `h = relu(W·x)`, `y = W·h − x`, with x read by the Gemm and by the Sub.
        let w = [1.5, -2.0, 0.5, 3.0];
        let nodes = vec![
            op("Gemm", &["x", "W"], "a", vec![]),
            op("Relu", &["a"], "h", vec![]),
            op("Gemm", &["h", "W"], "b", vec![]),
            op("Sub", &["b", "x"], "y", vec![]),
        ];
        let mlp = decode_onnx(&exported(nodes, vec![float_tensor("W", vec![2, 2], &w)], &[None, Some(2)], "y", false)).unwrap();
        let gemm = |x: &[f64]| [x[0] * w[0] + x[1] * w[2], x[0] * w[1] + x[1] * w[3]];
        for x in [[1.0, 2.0], [-1.0, 0.5]] {
            let h = gemm(&x).map(|v| v.max(0.0));
            let b = gemm(&h);
            let y = [b[0] - x[0], b[1] - x[1]];
            assert!(close(&mlp.forward(&x), &y), "{x:?}: {:?} != {y:?}", mlp.forward(&x));
        }
        assert_eq!(mlp.layers[2].sources, Some(vec![2, 0]), "the join reads the second Gemm's outputs and the input");

        // A branch that adds no layer before its join (a Relu of nonnegative features), then a
        // layer after the join: that layer reads the join, not the branch.
        let nodes = vec![
            op("Gemm", &["x", "W"], "a", vec![]),
            op("Relu", &["a"], "t", vec![]),
            op("Gemm", &["t", "W"], "u", vec![]),
            op("Relu", &["t"], "v", vec![]),
            op("Add", &["u", "v"], "s", vec![]),
            op("Gemm", &["s", "W"], "y", vec![]),
        ];
        let mlp = decode_onnx(&exported(nodes, vec![float_tensor("W", vec![2, 2], &w)], &[None, Some(2)], "y", false)).unwrap();
        for x in [[1.0, 2.0], [-1.0, 0.5]] {
            let t = gemm(&x).map(|v| v.max(0.0));
            let u = gemm(&t);
            let y = gemm(&[u[0] + t[0], u[1] + t[1]]);
            assert!(close(&mlp.forward(&x), &y), "{x:?}: {:?} != {y:?}", mlp.forward(&x));
        }
    }

    /// Direct CHW reference operators for the CNN tests.
    mod reference {
        #[allow(clippy::too_many_arguments)]
        pub fn conv(x: &[f64], (c, h, w): (usize, usize, usize), k: &[f64], m: usize, size: usize, bias: &[f64], stride: usize, pad: usize) -> (Vec<f64>, (usize, usize, usize)) {
            let (oh, ow) = ((h + 2 * pad - size) / stride + 1, (w + 2 * pad - size) / stride + 1);
            let mut out = vec![0.0; m * oh * ow];
            for o in 0..m {
                for oy in 0..oh {
                    for ox in 0..ow {
                        let mut sum = bias[o];
                        for ch in 0..c {
                            for ky in 0..size {
                                for kx in 0..size {
                                    let (y, xx) = ((oy * stride + ky) as isize - pad as isize, (ox * stride + kx) as isize - pad as isize);
                                    if y >= 0 && xx >= 0 && (y as usize) < h && (xx as usize) < w {
                                        sum += k[((o * c + ch) * size + ky) * size + kx] * x[(ch * h + y as usize) * w + xx as usize];
                                    }
                                }
                            }
                        }
                        out[(o * oh + oy) * ow + ox] = sum;
                    }
                }
            }
            (out, (m, oh, ow))
        }

        pub fn max_pool(x: &[f64], (c, h, w): (usize, usize, usize), k: usize) -> (Vec<f64>, (usize, usize, usize)) {
            let (oh, ow) = (h / k, w / k);
            let mut out = vec![f64::MIN; c * oh * ow];
            for ch in 0..c {
                for y in 0..oh * k {
                    for xx in 0..ow * k {
                        let o = &mut out[(ch * oh + y / k) * ow + xx / k];
                        *o = o.max(x[(ch * h + y) * w + xx]);
                    }
                }
            }
            (out, (c, oh, ow))
        }

        pub fn relu(x: Vec<f64>) -> Vec<f64> {
            x.into_iter().map(|v| v.max(0.0)).collect()
        }
    }

    fn values(n: usize, seed: usize) -> Vec<f64> {
        (0..n).map(|i| ((i * 37 + seed * 11) % 23) as f64 / 11.0 - 1.0).collect()
    }

    /// What PyTorch writes for `Conv2d(1, 3, 3, padding=1) → ReLU → MaxPool2d(2) → Conv2d(3, 4, 3)
    /// → ReLU → Flatten → Linear(16, 2)` on a `[batch, 1, 8, 8]` image, and for the MNIST
    /// example's habit `Conv → MaxPool → ReLU` (a pool of signed values): the decoded model
    /// computes what the operators compute, outputs in ONNX order.
    #[test]
    fn cnns_decode_to_what_their_operators_compute() {
        let image = values(64, 1);
        let (k1, b1, k2, b2) = (values(27, 2), values(3, 3), values(108, 4), values(4, 5));
        let dense: Vec<Vec<f64>> = (0..2).map(|o| values(16, 6 + o)).collect();
        let bias = values(2, 9);
        for relu_after_pool in [false, true] {
            let mut graph = GraphWriter::new(&[1, 8, 8]);
            graph.conv(&k1, [3, 1, 3, 3], &b1, 1, 1);
            if relu_after_pool {
                graph.max_pool(2, 2).relu();
            } else {
                graph.relu().max_pool(2, 2);
            }
            graph.conv(&k2, [4, 3, 3, 3], &b2, 1, 0).relu().flatten().gemm(&dense, &bias);
            let model = decode_onnx(&graph.encode("test")).unwrap();
            let f32s = |v: &[f64]| v.iter().map(|x| *x as f32 as f64).collect::<Vec<_>>();
            let (x, shape) = reference::conv(&image, (1, 8, 8), &f32s(&k1), 3, 3, &f32s(&b1), 1, 1);
            let (x, shape) = reference::max_pool(&reference::relu(x), shape, 2);
            let (x, _) = reference::conv(&x, shape, &f32s(&k2), 4, 3, &f32s(&b2), 1, 0);
            let x = reference::relu(x);
            let want: Vec<f64> = dense.iter().zip(&bias).map(|(row, b)| f32s(row).iter().zip(&x).map(|(w, v)| w * v).sum::<f64>() + *b as f32 as f64).collect();
            let got = model.forward(&image);
            assert!(close(&got, &want), "relu after pool {relu_after_pool}: {got:?} != {want:?}");
            // 2 convolutions, the pool's 2 ReLU layers and its sum, the dense layer.
            assert_eq!(model.layers.len(), 6);
            assert!(model.layers[0].connections.is_some());
        }
        // A Transpose to channels-last (as TensorFlow exports) before the dense layer: the
        // features are relabelled, and the dense layer reads them in the transposed order.
        let mut graph = GraphWriter::new(&[1, 4, 4]);
        graph.conv(&k1, [3, 1, 3, 3], &b1, 1, 1);
        let perm = AttributeProto { name: "perm".into(), ints: vec![0, 2, 3, 1], r#type: 7, ..AttributeProto::default() };
        graph.push("Transpose", vec![], vec![perm]);
        let dense: Vec<Vec<f64>> = (0..2).map(|o| values(48, 20 + o)).collect();
        graph.flatten().gemm(&dense, &bias);
        let model = decode_onnx(&graph.encode("test")).unwrap();
        let f32s = |v: &[f64]| v.iter().map(|x| *x as f32 as f64).collect::<Vec<_>>();
        let (x, _) = reference::conv(&image[..16], (1, 4, 4), &f32s(&k1), 3, 3, &f32s(&b1), 1, 1);
        let hwc: Vec<f64> = (0..48).map(|i| x[(i % 3) * 16 + i / 3]).collect();
        let want: Vec<f64> = dense.iter().zip(&bias).map(|(row, b)| f32s(row).iter().zip(&hwc).map(|(w, v)| w * v).sum::<f64>() + *b as f32 as f64).collect();
        assert!(close(&model.forward(&image[..16]), &want), "{:?} != {want:?}", model.forward(&image[..16]));

        let mut graph = GraphWriter::new(&[1, 4, 4]);
        graph.conv(&k1, [3, 1, 3, 3], &b1, 1, 1);
        graph.push("Transpose", vec![], vec![AttributeProto { name: "perm".into(), ints: vec![0, 2, 3, 1], r#type: 7, ..AttributeProto::default() }]);
        assert!(close(&decode_onnx(&graph.encode("test")).unwrap().forward(&image[..16]), &hwc), "a transposed output in ONNX order");

        // An image-shaped output comes out in ONNX (CHW) order.
        let mut graph = GraphWriter::new(&[1, 4, 4]);
        graph.conv(&k1, [3, 1, 3, 3], &b1, 1, 1).average_pool(2, 2);
        let model = decode_onnx(&graph.encode("test")).unwrap();
        let (x, _) = reference::conv(&image[..16], (1, 4, 4), &k1.iter().map(|v| *v as f32 as f64).collect::<Vec<_>>(), 3, 3, &b1.iter().map(|v| *v as f32 as f64).collect::<Vec<_>>(), 1, 1);
        let want: Vec<f64> = (0..12).map(|o| {
            let (ch, y, xx) = (o / 4, o / 2 % 2, o % 2);
            (0..4).map(|t| x[(ch * 4 + 2 * y + t / 2) * 4 + 2 * xx + t % 2]).sum::<f64>() / 4.0
        }).collect();
        assert!(close(&model.forward(&image[..16]), &want));
        let mut graph = GraphWriter::new(&[1, 4, 4]);
        graph.conv(&k1, [3, 1, 3, 3], &b1, 1, 1).global_average_pool().flatten();
        let model = decode_onnx(&graph.encode("test")).unwrap();
        let want: Vec<f64> = (0..3).map(|ch| x[ch * 16..(ch + 1) * 16].iter().sum::<f64>() / 16.0).collect();
        assert!(close(&model.forward(&image[..16]), &want));
    }

}
