"""kill -9 in the middle of writes: after a restart no read shows a torn state (a history version the current
document does not show, or a current document older than the newest history version), and every write the
server acknowledged is still readable."""

import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import auth_headers, free_port, running_gateway, start_serving

pytestmark = pytest.mark.e2e

WRITERS = 8
RESOURCES_PER_WRITER = 3


def _patient(resource_id: str, round_number: int) -> dict:
    return {
        "resourceType": "Patient",
        "id": resource_id,
        "name": [{"family": "Crash", "given": [f"round{round_number}"]}],
    }


def test_kill_9_mid_write_leaves_no_torn_state_and_keeps_every_acknowledged_write(tmp_path: Path):
    headers = {"Content-Type": "application/fhir+json", **auth_headers()}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    acknowledged: dict[str, int] = {}  # resource id -> highest version the server confirmed
    lock = threading.Lock()
    stop = threading.Event()

    def writer(number: int) -> None:
        ids = [f"w{number}-{item}" for item in range(RESOURCES_PER_WRITER)]
        round_number = 0
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            while not stop.is_set():
                round_number += 1
                for resource_id in ids:
                    try:
                        response = client.put(
                            f"/Patient/{resource_id}", json=_patient(resource_id, round_number)
                        )
                    except httpx.TransportError:
                        return  # the server is gone
                    if response.status_code in (200, 201):
                        version = int(response.headers["etag"].split('"')[1])
                        with lock:
                            acknowledged[resource_id] = max(acknowledged.get(resource_id, 0), version)

    process = start_serving(tmp_path, port)
    threads = [threading.Thread(target=writer, args=(number,)) for number in range(WRITERS)]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 120
        while sum(acknowledged.values()) < 80 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)  # in the middle of eight writers' requests
        process.wait()
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert acknowledged, "no write was acknowledged before the kill"

    with running_gateway(tmp_path) as restarted, httpx.Client(base_url=restarted, headers=headers) as client:
        for number in range(WRITERS):
            for item in range(RESOURCES_PER_WRITER):
                resource_id = f"w{number}-{item}"
                history = client.get(f"/Patient/{resource_id}/_history", params={"_count": "1"})
                current = client.get(f"/Patient/{resource_id}")
                if resource_id not in acknowledged and current.status_code == 404:
                    assert history.status_code == 404 or history.json().get("total", 0) == 0
                    continue
                assert current.status_code == 200, (resource_id, current.text)
                current_version = int(current.headers["etag"].split('"')[1])
                newest = history.json()["entry"][0]["resource"]["meta"]["versionId"]
                assert int(newest) == current_version, (
                    f"{resource_id}: history {newest}, current {current_version}"
                )
                assert current_version >= acknowledged.get(resource_id, 0)
                for version in range(1, acknowledged.get(resource_id, 0) + 1):
                    read = client.get(f"/Patient/{resource_id}/_history/{version}")
                    assert read.status_code == 200, f"{resource_id} version {version} lost"
