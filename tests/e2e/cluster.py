"""Several real processes on one database: `fhir-gateway db` and `fhir-gateway serve` instances pointing
at it with MONGODB_URI, each started as a user would start it and stopped with a signal (or killed)."""

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from gateway.auth.authenticator import build_authenticator
from gateway.settings import Settings
from tests.e2e.server import free_port, wait_until_serving

COMMAND = Path(sys.executable).parent / "fhir-gateway"
SECRET = secrets.token_urlsafe(48)  # every instance trusts this key: instances agree on keys by configuration
START_SECONDS = 180  # a generous bound for a busy machine; readiness ends the wait as soon as it is met
ENVIRONMENT_PREFIXES = ("FHIR_GATEWAY_", "MONGODB_URI", "PROMETHEUS_MULTIPROC_DIR")


def token(subject: str, scope: str = "system/*.cruds") -> str:
    """A token every instance accepts; the subject is the rate-limit key, so tests use their own."""
    return build_authenticator(Settings(auth_secret=SECRET)).issue(subject, scope)


def headers_for(subject: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(subject)}", "Content-Type": "application/fhir+json"}


def _environment(extra: dict[str, str]) -> dict[str, str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith(ENVIRONMENT_PREFIXES)}
    return clean | {"FHIR_GATEWAY_AUTH_SECRET": SECRET} | extra


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running_store(data_dir: Path, log_file: Path) -> Iterator[str]:
    """`fhir-gateway db` on a free port; yields the MONGODB_URI it prints."""
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            [str(COMMAND), "db", "--data-dir", str(data_dir), "--port", str(free_port())],
            env=_environment({}),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_SECONDS
        while not (found := re.search(r"^MONGODB_URI=(\S+)$", log_file.read_text(), re.MULTILINE)):
            if process.poll() is not None:
                raise RuntimeError(f"fhir-gateway db exited early:\n{log_file.read_text()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"fhir-gateway db did not start:\n{log_file.read_text()}")
            time.sleep(0.2)
        yield found[1]
    finally:
        _stop(process)


@dataclass
class Instance:
    base_url: str
    process: subprocess.Popen[bytes]
    log_file: Path

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, as when a machine or container dies."""
        self.process.kill()
        self.process.wait()


@dataclass
class InstanceSpec:
    """How to start one `serve`: its log file, worker processes and extra environment."""

    log_file: Path
    workers: int = 1
    environment: dict[str, str] = field(default_factory=dict)


def _launch(mongodb_uri: str, spec: InstanceSpec) -> Instance:
    port = free_port()
    arguments = [
        str(COMMAND),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(spec.workers),
    ]
    with spec.log_file.open("wb") as log:
        process = subprocess.Popen(
            arguments,
            env=_environment({"MONGODB_URI": mongodb_uri, **spec.environment}),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return Instance(f"http://127.0.0.1:{port}", process, spec.log_file)


@contextmanager
def running_instances(mongodb_uri: str, *specs: InstanceSpec) -> Iterator[list[Instance]]:
    """`fhir-gateway serve` instances with MONGODB_URI, started together (each start is seconds of CPU,
    which a second core can spend meanwhile) and stopped with a signal."""
    instances: list[Instance] = []
    try:
        for spec in specs:
            instances.append(_launch(mongodb_uri, spec))
        for instance in instances:
            # Ready once /readyz answers 200 (database and indexes).
            wait_until_serving(
                instance.process, instance.base_url, "/readyz", instance.log_file.read_text, START_SECONDS
            )
        yield instances
    finally:
        for instance in instances:
            _stop(instance.process)


@contextmanager
def running_instance(
    mongodb_uri: str, log_file: Path, workers: int = 1, **environment: str
) -> Iterator[Instance]:
    """One `fhir-gateway serve` with MONGODB_URI, ready once /readyz answers 200."""
    with running_instances(mongodb_uri, InstanceSpec(log_file, workers, environment)) as (instance,):
        yield instance
