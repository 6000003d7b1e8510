"""Ciro: verifiable AI inference on Starknet.

A client escrows CIRO for an inference job; a staked worker runs the model and proves it with a
STARK; JobManager has ProofVerifier check the proof on-chain before the worker is paid; the client
reads the outputs back and checks the proof again, locally. This package is that flow in Python,
built on the Rust client (every rule is implemented once, there):

    import ciro

    client = ciro.Client.from_config("ciro.toml")
    model = client.register_model("model.onnx", labels=["cat", "dog"])
    result = client.infer(model, [0.1, 0.7, ...])
    print(result.top_class_label, result.outputs, result.verified_on_chain)

Without a chain, ``ciro.prove`` and ``ciro.verify`` prove and check an inference locally.
"""

from ._ciro import (
    ChainError,
    CiroError,
    ConfigError,
    InputError,
    ModelError,
    ProofError,
    __version__,
)
from ._client import (
    Client,
    Job,
    JobStatus,
    JobTimeout,
    LocalProof,
    Model,
    Proof,
    RankedClass,
    Result,
    Verification,
    model_info,
    prove,
    save_mlp_onnx,
    verify,
)

__all__ = [
    "ChainError",
    "CiroError",
    "Client",
    "ConfigError",
    "InputError",
    "Job",
    "JobStatus",
    "JobTimeout",
    "LocalProof",
    "Model",
    "ModelError",
    "Proof",
    "ProofError",
    "RankedClass",
    "Result",
    "Verification",
    "__version__",
    "model_info",
    "prove",
    "save_mlp_onnx",
    "verify",
]
