"""Scopes reach the clinical types, Bundles and GraphQL references the same way as Patient."""

from tests.conftest import FHIR_JSON, http_client, mint_token
from tests.graphql_support import graphql


async def _create(client, body: dict) -> str:
    response = await client.post(f"/{body['resourceType']}", json=body, headers=FHIR_JSON)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _observation(patient_id: str, code: str) -> dict:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": {"reference": f"Patient/{patient_id}"},
    }


async def test_a_patient_scope_sees_only_its_patients_observations(app, client):
    mine = await _create(client, {"resourceType": "Patient"})
    other = await _create(client, {"resourceType": "Patient"})
    own = await _create(client, _observation(mine, "8867-4"))
    foreign = await _create(client, _observation(other, "8867-4"))
    token = mint_token(app, "patient/Observation.rs patient/Patient.rs", patient=mine)
    async with http_client(app, token=token) as http:
        found = (await http.get("/Observation", params={"code": "8867-4"})).json()
        assert [entry["resource"]["id"] for entry in found.get("entry", [])] == [own]
        assert (await http.get(f"/Observation/{own}")).status_code == 200
        assert (await http.get(f"/Observation/{foreign}")).status_code == 403
        query = '{ PatientList { id ObservationList(_reference: "subject") { id } } }'
        status, body = await graphql(http, query)
        assert status == 200, body
        assert body["data"]["PatientList"] == [{"id": mine, "ObservationList": [{"id": own}]}]


async def test_a_read_only_token_cannot_write_through_a_transaction(app, client):
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a",
                "resource": {"resourceType": "Patient", "name": [{"family": "Sneaky"}]},
                "request": {"method": "POST", "url": "Patient"},
            }
        ],
    }
    async with http_client(app, scope="system/*.rs") as http:
        response = await http.post("/", json=bundle, headers=FHIR_JSON)
        assert response.status_code == 403
    assert (await client.get("/Patient", params={"family": "sneaky"})).json()["total"] == 0
