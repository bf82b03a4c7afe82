"""Batch and transaction Bundles: urn:uuid and conditional references, ifNoneExist, all-or-nothing."""

from gateway.fhir.json import dumps
from tests.conftest import FHIR_JSON

PATIENT = {
    "resourceType": "Patient",
    "identifier": [{"system": "urn:test", "value": "p1"}],
    "gender": "female",
}


def _observation(subject: str, status: str = "final") -> dict:
    return {
        "resourceType": "Observation",
        "status": status,
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": subject},
        "valueQuantity": {"value": 72, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"},
    }


def _transaction(*entries: dict, kind: str = "transaction") -> bytes:
    return dumps({"resourceType": "Bundle", "type": kind, "entry": list(entries)})


def _post(resource: dict, full_url: str | None = None, if_none_exist: str | None = None) -> dict:
    request = {"method": "POST", "url": resource["resourceType"]}
    if if_none_exist:
        request["ifNoneExist"] = if_none_exist
    return (
        {"fullUrl": full_url, "resource": resource, "request": request}
        if full_url
        else {"resource": resource, "request": request}
    )


async def _count(client, resource_type: str) -> int:
    return (await client.get(f"/{resource_type}?_summary=count")).json()["total"]


async def test_a_transaction_resolves_urn_uuid_references_and_answers_a_transaction_response(client):
    body = _transaction(
        _post(_observation("urn:uuid:aaaaaaaa-0000-0000-0000-000000000001")),
        _post(PATIENT, "urn:uuid:aaaaaaaa-0000-0000-0000-000000000001"),
    )
    response = await client.post("/", content=body, headers=FHIR_JSON)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["type"] == "transaction-response"
    statuses = [entry["response"]["status"] for entry in answer["entry"]]
    assert statuses == ["201 Created", "201 Created"]
    patient_location = answer["entry"][1]["response"]["location"]
    patient_id = patient_location.split("/")[1]
    observation = answer["entry"][0]["resource"]
    assert observation["subject"]["reference"] == f"Patient/{patient_id}"
    assert (await client.get(f"/Observation?subject=Patient/{patient_id}")).json()["total"] == 1


async def test_a_transaction_with_one_invalid_entry_stores_nothing(client):
    body = _transaction(
        _post(PATIENT, "urn:uuid:aaaaaaaa-0000-0000-0000-000000000002"),
        _post(_observation("urn:uuid:aaaaaaaa-0000-0000-0000-000000000002")),
        _post(_observation("urn:uuid:aaaaaaaa-0000-0000-0000-000000000002", status="done")),
    )
    response = await client.post("/", content=body, headers=FHIR_JSON)
    assert response.status_code == 400
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert "Bundle.entry[2]" in outcome["issue"][0]["diagnostics"]
    assert await _count(client, "Patient") == 0
    assert await _count(client, "Observation") == 0
    assert (await client.get("/Patient/_history")).json()["total"] == 0


async def test_conditional_create_and_conditional_references_use_the_existing_resource(client):
    first = await client.post("/Patient", content=dumps(PATIENT), headers=FHIR_JSON)
    existing = first.json()["id"]
    body = _transaction(
        _post(
            PATIENT, "urn:uuid:aaaaaaaa-0000-0000-0000-000000000003", if_none_exist="identifier=urn:test|p1"
        ),
        _post(_observation("urn:uuid:aaaaaaaa-0000-0000-0000-000000000003")),
        _post(_observation("Patient?identifier=urn:test|p1")),
    )
    answer = (await client.post("/", content=body, headers=FHIR_JSON)).json()
    assert answer["entry"][0]["response"]["status"] == "200 OK"
    assert [entry["resource"]["subject"]["reference"] for entry in answer["entry"][1:]] == [
        f"Patient/{existing}"
    ] * 2
    assert await _count(client, "Patient") == 1


async def test_a_conditional_reference_matching_nothing_fails_the_transaction(client):
    body = _transaction(_post(_observation("Patient?identifier=urn:test|nobody")))
    response = await client.post("/", content=body, headers=FHIR_JSON)
    assert response.status_code == 412
    assert await _count(client, "Observation") == 0


async def test_a_batch_runs_each_entry_on_its_own_and_reports_each_outcome(client):
    body = _transaction(
        _post(PATIENT),
        _post(_observation("Patient/x", status="done")),
        {"request": {"method": "GET", "url": "Patient?gender=female"}},
        {"request": {"method": "DELETE", "url": "Patient/unknown"}},
        kind="batch",
    )
    answer = (await client.post("/", content=body, headers=FHIR_JSON)).json()
    assert answer["type"] == "batch-response"
    statuses = [entry["response"]["status"] for entry in answer["entry"]]
    assert statuses == ["201 Created", "400", "200 OK", "404"]
    assert answer["entry"][1]["response"]["outcome"]["resourceType"] == "OperationOutcome"
    assert answer["entry"][2]["resource"]["total"] == 1
    assert await _count(client, "Patient") == 1


async def test_put_get_and_delete_entries_in_a_transaction(client):
    body = _transaction(
        {"resource": {**PATIENT, "id": "p-1"}, "request": {"method": "PUT", "url": "Patient/p-1"}},
        {"request": {"method": "GET", "url": "Patient/p-1"}},
    )
    answer = (await client.post("/", content=body, headers=FHIR_JSON)).json()
    assert [entry["response"]["status"] for entry in answer["entry"]] == ["201 Created", "200 OK"]
    body = _transaction({"request": {"method": "DELETE", "url": "Patient/p-1"}})
    answer = (await client.post("/", content=body, headers=FHIR_JSON)).json()
    assert answer["entry"][0]["response"]["status"] == "204 No Content"
    assert (await client.get("/Patient/p-1")).status_code == 410


async def test_malformed_bundles_get_an_operation_outcome(client):
    for body in (
        {"resourceType": "Patient"},
        {"resourceType": "Bundle", "type": "collection"},
        {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [{"request": {"method": "PATCH", "url": "x"}}],
        },
        {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [{"request": {"method": "GET", "url": "Nope/1"}}],
        },
    ):
        response = await client.post("/", content=dumps(body), headers=FHIR_JSON)
        assert response.status_code in (400, 404), response.text
        assert response.json()["resourceType"] == "OperationOutcome"


async def test_transactions_are_refused_when_the_server_cannot_run_them(app, client):
    database = app.state.service.store._database
    database.supports_transactions = False
    response = await client.post("/", content=_transaction(_post(PATIENT)), headers=FHIR_JSON)
    assert response.status_code == 501
    assert "transactions" in response.json()["issue"][0]["diagnostics"]
    assert await _count(client, "Patient") == 0
