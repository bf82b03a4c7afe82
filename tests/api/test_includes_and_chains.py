"""_include, _revinclude (with :iterate), chained parameters and _has on the HL7 examples."""

import pytest

from tests.clinical_fixtures import module_client_with_examples, search_ids

# Read-only: the examples are loaded once for the whole module, into a database of its own.
pytestmark = pytest.mark.asyncio(loop_scope="module")
client = module_client_with_examples()


@pytest.fixture
def loaded() -> None:
    """The module's client has them loaded already."""


async def _entries(client, path: str) -> dict[str, set[str]]:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    modes: dict[str, set[str]] = {}
    for entry in response.json().get("entry", []):
        resource = entry["resource"]
        modes.setdefault(entry["search"]["mode"], set()).add(f"{resource['resourceType']}/{resource['id']}")
    return modes


async def test_include_adds_the_referenced_resources_once_with_mode_include(client, loaded):
    entries = await _entries(client, "/Observation?_id=blood-pressure,f001&_include=Observation:performer")
    assert entries["match"] == {"Observation/blood-pressure", "Observation/f001"}
    assert entries["include"] == {"Practitioner/example", "Practitioner/f005"}


async def test_include_with_a_target_type_keeps_only_that_type(client, loaded):
    entries = await _entries(client, "/Observation?_id=f001&_include=Observation:subject:Group")
    assert "include" not in entries
    entries = await _entries(client, "/Observation?_id=f001&_include=Observation:subject:Patient")
    assert entries["include"] == {"Patient/f001"}


async def test_revinclude_adds_the_resources_that_refer_to_the_matches(client, loaded):
    entries = await _entries(client, "/Patient?_id=f001&_revinclude=Observation:subject")
    assert entries["match"] == {"Patient/f001"}
    assert entries["include"] == {"Observation/f001"}


async def test_iterate_follows_the_included_resources_further(client, loaded):
    path = "/Patient?_id=f201&_revinclude=Encounter:subject&_include:iterate=Encounter:service-provider"
    entries = await _entries(client, path)
    assert {"Encounter/f201", "Organization/f201"} <= entries["include"]
    without = await _entries(client, "/Patient?_id=f201&_revinclude=Encounter:subject")
    assert "Organization/f201" not in without["include"]


async def test_a_malformed_include_is_a_bad_request(client, loaded):
    response = await client.get("/Observation?_include=Observation:status")
    assert response.status_code == 400 and response.json()["resourceType"] == "OperationOutcome"


async def test_chained_parameters_search_through_a_reference(client, loaded):
    by_family = await search_ids(client, "/Observation?subject:Patient.family=van%20de%20heuvel")
    assert by_family == {"f001"}
    assert "f001" in await search_ids(client, "/Observation?patient.family=van%20de%20heuvel")
    assert "f001" in await search_ids(client, "/Encounter?subject.organization.name=burgers")
    assert await search_ids(client, "/Observation?subject:Patient.family=nobody") == set()


async def test_has_finds_resources_by_what_refers_to_them(client, loaded):
    ids = await search_ids(client, "/Patient?_has:Observation:patient:code=http://loinc.org|15074-8")
    assert ids == {"f001"}
    performers = await search_ids(client, "/Practitioner?_has:Observation:performer:status=final")
    assert {"example", "f005"} <= performers and "f201" not in performers  # f202 is entered-in-error


async def test_chains_on_unknown_parameters_are_a_bad_request(client, loaded):
    response = await client.get("/Observation?code.family=x")
    assert response.status_code == 400
    response = await client.get("/Patient?_has:Spaceship:patient:code=1")
    assert response.status_code == 400
