"""Real clients' patch and compartment flows against the real server: fhirpy's `patch()` (a merge patch), and
the request shapes fhir-kit-client (`patch`, `compartmentSearch`) and @medplum/core (`patchResource`) send."""

import httpx
import pytest
from fhirpy import AsyncFHIRClient

from tests.e2e.server import auth_headers, token

pytestmark = pytest.mark.e2e


async def test_fhirpy_patches_a_resource_and_the_server_versions_it(server):
    client = AsyncFHIRClient(server, authorization=f"Bearer {token()}")
    patient = client.resource("Patient", name=[{"family": "Patchy"}], gender="female", active=True)
    await patient.save()
    await patient.patch(active=False)
    assert patient["active"] is False
    fetched = await client.reference("Patient", patient["id"]).to_resource()
    assert fetched["active"] is False and fetched["gender"] == "female"
    assert fetched["meta"]["versionId"] == "2"
    patched = await client.patch("Patient", patient["id"], birthDate="1990-05-05")
    assert patched["birthDate"] == "1990-05-05" and patched["meta"]["versionId"] == "3"


def test_fhir_kit_client_and_medplum_json_patch_and_compartment_shapes(server):
    headers = auth_headers() | {"Accept": "application/fhir+json"}
    with httpx.Client(base_url=server, headers=headers) as http:
        patient = http.post(
            "/Patient",
            json={"resourceType": "Patient", "gender": "male"},
            headers={"Content-Type": "application/fhir+json"},
        ).json()
        observation = {
            "resourceType": "Observation",
            "status": "final",
            "code": {"text": "weight"},
            "subject": {"reference": f"Patient/{patient['id']}"},
        }
        http.post("/Observation", json=observation, headers={"Content-Type": "application/fhir+json"})
        # fhir-kit-client: client.patch({resourceType, id, JSONPatch}) -> PATCH, application/json-patch+json
        # @medplum/core: medplum.patchResource(type, id, operations) -> the same request.
        operations = [
            {"op": "add", "path": "/active", "value": True},
            {"op": "replace", "path": "/gender", "value": "other"},
        ]
        response = http.patch(
            f"/Patient/{patient['id']}",
            content=httpx.Request("PATCH", "/", json=operations).content,
            headers={"Content-Type": "application/json-patch+json", "If-Match": 'W/"1"'},
        )
        assert response.status_code == 200, response.text
        assert response.json()["gender"] == "other" and response.headers["etag"] == 'W/"2"'
        # fhir-kit-client: client.compartmentSearch({resourceType: "Observation", compartment: {resourceType:
        # "Patient", id}}) -> GET /Patient/{id}/Observation
        found = http.get(f"/Patient/{patient['id']}/Observation").json()
        assert found["total"] == 1 and found["entry"][0]["resource"]["code"]["text"] == "weight"
        xml = http.get(f"/Patient/{patient['id']}", params={"_format": "xml"})
        assert xml.headers["content-type"].startswith("application/fhir+xml")
        assert xml.text.lstrip().startswith("<?xml") and '<gender value="other"/>' in xml.text
