"""The embedded SQLite engine's index and change-feed costs (mongoeco adaptations 7 and 8): collections with
the same index share one physical SQLite index, a dropped database leaves the others' indexes working, a
file written before the adaptation is moved over once, and writes leave no change-stream rows behind."""

import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from motor.motor_asyncio import AsyncIOMotorClient

from gateway.store.embedded import DATABASE_FILE, EmbeddedMongo
from gateway.store.indexes import CURRENT_INDEXES, HISTORY_INDEXES
from gateway.store.mongoeco_shared_indexes import EMPTY_DOCUMENT_INDEXES, MULTIKEY_INDEX, SHARED_PREFIX

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("MONGODB_URI")), reason="about the embedded SQLite engine; MONGODB_URI is set"
)

TYPES = ("Patient", "Observation", "Encounter")
PATTERNS = {tuple(model.document["key"].items()) for model in [*CURRENT_INDEXES, *HISTORY_INDEXES]}


def _indexes(path: Path) -> dict[str, list[str]]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'index'").fetchall()
    tables: dict[str, list[str]] = {}
    for table, name in rows:
        tables.setdefault(table, []).append(name)
    return tables


def _documents_definitions(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as connection:
        return dict(connection.execute("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'documents'"))


def _empty_ones(definitions: dict[str, str]) -> set[str]:
    """The `documents` indexes that are partial `WHERE 0`: SQLite keeps no entry in them."""
    return {name for name, sql in definitions.items() if sql is not None and sql.endswith(" WHERE 0")}


def _declared(indexes: list[str]) -> list[str]:
    return [name for name in indexes if not name.startswith("sqlite_autoindex")]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[tuple[AsyncIOMotorClient, Path]]:
    server = EmbeddedMongo(data_dir=tmp_path)
    client: AsyncIOMotorClient = AsyncIOMotorClient(server.start())
    try:
        yield client, tmp_path / DATABASE_FILE
    finally:
        client.close()
        server.stop()


async def _populate(client: AsyncIOMotorClient, database: str) -> None:
    for resource_type in TYPES:
        await client[database][resource_type].create_indexes(CURRENT_INDEXES)
        await client[database][f"{resource_type}_history"].create_indexes(HISTORY_INDEXES)
        await client[database][resource_type].insert_many(
            [
                {"_id": f"{database}-{n}", "keys": ["*", f"code|{n % 2}"], "missing": [], "lastUpdated": n}
                for n in range(4)
            ]
        )


async def _key_search(client: AsyncIOMotorClient, database: str) -> list[str]:
    found = client[database]["Patient"].find({"keys": "code|1"}).sort([("lastUpdated", 1), ("_id", 1)])
    return [document["_id"] async for document in found]


async def test_collections_with_the_same_index_share_one_physical_sqlite_index(store):
    client, path = store
    for database in ("first", "second"):
        await _populate(client, database)
    tables = _indexes(path)
    # 2 databases x 3 types x (3 current + 2 history indexes) logical indexes; one physical index per pattern.
    assert sorted(_declared(tables["documents"])) == sorted(
        name for name in tables["documents"] if name.startswith(SHARED_PREFIX)
    )
    assert len(_declared(tables["documents"])) == len(PATTERNS)
    assert MULTIKEY_INDEX in tables["multikey_entries"]
    assert len([name for name in tables["multikey_entries"] if name.startswith(SHARED_PREFIX)]) == 1
    assert await _key_search(client, "second") == ["second-1", "second-3"]


async def test_the_documents_indexes_of_the_key_arrays_are_empty_and_key_searches_still_use_their_keys(store):
    client, path = store
    await _populate(client, "first")
    definitions = _documents_definitions(path)
    keys_and_missing = {name for name in definitions if name in EMPTY_DOCUMENT_INDEXES}
    assert len(keys_and_missing) == 2  # `keys` and `missing`, one physical index each
    assert _empty_ones(definitions) == keys_and_missing  # the others (last updated, history) are full
    assert await _key_search(client, "first") == ["first-1", "first-3"]
    assert await client["first"]["Observation"].count_documents({"keys": "code|0"}) == 2
    with sqlite3.connect(path) as connection:
        plan = connection.execute(
            "EXPLAIN QUERY PLAN SELECT storage_key FROM multikey_entries WHERE collection_id = 1 "
            "AND index_name = 'search_keys' AND type_score = 100 AND element_key = 'x'"
        ).fetchall()
    assert any(MULTIKEY_INDEX in str(row) for row in plan)


async def test_dropping_a_database_keeps_the_shared_indexes_the_others_still_use(store):
    client, path = store
    for database in ("first", "second"):
        await _populate(client, database)
    await client.drop_database("first")
    assert await _key_search(client, "second") == ["second-1", "second-3"]
    await client["second"]["Patient"].drop_index("search_keys")
    assert MULTIKEY_INDEX in _indexes(path)["multikey_entries"]  # Observation and Encounter still name it
    assert await client["second"]["Observation"].count_documents({"keys": "code|0"}) == 2
    await client.drop_database("second")
    tables = _indexes(path)
    assert _declared(tables["documents"]) == []
    assert [name for name in tables["multikey_entries"] if name.startswith(SHARED_PREFIX)] == []


async def test_writes_leave_no_change_stream_rows_while_nobody_watches(store):
    client, path = store
    await _populate(client, "first")
    async with await client.start_session() as session, session.start_transaction():
        await client["first"]["Patient"].insert_one({"_id": "in-transaction", "keys": ["*"]}, session=session)
    await client["first"]["Patient"].update_one({"_id": "first-1"}, {"$set": {"lastUpdated": 9}})
    await client["first"]["Patient"].delete_one({"_id": "first-2"})
    with sqlite3.connect(path) as connection:
        # Upstream appends a row per write and keeps one identity row per write for good.
        assert connection.execute("SELECT count(*) FROM change_outbox_identities").fetchone() == (0,)
        assert (
            connection.execute("SELECT * FROM sqlite_sequence WHERE name = 'change_outbox'").fetchall() == []
        )
    assert await client["first"]["Patient"].count_documents({}) == 4


# Written by mongoeco alone, as a data directory from before the adaptation was.
_UNADAPTED = """
import asyncio, sys
from mongoeco import AsyncMongoClient
from mongoeco.engines import SQLiteEngine

async def main(path):
    async with AsyncMongoClient(SQLiteEngine(path)) as client:
        for name in ("Patient", "Observation"):
            collection = client["gateway"][name]
            await collection.create_index([("keys", 1)], name="search_keys")
            await collection.create_index([("lastUpdated", 1), ("_id", 1)], name="last_updated")
            await collection.insert_one({"_id": name, "keys": ["*", "k"], "lastUpdated": 1})

asyncio.run(main(sys.argv[1]))
"""


@pytest.fixture
def unadapted_file(tmp_path: Path) -> Path:
    path = tmp_path / DATABASE_FILE
    subprocess.run([sys.executable, "-c", textwrap.dedent(_UNADAPTED), str(path)], check=True)
    return path


async def test_a_data_file_written_before_the_adaptation_moves_to_the_shared_indexes_once(
    unadapted_file, tmp_path
):
    path = unadapted_file
    before = _declared(_indexes(path)["documents"])
    assert len(before) == 4 and not any(name.startswith(SHARED_PREFIX) for name in before)
    assert _empty_ones(_documents_definitions(path)) == set()
    server = EmbeddedMongo(data_dir=tmp_path)
    client: AsyncIOMotorClient = AsyncIOMotorClient(server.start())
    try:
        found = client["gateway"]["Patient"].find({"keys": "k"}).sort([("lastUpdated", 1), ("_id", 1)])
        assert [document["_id"] async for document in found] == ["Patient"]
        assert await client["gateway"]["Observation"].count_documents({"keys": "k"}) == 1
    finally:
        client.close()
        server.stop()
    tables = _indexes(path)
    assert len(_declared(tables["documents"])) == 2
    assert all(name.startswith(SHARED_PREFIX) for name in _declared(tables["documents"]))
    assert len(_empty_ones(_documents_definitions(path))) == 1  # `keys`'s, emptied; `last_updated`'s kept
    assert [name for name in tables["multikey_entries"] if name.startswith("idx_")] == []
    with sqlite3.connect(path) as connection:
        named = connection.execute("SELECT physical_name, multikey_physical_name FROM indexes").fetchall()
    assert all(name is None or name.startswith(SHARED_PREFIX) for row in named for name in row)


async def test_a_key_search_sorted_by_id_after_writes_returns_ids_in_string_order(store):
    client, _ = store
    collection = client["first"]["Practitioner"]
    await collection.create_indexes(CURRENT_INDEXES)
    for identifier in ("b-2", "a-10", "A-3", "a-9"):
        await collection.insert_one({"_id": identifier, "keys": ["identifier|npi|1"], "missing": []})
        found = collection.find({"keys": "identifier|npi|1"}).sort([("_id", 1)])
        ids = [document["_id"] async for document in found]
        assert ids == sorted(ids)
    assert ids == ["A-3", "a-10", "a-9", "b-2"]
