"""Our own small data set for the HL7 GraphQL page's examples (written for these tests, not copied)."""

from typing import Any

import httpx

from gateway.fhir.json import dumps
from tests.conftest import FHIR_JSON

EYE_COLOUR = "http://example.org/fhir/StructureDefinition/eye-colour"

PATIENT: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "pat1",
    "active": True,
    "gender": "female",
    "extension": [
        {"url": EYE_COLOUR, "valueString": "green"},
        {"url": "http://example.org/fhir/StructureDefinition/shoe-size", "valueInteger": 38},
    ],
    "identifier": [{"system": "urn:example:mrn", "value": "MRN-1"}],
    "name": [
        {"use": "official", "family": "Chalmers", "given": ["Ada", "May"]},
        {"use": "usual", "given": ["Addie"]},
        {"use": "maiden", "family": "Lovelace", "given": ["Ada"]},
    ],
    "telecom": [
        {"system": "phone", "value": "555-0100", "use": "home"},
        {"system": "email", "value": "ada@example.org"},
    ],
    "managingOrganization": {"reference": "Organization/org1"},
}
OTHER_PATIENT: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "pat2",
    "active": False,
    "gender": "male",
    "name": [{"family": "Babbage", "given": ["Charles"]}],
}
ORGANIZATION: dict[str, Any] = {"resourceType": "Organization", "id": "org1", "name": "Analytical Clinic"}


def condition(number: int, patient: str = "pat1") -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": f"cond{number}",
        "identifier": [{"system": "urn:example:condition", "value": f"C-{number}"}],
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "relapse" if number == 1 else "active",
                }
            ]
        },
        "code": {"text": f"condition {number}"},
        "subject": {"reference": f"Patient/{patient}"},
    }


async def put(client: httpx.AsyncClient, resource: dict[str, Any]) -> None:
    url = f"/{resource['resourceType']}/{resource['id']}"
    response = await client.put(url, content=dumps(resource), headers=FHIR_JSON)
    assert response.status_code in (200, 201), response.text


async def load(client: httpx.AsyncClient) -> None:
    for resource in (ORGANIZATION, PATIENT, OTHER_PATIENT, *(condition(n) for n in (1, 2, 3))):
        await put(client, resource)
    await put(client, condition(4, "pat2"))
