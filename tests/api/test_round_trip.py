"""What a client stores is what it reads back: every HL7 example, exact decimals, the capability statement."""

import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from gateway.fhir.json import loads
from tests.conftest import FHIR_JSON, patient_examples


def _without_server_fields(resource: dict) -> dict:
    return {key: value for key, value in resource.items() if key not in ("id", "meta")}


@pytest.mark.parametrize("path", patient_examples(), ids=lambda path: path.stem)
async def test_every_hl7_patient_example_round_trips_exactly(client, path):
    sent = loads(path.read_bytes())
    response = await client.post("/Patient", content=path.read_bytes(), headers=FHIR_JSON)
    assert response.status_code == 201, response.text
    read = await client.get(f"/Patient/{response.json()['id']}")
    received = loads(read.content)
    assert _without_server_fields(received) == _without_server_fields(sent)
    sent_meta = {
        key: value for key, value in sent.get("meta", {}).items() if key not in ("versionId", "lastUpdated")
    }
    received_meta = {
        key: value for key, value in received["meta"].items() if key not in ("versionId", "lastUpdated")
    }
    assert received_meta == sent_meta


async def test_decimals_keep_their_exact_text_through_the_store(client):
    body = (
        b'{"resourceType":"Patient","extension":['
        b'{"url":"http://example.org/a","valueDecimal":0.010},'
        b'{"url":"http://example.org/b","valueDecimal":1.00065022141624642},'
        b'{"url":"http://example.org/c","valueDecimal":1.5e3},'
        b'{"url":"http://example.org/d","valueInteger":2147483647}]}'
    )
    created = await client.post("/Patient", content=body, headers=FHIR_JSON)
    assert created.status_code == 201, created.text
    read = await client.get(f"/Patient/{created.json()['id']}")
    assert b'"valueDecimal":0.010' in read.content
    assert b'"valueDecimal":1.00065022141624642' in read.content
    assert b'"valueDecimal":1.5E+3' in read.content
    assert b'"valueInteger":2147483647' in read.content


async def test_the_json_edge_case_example_round_trips(client, tmp_path):
    from tests.conftest import DATA

    raw = (DATA / "json-edge-cases.json").read_bytes()
    created = await client.post("/Patient", content=raw, headers=FHIR_JSON)
    assert created.status_code == 201, created.text
    received = loads((await client.get(f"/Patient/{created.json()['id']}")).content)
    assert _without_server_fields(received) == _without_server_fields(loads(raw))


async def test_metadata_is_a_valid_r4_capability_statement_of_what_is_implemented(client):
    response = await client.get("/metadata")
    assert response.status_code == 200
    statement = response.json()
    CapabilityStatement.model_validate(statement)
    assert statement["fhirVersion"] == "4.0.1"
    assert "application/fhir+json" in statement["format"]
    patient = next(item for item in statement["rest"][0]["resource"] if item["type"] == "Patient")
    interactions = {item["code"] for item in patient["interaction"]}
    assert interactions == {
        "read",
        "vread",
        "update",
        "patch",
        "delete",
        "history-instance",
        "history-type",
        "create",
        "search-type",
    }
    names = {item["name"] for item in patient["searchParam"]}
    assert {"_id", "family", "given", "identifier"} <= names


async def test_every_declared_search_parameter_is_accepted_by_the_search(client):
    statement = (await client.get("/metadata")).json()
    patient = next(item for item in statement["rest"][0]["resource"] if item["type"] == "Patient")
    for parameter in patient["searchParam"]:
        response = await client.get(
            f"/Patient?{parameter['name']}:missing=true", headers={"Prefer": "handling=strict"}
        )
        assert response.status_code == 200, (parameter["name"], response.text)


async def test_the_health_check_answers_when_the_store_does(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
