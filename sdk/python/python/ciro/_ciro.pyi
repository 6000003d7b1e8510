"""The native half of the SDK (Rust, PyO3). Results cross as JSON text; `ciro._client` turns them
into typed objects. Use the `ciro` package, not this module."""

from typing import List, Optional, Sequence, Tuple

__version__: str

class CiroError(Exception):
    """Something Ciro was asked to do failed; the message says what and why."""

class ConfigError(CiroError):
    """The configuration is missing a value or has a bad one (file, environment, arguments, key)."""

class ChainError(CiroError):
    """The node, the coordinator or the keeper could not be reached, or refused or reverted a request."""

class ProofError(CiroError):
    """A proof is invalid, or a result does not check out against the chain, or proving failed."""

class ModelError(CiroError):
    """The model cannot be used: an unsupported operator or shape, or a malformed file."""

class InputError(CiroError):
    """The request was refused before anything was sent."""

class NativeClient:
    def __init__(
        self,
        config: Optional[str] = None,
        rpc_url: Optional[str] = None,
        manifest: Optional[str] = None,
        account: Optional[str] = None,
        private_key_env: Optional[str] = None,
        keystore: Optional[str] = None,
        coordinator: Optional[str] = None,
        model_dir: Optional[str] = None,
    ) -> None: ...
    @property
    def address(self) -> Optional[str]: ...
    @property
    def rpc_url(self) -> str: ...
    @property
    def coordinator(self) -> Optional[str]: ...
    def balance(self, owner: Optional[str] = None) -> str: ...
    def job_count(self) -> int: ...
    def model_count(self) -> int: ...
    def register_model(
        self, path: str, labels: Optional[List[str]] = None, calibration: Optional[List[List[float]]] = None
    ) -> str: ...
    def model(self, model_id: int) -> str: ...
    def submit(
        self,
        model_id: int,
        input: List[float],
        payment: str,
        deadline: Optional[int] = None,
        deadline_in: int = 3600,
        pay_with_paymaster: bool = False,
        keeper_url: Optional[str] = None,
        required_capabilities: int = 0,
        min_gpu_memory_gb: int = 0,
        min_tier: int = 1,
        job_type: str = "ai-inference",
    ) -> str: ...
    def status(self, job_id: int) -> str: ...
    def result(self, job_id: int, source: str = "auto") -> str: ...

def prove(model_path: str, input: List[List[float]], job_id: int = 1) -> str: ...
def verify(proof: str) -> str: ...
def model_info(model_path: str) -> str: ...
def save_mlp_onnx(path: str, layers: Sequence[Tuple[List[List[float]], List[float], bool]]) -> None: ...
