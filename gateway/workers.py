"""`serve --workers N`: N uvicorn worker processes on one port, each building the app from the environment.

Only with MONGODB_URI: the embedded store lives inside one process, and N processes must share one
database for rate limits, versions and conditional creates to hold. Settings reach the workers through the
environment (the same variables `serve` reads); dev mode's key file is made once here, before they start.
"""

import os
import tempfile
from pathlib import Path

from fastapi import FastAPI

from gateway import log_privacy
from gateway.auth.authenticator import build_authenticator
from gateway.observability.logs import configure_logging
from gateway.observability.metrics import MULTIPROCESS_DIRECTORY
from gateway.settings import Settings

EMBEDDED_REFUSAL = (
    "--workers needs MONGODB_URI: the embedded store lives inside one process and cannot be shared by "
    "workers. Run the store on its own (`fhir-gateway db --data-dir DIR`) and start serve with "
    "MONGODB_URI set to the address it prints, or use one worker."
)

WORKER_PING_SECONDS = 120


def app_from_environment() -> FastAPI:
    """Uvicorn's app factory in each worker process (spawned: nothing is inherited but the environment)."""
    from gateway.app import create_app

    configure_logging()
    log_privacy.install()
    return create_app(Settings.from_env())


def serve_workers(host: str, port: int, workers: int, data_dir: Path | None, dev: bool) -> None:
    import uvicorn

    if data_dir is not None:
        os.environ["FHIR_GATEWAY_DATA_DIR"] = str(data_dir)
    if dev:
        os.environ["FHIR_GATEWAY_DEV"] = "1"
    settings = Settings.from_env()
    if settings.mongodb_uri is None:
        raise ValueError(EMBEDDED_REFUSAL)
    build_authenticator(settings)  # refuse a missing key here, and make dev mode's key file only once
    # Each worker writes its metrics under this directory and a scrape of any worker sums them all.
    with tempfile.TemporaryDirectory(prefix="fhir-gateway-metrics-") as metrics_directory:
        os.environ[MULTIPROCESS_DIRECTORY] = metrics_directory
        uvicorn.run(
            "gateway.workers:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,
            # Uvicorn restarts a worker that does not answer its ping in time; importing the app (FHIR models,
            # GraphQL schema) can hold the interpreter for many seconds on a busy host.
            timeout_worker_healthcheck=WORKER_PING_SECONDS,
            **settings.proxy_options(),
        )
