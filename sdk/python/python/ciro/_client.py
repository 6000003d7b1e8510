"""The typed Python API over the native module (`ciro._ciro`)."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _ciro
from ._ciro import CiroError, InputError, ModelError

PathLike = Union[str, "os.PathLike[str]"]
ArrayLike = Union[Sequence[float], np.ndarray]
Amount = Union[int, float, str, Decimal]

#: One CIRO in base units (18 decimals).
CIRO = 10**18


class JobTimeout(CiroError):
    """A job did not end within the time given to `Job.wait`."""


# ---------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True)
class Model:
    """A model registered on-chain."""

    id: int
    commitment: str
    labels: Optional[List[str]] = None
    labels_commitment: Optional[str] = None
    uploaded_to: Optional[str] = None
    transaction_hash: Optional[str] = None
    #: Each layer's weight precision, when the model was registered with calibration inputs.
    weight_bits: Optional[List[int]] = None


@dataclass(frozen=True)
class JobStatus:
    """A job as JobManager holds it."""

    job_id: int
    state: str
    settled: bool
    final: bool
    model_id: int
    client: str
    worker: Optional[str]
    payment: int
    deadline: int
    input_commitment: str
    output_commitment: Optional[str]

    @property
    def completed(self) -> bool:
        """Whether the job is Completed (its proof was verified on-chain)."""
        return self.state == "Completed"


@dataclass(frozen=True)
class RankedClass:
    """One output of a classifier, ranked."""

    index: int
    label: Optional[str]
    output: float


class Proof:
    """A proof file: the calldata `complete_job` carried, with its public statement."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._json: Optional[dict] = None

    @classmethod
    def read(cls, path: PathLike) -> "Proof":
        """Reads a proof file (as `ciro job-result --proof` and `ciro-prover prove` write)."""
        return cls(Path(path).read_text())

    @property
    def data(self) -> dict:
        """The file as a dictionary."""
        if self._json is None:
            self._json = json.loads(self.text)
        return self._json

    @property
    def calldata_felts(self) -> int:
        """How many felts the proof takes in `complete_job`'s calldata."""
        return len(self.data.get("calldata", []))

    def save(self, path: PathLike) -> Path:
        """Writes the file; `ciro verify` and `ciro-prover verify` accept it."""
        target = Path(path)
        target.write_text(self.text)
        return target

    def verify(self) -> "Verification":
        """Verifies the proof locally; raises `ProofError` naming the first failed check."""
        return verify(self)

    def __repr__(self) -> str:
        return f"Proof({self.calldata_felts} calldata felts)"


@dataclass(frozen=True)
class Verification:
    """What a valid proof states."""

    valid: bool
    job_id: str
    model_commitment: str
    input_commitment: str
    output_commitment: str
    outputs: np.ndarray
    scale_bits: int
    verify_seconds: float


@dataclass(frozen=True)
class Result:
    """A job's outputs, with the proof that JobManager had ProofVerifier check on-chain, checked
    here again against the statement JobManager holds (job, model, input and output commitments).
    """

    job_id: int
    model_id: int
    worker: str
    outputs: np.ndarray
    outputs_fixed_point: np.ndarray
    scale_bits: int
    top_class: Optional[int]
    top_classes: List[RankedClass]
    labels: Optional[List[str]]
    labels_unavailable: Optional[str]
    source: str
    transaction_hash: Optional[str]
    proof: Proof
    verify_seconds: float

    @property
    def verified_on_chain(self) -> bool:
        """True: a job is Completed only once ProofVerifier accepted its proof in `complete_job`,
        and this proof's statement is the one the chain recorded (checked when the result was
        read). `transaction_hash` is that transaction when the proof was read from it."""
        return True

    @property
    def top_class_label(self) -> Optional[str]:
        """The top class's label, when the model has labels."""
        return self.top_classes[0].label if self.top_classes else None

    def __repr__(self) -> str:
        top = self.top_classes[0] if self.top_classes else None
        named = f"{top.index} {top.label}" if top and top.label else (str(top.index) if top else "-")
        return f"Result(job #{self.job_id}, outputs={np.array2string(self.outputs, precision=4)}, top class {named}, verified)"


@dataclass(frozen=True)
class LocalProof:
    """An inference proven here, without a chain."""

    proof: Proof
    outputs: np.ndarray
    float_outputs: np.ndarray
    error_bound: float
    prove_seconds: float
    calldata_felts: int

    @property
    def top_class(self) -> Union[int, np.ndarray]:
        """The index of the largest output (one per element for a batch)."""
        if self.outputs.ndim == 2:
            return np.argmax(self.outputs, axis=1)
        return int(np.argmax(self.outputs))


# ---------------------------------------------------------------------------------------------
# Conversions


def _as_input(values: ArrayLike) -> List[float]:
    """One input vector as a list of floats; a batch of one is taken as its row."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InputError(f"the input is not an array of numbers: {error}") from None
    if array.ndim == 2 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 1:
        raise InputError(
            f"an input is one vector of numbers, shape (n,) or (1, n); got shape {array.shape}: "
            "these models take one input per job (submit one job per row)"
        )
    if array.size == 0:
        raise InputError("the input is empty")
    if not np.all(np.isfinite(array)):
        raise InputError("the input holds NaN or infinity")
    return array.tolist()


def _as_batch(values: ArrayLike) -> List[List[float]]:
    """Inputs for a local proof: one vector, shape (n,), or a batch, shape (batch, n)."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InputError(f"the input is not an array of numbers: {error}") from None
    if array.ndim == 2 and array.shape[0] > 1:
        return [_as_input(row) for row in array]
    return [_as_input(array)]


def _as_calibration(values: ArrayLike) -> List[List[float]]:
    """Calibration inputs, shape (samples, n): one vector of numbers per row."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InputError(f"the calibration inputs are not an array of numbers: {error}") from None
    if array.ndim == 1:
        array = array[np.newaxis, :]
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise InputError(f"calibration inputs are rows of numbers, shape (samples, n); got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise InputError("the calibration inputs hold NaN or infinity")
    return array.tolist()


def _as_amount(amount: Amount) -> str:
    """A CIRO amount as the decimal text the Rust client parses."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise InputError(f"the payment {amount!r} is not an amount of CIRO") from None
    if not value.is_finite() or value <= 0:
        raise InputError(f"the payment {amount!r} must be a positive amount of CIRO")
    return format(value, "f")


def _model_id(model: Union["Model", int]) -> int:
    if isinstance(model, Model):
        return model.id
    if isinstance(model, (int, np.integer)) and not isinstance(model, bool):
        return int(model)
    raise InputError(f"a model is a ciro.Model or its id, not {type(model).__name__}")


def _result(data: dict) -> Result:
    return Result(
        job_id=int(data["job_id"]),
        model_id=int(data["model_id"]),
        worker=data["worker"],
        outputs=np.asarray(data["outputs"], dtype=np.float64),
        outputs_fixed_point=np.asarray(data["outputs_fixed_point"], dtype=np.int64),
        scale_bits=int(data["scale_bits"]),
        top_class=data.get("top_class"),
        top_classes=[RankedClass(int(c["index"]), c.get("label"), float(c["output"])) for c in data.get("top_classes", [])],
        labels=data.get("labels"),
        labels_unavailable=data.get("labels_unavailable"),
        source=data["source"],
        transaction_hash=data.get("transaction_hash"),
        proof=Proof(data["proof"]),
        verify_seconds=float(data["verify_seconds"]),
    )


def _status(data: dict) -> JobStatus:
    return JobStatus(
        job_id=int(data["job_id"]),
        state=data["state"],
        settled=bool(data["settled"]),
        final=bool(data["final"]),
        model_id=int(data["model_id"]),
        client=data["client"],
        worker=data.get("worker"),
        payment=int(data["payment"]),
        deadline=int(data["deadline"]),
        input_commitment=data["input_commitment"],
        output_commitment=data.get("output_commitment"),
    )


# ---------------------------------------------------------------------------------------------
# Progress: one line that updates, in a terminal or in Jupyter


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython  # type: ignore[import-not-found]
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class _Progress:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.last: Optional[str] = None
        self.last_key: Optional[str] = None
        self.handle: Any = None
        self.notebook = enabled and _in_notebook()
        self.tty = enabled and not self.notebook and sys.stderr.isatty()

    def show(self, text: str, key: str) -> None:
        """Shows `text`; where lines cannot be updated in place (a log, a pipe), only when `key`
        (the state) changes."""
        if not self.enabled or text == self.last:
            return
        if not self.notebook and not self.tty and key == self.last_key:
            return
        self.last_key = key
        if self.notebook:
            from IPython.display import display  # type: ignore[import-not-found]

            if self.handle is None:
                self.handle = display(text, display_id=True)
            else:
                self.handle.update(text)
        elif self.tty:
            sys.stderr.write("\r" + text.ljust(len(self.last or "")))
            sys.stderr.flush()
        else:
            sys.stderr.write(text + "\n")
        self.last = text

    def close(self) -> None:
        if self.tty and self.last is not None:
            sys.stderr.write("\n")
            sys.stderr.flush()


# ---------------------------------------------------------------------------------------------
# The client


class Job:
    """A submitted job."""

    def __init__(self, client: "Client", job_id: int, submitted: Optional[dict] = None) -> None:
        self.client = client
        self.id = job_id
        submitted = submitted or {}
        self.transaction_hash: Optional[str] = submitted.get("transaction_hash")
        self.input_commitment: Optional[str] = submitted.get("input_commitment")
        self.deadline: Optional[int] = submitted.get("deadline")
        self.sponsored: bool = bool(submitted.get("sponsored", False))

    def status(self) -> JobStatus:
        """The job as JobManager holds it now."""
        return _status(json.loads(self.client._native.status(self.id)))

    def wait(self, timeout: float = 600.0, progress: bool = True, poll_interval: float = 0.5) -> JobStatus:
        """Waits until nothing more will happen to the job (an end state, paid out); shows its
        state as it goes (one updating line in a terminal or a notebook). Raises `JobTimeout`."""
        shown = _Progress(progress)
        started = time.monotonic()
        try:
            while True:
                status = self.status()
                elapsed = time.monotonic() - started
                paid = ", paid out" if status.settled else ""
                shown.show(f"job #{self.id}: {status.state}{paid} ({elapsed:.0f} s)", status.state + paid)
                if status.final:
                    return status
                if elapsed > timeout:
                    raise JobTimeout(
                        f"job #{self.id} is still {status.state} after {timeout:.0f} s: "
                        "is a keeper running, and a worker able to take it?"
                    )
                time.sleep(poll_interval)
        finally:
            shown.close()

    def result(self, source: str = "auto") -> Result:
        """The job's verified result: the proof read from the completing transaction
        (`source="chain"`), the coordinator (`"coordinator"`), or the chain first (`"auto"`),
        checked against JobManager's statement. Raises `ProofError` when it does not check out or
        the job is not Completed."""
        return _result(json.loads(self.client._native.result(self.id, source)))

    def __repr__(self) -> str:
        return f"Job(#{self.id})"


class Client:
    """A connection to a deployed Ciro: the node, the contracts, the account and the coordinator.

    Configured as the `ciro` CLI is: a TOML file (`config`, else `CIRO_CONFIG`), the `CIRO_*`
    environment variables over it, the arguments over both. The account's key is read from the
    environment variable `private_key_env` (default `CIRO_PRIVATE_KEY`) or a keystore.
    """

    def __init__(
        self,
        rpc_url: Optional[str] = None,
        manifest: Optional[PathLike] = None,
        account: Optional[str] = None,
        private_key_env: Optional[str] = None,
        keystore: Optional[PathLike] = None,
        coordinator: Optional[str] = None,
        model_dir: Optional[PathLike] = None,
        config: Optional[PathLike] = None,
    ) -> None:
        self._native = _ciro.NativeClient(
            config=None if config is None else os.fspath(config),
            rpc_url=rpc_url,
            manifest=None if manifest is None else os.fspath(manifest),
            account=account,
            private_key_env=private_key_env,
            keystore=None if keystore is None else os.fspath(keystore),
            coordinator=coordinator,
            model_dir=None if model_dir is None else os.fspath(model_dir),
        )

    @classmethod
    def from_config(cls, path: Optional[PathLike] = None) -> "Client":
        """A client configured by the TOML file `path` (else `CIRO_CONFIG`) and the environment."""
        return cls(config=path)

    @property
    def address(self) -> Optional[str]:
        """The account's address."""
        return self._native.address

    @property
    def rpc_url(self) -> str:
        """The node's URL."""
        return self._native.rpc_url

    @property
    def coordinator(self) -> Optional[str]:
        """The coordinator's URL."""
        return self._native.coordinator

    def balance(self, owner: Optional[str] = None) -> Decimal:
        """The CIRO balance of `owner` (default: the account), in CIRO."""
        return Decimal(self._native.balance(owner)) / CIRO

    def job_count(self) -> int:
        """How many jobs JobManager holds."""
        return self._native.job_count()

    def model_count(self) -> int:
        """How many models JobManager has registered."""
        return self._native.model_count()

    def register_model(
        self,
        path: PathLike,
        labels: Optional[Union[Sequence[str], PathLike]] = None,
        calibration: Optional[ArrayLike] = None,
    ) -> Model:
        """Registers the ONNX model at `path` (uploading it to the coordinator first), with its class
        `labels` (one per output, in order; a list, or a text file with one label per line).

        `calibration`: inputs like the ones the model will be asked about, shape (samples, n)
        (a training set will do). The model is calibrated on them before it is registered: each
        layer's weight precision is chosen so that its activations fit the fixed-point range,
        which models whose activations reach the thousands need."""
        names: Optional[List[str]] = None
        if labels is not None:
            if isinstance(labels, (str, os.PathLike)) and Path(labels).is_file():
                names = Path(labels).read_text().splitlines()
            elif isinstance(labels, str):
                raise InputError(f"labels {labels!r}: give a list of names, or the path of a file with one per line")
            else:
                names = [str(name) for name in labels]  # type: ignore[union-attr]
        samples = None if calibration is None else _as_calibration(calibration)
        data = json.loads(self._native.register_model(os.fspath(path), names, samples))
        return Model(
            id=int(data["model_id"]),
            commitment=data["commitment"],
            labels=data.get("labels"),
            labels_commitment=data.get("labels_commitment"),
            uploaded_to=data.get("uploaded_to"),
            transaction_hash=data.get("transaction_hash"),
            weight_bits=data.get("weight_bits"),
        )

    def model(self, model_id: int) -> Model:
        """Model `model_id` as JobManager records it."""
        data = json.loads(self._native.model(_model_id(model_id)))
        return Model(id=int(data["model_id"]), commitment=data["commitment"], labels_commitment=data.get("labels_commitment"))

    def submit(
        self,
        model: Union[Model, int],
        input: ArrayLike,
        payment: Amount = 100,
        deadline: Optional[int] = None,
        deadline_in: int = 3600,
        pay_with_paymaster: bool = False,
        keeper_url: Optional[str] = None,
        required_capabilities: int = 0,
        min_gpu_memory_gb: int = 0,
        min_tier: int = 1,
        job_type: str = "ai-inference",
    ) -> Job:
        """Submits an inference job on `input` (a NumPy array or a list), escrowing `payment` CIRO.
        `job_type` is one of "ai-inference", "computer-vision" (the model must be a CNN),
        "time-series-analysis", "audio-processing", "specialized-ai". Everything that can be
        checked first is (the model exists and the input fits it, the job type, the deadline, the
        balance): `InputError` then, and nothing is sent."""
        data = json.loads(
            self._native.submit(
                _model_id(model),
                _as_input(input),
                _as_amount(payment),
                deadline=deadline,
                deadline_in=deadline_in,
                pay_with_paymaster=pay_with_paymaster,
                keeper_url=keeper_url,
                required_capabilities=required_capabilities,
                min_gpu_memory_gb=min_gpu_memory_gb,
                min_tier=min_tier,
                job_type=job_type,
            )
        )
        return Job(self, int(data["job_id"]), data)

    def job(self, job_id: int) -> Job:
        """Job `job_id` (submitted earlier, by anyone)."""
        job = Job(self, int(job_id))
        job.status()
        return job

    def infer(
        self,
        model: Union[Model, int],
        input: ArrayLike,
        payment: Amount = 100,
        timeout: float = 600.0,
        progress: bool = True,
        **submit: Any,
    ) -> Result:
        """Submits a job, waits for it and returns its verified result, in one call."""
        job = self.submit(model, input, payment, **submit)
        status = job.wait(timeout=timeout, progress=progress)
        if not status.completed:
            raise CiroError(f"job #{job.id} ended {status.state} (its escrow was refunded in full): no result")
        return job.result()


# ---------------------------------------------------------------------------------------------
# Without a chain


def prove(model_path: PathLike, input: ArrayLike, job_id: int = 1) -> LocalProof:
    """Proves `model_path` on `input` here, as a worker does for job `job_id`.

    `input` is one vector, shape (n,), or a batch, shape (batch, n): a batch proves every row's
    inference in one proof (the model repeated `batch` times), and the outputs have one row per
    element."""
    rows = _as_batch(input)
    data = json.loads(_ciro.prove(os.fspath(model_path), rows, job_id))
    shape = (len(rows), -1) if len(rows) > 1 else (-1,)
    return LocalProof(
        proof=Proof(data["proof"]),
        outputs=np.asarray(data["outputs"], dtype=np.float64).reshape(shape),
        float_outputs=np.asarray(data["float_outputs"], dtype=np.float64).reshape(shape),
        error_bound=float(data["error_bound"]),
        prove_seconds=float(data["prove_seconds"]),
        calldata_felts=int(data["calldata_felts"]),
    )


def verify(proof: Union[Proof, LocalProof, Result, PathLike]) -> Verification:
    """Verifies a proof (a `Proof`, a result holding one, or a proof file's path) locally under
    the production policy; raises `ProofError` naming the first failed check."""
    if isinstance(proof, (LocalProof, Result)):
        proof = proof.proof
    text = proof.text if isinstance(proof, Proof) else Path(proof).read_text()
    data = json.loads(_ciro.verify(text))
    return Verification(
        valid=bool(data["valid"]),
        job_id=data["job_id"],
        model_commitment=data["model_commitment"],
        input_commitment=data["input_commitment"],
        output_commitment=data["output_commitment"],
        outputs=np.asarray(data["outputs"], dtype=np.float64),
        scale_bits=int(data["scale_bits"]),
        verify_seconds=float(data["verify_seconds"]),
    )


def model_info(model_path: PathLike) -> dict:
    """A model's commitment, shape and fixed-point scale, as the prover prepares it."""
    return json.loads(_ciro.model_info(os.fspath(model_path)))


Layer = Tuple[ArrayLike, ArrayLike, bool]


def save_mlp_onnx(path: PathLike, layers: Union[Sequence[Layer], Any]) -> Path:
    """Writes an MLP as an ONNX file the prover takes (Gemm and Relu nodes).

    `layers` is either `[(weights, bias, relu), ...]` with `weights` shaped (outputs, inputs), or
    a fitted scikit-learn `MLPClassifier`/`MLPRegressor` with ReLU (or identity) hidden layers: its
    output layer is written without softmax or logistic, so the largest output is the class it
    predicts (for more than two classes)."""
    if hasattr(layers, "coefs_") and hasattr(layers, "intercepts_"):
        layers = _sklearn_layers(layers)
    converted = []
    for index, layer in enumerate(layers):
        try:
            weights, bias, relu = layer
        except (TypeError, ValueError):
            raise ModelError(f"layer {index}: a layer is (weights, bias, relu)") from None
        converted.append((np.asarray(weights, dtype=np.float64).tolist(), np.asarray(bias, dtype=np.float64).ravel().tolist(), bool(relu)))
    _ciro.save_mlp_onnx(os.fspath(path), converted)
    return Path(path)


def _sklearn_layers(mlp: Any) -> List[Layer]:
    activation = getattr(mlp, "activation", "relu")
    if activation not in ("relu", "identity"):
        raise ModelError(f"the prover takes ReLU (or identity) hidden layers; this MLP uses {activation!r}")
    count = len(mlp.coefs_)
    return [
        (np.asarray(w, dtype=np.float64).T, np.asarray(b, dtype=np.float64), activation == "relu" and index < count - 1)
        for index, (w, b) in enumerate(zip(mlp.coefs_, mlp.intercepts_))
    ]
