"""kill -9 right after the last acknowledged write: after a restart on the same data, every acknowledged
request has its AuditEvent (the trail stores an event before its response is sent, not after)."""

import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import auth_headers, free_port, running_gateway, start_serving

pytestmark = pytest.mark.e2e

WRITERS = 4
WRITES_PER_WRITER = 10


def _audited_creates(base: str) -> set[str]:
    """The references of every stored AuditEvent of a create, following the searchset's pages."""
    found: set[str] = set()
    headers = auth_headers("system/AuditEvent.rs")
    with httpx.Client(headers=headers, timeout=60) as client:
        url: str | None = f"{base}/AuditEvent?subtype=create&_count=100"
        while url:
            page = client.get(url)
            assert page.status_code == 200, page.text
            bundle = page.json()
            for entry in bundle.get("entry", []):
                found.update(entity["what"]["reference"] for entity in entry["resource"].get("entity", []))
            url = next((link["url"] for link in bundle.get("link", []) if link["relation"] == "next"), None)
    return found


def test_every_acknowledged_write_has_its_audit_event_after_kill_9(tmp_path: Path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    headers = {"Content-Type": "application/fhir+json", **auth_headers()}

    def writer(number: int) -> list[str]:
        acknowledged = []
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            for item in range(WRITES_PER_WRITER):
                patient = {"resourceType": "Patient", "name": [{"family": f"Audit{number}x{item}"}]}
                response = client.post("/Patient", json=patient)
                assert response.status_code == 201, response.text
                acknowledged.append(f"Patient/{response.json()['id']}")
        return acknowledged

    process = start_serving(tmp_path, port)
    try:
        with ThreadPoolExecutor(WRITERS) as pool:
            acknowledged = [ref for refs in pool.map(writer, range(WRITERS)) for ref in refs]
    finally:
        process.send_signal(signal.SIGKILL)  # right after the last response: no shutdown, no journal
        process.wait()
    assert len(acknowledged) == WRITERS * WRITES_PER_WRITER

    with running_gateway(tmp_path) as restarted:
        missing = set(acknowledged) - _audited_creates(restarted)
    assert not missing, f"{len(missing)} acknowledged creates have no AuditEvent: {sorted(missing)[:5]}"
