"""kill -9 in the middle of `fhir-gateway import`: every transaction Bundle is then stored whole or not at
all, and no history version lacks a readable current one (the batched writes of
gateway/service/bulk_transaction.py run in one SQLite transaction per Bundle)."""

import json
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import SERVE, auth_headers, environment, running_gateway

pytestmark = pytest.mark.e2e

BUNDLES = 12
PATIENTS_PER_BUNDLE = 10  # each with one Observation: 20 entries per Bundle
_DONE = re.compile(r"([\d,]+)/([\d,]+) entries")


def _bundle(number: int) -> dict:
    entries = []
    for item in range(PATIENTS_PER_BUNDLE):
        full_url = f"urn:uuid:00000000-0000-4000-8000-{number:06d}{item:06d}"
        entries.append(
            {
                "fullUrl": full_url,
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [{"system": "urn:test:bundle", "value": f"b{number}"}],
                    "name": [{"family": f"Crashimport{number}"}],
                },
                "request": {"method": "POST", "url": "Patient"},
            }
        )
        entries.append(
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"coding": [{"system": "urn:test:bundle", "code": f"b{number}"}]},
                    "subject": {"reference": full_url},
                },
                "request": {"method": "POST", "url": "Observation"},
            }
        )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def _entries_done(stderr: str) -> int:
    found = _DONE.findall(stderr)
    return int(found[-1][0].replace(",", "")) if found else 0


def _processes_naming(path: Path) -> list[int]:
    """Live processes whose command line names `path` (zombies have none)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and str(path).encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue  # ended meanwhile
    return found


def test_kill_9_mid_import_leaves_each_transaction_whole_or_absent(tmp_path: Path):
    files = tmp_path / "bundles"
    files.mkdir()
    for number in range(BUNDLES):
        (files / f"bundle-{number:02}.json").write_text(json.dumps(_bundle(number)))
    data_dir = tmp_path / "data"
    log = tmp_path / "import.err"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [str(SERVE), "import", "--data-dir", str(data_dir), str(files)],
            env=environment(),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        total = BUNDLES * PATIENTS_PER_BUNDLE * 2
        deadline = time.monotonic() + 600  # a guard against hangs, not a timing assumption
        while process.poll() is None and time.monotonic() < deadline:
            if _entries_done(log.read_text()) >= total // 3:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)  # mid-import: some Bundles stored, one perhaps mid-write
        process.wait()
    assert _entries_done(log.read_text()) > 0, log.read_text()
    deadline = time.monotonic() + 60  # the reading workers die with the import (a guard, not a timing)
    while _processes_naming(files) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _processes_naming(files), "import worker processes outlived the import"

    headers = auth_headers()
    with (
        running_gateway(data_dir) as base,
        httpx.Client(base_url=base, headers=headers, timeout=60) as client,
    ):
        stored_bundles = 0
        for number in range(BUNDLES):
            patients = client.get(
                "/Patient", params={"identifier": f"urn:test:bundle|b{number}", "_count": 100}
            )
            observations = client.get(
                "/Observation", params={"code": f"urn:test:bundle|b{number}", "_count": 100}
            )
            patient_total = patients.json()["total"]
            assert patient_total in (0, PATIENTS_PER_BUNDLE), f"bundle {number}: {patient_total} patients"
            assert observations.json()["total"] == patient_total, f"bundle {number}: torn"
            stored_bundles += patient_total > 0
            for entry in observations.json().get("entry", []):
                subject = entry["resource"]["subject"]["reference"]
                assert client.get(f"/{subject}").status_code == 200, subject
        assert stored_bundles < BUNDLES, "the import finished before the kill: nothing was tested"
        for resource_type in ("Patient", "Observation"):
            history = client.get(f"/{resource_type}/_history", params={"_count": 1000}).json()
            for entry in history.get("entry", []):
                resource_id = entry["resource"]["id"]
                assert client.get(f"/{resource_type}/{resource_id}").status_code == 200, resource_id
