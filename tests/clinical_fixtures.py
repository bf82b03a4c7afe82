"""Load the HL7 examples of the core types under their own ids, so their references line up."""

from pathlib import Path

import httpx

from gateway.fhir.json import dumps, loads
from tests.conftest import DATA, FHIR_JSON

CORE_FOLDERS = ("patient", "practitioner", "organization", "encounter", "observation")


def examples_of(folder: str) -> list[Path]:
    return sorted((DATA / folder).glob("*.json"))


async def put_examples(client: httpx.AsyncClient, folders: tuple[str, ...] = CORE_FOLDERS) -> int:
    loaded = 0
    for folder in folders:
        for path in examples_of(folder):
            resource = loads(path.read_bytes())
            url = f"/{resource['resourceType']}/{resource['id']}"
            response = await client.put(url, content=dumps(resource), headers=FHIR_JSON)
            assert response.status_code == 201, response.text
            loaded += 1
    return loaded


async def search_ids(client: httpx.AsyncClient, path: str) -> set[str]:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    return {
        entry["resource"]["id"]
        for entry in response.json().get("entry", [])
        if entry["search"]["mode"] == "match"
    }
