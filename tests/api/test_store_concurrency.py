"""Concurrency on the embedded store: racing conditional creates make one resource; transactions beside
reads and writes never give a 5xx. Runs on the memory engine (the session's server) and on the SQLite
engine, which binds one transaction to the whole engine (a server of its own in a temporary directory)."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from gateway.fhir.json import dumps
from gateway.fhir.resource_types import CORE_DEFINITIONS
from gateway.service.versions import next_version
from gateway.store.database import connect
from gateway.store.embedded import EmbeddedMongo
from gateway.store.writes import PENDING_COLLECTION, history_document, pending_note_id
from tests.conftest import FHIR_JSON, fresh_settings, http_client, running_app

RACERS = 30


@pytest.fixture(scope="module")
def sqlite_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EmbeddedMongo(data_dir=tmp_path_factory.mktemp("sqlite-store"))
    yield server.start()
    server.stop()


@pytest.fixture(params=["memory", "sqlite"])
async def engine_app(request: pytest.FixtureRequest, mongodb_uri: str) -> AsyncIterator[FastAPI]:
    uri = mongodb_uri if request.param == "memory" else request.getfixturevalue("sqlite_uri")
    async with running_app(fresh_settings(uri)) as application:
        yield application


def _patient(value: str, family: str = "Racer") -> dict:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": "urn:race", "value": value}],
        "name": [{"family": family}],
    }


def _bundle(*entries: dict) -> bytes:
    return dumps({"resourceType": "Bundle", "type": "transaction", "entry": list(entries)})


def _conditional_post(resource: dict, criteria: str) -> dict:
    return {"resource": resource, "request": {"method": "POST", "url": "Patient", "ifNoneExist": criteria}}


async def test_thirty_racing_conditional_creates_with_the_same_criteria_create_exactly_one(engine_app):
    async with http_client(engine_app) as client:
        headers = {**FHIR_JSON, "If-None-Exist": "identifier=urn:race|one"}
        responses = await asyncio.gather(
            *(client.post("/Patient", json=_patient("one"), headers=headers) for _ in range(RACERS))
        )
        statuses = Counter(response.status_code for response in responses)
        assert statuses == {201: 1, 200: RACERS - 1}, statuses
        assert len({response.json()["id"] for response in responses}) == 1
        found = await client.get("/Patient", params={"identifier": "urn:race|one"})
        assert found.json()["total"] == 1


async def test_thirty_racing_transactions_with_the_same_if_none_exist_create_exactly_one(engine_app):
    async with http_client(engine_app) as client:
        body = _bundle(_conditional_post(_patient("two"), "identifier=urn:race|two"))
        responses = await asyncio.gather(
            *(client.post("/", content=body, headers=FHIR_JSON) for _ in range(RACERS))
        )
        assert {response.status_code for response in responses} == {200}, [r.text for r in responses]
        entry_statuses = Counter(response.json()["entry"][0]["response"]["status"] for response in responses)
        assert entry_statuses == {"201 Created": 1, "200 OK": RACERS - 1}, entry_statuses
        found = await client.get("/Patient", params={"identifier": "urn:race|two"})
        assert found.json()["total"] == 1


async def test_thirty_racing_batches_with_the_same_if_none_exist_create_exactly_one(engine_app):
    async with http_client(engine_app) as client:
        entry = _conditional_post(_patient("batch"), "identifier=urn:race|batch")
        body = dumps({"resourceType": "Bundle", "type": "batch", "entry": [entry]})
        responses = await asyncio.gather(
            *(client.post("/", content=body, headers=FHIR_JSON) for _ in range(RACERS))
        )
        assert {response.status_code for response in responses} == {200}, [r.text for r in responses]
        entry_statuses = Counter(response.json()["entry"][0]["response"]["status"] for response in responses)
        assert entry_statuses == {"201 Created": 1, "200 OK": RACERS - 1}, entry_statuses
        found = await client.get("/Patient", params={"identifier": "urn:race|batch"})
        assert found.json()["total"] == 1


async def test_a_conditional_create_after_the_match_was_deleted_creates_a_new_resource(engine_app):
    async with http_client(engine_app) as client:
        headers = {**FHIR_JSON, "If-None-Exist": "identifier=urn:race|three"}
        first = await client.post("/Patient", json=_patient("three"), headers=headers)
        assert first.status_code == 201
        assert (await client.delete(f"/Patient/{first.json()['id']}")).status_code in (200, 204)
        again = await client.post("/Patient", json=_patient("three"), headers=headers)
        assert again.status_code == 201
        assert again.json()["id"] != first.json()["id"]


async def test_transactions_beside_reads_and_writes_never_answer_a_server_error(engine_app):
    async with http_client(engine_app) as client:
        shared = await client.put(
            "/Patient/shared", json={**_patient("shared"), "id": "shared"}, headers=FHIR_JSON
        )
        assert shared.status_code == 201

        async def transaction(number: int) -> int:
            entries = [
                {"resource": _patient(f"t{number}-{item}"), "request": {"method": "POST", "url": "Patient"}}
                for item in range(4)
            ]
            entries.append(
                {
                    "resource": {**_patient("shared", f"Tx{number}"), "id": "shared"},
                    "request": {"method": "PUT", "url": "Patient/shared"},
                }
            )
            return (await client.post("/", content=_bundle(*entries), headers=FHIR_JSON)).status_code

        async def put(number: int) -> int:
            body = {**_patient(f"w{number}"), "id": f"w{number}"}
            return (await client.put(f"/Patient/w{number}", json=body, headers=FHIR_JSON)).status_code

        async def read(number: int) -> int:
            if number % 2:
                return (await client.get("/Patient/shared")).status_code
            return (await client.get("/Patient", params={"family": "racer", "_count": "5"})).status_code

        statuses = await asyncio.gather(
            *(transaction(number) for number in range(10)),
            *(put(number) for number in range(20)),
            *(read(number) for number in range(30)),
        )
        counted = Counter(statuses)
        assert not [status for status in statuses if status >= 500], counted
        assert counted[200] + counted[201] == len(statuses), counted
        history = (await client.get("/Patient/shared/_history")).json()
        assert history["total"] == 11  # the create and one version per transaction, none lost
        await engine_app.state.audit.flush()  # a short shutdown for the fixture


async def test_a_write_interrupted_between_its_steps_is_completed_at_start_up(tmp_path: Path):
    """What a kill -9 between the history insert and the current swap leaves behind, rolled forward."""
    server = EmbeddedMongo(data_dir=tmp_path)
    uri = server.start()
    try:
        database = await connect(uri, "crash", list(CORE_DEFINITIONS))
        definition = CORE_DEFINITIONS["Patient"]
        first = next_version(definition, "torn", _patient("torn"), None, "PUT")
        written = history_document(first)
        await database.db[PENDING_COLLECTION].insert_one(
            {"_id": pending_note_id("Patient", written["_id"]), "type": "Patient", "ids": [written["_id"]]}
        )
        await database.history("Patient").insert_one(written)
        database.close()

        database = await connect(uri, "crash", list(CORE_DEFINITIONS))
        shown = await database.current("Patient").find_one({"_id": "torn"})
        assert shown is not None and shown["versionId"] == 1
        assert await database.db[PENDING_COLLECTION].count_documents({}) == 0
        database.close()
    finally:
        server.stop()
