"""Proving and verifying here, without a chain."""

import json
from pathlib import Path

import numpy as np
import pytest

import ciro


def test_prove_then_verify_round_trip(iris_model, iris_input):
    proven = ciro.prove(iris_model, iris_input, job_id=7)
    assert proven.outputs.shape == (3,)
    # The proven (fixed-point) outputs are within the documented bound of the float model's.
    assert np.max(np.abs(proven.outputs - proven.float_outputs)) <= proven.error_bound
    assert proven.top_class == int(np.argmax(proven.float_outputs))
    assert 0 < proven.calldata_felts <= 5000

    checked = ciro.verify(proven)
    assert checked.valid
    assert int(checked.job_id, 16) == 7
    assert checked.model_commitment == ciro.model_info(iris_model)["commitment"]
    np.testing.assert_array_equal(checked.outputs, proven.outputs)


def test_a_proof_file_round_trips(iris_model, iris_input, tmp_path):
    proven = ciro.prove(iris_model, np.asarray([iris_input]))  # a batch of one is its row
    path = proven.proof.save(tmp_path / "proof.json")
    assert ciro.verify(path).output_commitment == ciro.verify(ciro.Proof.read(path)).output_commitment


def test_a_tampered_proof_is_rejected(iris_model, iris_input):
    proof = ciro.prove(iris_model, iris_input).proof
    data = json.loads(proof.text)
    middle = len(data["calldata"]) // 2
    data["calldata"][middle] = hex(int(data["calldata"][middle], 16) ^ 1)
    with pytest.raises(ciro.ProofError, match="INVALID"):
        ciro.verify(ciro.Proof(json.dumps(data)))


def test_a_proof_of_other_outputs_is_rejected(iris_model, iris_input):
    data = json.loads(ciro.prove(iris_model, iris_input).proof.text)
    data["outputs"][0] += 1
    with pytest.raises(ciro.ProofError):
        ciro.verify(ciro.Proof(json.dumps(data)))


def test_not_a_proof_is_a_proof_error():
    with pytest.raises(ciro.ProofError, match="not a proof file"):
        ciro.verify(ciro.Proof('{"format": "something else"}'))


def test_the_wrong_input_shape_is_an_input_error(iris_model):
    with pytest.raises(ciro.InputError, match="does not fit"):
        ciro.prove(iris_model, [1.0, 2.0, 3.0])
    with pytest.raises(ciro.InputError, match="one vector"):
        ciro.prove(iris_model, np.zeros((2, 2, 4)))
    with pytest.raises(ciro.InputError, match="batch element 0 has 3 values"):
        ciro.prove(iris_model, np.zeros((2, 3)))
    with pytest.raises(ciro.InputError, match="NaN"):
        ciro.prove(iris_model, [1.0, float("nan"), 3.0, 4.0])


def test_an_unsupported_operator_is_a_model_error(iris_model, iris_input, tmp_path):
    # The same graph with its Relu node turned into a Selu (not supported).
    bytes = iris_model.read_bytes()
    assert b"Relu" in bytes
    selu = tmp_path / "selu.onnx"
    selu.write_bytes(bytes.replace(b"Relu", b"Selu"))
    with pytest.raises(ciro.ModelError, match="Selu"):
        ciro.prove(selu, iris_input)
    with pytest.raises(ciro.ModelError):
        ciro.model_info(selu)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_scikit_learn_mlp_exports_and_proves(tmp_path):
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier

    digits = load_digits()
    x = digits.data[:400] / 16.0
    model = MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0).fit(x, digits.target[:400])
    path = ciro.save_mlp_onnx(tmp_path / "digits.onnx", model)
    info = ciro.model_info(path)
    assert (info["inputs"], info["outputs"], info["layers"]) == (64, 10, 2)
    proven = ciro.prove(path, x[0])
    # The largest logit is the class scikit-learn predicts (within the fixed-point error).
    expected = model.predict(x[:1])[0]
    assert proven.top_class == expected
    # The exported graph is scikit-learn's network without its softmax: the same logits.
    hidden = np.maximum(x[0] @ model.coefs_[0] + model.intercepts_[0], 0.0)
    logits = hidden @ model.coefs_[1] + model.intercepts_[1]
    # ONNX keeps the weights as float32.
    np.testing.assert_allclose(proven.float_outputs, logits, rtol=1e-5, atol=1e-5)


def test_save_mlp_onnx_refuses_a_bad_layer(tmp_path):
    with pytest.raises(ciro.ModelError, match="biases"):
        ciro.save_mlp_onnx(tmp_path / "m.onnx", [(np.ones((3, 4)), np.ones(2), False)])
    with pytest.raises(ciro.ModelError, match="takes 5 inputs"):
        ciro.save_mlp_onnx(tmp_path / "m.onnx", [(np.ones((3, 4)), np.ones(3), True), (np.ones((2, 5)), np.ones(2), False)])


def test_a_batch_proves_every_row_in_one_proof(iris_model, iris_input):
    rows = np.asarray([iris_input, [6.2, 2.9, 4.3, 1.3], [7.7, 3.0, 6.1, 2.3]])
    batch = ciro.prove(iris_model, rows, job_id=11)
    assert batch.outputs.shape == (3, 3) and batch.float_outputs.shape == (3, 3)
    assert ciro.verify(batch).valid
    for k, row in enumerate(rows):
        alone = ciro.prove(iris_model, row, job_id=12 + k)
        np.testing.assert_array_equal(batch.outputs[k], alone.outputs)
    assert list(batch.top_class) == [int(np.argmax(r)) for r in batch.outputs]


def test_a_cnn_classifies_an_image(tmp_path):
    models = Path(__file__).resolve().parents[3] / "prover" / "examples" / "models"
    image = json.loads((models / "digits_cnn_input_0.json").read_text())["input"]
    proven = ciro.prove(models / "digits_cnn.onnx", np.asarray(image).reshape(1, 64))
    assert proven.outputs.shape == (10,)
    assert ciro.verify(proven).valid
    assert np.max(np.abs(proven.outputs - proven.float_outputs)) <= proven.error_bound
    assert proven.top_class == 0  # the first held-out digit is a zero
