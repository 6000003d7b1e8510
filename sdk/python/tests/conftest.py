"""Fixtures: the repository's example models, and a local Ciro started by `ciro-localnet`."""

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[3]
MODELS = REPOSITORY / "prover" / "examples" / "models"


@pytest.fixture(scope="session")
def iris_model() -> Path:
    return MODELS / "iris_mlp.onnx"


@pytest.fixture(scope="session")
def iris_input() -> list:
    return json.loads((MODELS / "iris_input_0.json").read_text())["input"]


def _localnet_binary() -> Path:
    """`CIRO_LOCALNET`, else the debug build beside the other operator binaries."""
    given = os.environ.get("CIRO_LOCALNET")
    if given:
        return Path(given)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPOSITORY / "target"))
    return target / "debug" / "ciro-localnet"


@pytest.fixture(scope="session")
def localnet(tmp_path_factory):
    """A running local Ciro (devnet, the contracts, the keeper, one worker, a funded client);
    yields its connection details (`ciro-localnet`'s ready line) and stops it afterwards."""
    binary = _localnet_binary()
    if not binary.is_file():
        pytest.fail(
            f"{binary} is missing: build it with `cargo build -p ciro-demo -p ciro-cli -p ciro-keeper -p ciro-worker` "
            "(or set CIRO_LOCALNET)"
        )
    if shutil.which("starknet-devnet") is None:
        pytest.fail("starknet-devnet is not on PATH (scripts/test installs it)")
    dir = tmp_path_factory.mktemp("localnet")
    ready = dir / "ready.json"
    log = open(dir / "localnet.log", "w")
    process = subprocess.Popen(
        [str(binary), "--root", str(REPOSITORY), "--dir", str(dir), "--workers", "1", "--ready-file", str(ready)],
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    try:
        started = time.monotonic()
        while not ready.is_file():
            if process.poll() is not None:
                pytest.fail(f"ciro-localnet exited ({process.returncode}):\n{(dir / 'localnet.log').read_text()[-3000:]}")
            if time.monotonic() - started > 300:
                pytest.fail("ciro-localnet was not ready within 300 s")
            time.sleep(0.5)
        details = json.loads(ready.read_text())
        details["dir"] = dir
        yield details
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


@pytest.fixture
def client_env(localnet, monkeypatch):
    """The environment `source client.env` sets: what `ciro.Client.from_config()` reads."""
    monkeypatch.setenv("CIRO_CONFIG", localnet["config"])
    monkeypatch.setenv("CIRO_ACCOUNT", localnet["account"])
    monkeypatch.setenv("CIRO_PRIVATE_KEY", localnet["private_key"])
    for name in ("CIRO_RPC_URL", "CIRO_MANIFEST", "CIRO_COORDINATOR_URL"):
        monkeypatch.delenv(name, raising=False)
    return localnet
