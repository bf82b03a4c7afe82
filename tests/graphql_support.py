"""Helpers for GraphQL tests: post a document, seed HL7 Patients, and compare answers with stored JSON."""

from typing import Any

import httpx

from gateway.fhir.json import dumps, loads
from tests.conftest import FHIR_JSON, example, patient_examples


async def graphql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, path: str = "/$graphql"
) -> tuple[int, dict[str, Any]]:
    """(status, body); the body is read with the FHIR JSON reader so decimals keep their digits."""
    body = dumps({"query": query, "variables": variables}).encode()
    response = await client.post(path, content=body, headers={"Content-Type": "application/json"})
    return response.status_code, loads(response.content)


async def create(client: httpx.AsyncClient, resource: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/Patient", content=dumps(resource).encode(), headers=FHIR_JSON)
    assert response.status_code == 201, response.text
    return loads(response.content)  # type: ignore[no-any-return]


async def create_examples(client: httpx.AsyncClient) -> list[tuple[str, dict[str, Any]]]:
    """Every HL7 Patient example, stored through REST: (file name, stored JSON)."""
    found = []
    for path in patient_examples():
        found.append((path.name, await create(client, example(f"patient/{path.name}"))))
    return found


def without_nulls(value: Any) -> Any:
    """GraphQL answers absent elements with null; FHIR JSON leaves them out. Nulls inside arrays are data."""
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def outcome_codes(error: dict[str, Any]) -> list[str]:
    outcome = error["extensions"]["resource"]
    assert outcome["resourceType"] == "OperationOutcome"
    return [issue["code"] for issue in outcome["issue"]]
