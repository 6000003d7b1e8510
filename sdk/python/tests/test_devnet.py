"""The SDK against a local Ciro that the `localnet` fixture starts: the quick start end to end,
and every bad request refused with the right exception, leaving the chain as it was."""

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

import ciro

QUICKSTART = Path(__file__).resolve().parents[1] / "examples" / "quickstart.py"


@pytest.fixture
def client(client_env):
    return ciro.Client.from_config()


@pytest.fixture
def iris(client, iris_model):
    """The iris model, registered once for the module's tests."""
    global _IRIS
    if _IRIS is None:
        _IRIS = client.register_model(iris_model, labels=["setosa", "versicolor", "virginica"])
    return _IRIS


_IRIS = None


def chain_state(client):
    return client.job_count(), client.model_count(), client.balance()


def test_the_quick_start_runs_end_to_end(client_env):
    run = subprocess.run([sys.executable, str(QUICKSTART)], capture_output=True, text=True, timeout=600, env=os.environ.copy())
    print(run.stdout)
    assert run.returncode == 0, run.stderr
    lines = {line.split(":")[0]: line for line in run.stdout.splitlines()}
    job_line = next(line for line in run.stdout.splitlines() if line.startswith("job #"))
    # "job #N: class C (true label T, sklearn says S)": the verified class is scikit-learn's.
    verified_class = job_line.split("class ")[1].split(" ")[0]
    assert job_line.endswith(f"sklearn says {verified_class})"), job_line
    assert lines["verified on-chain"].startswith("verified on-chain: True")
    assert "proof verified locally" in run.stdout


def test_infer_returns_the_verified_result(client, iris, iris_model, iris_input):
    jobs, models, balance = chain_state(client)
    result = client.infer(iris, iris_input, payment=5, progress=False)
    assert result.verified_on_chain and result.transaction_hash
    assert result.model_id == iris.id and result.labels == ["setosa", "versicolor", "virginica"]
    # The worker's proof carries the outputs this machine proves for the same input and job.
    local = ciro.prove(iris_model, iris_input, job_id=result.job_id)
    np.testing.assert_array_equal(result.outputs, local.outputs)
    assert result.top_class == local.top_class
    assert result.top_class_label == result.labels[result.top_class]
    assert ciro.verify(result).output_commitment == ciro.verify(local).output_commitment
    status = client.job(result.job_id).status()
    assert status.completed and status.settled and status.payment == 5 * ciro._client.CIRO
    assert client.job_count() == jobs + 1 and client.model_count() == models
    assert client.balance() == balance - Decimal(5)


def test_submit_then_wait_then_result(client, iris, iris_input):
    job = client.submit(iris, np.asarray(iris_input), payment="2.5")
    assert job.input_commitment and job.transaction_hash
    assert job.wait(timeout=300, progress=True).completed
    assert job.result(source="coordinator").outputs.shape == (3,)


def test_the_wrong_input_shape_is_refused_and_sends_nothing(client, iris):
    before = chain_state(client)
    with pytest.raises(ciro.InputError, match="does not fit model"):
        client.submit(iris, [1.0, 2.0, 3.0], payment=1)
    with pytest.raises(ciro.InputError, match="one vector"):
        client.submit(iris, np.zeros((2, 4)), payment=1)
    assert chain_state(client) == before


def test_a_job_type_the_model_cannot_prove_is_refused_and_sends_nothing(client, iris, iris_input):
    before = chain_state(client)
    with pytest.raises(ciro.InputError, match="is an MLP: a computer-vision job needs a CNN"):
        client.submit(iris, iris_input, payment=1, job_type="computer-vision")
    with pytest.raises(ciro.InputError, match='unknown job type "nlp"'):
        client.submit(iris, iris_input, payment=1, job_type="nlp")
    assert chain_state(client) == before


def test_an_unknown_model_is_refused(client):
    before = chain_state(client)
    with pytest.raises(ciro.InputError, match="there is no model #999"):
        client.submit(999, [1.0, 2.0, 3.0, 4.0], payment=1)
    with pytest.raises(ciro.InputError, match="there is no model #999"):
        client.model(999)
    with pytest.raises(ciro.InputError, match="there is no job"):
        client.job(10_000)
    assert chain_state(client) == before


def test_a_bad_payment_is_refused(client, iris, iris_input):
    before = chain_state(client)
    for payment in (0, -3, "lots"):
        with pytest.raises(ciro.InputError, match="payment"):
            client.submit(iris, iris_input, payment=payment)
    with pytest.raises(ciro.InputError, match="the account holds .* CIRO"):
        client.submit(iris, iris_input, payment=10**9)
    assert chain_state(client) == before


def test_an_unsupported_model_is_refused_and_registers_nothing(client, iris_model, tmp_path):
    before = chain_state(client)
    selu = tmp_path / "selu.onnx"
    selu.write_bytes(iris_model.read_bytes().replace(b"Relu", b"Selu"))
    with pytest.raises(ciro.ModelError, match="Selu"):
        client.register_model(selu)
    with pytest.raises(ciro.InputError, match="has 3 outputs but 2 labels were given"):
        client.register_model(iris_model, labels=["only", "two"])
    assert chain_state(client) == before


def test_a_model_with_large_activations_is_calibrated_at_registration(client, tmp_path):
    # A regression MLP whose hidden activations reach ~5,000 and outputs ~26,000 on inputs up to
    # 100: at full precision its first layer overflows the fixed-point range.
    layers = [
        ([[25.0, 25.0], [-12.5, 30.0]], [3.25, -1.5], True),
        ([[4.0, 3.5]], [10.125], False),
    ]
    path = ciro.save_mlp_onnx(tmp_path / "regression.onnx", layers)
    training = np.array([[100.0, 100.0], [-3.0, 80.0], [0.5, 0.25]])
    with pytest.raises(ciro.InputError, match="calibration inputs are rows of numbers"):
        client.register_model(path, calibration=np.zeros((2, 2, 2)))
    model = client.register_model(path, calibration=training)
    assert model.weight_bits == [10, 14]
    result = client.infer(model, [100.0, 100.0], payment=1, progress=False)
    assert result.verified_on_chain
    expected = 4.0 * (25.0 * 100 + 25.0 * 100 + 3.25) + 3.5 * (-12.5 * 100 + 30.0 * 100 - 1.5) + 10.125
    assert abs(result.outputs[0] - expected) < 2.0


def test_a_tampered_result_proof_is_rejected(client, iris, iris_input):
    import json

    result = client.infer(iris, iris_input, payment=1, progress=False)
    data = json.loads(result.proof.text)
    data["calldata"][len(data["calldata"]) // 3] = "0x1234"
    with pytest.raises(ciro.ProofError, match="INVALID"):
        ciro.verify(ciro.Proof(json.dumps(data)))


def test_an_unreachable_node_is_a_chain_error(localnet, monkeypatch):
    monkeypatch.setenv("CIRO_TEST_KEY", localnet["private_key"])
    with pytest.raises(ciro.ChainError) as raised:
        ciro.Client(rpc_url="http://127.0.0.1:9/rpc", manifest=localnet["manifest"], account=localnet["account"], private_key_env="CIRO_TEST_KEY")
    assert "127.0.0.1:9" in str(raised.value)


def test_a_missing_key_is_a_config_error(localnet, monkeypatch):
    monkeypatch.delenv("CIRO_NO_SUCH_KEY", raising=False)
    with pytest.raises(ciro.ConfigError, match="CIRO_NO_SUCH_KEY"):
        ciro.Client(rpc_url=localnet["rpc_url"], manifest=localnet["manifest"], account=localnet["account"], private_key_env="CIRO_NO_SUCH_KEY")
