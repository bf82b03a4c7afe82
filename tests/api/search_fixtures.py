"""Shared loading of the HL7 Patient examples under their own ids (so their references line up)."""

import httpx

from gateway.fhir.json import dumps, loads
from tests.conftest import FHIR_JSON, patient_examples


async def load_examples(client: httpx.AsyncClient) -> list[dict]:
    stored = []
    for path in patient_examples():
        patient = loads(path.read_bytes())
        response = await client.put(f"/Patient/{patient['id']}", content=dumps(patient), headers=FHIR_JSON)
        assert response.status_code == 201, response.text
        stored.append(response.json())
    return stored


async def match_ids(client: httpx.AsyncClient, query: str, **headers: str) -> list[str]:
    """Ids of the `match` entries of one page of `GET /Patient?query`, in order."""
    response = await client.get(f"/Patient?{query}", headers=headers)
    assert response.status_code == 200, response.text
    return [
        entry["resource"]["id"]
        for entry in response.json().get("entry", [])
        if entry["search"]["mode"] == "match"
    ]
