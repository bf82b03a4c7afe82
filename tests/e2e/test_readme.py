"""The README's "Try it" session, run as written against a served instance (`serve --dev`, as `make run`
starts it): what it promises in its comments is what a newcomer sees."""

import json
import subprocess
from pathlib import Path

import pytest

from tests.e2e.server import SERVE, environment

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).parents[2]
START_LINE = "make run > gateway.log 2>&1 &"  # the test's server is already running
ADDRESS_LINE = "GW=http://127.0.0.1:8000"  # the test's server listens on a free port instead
COMMAND = ".venv/bin/fhir-gateway"


def try_it_session() -> str:
    """The first fenced shell block under "## Try it"."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## Try it\n", 1)[1]
    return section.split("```sh\n", 1)[1].split("\n```", 1)[0]


def runnable(session: str, base_url: str) -> str:
    first, rest = session.split("\n", 1)
    assert first.startswith(START_LINE), first
    assert rest.count(ADDRESS_LINE) == 1 and COMMAND in rest
    script = rest.replace(ADDRESS_LINE, f"GW={base_url}")
    # The README's path is relative to a clone after `make install`; a suite run elsewhere uses its own.
    return script if (ROOT / COMMAND).exists() else script.replace(COMMAND, str(SERVE))


def test_the_readme_try_it_session_works_as_written(dev_server: tuple[str, Path]) -> None:
    base_url, data_dir = dev_server
    script = runnable(try_it_session(), base_url)
    # `token --dev` finds the server's key through the data directory, as it finds ./data after `make run`.
    env = environment(dev=True) | {"FHIR_GATEWAY_DATA_DIR": str(data_dir)}
    finished = subprocess.run(["bash", "-e", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    lines = finished.stdout.splitlines()
    assert len(lines) == 10, finished.stdout
    metadata, anonymous, location, read, updated, search, history, graphql, deleted, gone = lines

    assert metadata.startswith('{"resourceType":"CapabilityStatement"')
    assert anonymous == "401"
    assert location.startswith(f"{base_url}/Patient/") and location.endswith("/_history/1")
    patient_id = location.removeprefix(f"{base_url}/Patient/").split("/")[0]
    name = [{"family": "Chalmers", "given": ["Peter"]}]
    first = json.loads(read)
    assert (first["id"], first["meta"]["versionId"], first["name"]) == (patient_id, "1", name)
    second = json.loads(updated)
    assert (second["meta"]["versionId"], second["name"], second["birthDate"]) == ("2", name, "1974-12-25")
    found = json.loads(search)
    assert found["total"] == 1 and found["entry"][0]["resource"]["id"] == patient_id
    assert '"type":"history","total":2' in history
    assert json.loads(graphql) == {
        "data": {"PatientList": [{"id": patient_id, "name": name, "birthDate": "1974-12-25"}]}
    }
    assert (deleted, gone) == ("204", "410")
