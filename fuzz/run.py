"""`make fuzz`: schemathesis against the real `serve` process (embedded store in a temporary directory).

Writes the REST face's OpenAPI description (fuzz/rest_openapi.py), starts the server with a known signing key,
and runs `st run` with a bounded number of examples per operation and a time budget, checking that no
answer is a server error and none takes longer than 5 s.
Usage: .venv/bin/python fuzz/run.py [max_examples] [max_seconds]
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fuzz.rest_openapi import spec
from tests.e2e.server import SERVE, auth_headers, environment, free_port

ST = Path(sys.executable).parent / "st"
START_SECONDS = 300  # a busy machine starts the server slowly; tests/e2e allows 60 s


@contextmanager
def served(data_dir: Path) -> Iterator[str]:
    port = free_port()
    command = [str(SERVE), "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)]
    process = subprocess.Popen(
        command, env=environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError("the server exited early")
            try:
                if httpx.get(f"{base}/metadata", timeout=10).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"the server did not start within {START_SECONDS} s")
            time.sleep(0.5)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(max_examples: int, max_seconds: int) -> int:
    os.environ["FHIR_GATEWAY_RATE_LIMIT"] = "off"  # the served process inherits it: fuzz, do not throttle
    with tempfile.TemporaryDirectory() as work:
        schema_file = Path(work) / "openapi.json"
        schema_file.write_text(json.dumps(spec()))
        with served(Path(work) / "data") as base_url:
            authorization = auth_headers()["Authorization"]
            command = [
                str(ST),
                "run",
                str(schema_file),
                "--url",
                base_url,
                "--header",
                f"Authorization: {authorization}",
                "--checks",
                "not_a_server_error",
                "--max-examples",
                str(max_examples),
                "--max-time",
                str(max_seconds),
                "--max-response-time",
                "5",
                "--request-timeout",
                "60",
                "--workers",
                "1",
                "--seed",
                "1",
                "--suppress-health-check",
                "all",
            ]
            return subprocess.call(command)


if __name__ == "__main__":
    arguments = [int(value) for value in sys.argv[1:3]]
    sys.exit(main(*(arguments + [50, 300][len(arguments) :])))
