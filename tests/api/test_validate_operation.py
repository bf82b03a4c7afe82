"""`$validate` on type and instance level: an OperationOutcome, and nothing stored."""

from gateway.fhir.json import dumps
from tests.conftest import FHIR_JSON, example


async def test_a_valid_resource_gets_an_information_outcome_and_is_not_stored(client):
    response = await client.post(
        "/Patient/$validate", content=dumps(example("patient/patient-example.json")), headers=FHIR_JSON
    )
    assert response.status_code == 200, response.text
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert [issue["severity"] for issue in outcome["issue"]] == ["information"]
    assert (await client.get("/Patient")).json()["total"] == 0


async def test_an_invalid_resource_gets_its_errors_listed(client):
    body = {"resourceType": "Patient", "gender": "mal"}
    response = await client.post("/Patient/$validate", content=dumps(body), headers=FHIR_JSON)
    assert response.status_code == 200
    issues = response.json()["issue"]
    assert {issue["severity"] for issue in issues} == {"error"}
    assert any("Patient.gender" in str(issue.get("expression")) for issue in issues)
    assert (await client.get("/Patient")).json()["total"] == 0


async def test_a_parameters_body_carries_the_resource_and_the_mode(client):
    patient = example("patient/patient-example.json")
    await client.put("/Patient/example", content=dumps(patient), headers=FHIR_JSON)
    parameters = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "resource", "resource": {**patient, "id": "other"}},
            {"name": "mode", "valueCode": "update"},
        ],
    }
    response = await client.post("/Patient/example/$validate", content=dumps(parameters), headers=FHIR_JSON)
    assert response.status_code == 200
    assert response.json()["issue"][0]["severity"] == "error"  # the id does not match the URL
    assert (await client.get("/Patient/example")).json()["meta"]["versionId"] == "1"


async def test_instance_validation_for_delete_needs_the_resource_to_exist(client):
    parameters = {"resourceType": "Parameters", "parameter": [{"name": "mode", "valueCode": "delete"}]}
    missing = await client.post("/Patient/nobody/$validate", content=dumps(parameters), headers=FHIR_JSON)
    assert missing.status_code == 404


async def test_validate_of_another_r4_type_uses_its_model(client):
    body = {"resourceType": "ValueSet", "status": "draft", "experimental": "maybe"}
    response = await client.post("/ValueSet/$validate", content=dumps(body), headers=FHIR_JSON)
    assert response.status_code == 200
    assert response.json()["issue"][0]["severity"] == "error"
