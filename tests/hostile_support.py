"""Shared pieces of the hostile-input tests: a sentinel resource that must stay as it was, and the checks
every refusal must pass (a 4xx OperationOutcome, never an unexpected error)."""

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from gateway.fhir.json import dumps, loads
from tests.conftest import FHIR_JSON


@dataclass
class Sentinel:
    url: str
    stored: dict[str, Any]


@pytest.fixture
async def sentinel(client: httpx.AsyncClient) -> Sentinel:
    resource = {"resourceType": "Patient", "active": True, "name": [{"family": "Sentinel", "given": ["Sam"]}]}
    created = await client.post("/Patient", content=dumps(resource).encode(), headers=FHIR_JSON)
    assert created.status_code == 201
    return Sentinel(f"/Patient/{created.json()['id']}", loads(created.content))


async def unharmed(client: httpx.AsyncClient, sentinel: Sentinel) -> None:
    """The sentinel is unchanged and the same client is still served."""
    response = await client.get(sentinel.url)
    assert response.status_code == 200
    assert loads(response.content) == sentinel.stored
    history = await client.get(f"{sentinel.url}/_history")
    assert history.json()["total"] == 1


def outcome(response: httpx.Response, status: int | None = None) -> dict[str, Any]:
    assert response.status_code < 500, response.text[:300]
    assert response.status_code >= 400, response.text[:300]
    if status is not None:
        assert response.status_code == status, response.text[:300]
    body = response.json()
    assert body["resourceType"] == "OperationOutcome", body
    return body  # type: ignore[no-any-return]


def graphql_outcome(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """The refusal's OperationOutcome; an "unexpected error" (issue code `exception`) is not a refusal."""
    assert status < 500, body
    outcome = body["errors"][0]["extensions"]["resource"]
    assert outcome["resourceType"] == "OperationOutcome", body
    assert all(issue["code"] != "exception" for issue in outcome["issue"]), body
    return outcome  # type: ignore[no-any-return]


async def stored_patients(client: httpx.AsyncClient) -> int:
    return int((await client.get("/Patient", params={"_summary": "count"})).json()["total"])


def nested_extension(depth: int) -> dict[str, Any]:
    extension: dict[str, Any] = {"url": "http://example.org/leaf", "valueString": "x"}
    for _ in range(depth):
        extension = {"url": "http://example.org/nest", "extension": [extension]}
    return {"resourceType": "Patient", "extension": [extension]}
