"""SMART scopes decide what a token may do, the same way on REST and GraphQL; refusals are 403 `forbidden`."""

import pytest

from tests.conftest import FHIR_JSON, http_client
from tests.graphql_support import graphql, outcome_codes
from tests.security_support import fhir, outcome_code

CREATE = "mutation ($res: PatientInput!) { PatientCreate(res: $res) { id } }"


async def _patient(client, family: str) -> str:
    body = {"resourceType": "Patient", "name": [{"family": family}]}
    response = await client.post("/Patient", json=body, headers=FHIR_JSON)
    assert response.status_code == 201
    return str(response.json()["id"])


@pytest.mark.parametrize("scope", ["system/Patient.rs", "system/Patient.read", "user/*.rs", "system/*.read"])
async def test_a_read_only_token_reads_and_searches_but_cannot_write(app, client, scope):
    patient_id = await _patient(client, "Readonly")
    async with http_client(app, scope=scope) as http:
        assert (await http.get(f"/Patient/{patient_id}")).status_code == 200
        assert (await http.get("/Patient", params={"family": "readonly"})).json()["total"] == 1
        refused = [
            await http.post("/Patient", json={"resourceType": "Patient"}, headers=FHIR_JSON),
            await http.put(
                f"/Patient/{patient_id}",
                json={"resourceType": "Patient", "id": patient_id},
                headers=FHIR_JSON,
            ),
            await http.delete(f"/Patient/{patient_id}"),
        ]
    for response in refused:
        assert response.status_code == 403, response.text
        assert outcome_code(fhir(response)) == "forbidden"
        assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert (await client.get(f"/Patient/{patient_id}")).json()["meta"]["versionId"] == "1"


async def test_a_refused_graphql_mutation_writes_nothing(app, client):
    async with http_client(app, scope="system/Patient.rs") as http:
        status, body = await graphql(http, CREATE, {"res": {"name": [{"family": "Refused"}]}})
    assert status == 200 and body["data"] == {"PatientCreate": None}
    assert outcome_codes(body["errors"][0]) == ["forbidden"]
    assert (await client.get("/Patient", params={"family": "refused"})).json()["total"] == 0


async def test_a_write_only_v1_token_creates_but_cannot_read(app):
    async with http_client(app, scope="user/*.write") as http:
        created = await http.post("/Patient", json={"resourceType": "Patient"}, headers=FHIR_JSON)
        read = await http.get(f"/Patient/{created.json()['id']}")
    assert created.status_code == 201 and read.status_code == 403


async def test_a_token_without_resource_scopes_is_refused_everything(app):
    async with http_client(app, scope="openid fhirUser launch offline_access") as http:
        assert (await http.get("/Patient")).status_code == 403
        _, body = await graphql(http, "{ PatientList { id } }")
    assert outcome_codes(body["errors"][0]) == ["forbidden"]


@pytest.mark.parametrize("scope", ["system/Patient.rs", "system/*.cruds", "patient/*.rs"])
async def test_only_a_scope_naming_auditevent_reads_the_audit_trail(app, scope):
    async with http_client(app, scope=scope) as http:
        response = await http.get("/AuditEvent")
    assert response.status_code == 403 and outcome_code(fhir(response)) == "forbidden"
    async with http_client(app, scope="system/AuditEvent.rs") as http:
        assert (await http.get("/AuditEvent")).status_code == 200


async def test_nobody_writes_the_audit_trail_not_even_with_an_audit_write_scope(app):
    event = {"resourceType": "AuditEvent"}
    async with http_client(app, scope="system/AuditEvent.cruds") as http:
        response = await http.post("/AuditEvent", json=event, headers=FHIR_JSON)
    assert response.status_code == 405 and outcome_code(fhir(response)) == "not-supported"


async def _patient_token_client(app, patient_id: str | None, scope: str = "patient/Patient.rs"):
    claims = {"patient": patient_id} if patient_id else {}
    token = app.state.auth.issue("patient-app", scope, **claims)
    return http_client(app, token=token)


async def test_a_patient_scope_sees_only_its_own_patient_on_rest(app, client):
    mine, other = await _patient(client, "Compartment"), await _patient(client, "Compartment")
    async with await _patient_token_client(app, mine) as http:
        assert (await http.get(f"/Patient/{mine}")).status_code == 200
        assert (await http.get(f"/Patient/{mine}/_history")).status_code == 200
        refused = await http.get(f"/Patient/{other}")
        found = (await http.get("/Patient", params={"family": "compartment"})).json()
        everything = (await http.get("/Patient")).json()
        type_history = await http.get("/Patient/_history")
    assert refused.status_code == 403 and outcome_code(fhir(refused)) == "forbidden"
    assert found["total"] == 1 and found["entry"][0]["resource"]["id"] == mine
    assert [entry["resource"]["id"] for entry in everything["entry"]] == [mine]
    assert type_history.status_code == 403


async def test_a_patient_scope_sees_only_its_own_patient_on_graphql(app, client):
    mine, other = await _patient(client, "Compartment"), await _patient(client, "Compartment")
    async with await _patient_token_client(app, mine) as http:
        _, listed = await graphql(http, '{ PatientList(family: ["compartment"]) { id } }')
        _, counted = await graphql(http, "{ PatientConnection { count } }")
        _, refused = await graphql(http, f'{{ Patient(id: "{other}") {{ id }} }}')
        instance = await http.post(f"/Patient/{other}/$graphql", json={"query": "{ id }"})
    assert listed == {"data": {"PatientList": [{"id": mine}]}}
    assert counted["data"]["PatientConnection"]["count"] == 1
    assert outcome_codes(refused["errors"][0]) == ["forbidden"]
    assert instance.status_code == 403


async def test_a_patient_write_scope_changes_its_own_patient_only(app, client):
    mine, other = await _patient(client, "Writer"), await _patient(client, "Writer")
    async with await _patient_token_client(app, mine, "patient/Patient.cruds") as http:
        own = await http.put(
            f"/Patient/{mine}", json={"resourceType": "Patient", "id": mine}, headers=FHIR_JSON
        )
        theirs = await http.delete(f"/Patient/{other}")
        new = await http.post("/Patient", json={"resourceType": "Patient"}, headers=FHIR_JSON)
    assert own.status_code == 200 and theirs.status_code == 403 and new.status_code == 403
    assert (await client.get(f"/Patient/{other}")).status_code == 200


async def test_a_patient_scope_without_a_patient_claim_reaches_nothing(app, client):
    patient_id = await _patient(client, "Nobody")
    async with await _patient_token_client(app, None) as http:
        response = await http.get(f"/Patient/{patient_id}")
    assert response.status_code == 403 and "patient claim" in response.text
