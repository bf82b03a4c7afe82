"""Introspection (seconds of CPU with every type served) runs off the event loop, once per document:
other requests are answered meanwhile, and a repeated document is answered from what was kept."""

import asyncio
import threading
import uuid

from gateway.fhir.json import loads
from schema.introspection import INTROSPECTION_WORKER
from tests.graphql_support import graphql

# Ends a wait that went wrong rather than a slow one: the waits below end on conditions.
GUARD_SECONDS = 600


def _document() -> tuple[str, tuple[str, None]]:
    """An introspection document no earlier test sent (the schema, and what it keeps, live per process)."""
    text = f"query Types{uuid.uuid4().hex} {{ __schema {{ types {{ name }} }} }}"
    return text, (text, None)


def _hold_the_worker() -> threading.Event:
    """Occupy the introspection thread until the returned event is set."""
    release = threading.Event()
    INTROSPECTION_WORKER.submit(release.wait, GUARD_SECONDS)
    return release


async def _until(condition) -> None:
    """The request reaches the cache after several steps of the ASGI stack, which has no event to await."""
    async with asyncio.timeout(GUARD_SECONDS):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def test_a_rest_request_is_answered_while_the_first_introspection_runs(app, client):
    schema = app.state.graphql.system
    document, key = _document()
    release = _hold_the_worker()
    try:
        introspection = asyncio.create_task(graphql(client, document))
        await _until(lambda: schema.introspections.running_or_kept(key))
        metadata = await client.get("/metadata")
        patients = await client.get("/Patient")
        assert metadata.status_code == 200 and patients.status_code == 200
        assert not introspection.done()  # its answer is still being computed off the loop
    finally:
        release.set()
    status, body = await asyncio.wait_for(introspection, GUARD_SECONDS)
    assert status == 200 and "errors" not in body
    names = {item["name"] for item in body["data"]["__schema"]["types"]}
    assert {"Patient", "ValueSet", "Query", "Mutation"} <= names


async def test_a_repeated_introspection_is_answered_from_the_kept_answer(app, client):
    schema = app.state.graphql.system
    document, key = _document()
    first_status, first = await graphql(client, document)
    assert first_status == 200 and schema.introspections.running_or_kept(key)
    release = _hold_the_worker()  # the kept answer needs no worker: this must not wait for it
    try:
        response = await asyncio.wait_for(client.post("/$graphql", json={"query": document}), GUARD_SECONDS)
    finally:
        release.set()
    assert response.status_code == 200 and loads(response.content) == first


async def test_an_introspection_with_variables_is_answered_and_not_kept(app, client):
    query = "query ($name: String!) { __type(name: $name) { name kind } }"
    status, body = await graphql(client, query, {"name": "ValueSet"})
    assert status == 200 and body["data"] == {"__type": {"name": "ValueSet", "kind": "OBJECT"}}
    assert not app.state.graphql.system.introspections.running_or_kept((query, None))
