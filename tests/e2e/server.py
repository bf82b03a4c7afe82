"""Run the real `fhir-gateway serve` process on a free port, for end-to-end tests."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from gateway.auth.authenticator import build_authenticator
from gateway.settings import Settings

SERVE = Path(sys.executable).parent / "fhir-gateway"
START_GUARD_SECONDS = 600
# The served process trusts tokens signed with this key (random per test session), given in its environment.
SECRET = secrets.token_urlsafe(48)


def environment(dev: bool = False) -> dict[str, str]:
    """The test's environment without MONGODB_URI (the embedded store) or any FHIR_GATEWAY_ setting; with the
    test signing key, or in dev mode none (the server makes up its own, as `make run` does)."""
    found = {
        key: value
        for key, value in os.environ.items()
        if key != "MONGODB_URI" and not key.startswith("FHIR_GATEWAY_")
    }
    return found if dev else found | {"FHIR_GATEWAY_AUTH_SECRET": SECRET}


def token(scope: str = "system/*.cruds") -> str:
    """A token the served process accepts, minted with the same key and defaults it uses."""
    return build_authenticator(Settings(auth_secret=SECRET)).issue("e2e-client", scope)


def auth_headers(scope: str = "system/*.cruds") -> dict[str, str]:
    return {"Authorization": f"Bearer {token(scope)}"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_serving(
    process: subprocess.Popen[str] | subprocess.Popen[bytes],
    base: str,
    path: str = "/healthz",
    log: Callable[[], str] | None = None,
    guard_seconds: float = START_GUARD_SECONDS,
) -> None:
    """Return once the started server answers `path` with 200; raise if it exits first. `log` reads what the
    server wrote, where it does not write to a pipe of ours."""

    def written() -> str:
        if log is not None:
            return log()
        return process.stdout.read() if process.stdout else ""  # type: ignore[return-value]

    # Only a guard against a hang: start-up takes seconds when quiet and minutes on a crowded machine.
    deadline = time.monotonic() + guard_seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{written()}")
        try:
            if httpx.get(f"{base}{path}", timeout=30).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"server did not answer {path} within {guard_seconds} s" + (f":\n{log()}" if log else "")
            )
        time.sleep(0.2)


def start_serving(data_dir: Path, port: int) -> subprocess.Popen[str]:
    """A started `serve` on the embedded store in `data_dir`, left to the caller to stop or kill (crash
    tests send SIGKILL themselves)."""
    process = subprocess.Popen(
        [str(SERVE), "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)],
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        wait_until_serving(process, f"http://127.0.0.1:{port}")
    except BaseException:
        process.kill()
        raise
    return process


@contextmanager
def running_gateway(data_dir: Path, port: int | None = None, dev: bool = False) -> Iterator[str]:
    """Yield the base URL of a started server with the embedded store in `data_dir`; stop it with SIGTERM.
    `dev`: `serve --dev` with no key configured, as `make run` starts it."""
    port = port or free_port()
    command = [str(SERVE), "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)]
    process = subprocess.Popen(
        command + (["--dev"] if dev else []),
        env=environment(dev),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, base)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
