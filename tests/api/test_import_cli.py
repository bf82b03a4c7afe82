"""`fhir-gateway import`: a summary per type, bad files reported and skipped, non-zero exit on failures."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.fhir.json import dumps

BATCH = {
    "resourceType": "Bundle",
    "type": "batch",
    "entry": [
        {
            "resource": {"resourceType": "Patient", "gender": "male"},
            "request": {"method": "POST", "url": "Patient"},
        },
        {
            "resource": {"resourceType": "Patient", "gender": "mal"},
            "request": {"method": "POST", "url": "Patient"},
        },
    ],
}


def _run(monkeypatch, mongodb_uri: str, *paths) -> int:
    monkeypatch.setenv("MONGODB_URI", mongodb_uri)
    monkeypatch.setenv("FHIR_GATEWAY_DATABASE", f"test_{uuid.uuid4().hex[:12]}")
    with pytest.raises(SystemExit) as exit_info:
        main(["import", *map(str, paths)])
    return int(exit_info.value.code or 0)


def test_import_prints_a_summary_and_exits_non_zero_when_an_entry_or_a_file_fails(
    tmp_path, monkeypatch, capsys, mongodb_uri
):
    (tmp_path / "batch.json").write_text(dumps(BATCH))
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "list.json").write_text(dumps([{"resourceType": "Patient"}]))
    assert _run(monkeypatch, mongodb_uri, tmp_path) == 1
    output = capsys.readouterr()
    assert "Patient" in output.out and "skipped" in output.out
    row = next(line for line in output.out.splitlines() if line.startswith("Patient"))
    assert row.split()[1:] == ["1", "0", "1", "0"]  # created, updated, refused, in refused bundles
    assert "broken.json" in output.out and "list.json" in output.out
    assert "1 stored; 1 entries refused; 0 bundles refused (0 entries not stored)" in output.out
    assert "2/2 entries" in output.err  # the progress bar reached the end


def test_import_exits_zero_when_everything_loads(tmp_path, monkeypatch, mongodb_uri):
    good = {**BATCH, "entry": BATCH["entry"][:1]}
    (tmp_path / "good.json").write_text(dumps(good))
    assert _run(monkeypatch, mongodb_uri, tmp_path / "good.json") == 0


def test_import_shows_entries_done_their_rate_and_the_time_left(tmp_path, monkeypatch, capsys, mongodb_uri):
    three = {**BATCH, "entry": [BATCH["entry"][0]] * 3}
    (tmp_path / "three.json").write_text(dumps(three))
    assert _run(monkeypatch, mongodb_uri, tmp_path / "three.json") == 0
    progress = capsys.readouterr().err.split("\r")[-1]
    assert "3/3 entries" in progress and "/s ETA 0:00" in progress, progress


def test_a_refused_transaction_counts_its_entries_apart_from_refused_batch_entries(
    tmp_path, monkeypatch, capsys, mongodb_uri
):
    (tmp_path / "batch.json").write_text(dumps(BATCH))  # one good entry, one refused
    good = {"resource": {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}}
    bad = {"resource": {"resourceType": "Observation", "status": "finished", "code": {"text": "x"}}}
    transaction = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {**item, "request": {"method": "POST", "url": "Observation"}} for item in (good, good, bad)
        ],
    }
    (tmp_path / "transaction.json").write_text(dumps(transaction))
    assert _run(monkeypatch, mongodb_uri, tmp_path) == 1
    out = capsys.readouterr().out
    assert "1 stored; 1 entries refused; 1 bundle refused (3 entries not stored)" in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:3]}
    assert rows == {"Observation": ["0", "0", "0", "3"], "Patient": ["1", "0", "1", "0"]}
    assert "refused bundle" in out and "transaction.json (3 entries not stored)" in out
    assert "Bundle.entry[2]: Observation.status" in out


def test_import_into_the_embedded_sqlite_store_exits_without_a_traceback(tmp_path):
    (tmp_path / "good.json").write_text(dumps({**BATCH, "entry": BATCH["entry"][:1]}))
    patient = {"fullUrl": "urn:uuid:p1", **BATCH["entry"][0]}
    observation = {
        "resource": {
            "resourceType": "Observation",
            "status": "final",
            "code": {"text": "x"},
            "subject": {"reference": "urn:uuid:p1"},
        },
        "request": {"method": "POST", "url": "Observation"},
    }
    transaction = {"resourceType": "Bundle", "type": "transaction", "entry": [patient, observation]}
    (tmp_path / "transaction.json").write_text(dumps(transaction))
    environment = {key: value for key, value in os.environ.items() if key != "MONGODB_URI"}
    command = [
        str(Path(sys.executable).parent / "fhir-gateway"),
        "import",
        "--data-dir",
        str(tmp_path / "data"),
    ]
    finished = subprocess.run(
        [*command, str(tmp_path / "good.json"), str(tmp_path / "transaction.json")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stderr
    assert "Traceback" not in finished.stderr and "ExceptionGroup" not in finished.stderr, finished.stderr
    assert "database is locked" not in finished.stderr, finished.stderr
    assert "3/3 entries" in finished.stderr and "3 stored; 0 entries refused" in finished.stdout


def test_import_stores_single_resources_beyond_the_request_body_limit(
    tmp_path, monkeypatch, capsys, mongodb_uri
):
    concepts = [{"code": f"c{number}", "display": "x" * 200} for number in range(6_000)]
    big = {
        "resourceType": "CodeSystem",
        "id": "big",
        "status": "draft",
        "content": "complete",
        "concept": concepts,
    }
    (tmp_path / "CodeSystem-big.json").write_text(dumps(big))
    assert (tmp_path / "CodeSystem-big.json").stat().st_size > 1_048_576  # more than a REST body may be
    collection = {"resourceType": "Bundle", "id": "c1", "type": "collection"}
    (tmp_path / "Bundle-c1.json").write_text(dumps(collection))
    assert _run(monkeypatch, mongodb_uri, tmp_path) == 0
    rows = {line.split()[0]: line.split()[1:] for line in capsys.readouterr().out.splitlines()[1:3]}
    assert rows["CodeSystem"] == ["1", "0", "0", "0"] and rows["Bundle"] == ["1", "0", "0", "0"]
