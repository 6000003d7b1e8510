"""Ciro's ONNX decoder against the reference runtime: for graphs written with `onnx.helper` the way
exporters write them (and two of the repository's example models), the outputs ciro proves are within
their documented error bound of what onnxruntime computes, and ciro's float model agrees with
onnxruntime to float32 rounding. The decoder and the reference are independent implementations."""

from pathlib import Path

import numpy as np
import pytest

import ciro

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

MODELS = Path(__file__).resolve().parents[3] / "prover" / "examples" / "models"
RNG = np.random.default_rng(20261207)


def _weights(name, shape, scale=None):
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    scale = scale if scale is not None else 1.2 / np.sqrt(fan_in)
    return numpy_helper.from_array((RNG.standard_normal(shape) * scale).astype(np.float32), name)


def _constant(name, values):
    return numpy_helper.from_array(np.asarray(values, dtype=np.float32), name)


def _save(path, nodes, initializers, input_shape, output, opset=13):
    graph = helper.make_graph(
        nodes,
        "conformance",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", *input_shape])],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["batch", None])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="ciro conformance")
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def _batch_norm(name, input_name, output, channels):
    initializers = [
        _constant(f"{name}_gamma", RNG.uniform(0.5, 1.5, channels)),
        _constant(f"{name}_beta", RNG.uniform(-0.3, 0.3, channels)),
        _constant(f"{name}_mean", RNG.uniform(-0.2, 0.2, channels)),
        _constant(f"{name}_var", RNG.uniform(0.5, 2.0, channels)),
    ]
    node = helper.make_node(
        "BatchNormalization",
        [input_name, *(t.name for t in initializers)],
        [output],
        epsilon=1e-5,
    )
    return node, initializers


def residual_block(tmp_path):
    """A ResNet basic block with batch norms, a max pooling and a sigmoid head."""
    bn1, bn1_init = _batch_norm("bn1", "c1", "b1", 4)
    bn2, bn2_init = _batch_norm("bn2", "c2", "b2", 4)
    nodes = [
        helper.make_node("Conv", ["x", "w0", "k0"], ["stem"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["stem"], ["t"]),
        helper.make_node("Conv", ["t", "w1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        bn1,
        helper.make_node("Relu", ["b1"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        bn2,
        helper.make_node("Add", ["b2", "t"], ["sum"]),
        helper.make_node("Relu", ["sum"], ["r2"]),
        helper.make_node("MaxPool", ["r2"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"], axis=1),
        helper.make_node("Gemm", ["f", "wd", "bd"], ["logits"], transB=1),
        helper.make_node("Sigmoid", ["logits"], ["y"]),
    ]
    initializers = [
        _weights("w0", (4, 2, 3, 3)),
        _weights("k0", (4,), 0.1),
        _weights("w1", (4, 4, 3, 3)),
        _weights("w2", (4, 4, 3, 3)),
        _weights("wd", (3, 16)),
        _weights("bd", (3,), 0.1),
        *bn1_init,
        *bn2_init,
    ]
    return _save(tmp_path / "residual_block.onnx", nodes, initializers, [2, 4, 4], "y")


def activations_mlp(tmp_path):
    """Dense layers between LeakyRelu, Clip (opset-13 bounds as inputs), Tanh and HardSigmoid,
    with a constant input scaling in front, as scikit-learn pipelines export it."""
    nodes = [
        helper.make_node("Sub", ["x", "mean"], ["centred"]),
        helper.make_node("Div", ["centred", "std"], ["scaled"]),
        helper.make_node("Gemm", ["scaled", "w1", "b1"], ["h1"]),
        helper.make_node("LeakyRelu", ["h1"], ["a1"], alpha=0.1),
        helper.make_node("MatMul", ["a1", "w2"], ["m2"]),
        helper.make_node("Add", ["m2", "b2"], ["h2"]),
        helper.make_node("Clip", ["h2", "lo", "hi"], ["a2"]),
        helper.make_node("Gemm", ["a2", "w3", "b3"], ["h3"], transB=1, alpha=0.5, beta=2.0),
        helper.make_node("Tanh", ["h3"], ["a3"]),
        helper.make_node("Gemm", ["a3", "w4"], ["h4"]),
        helper.make_node("HardSigmoid", ["h4"], ["y"], alpha=0.25, beta=0.5),
    ]
    initializers = [
        _constant("mean", RNG.uniform(-1, 1, 5)),
        _constant("std", RNG.uniform(0.5, 2, 5)),
        _weights("w1", (5, 8), 0.6),
        _weights("b1", (8,), 0.2),
        _weights("w2", (8, 6), 0.5),
        _weights("b2", (6,), 0.2),
        _constant("lo", 0.0),
        _constant("hi", 6.0),
        _weights("w3", (4, 6), 0.5),
        _weights("b3", (4,), 0.1),
        _weights("w4", (4, 3), 0.8),
    ]
    return _save(tmp_path / "activations_mlp.onnx", nodes, initializers, [5], "y")


def channels_last_head(tmp_path):
    """A depthwise strided convolution, an average pooling, a Transpose to channels-last (as
    TensorFlow's converters write it) and a MatMul head."""
    nodes = [
        helper.make_node("Conv", ["x", "wd", "bd"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2], group=3),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("AveragePool", ["r"], ["a"], kernel_shape=[2, 2], strides=[1, 1]),
        helper.make_node("Transpose", ["a"], ["t"], perm=[0, 2, 3, 1]),
        helper.make_node("Flatten", ["t"], ["f"], axis=1),
        helper.make_node("MatMul", ["f", "w"], ["y"]),
    ]
    initializers = [_weights("wd", (3, 1, 3, 3)), _weights("bd", (3,), 0.1), _weights("w", (27, 4))]
    return _save(tmp_path / "channels_last_head.onnx", nodes, initializers, [3, 8, 8], "y")


# Each builder, and the batch it is proven on in one proof (a CNN's trace grows with the batch).
BUILT = [(residual_block, 1), (activations_mlp, 3), (channels_last_head, 1)]
EXAMPLES = [("iris_mlp.onnx", 2), ("digits_cnn.onnx", 1)]


def _reference(path, batch):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    shape = [d if isinstance(d, int) else 1 for d in session.get_inputs()[0].shape]
    rows = [session.run(None, {session.get_inputs()[0].name: row.reshape(shape).astype(np.float32)})[0].ravel() for row in batch]
    return np.asarray(rows, dtype=np.float64)


def _check(path, batch):
    expected = _reference(path, batch)
    proven = ciro.prove(path, batch)
    outputs, float_outputs = proven.outputs.reshape(expected.shape), proven.float_outputs.reshape(expected.shape)
    # ciro's float model computes in f64 from the file's float32 weights; onnxruntime in float32.
    float32 = 1e-4 * (1 + np.abs(expected))
    np.testing.assert_array_less(np.abs(float_outputs - expected), float32 + 1e-12)
    assert np.all(np.abs(outputs - expected) <= proven.error_bound + float32), (outputs, expected, proven.error_bound)
    assert ciro.verify(proven).valid


@pytest.mark.parametrize("build,batch", BUILT, ids=lambda b: getattr(b, "__name__", str(b)))
def test_built_graphs_prove_what_onnxruntime_computes(build, batch, tmp_path):
    path = build(tmp_path)
    n = ciro.model_info(path)["inputs"]
    _check(path, RNG.uniform(-1, 1, (batch, n)))


@pytest.mark.parametrize("name,batch", EXAMPLES)
def test_example_models_prove_what_onnxruntime_computes(name, batch):
    n = ciro.model_info(MODELS / name)["inputs"]
    _check(MODELS / name, RNG.uniform(0, 1, (batch, n)))
