//! ONNX models: the subset of `onnx.proto` this loader needs, as hand-written `prost` messages
//! (field numbers from `onnx/onnx.proto`), and the translation of a chain of
//! Gemm / MatMul (+ Add) / Relu nodes into a [`FloatMlp`].

use super::{DenseLayer, FloatMlp, ModelError};
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

/// `AttributeProto` (scalar attributes only).
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
    /// Attribute type (1 FLOAT, 2 INT).
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
        other => {
            return Err(bad(format!(
                "element type {other} (supported: FLOAT, DOUBLE)"
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

/// Decodes ONNX bytes into a float MLP.
///
/// Supported graphs: one input, one output, and a chain where each node consumes the previous
/// node's output: `Gemm(x, W, b?)` (alpha and beta fold into `W` and `b`, `transA = 0`,
/// `transB` either), `MatMul(x, W)` optionally followed by `Add(·, b)`, each optionally followed
/// by `Relu`. Weights and biases must be initializers.
///
/// # Errors
/// [`ModelError`]: malformed protobuf, unsupported operator, shape mismatch, structure.
pub fn decode_onnx(bytes: &[u8]) -> Result<FloatMlp, ModelError> {
    let model = ModelProto::decode(bytes)?;
    let weight_bits = recorded_weight_bits(&model)?;
    let graph = model
        .graph
        .ok_or_else(|| ModelError::Structure("model has no graph".into()))?;
    let mut initializers = HashMap::new();
    for t in &graph.initializer {
        initializers.insert(t.name.clone(), decode_tensor(t)?);
    }
    let inputs: Vec<&ValueInfoProto> = graph
        .input
        .iter()
        .filter(|i| !initializers.contains_key(&i.name))
        .collect();
    let [input] = inputs.as_slice() else {
        return Err(ModelError::Structure(format!(
            "expected one graph input, found {}",
            inputs.len()
        )));
    };
    let mut current = input.name.clone();
    let mut layers: Vec<DenseLayer> = Vec::new();
    // Whether the last node may still take a bias (MatMul) or a ReLU.
    let mut open_bias = false;
    let mut open_relu = false;
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
        let [output] = node.output.as_slice() else {
            return Err(ModelError::Structure(format!(
                "{label}: expected one output"
            )));
        };
        let data_input = node.input.first().map(String::as_str);
        let consumes_current = node.input.contains(&current);
        if !consumes_current {
            return Err(ModelError::Structure(format!(
                "{label} does not consume {current:?}: only chains are supported"
            )));
        }
        let constant = |name: &str| {
            initializers.get(name).ok_or_else(|| {
                ModelError::Structure(format!("{label}: {name:?} is not an initializer"))
            })
        };
        match node.op_type.as_str() {
            "Gemm" => {
                if data_input != Some(current.as_str()) || node.input.len() < 2 {
                    return Err(ModelError::Structure(format!(
                        "{label}: Gemm(A=previous output, B, C?) expected"
                    )));
                }
                if attribute(node, "transA").is_some_and(|a| a.i != 0) {
                    return Err(ModelError::Structure(format!(
                        "{label}: transA is not supported"
                    )));
                }
                let alpha = attribute(node, "alpha").map_or(1.0, |a| a.f as f64);
                let beta = attribute(node, "beta").map_or(1.0, |a| a.f as f64);
                let trans_b = attribute(node, "transB").is_some_and(|a| a.i != 0);
                let w = constant(&node.input[1])?;
                if w.dims.len() != 2 {
                    return Err(ModelError::ShapeMismatch(format!(
                        "{label}: B has shape {:?}",
                        w.dims
                    )));
                }
                let mut weights = if trans_b {
                    weights_from_nk(w)
                } else {
                    weights_from_kn(w)
                };
                weights.iter_mut().flatten().for_each(|v| *v *= alpha);
                let outputs = weights.len();
                let bias = match node.input.get(2).filter(|n| !n.is_empty()) {
                    Some(name) => bias_vector(constant(name)?, outputs, &label)?
                        .iter()
                        .map(|b| b * beta)
                        .collect(),
                    None => vec![0.0; outputs],
                };
                layers.push(DenseLayer {
                    weights,
                    bias,
                    relu: false,
                });
                open_bias = false;
                open_relu = true;
            }
            "MatMul" => {
                if data_input != Some(current.as_str()) || node.input.len() != 2 {
                    return Err(ModelError::Structure(format!(
                        "{label}: MatMul(previous output, W) expected"
                    )));
                }
                let w = constant(&node.input[1])?;
                if w.dims.len() != 2 {
                    return Err(ModelError::ShapeMismatch(format!(
                        "{label}: W has shape {:?}",
                        w.dims
                    )));
                }
                let weights = weights_from_kn(w);
                let outputs = weights.len();
                layers.push(DenseLayer {
                    weights,
                    bias: vec![0.0; outputs],
                    relu: false,
                });
                open_bias = true;
                open_relu = true;
            }
            "Add" => {
                if !open_bias || node.input.len() != 2 {
                    return Err(ModelError::Structure(format!(
                        "{label}: Add must directly follow a MatMul"
                    )));
                }
                let other = if node.input[0] == current {
                    &node.input[1]
                } else {
                    &node.input[0]
                };
                let layer = layers
                    .last_mut()
                    .ok_or_else(|| ModelError::Structure("Add before any layer".into()))?;
                let bias = bias_vector(constant(other)?, layer.outputs(), &label)?;
                layer.bias = bias;
                open_bias = false;
            }
            "Relu" => {
                if !open_relu || node.input.len() != 1 {
                    return Err(ModelError::Structure(format!(
                        "{label}: Relu must directly follow a dense layer"
                    )));
                }
                if let Some(layer) = layers.last_mut() {
                    layer.relu = true;
                }
                open_bias = false;
                open_relu = false;
            }
            other => {
                return Err(ModelError::UnsupportedOp {
                    op_type: other.to_string(),
                    node: label,
                })
            }
        }
        current = output.clone();
    }
    match graph.output.as_slice() {
        [out] if out.name == current => {}
        _ => {
            return Err(ModelError::Structure(
                "the graph output must be the last node's output".into(),
            ))
        }
    }
    let mlp = FloatMlp { layers, weight_bits };
    mlp.validate()?;
    if let Some(declared) = declared_width(input) {
        if declared != mlp.input_len() {
            return Err(ModelError::ShapeMismatch(format!(
                "graph input {:?} has width {declared}, the first layer takes {}",
                input.name,
                mlp.input_len()
            )));
        }
    }
    Ok(mlp)
}

/// The last fixed dimension of a graph input's declared shape, if any.
fn declared_width(input: &ValueInfoProto) -> Option<usize> {
    let shape = input
        .r#type
        .as_ref()?
        .tensor_type
        .as_ref()?
        .shape
        .as_ref()?;
    let last = shape.dim.last()?;
    last.dim_value.and_then(|v| usize::try_from(v).ok())
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
        raw_data: Vec::new(),
        double_data: Vec::new(),
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
        match style {
            DenseStyle::Gemm => {
                let w: Vec<f64> = layer.weights.iter().flatten().copied().collect();
                initializer.push(float_tensor(&format!("W{l}"), vec![n as i64, k as i64], &w));
                initializer.push(float_tensor(&format!("b{l}"), vec![n as i64], &layer.bias));
                let trans_b = AttributeProto {
                    name: "transB".into(),
                    f: 0.0,
                    i: 1,
                    r#type: 2,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> FloatMlp {
        FloatMlp {
            layers: vec![
                DenseLayer {
                    weights: vec![vec![0.5, -0.25], vec![1.0, 2.0], vec![-1.5, 0.75]],
                    bias: vec![0.125, -0.25, 0.375],
                    relu: true,
                },
                DenseLayer {
                    weights: vec![vec![1.0, -1.0, 0.5]],
                    bias: vec![0.0],
                    relu: false,
                },
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
        graph.node[1].op_type = "Sigmoid".into();
        match decode_onnx(&model.encode_to_vec()) {
            Err(ModelError::UnsupportedOp { op_type, .. }) => assert_eq!(op_type, "Sigmoid"),
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
}
