"""Every read the server makes for a caller obeys the caller's scopes: _include, _revinclude (:iterate),
chains, _has and conditional matches. What a token cannot reach never appears, and its existence is not
revealed."""

from dataclasses import dataclass

import pytest

from tests.conftest import FHIR_JSON, http_client, mint_token
from tests.security_support import fhir, outcome_code

LOINC = "http://loinc.org"


@dataclass(frozen=True)
class World:
    mine: str  # Patient A, whose token the patient/ tests use
    other: str  # Patient B
    practitioner: str
    own_observation: str  # subject A, performers B and the practitioner
    foreign_observation: str  # subject B, code HIV-1
    naming_me: str  # subject B, performer A, code secret-code: someone else's record that names A


async def _create(client, body: dict) -> str:
    response = await client.post(f"/{body['resourceType']}", json=body, headers=FHIR_JSON)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _observation(subject: str, code: str, performers: list[str] = ()) -> dict:  # type: ignore[assignment]
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "subject": {"reference": f"Patient/{subject}"},
    }
    if performers:  # FHIR JSON has no empty arrays
        observation["performer"] = [{"reference": reference} for reference in performers]
    return observation


async def _world(client) -> World:
    mine = await _create(client, {"resourceType": "Patient", "identifier": [{"value": "A-secret"}]})
    other = await _create(client, {"resourceType": "Patient", "identifier": [{"value": "B-secret"}]})
    practitioner = await _create(client, {"resourceType": "Practitioner", "name": [{"family": "Who"}]})
    own = await _create(
        client, _observation(mine, "8867-4", [f"Patient/{other}", f"Practitioner/{practitioner}"])
    )
    foreign = await _create(client, _observation(other, "HIV-1"))
    naming_me = await _create(client, _observation(other, "secret-code", [f"Patient/{mine}"]))
    return World(mine, other, practitioner, own, foreign, naming_me)


def _found(bundle: dict) -> list[str]:
    """`Type/id` of the matches and included resources (not the warnings' OperationOutcome)."""
    return sorted(
        f"{entry['resource']['resourceType']}/{entry['resource']['id']}"
        for entry in bundle.get("entry", [])
        if entry["search"]["mode"] != "outcome"
    )


def _patient_token(app, world: World, scope: str = "patient/*.rs") -> str:
    return mint_token(app, scope, patient=world.mine)


@pytest.mark.parametrize(
    "parameters",
    [
        {"_include": "Observation:performer"},
        {"_revinclude": "Observation:subject", "_include:iterate": "Observation:performer"},
    ],
)
async def test_includes_under_a_patient_scope_never_show_another_patient(app, client, parameters):
    world = await _world(client)
    resource_type = "Observation" if "_include" in parameters else "Patient"
    async with http_client(app, token=_patient_token(app, world)) as http:
        response = await http.get(f"/{resource_type}", params=parameters)
    assert response.status_code == 200, response.text
    found = _found(response.json())
    assert f"Observation/{world.own_observation}" in found
    assert f"Patient/{world.other}" not in found and "B-secret" not in response.text
    assert f"Observation/{world.naming_me}" not in found and world.foreign_observation not in response.text


@pytest.mark.parametrize("context", ["system", "user"])
async def test_a_revinclude_of_a_type_the_token_cannot_search_is_left_out_with_a_warning(
    app, client, context
):
    world = await _world(client)
    async with http_client(app, scope=f"{context}/Patient.rs") as http:
        response = await http.get("/Patient", params={"_revinclude": "Observation:subject"})
    assert response.status_code == 200, response.text
    found = _found(response.json())
    assert found == sorted([f"Patient/{world.mine}", f"Patient/{world.other}"])
    warnings = [
        issue
        for entry in response.json()["entry"]
        if entry.get("search", {}).get("mode") == "outcome"
        for issue in entry["resource"]["issue"]
    ]
    assert any("Observation is left out" in issue["diagnostics"] for issue in warnings), response.text


@pytest.mark.parametrize("context", ["system", "user"])
async def test_an_include_of_a_type_the_token_cannot_read_is_left_out(app, client, context):
    world = await _world(client)
    async with http_client(app, scope=f"{context}/Observation.rs") as http:
        response = await http.get("/Observation", params={"_include": "Observation:subject"})
    assert response.status_code == 200, response.text
    found = _found(response.json())
    assert not [item for item in found if item.startswith("Patient/")], found
    assert "A-secret" not in response.text and "B-secret" not in response.text
    assert f"Observation/{world.own_observation}" in found


async def test_included_resources_are_in_the_audit_record(app, client):
    world = await _world(client)
    async with http_client(app, scope="system/*.rs") as http:
        response = await http.get(
            "/Observation", params={"_id": world.own_observation, "_include": "Observation:subject"}
        )
    assert f"Patient/{world.mine}" in _found(response.json())
    await app.state.audit.flush()
    async with http_client(app, scope="system/AuditEvent.rs") as http:
        events = (await http.get("/AuditEvent", params={"entity": f"Patient/{world.mine}"})).json()
    actions = [entry["resource"]["action"] for entry in events.get("entry", [])]
    assert "E" in actions, "the search that included Patient A names it among its entities"


@pytest.mark.parametrize("context", ["system", "user"])
@pytest.mark.parametrize("code", ["8867-4", "no-such-code"])
async def test_has_into_a_type_the_token_cannot_search_is_refused_whatever_exists(app, client, context, code):
    await _world(client)
    async with http_client(app, scope=f"{context}/Patient.rs") as http:
        response = await http.get("/Patient", params={"_has:Observation:subject:code": code})
    assert response.status_code == 403, response.text
    assert outcome_code(fhir(response)) == "forbidden"
    assert "total" not in response.text


@pytest.mark.parametrize("context", ["system", "user"])
async def test_a_chain_into_a_type_the_token_cannot_search_is_refused(app, client, context):
    await _world(client)
    async with http_client(app, scope=f"{context}/Observation.rs") as http:
        response = await http.get("/Observation", params={"subject:Patient.identifier": "B-secret"})
    assert response.status_code == 403 and outcome_code(fhir(response)) == "forbidden"


async def test_has_under_a_patient_scope_searches_only_the_patients_compartment(app, client):
    world = await _world(client)
    parameters = {"_has:Observation:performer:code": "secret-code"}
    assert (await client.get("/Patient", params=parameters)).json()["total"] == 1  # it exists
    async with http_client(app, token=_patient_token(app, world)) as http:
        response = await http.get("/Patient", params=parameters)
    assert response.status_code == 200 and response.json()["total"] == 0


async def test_a_chain_under_a_patient_scope_cannot_test_another_patients_identifier(app, client):
    world = await _world(client)
    parameters = {"performer:Patient.identifier": "B-secret"}
    assert (await client.get("/Observation", params=parameters)).json()["total"] == 1  # it exists
    async with http_client(app, token=_patient_token(app, world)) as http:
        response = await http.get("/Observation", params=parameters)
    assert response.status_code == 200 and response.json()["total"] == 0


async def test_a_conditional_create_never_answers_with_another_patients_match(app, client):
    world = await _world(client)
    token = _patient_token(app, world, "patient/*.cruds")
    headers = {**FHIR_JSON, "If-None-Exist": f"subject=Patient/{world.other}&code=HIV-1"}
    async with http_client(app, token=token) as http:
        response = await http.post("/Observation", json=_observation(world.mine, "HIV-1"), headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"] != world.foreign_observation and body["subject"]["reference"] == f"Patient/{world.mine}"


@pytest.mark.parametrize("context", ["system", "user"])
async def test_a_conditional_create_with_a_chain_needs_the_chained_types_scope(app, client, context):
    world = await _world(client)
    headers = {**FHIR_JSON, "If-None-Exist": "subject:Patient.identifier=B-secret"}
    async with http_client(app, scope=f"{context}/Observation.crs") as http:
        response = await http.post("/Observation", json=_observation(world.mine, "x"), headers=headers)
    assert response.status_code == 403, response.text


async def test_a_conditional_create_with_a_chain_matches_within_the_patients_compartment(app, client):
    world = await _world(client)
    token = _patient_token(app, world, "patient/*.cruds")
    headers = {**FHIR_JSON, "If-None-Exist": "performer:Patient.identifier=A-secret"}
    async with http_client(app, token=token) as http:
        response = await http.post("/Observation", json=_observation(world.mine, "x"), headers=headers)
    # naming_me has performer A but lies in B's compartment: not a match; nothing of A's matches either
    assert response.status_code == 201, response.text
    assert response.json()["id"] != world.naming_me


async def test_a_bundles_conditional_reference_only_resolves_within_the_callers_reach(app, client):
    world = await _world(client)
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": {
                    **_observation(world.mine, "x"),
                    "performer": [{"reference": "Patient?identifier=B-secret"}],
                },
                "request": {"method": "POST", "url": "Observation"},
            }
        ],
    }
    async with http_client(app, token=_patient_token(app, world, "patient/*.cruds")) as http:
        response = await http.post("/", json=bundle, headers=FHIR_JSON)
    assert response.status_code == 412, response.text  # the same answer as for an identifier nobody has
    assert world.other not in response.text
