"""FHIR XML both ways: XML bodies are read, `_format=xml` and `Accept: application/fhir+xml` answer XML;
every HL7 Patient example round-trips (JSON -> XML in -> stored -> XML out -> same JSON)."""

from typing import Any

import pytest
from fhir.resources.R4B.patient import Patient
from lxml import etree

from gateway.fhir.json import dumps, loads
from gateway.rest.xml import resource_to_xml, xml_to_resource
from tests.conftest import FHIR_JSON, example, patient_examples

FHIR_XML = {"Content-Type": "application/fhir+xml", "Accept": "application/fhir+xml"}


def _comparable(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource without server-set meta, its narrative XHTML in canonical form (entities, whitespace
    between attributes and such are XML spelling, not content)."""
    copy = loads(dumps(resource))
    copy.pop("meta", None)
    text = copy.get("text")
    if isinstance(text, dict) and "div" in text:
        text["div"] = etree.tostring(etree.fromstring(text["div"].encode()), method="c14n")
    return copy  # type: ignore[no-any-return]


@pytest.mark.parametrize("path", patient_examples(), ids=lambda path: path.stem)
async def test_every_hl7_patient_example_round_trips_through_xml(client, path):
    original = loads(path.read_bytes())
    xml = Patient.model_validate(original).model_dump_xml()
    stored = await client.put(f"/Patient/{original['id']}", content=xml, headers=FHIR_XML)
    assert stored.status_code == 201, stored.text
    assert stored.headers["content-type"].startswith("application/fhir+xml")
    read = await client.get(f"/Patient/{original['id']}?_format=xml")
    assert read.headers["content-type"].startswith("application/fhir+xml")
    assert _comparable(xml_to_resource(read.content)) == _comparable(original)
    as_json = (await client.get(f"/Patient/{original['id']}")).json()
    assert _comparable(as_json) == _comparable(original)


async def test_a_search_bundle_is_xml_when_the_accept_header_prefers_it(client):
    await client.put(
        "/Patient/example", content=dumps(example("patient/patient-example.json")), headers=FHIR_JSON
    )
    response = await client.get(
        "/Patient", headers={"Accept": "application/fhir+xml;q=0.9, application/json;q=0.5"}
    )
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert root.tag == "{http://hl7.org/fhir}Bundle"
    assert root.find("{http://hl7.org/fhir}total").get("value") == "1"


async def test_errors_are_operation_outcomes_in_xml_too(client):
    response = await client.get("/Patient/nobody?_format=application/fhir+xml")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/fhir+xml")
    assert etree.fromstring(response.content).tag == "{http://hl7.org/fhir}OperationOutcome"


async def test_json_stays_the_default_and_an_unknown_format_is_406(client):
    response = await client.get("/metadata")
    assert response.headers["content-type"].startswith("application/fhir+json")
    refused = await client.get("/metadata?_format=turtle")
    assert refused.status_code == 406
    assert refused.headers["content-type"].startswith("application/fhir+json")
    assert refused.json()["resourceType"] == "OperationOutcome"


async def test_xml_that_is_not_a_fhir_resource_is_400_and_nothing_is_stored(client):
    for body in (b"<Patient>", b"<Patient/>", b'<Spaceship xmlns="http://hl7.org/fhir"/>'):
        response = await client.post(
            "/Patient", content=body, headers={"Content-Type": "application/fhir+xml"}
        )
        assert response.status_code == 400, body
    assert (await client.get("/Patient")).json()["total"] == 0


async def test_xml_entities_are_not_expanded(client):
    body = (
        b'<?xml version="1.0"?><!DOCTYPE Patient [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
        b'<Patient xmlns="http://hl7.org/fhir"><name><family value="&secret;"/></name></Patient>'
    )
    response = await client.post("/Patient", content=body, headers={"Content-Type": "application/fhir+xml"})
    assert "root:" not in response.text
    if response.status_code == 201:
        assert "root:" not in dumps(response.json())


def test_a_resource_its_model_refuses_cannot_be_rendered_as_xml():
    with pytest.raises(ValueError):
        resource_to_xml({"resourceType": "Patient", "gender": 5})
