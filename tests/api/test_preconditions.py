"""If-Match, If-None-Exist and Prefer, including concurrent writers."""

import asyncio
import copy

import pytest

from tests.conftest import FHIR_JSON, example


async def _created(client) -> dict:
    response = await client.post("/Patient", json=example("patient/patient-example.json"), headers=FHIR_JSON)
    return response.json()


async def test_put_with_a_current_if_match_succeeds_and_a_stale_one_is_412(client):
    patient = await _created(client)
    url = f"/Patient/{patient['id']}"
    ok = await client.put(url, json=patient, headers={**FHIR_JSON, "If-Match": 'W/"1"'})
    assert ok.status_code == 200
    stale = await client.put(url, json=patient, headers={**FHIR_JSON, "If-Match": 'W/"1"'})
    assert stale.status_code == 412
    assert stale.json()["issue"][0]["code"] == "conflict"


async def test_delete_with_a_stale_if_match_is_412_and_deletes_nothing(client):
    patient = await _created(client)
    url = f"/Patient/{patient['id']}"
    assert (await client.delete(url, headers={"If-Match": 'W/"5"'})).status_code == 412
    assert (await client.get(url)).status_code == 200
    assert (await client.delete(url, headers={"If-Match": '"1"'})).status_code == 204


async def test_a_malformed_if_match_is_400(client):
    patient = await _created(client)
    response = await client.put(
        f"/Patient/{patient['id']}", json=patient, headers={**FHIR_JSON, "If-Match": "one"}
    )
    assert response.status_code == 400


async def test_twenty_concurrent_puts_with_the_same_if_match_let_exactly_one_win(client):
    patient = await _created(client)
    url = f"/Patient/{patient['id']}"

    async def put(number: int) -> int:
        body = copy.deepcopy(patient)
        body["birthDate"] = f"19{number + 10}-01-01"
        response = await client.put(url, json=body, headers={**FHIR_JSON, "If-Match": 'W/"1"'})
        return response.status_code

    statuses = await asyncio.gather(*(put(number) for number in range(20)))
    assert sorted(statuses) == [200] + [412] * 19
    history = (await client.get(f"{url}/_history")).json()
    assert history["total"] == 2


async def test_twenty_concurrent_puts_without_if_match_make_21_consecutive_versions(client):
    patient = await _created(client)
    url = f"/Patient/{patient['id']}"

    async def put(number: int) -> dict:
        body = copy.deepcopy(patient)
        body["birthDate"] = f"19{number + 10}-01-01"
        response = await client.put(url, json=body, headers=FHIR_JSON)
        assert response.status_code == 200, response.text
        return response.json()

    results = await asyncio.gather(*(put(number) for number in range(20)))
    written = sorted(int(result["meta"]["versionId"]) for result in results)
    assert written == list(range(2, 22))
    history = (await client.get(f"{url}/_history?_count=100")).json()
    versions = [int(entry["resource"]["meta"]["versionId"]) for entry in history["entry"]]
    assert versions == list(range(21, 0, -1))
    birth_dates = {entry["resource"]["birthDate"] for entry in history["entry"][:-1]}
    assert birth_dates == {f"19{number + 10}-01-01" for number in range(20)}, "no update was lost"


async def test_prefer_return_minimal_sends_no_body(client):
    response = await client.post(
        "/Patient", json={"resourceType": "Patient"}, headers={**FHIR_JSON, "Prefer": "return=minimal"}
    )
    assert response.status_code == 201
    assert response.content == b""
    assert response.headers["location"]


async def test_prefer_return_operation_outcome_sends_an_outcome(client):
    response = await client.post(
        "/Patient",
        json={"resourceType": "Patient"},
        headers={**FHIR_JSON, "Prefer": "return=OperationOutcome"},
    )
    assert response.status_code == 201
    assert response.json()["resourceType"] == "OperationOutcome"
    assert response.json()["issue"][0]["severity"] == "information"


async def test_prefer_return_representation_sends_the_resource(client):
    response = await client.post(
        "/Patient", json={"resourceType": "Patient"}, headers={**FHIR_JSON, "Prefer": "return=representation"}
    )
    assert response.json()["resourceType"] == "Patient"


async def test_if_none_exist_returns_the_match_instead_of_creating(client):
    patient = await _created(client)
    headers = {**FHIR_JSON, "If-None-Exist": "identifier=urn:oid:1.2.36.146.595.217.0.1|12345"}
    again = await client.post("/Patient", json=example("patient/patient-example.json"), headers=headers)
    assert again.status_code == 200
    assert again.json()["id"] == patient["id"]
    assert (await client.get("/Patient?_summary=count")).json()["total"] == 1


async def test_if_none_exist_creates_when_nothing_matches(client):
    headers = {**FHIR_JSON, "If-None-Exist": "identifier=urn:oid:9|nobody"}
    response = await client.post("/Patient", json=example("patient/patient-example.json"), headers=headers)
    assert response.status_code == 201


async def test_if_none_exist_matching_several_is_412(client):
    await _created(client)
    await _created(client)
    headers = {**FHIR_JSON, "If-None-Exist": "family=Chalmers"}
    response = await client.post("/Patient", json=example("patient/patient-example.json"), headers=headers)
    assert response.status_code == 412
    assert (await client.get("/Patient?_summary=count")).json()["total"] == 2


@pytest.mark.parametrize("query", ["", "nonsense=1", "birthdate=notadate"])
async def test_if_none_exist_without_a_usable_query_is_400(client, query):
    headers = {**FHIR_JSON, "If-None-Exist": query}
    response = await client.post("/Patient", json={"resourceType": "Patient"}, headers=headers)
    assert response.status_code == 400
