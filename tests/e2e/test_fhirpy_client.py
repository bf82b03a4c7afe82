"""An existing FHIR client library, fhirpy, drives the REST shim of the real server."""

import pytest
from fhirpy import AsyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome, ResourceNotFound

from tests.e2e.server import token

pytestmark = pytest.mark.e2e


async def test_fhirpy_creates_reads_searches_updates_and_deletes_patients(server):
    client = AsyncFHIRClient(server, authorization=f"Bearer {token()}")
    patient = client.resource(
        "Patient",
        name=[{"family": "Fhirpy", "given": ["Flo"]}],
        gender="female",
        birthDate="1980-02-29",
        identifier=[{"system": "urn:e2e", "value": "fp-1"}],
    )
    await patient.save()
    assert patient["id"] and patient["meta"]["versionId"] == "1"

    found = await client.resources("Patient").search(family="fhirpy", birthdate__ge="1980").fetch_all()
    assert [item["id"] for item in found] == [patient["id"]]
    assert await client.resources("Patient").search(identifier="urn:e2e|fp-1").count() == 1

    patient["gender"] = "other"
    await patient.save()
    fetched = await client.reference("Patient", patient["id"]).to_resource()
    assert fetched["gender"] == "other" and fetched["meta"]["versionId"] == "2"

    await patient.delete()
    with pytest.raises((ResourceNotFound, OperationOutcome)):
        await client.reference("Patient", patient["id"]).to_resource()


async def test_fhirpy_pages_through_a_search_with_next_links(server):
    client = AsyncFHIRClient(server, authorization=f"Bearer {token()}")
    for number in range(7):
        await client.resource("Patient", name=[{"family": "Pager", "given": [f"P{number}"]}]).save()
    found = await client.resources("Patient").search(family="pager").limit(3).fetch_all()
    assert len(found) == 7
    assert len({item["id"] for item in found}) == 7


async def test_fhirpy_sees_validation_failures_as_operation_outcomes(server):
    client = AsyncFHIRClient(server, authorization=f"Bearer {token()}")
    with pytest.raises(OperationOutcome) as raised:
        await client.resource("Patient", gender="mal").save()
    assert "Patient.gender" in str(raised.value)
