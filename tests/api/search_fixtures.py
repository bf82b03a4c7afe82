"""Shared loading of the HL7 Patient examples under their own ids (so their references line up)."""

import httpx

from gateway.fhir.json import loads
from tests.conftest import FHIR_JSON, patient_examples


async def load_examples(client: httpx.AsyncClient) -> list[dict]:
    stored = []
    for path in patient_examples():
        patient = loads(path.read_bytes())
        response = await client.put(f"/Patient/{patient['id']}", json=_jsonable(patient), headers=FHIR_JSON)
        assert response.status_code == 201, response.text
        stored.append(response.json())
    return stored


def _jsonable(value):
    """httpx's json= cannot encode Decimal; the examples' decimals are not searched, so floats will do here."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    return value


async def match_ids(client: httpx.AsyncClient, query: str, **headers: str) -> list[str]:
    """Ids of the `match` entries of one page of `GET /Patient?query`, in order."""
    response = await client.get(f"/Patient?{query}", headers=headers)
    assert response.status_code == 200, response.text
    return [
        entry["resource"]["id"]
        for entry in response.json().get("entry", [])
        if entry["search"]["mode"] == "match"
    ]
