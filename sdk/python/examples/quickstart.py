"""The AI developer quick start: train a digits classifier with scikit-learn, export it to ONNX,
register it on Ciro, run one verifiable inference, print the class and the proof's verification.

Start a local Ciro first (`ciro-localnet`, see the README), then:

    source target/localnet/client.env      # CIRO_CONFIG, CIRO_ACCOUNT, CIRO_PRIVATE_KEY
    python sdk/python/examples/quickstart.py
"""

import sys
import tempfile
import time
from pathlib import Path

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

import ciro


def main() -> int:
    # 1. Train: 8x8 images of handwritten digits, pixel values 0..16 scaled to 0..1.
    digits = load_digits()
    x = digits.data / 16.0
    x_train, x_test, y_train, y_test = train_test_split(x, digits.target, test_size=0.25, random_state=0)
    model = MLPClassifier(hidden_layer_sizes=(32,), activation="relu", max_iter=1000, random_state=0)
    model.fit(x_train, y_train)
    print(f"trained a 64-32-10 MLP on {len(x_train)} digits: test accuracy {model.score(x_test, y_test):.3f}")

    # 2. Export to ONNX (Gemm and Relu nodes, the logits as outputs).
    path = Path(tempfile.mkdtemp(prefix="ciro-quickstart-")) / "digits_mlp.onnx"
    ciro.save_mlp_onnx(path, model)

    # 3. Register it: the model goes to the coordinator, its commitment and its labels' on-chain.
    client = ciro.Client.from_config()
    registered = client.register_model(path, labels=[str(d) for d in range(10)])
    print(f"registered model #{registered.id} (commitment {registered.commitment[:18]}…) as {client.address[:18]}…")

    # 4. One verifiable inference: submit, a worker proves it, JobManager verifies the proof on-chain.
    image, label = x_test[0], int(y_test[0])
    started = time.monotonic()
    result = client.infer(registered, image, payment=10)
    print(f"job #{result.job_id}: class {result.top_class_label} (true label {label}, sklearn says {model.predict([image])[0]})")
    print(f"outputs: {result.outputs.round(3).tolist()}")
    print(f"verified on-chain: {result.verified_on_chain} (complete_job {result.transaction_hash})")

    # 5. Check the proof again, here.
    check = ciro.verify(result.proof)
    print(f"proof verified locally in {check.verify_seconds:.2f} s: {result.proof.calldata_felts} calldata felts, "
          f"output commitment {check.output_commitment[:18]}…")
    print(f"submit to verified result: {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
