"""`insert_many` over the wire on the embedded store (mongoeco adaptation 9 writes it as one batch): the
command reports what the per-document loop reported. Ordered: the documents before the first failure are
stored and the rest are not; unordered: every other document is stored and every failure is reported."""

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from motor.motor_asyncio import AsyncIOMotorClient
from pymongo.errors import BulkWriteError

from gateway.store.embedded import EmbeddedMongo

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("MONGODB_URI")), reason="about the embedded store; MONGODB_URI is set"
)


@pytest.fixture(params=["memory", "sqlite"])
async def collection(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    server = EmbeddedMongo(data_dir=tmp_path if request.param == "sqlite" else None)
    client: AsyncIOMotorClient[dict[str, Any]] = AsyncIOMotorClient(server.start())
    try:
        yield client[f"batch_{uuid.uuid4().hex}"]["things"]
    finally:
        client.close()
        server.stop()


def _documents() -> list[dict[str, Any]]:
    return [{"_id": name, "keys": [name]} for name in ("a", "b", "c", "d")]


async def _stored(collection: Any) -> list[str]:
    return sorted([document["_id"] async for document in collection.find({})])


async def test_a_batch_without_failures_stores_every_document(collection):
    result = await collection.insert_many(_documents())
    assert result.inserted_ids == ["a", "b", "c", "d"]
    assert await _stored(collection) == ["a", "b", "c", "d"]
    assert await collection.count_documents({"keys": "c"}) == 1


async def test_an_ordered_batch_stops_at_the_first_duplicate(collection):
    await collection.insert_one({"_id": "b"})
    with pytest.raises(BulkWriteError) as raised:
        await collection.insert_many(_documents(), ordered=True)
    details = raised.value.details
    assert details["nInserted"] == 1
    assert [(error["index"], error["code"]) for error in details["writeErrors"]] == [(1, 11000)]
    assert await _stored(collection) == ["a", "b"]


async def test_an_unordered_batch_stores_the_rest_and_reports_each_duplicate(collection):
    await collection.insert_many([{"_id": "b"}, {"_id": "d"}])
    with pytest.raises(BulkWriteError) as raised:
        await collection.insert_many(_documents(), ordered=False)
    details = raised.value.details
    assert details["nInserted"] == 2
    assert [(error["index"], error["code"]) for error in details["writeErrors"]] == [(1, 11000), (3, 11000)]
    assert await _stored(collection) == ["a", "b", "c", "d"]
    assert await collection.count_documents({"keys": "a"}) == 1
