"""Load the HL7 examples of the core types under their own ids, so their references line up."""

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio

from gateway.fhir.json import dumps, loads
from tests.conftest import DATA, FHIR_JSON, fresh_settings, http_client, running_app

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


def module_client_with_examples() -> Callable[..., Any]:
    """A module-scoped `client` fixture whose database holds the HL7 examples, loaded once for read-only
    modules: assign it to `client` in the test module."""

    @pytest_asyncio.fixture(scope="module", loop_scope="module")
    async def client(mongodb_uri: str) -> AsyncIterator[httpx.AsyncClient]:
        async with running_app(fresh_settings(mongodb_uri)) as app, http_client(app) as http:
            await put_examples(http)
            yield http

    return client
