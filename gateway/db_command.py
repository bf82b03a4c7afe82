"""`fhir-gateway db`: the embedded MongoDB-compatible store (mongoeco; SQLite file in the data directory) in
a process of its own, so several `fhir-gateway serve` processes with MONGODB_URI pointing at it share one
database on one machine (development and tests; production uses a MongoDB replica set, docs/scaling.md)."""

import ipaddress
import logging
import signal
import threading
from pathlib import Path
from types import FrameType

from gateway.store.embedded import EmbeddedMongo

log = logging.getLogger("gateway.db")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run_db(data_dir: Path | None, host: str, port: int) -> None:
    """Serve until SIGINT or SIGTERM, then close the store cleanly. Prints `MONGODB_URI=...` when ready."""
    if not _is_loopback(host):
        log.warning(
            "the embedded store listens on %s: every process that reaches this address can read and change "
            "the data; prefer 127.0.0.1 and a real MongoDB with authentication across machines",
            host,
        )
    stop = threading.Event()

    def request_stop(signal_number: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    server = EmbeddedMongo(data_dir, host=host, port=port)
    uri = server.start()
    where = f"SQLite file in {data_dir}" if data_dir is not None else "memory, gone at exit"
    log.info("embedded store ready (%s); point the gateways at it with the line below", where)
    print(f"MONGODB_URI={uri}", flush=True)
    try:
        stop.wait()
    finally:
        log.info("embedded store stopping")
        server.stop()
