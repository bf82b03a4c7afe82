"""PATCH over REST and in Bundles: JSON Patch (fhir-kit-client, @medplum/core), FHIRPath Patch, merge patch
(fhirpy); validated and versioned like an update, If-Match honoured, conditional by search criteria."""

import base64
from typing import Any

from gateway.fhir.json import dumps
from tests.conftest import FHIR_JSON, example, http_client, mint_token

JSON_PATCH = {"Content-Type": "application/json-patch+json"}


async def _stored_patient(client) -> dict[str, Any]:
    patient = example("patient/patient-example.json")
    response = await client.put("/Patient/example", content=dumps(patient), headers=FHIR_JSON)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_json_patch_as_fhir_kit_client_and_medplum_send_it_makes_a_new_version(client):
    await _stored_patient(client)
    operations = [
        {"op": "test", "path": "/gender", "value": "male"},
        {"op": "replace", "path": "/gender", "value": "female"},
        {"op": "add", "path": "/name/0/given/-", "value": "Jo"},
    ]
    response = await client.patch("/Patient/example", content=dumps(operations), headers=JSON_PATCH)
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == 'W/"2"'
    patched = (await client.get("/Patient/example")).json()
    assert patched["gender"] == "female" and patched["name"][0]["given"][-1] == "Jo"
    assert patched["meta"]["versionId"] == "2"
    assert (await client.get("/Patient/example/_history/1")).json()["gender"] == "male"


async def test_a_fhirpath_patch_parameters_body_is_applied(client):
    await _stored_patient(client)
    parameters = {
        "resourceType": "Parameters",
        "parameter": [
            {
                "name": "operation",
                "part": [
                    {"name": "type", "valueCode": "replace"},
                    {"name": "path", "valueString": "Patient.birthDate"},
                    {"name": "value", "valueDate": "1975-01-01"},
                ],
            }
        ],
    }
    response = await client.patch("/Patient/example", content=dumps(parameters), headers=FHIR_JSON)
    assert response.status_code == 200, response.text
    assert response.json()["birthDate"] == "1975-01-01"


async def test_a_merge_patch_as_fhirpy_sends_it_changes_only_the_elements_given(client):
    await _stored_patient(client)
    response = await client.patch(
        "/Patient/example", content=dumps({"active": False}), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["active"] is False and body["name"][0]["family"] == "Chalmers"


async def test_a_patch_that_makes_the_resource_invalid_is_refused_and_nothing_changes(client):
    await _stored_patient(client)
    operations = [{"op": "replace", "path": "/gender", "value": "mal"}]
    response = await client.patch("/Patient/example", content=dumps(operations), headers=JSON_PATCH)
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"
    assert (await client.get("/Patient/example")).json()["meta"]["versionId"] == "1"


async def test_a_patch_may_not_change_the_id(client):
    await _stored_patient(client)
    operations = [{"op": "replace", "path": "/id", "value": "other"}]
    response = await client.patch("/Patient/example", content=dumps(operations), headers=JSON_PATCH)
    assert response.status_code == 422
    assert (await client.get("/Patient/other")).status_code == 404


async def test_a_stale_if_match_is_412_and_a_current_one_applies(client):
    await _stored_patient(client)
    operations = [{"op": "replace", "path": "/active", "value": False}]
    stale = await client.patch(
        "/Patient/example", content=dumps(operations), headers=JSON_PATCH | {"If-Match": 'W/"7"'}
    )
    assert stale.status_code == 412
    current = await client.patch(
        "/Patient/example", content=dumps(operations), headers=JSON_PATCH | {"If-Match": 'W/"1"'}
    )
    assert current.status_code == 200, current.text


async def test_patching_a_missing_resource_is_404_and_an_unknown_media_type_415(client):
    operations = [{"op": "remove", "path": "/active"}]
    assert (
        await client.patch("/Patient/nope", content=dumps(operations), headers=JSON_PATCH)
    ).status_code == 404
    await _stored_patient(client)
    response = await client.patch("/Patient/example", content=b"x", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


async def test_a_conditional_patch_changes_the_single_match_and_refuses_none_or_several(client):
    await _stored_patient(client)
    operations = [{"op": "replace", "path": "/active", "value": False}]
    found = await client.patch(
        "/Patient?identifier=urn:oid:1.2.36.146.595.217.0.1|12345",
        content=dumps(operations),
        headers=JSON_PATCH,
    )
    assert found.status_code == 200, found.text
    assert found.json()["id"] == "example" and found.json()["active"] is False
    none = await client.patch("/Patient?identifier=nobody", content=dumps(operations), headers=JSON_PATCH)
    assert none.status_code == 404
    other = {"resourceType": "Patient", "active": True}
    await client.post("/Patient", content=dumps(other), headers=FHIR_JSON)
    await client.post("/Patient", content=dumps(other), headers=FHIR_JSON)
    several = await client.patch("/Patient?active=true", content=dumps(operations), headers=JSON_PATCH)
    assert several.status_code == 412


async def test_a_batch_patches_with_a_binary_json_patch_and_a_fhirpath_patch(client):
    await _stored_patient(client)
    operations = [{"op": "replace", "path": "/gender", "value": "other"}]
    binary = {
        "resourceType": "Binary",
        "contentType": "application/json-patch+json",
        "data": base64.b64encode(dumps(operations).encode()).decode(),
    }
    parameters = {
        "resourceType": "Parameters",
        "parameter": [
            {
                "name": "operation",
                "part": [
                    {"name": "type", "valueCode": "delete"},
                    {"name": "path", "valueString": "Patient.telecom.where(use = 'home')"},
                ],
            }
        ],
    }
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {"resource": binary, "request": {"method": "PATCH", "url": "Patient/example"}},
            {"resource": parameters, "request": {"method": "PATCH", "url": "Patient/example"}},
        ],
    }
    response = await client.post("/", content=dumps(bundle), headers=FHIR_JSON)
    assert response.status_code == 200, response.text
    statuses = [entry["response"]["status"] for entry in response.json()["entry"]]
    assert statuses == ["200 OK", "200 OK"]
    patched = (await client.get("/Patient/example")).json()
    assert patched["gender"] == "other"
    assert all(telecom.get("use") != "home" for telecom in patched["telecom"])
    assert patched["meta"]["versionId"] == "3"


async def test_a_read_only_token_cannot_patch(app, client):
    await _stored_patient(client)
    async with http_client(app, mint_token(app, "system/Patient.rs")) as reader:
        operations = [{"op": "replace", "path": "/active", "value": False}]
        response = await reader.patch("/Patient/example", content=dumps(operations), headers=JSON_PATCH)
    assert response.status_code == 403
    assert (await client.get("/Patient/example")).json()["meta"]["versionId"] == "1"
