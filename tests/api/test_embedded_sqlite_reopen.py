"""Reopening the embedded SQLite store reads no document (mongoeco adaptation 11): the scalar index entries
that writes leave are exactly those upstream's rebuild at open makes, so the rebuild runs once per file."""

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from mongoeco.engines import SQLiteEngine

from gateway.fhir.resource_types import CORE_DEFINITIONS
from gateway.service.interactions import FhirService
from gateway.store.database import connect
from gateway.store.embedded import DATABASE_FILE, EmbeddedMongo
from gateway.store.mongoeco_scalar_backfill import MARKER_TABLE
from gateway.store.resource_store import ResourceStore

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("MONGODB_URI")), reason="about the embedded SQLite engine; MONGODB_URI is set"
)


def _patient(family: str, year: int) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "name": [{"family": family}],
        "birthDate": f"{year}-02-03",
    }


async def _write_some(data_dir: Path) -> None:
    server = EmbeddedMongo(data_dir)
    database = await connect(server.start(), "fhir", list(CORE_DEFINITIONS), False)
    try:
        service = FhirService(ResourceStore(database))
        created = [await service.create("Patient", _patient(f"Family{n}", 1950 + n)) for n in range(6)]
        for outcome in created[:2]:
            renamed = {**_patient("Renamed", 1990), "id": outcome.version.id}
            await service.update("Patient", outcome.version.id, renamed)
        await service.delete("Patient", created[2].version.id)
        # The store's own single-field indexes hold arrays (no scalar entries): one that holds scalars too.
        probes = database.db["scalar_probe"]
        await probes.create_index("code")
        await probes.insert_many([{"_id": f"p{n}", "code": n % 3, "at": f"2026-0{n + 1}"} for n in range(5)])
        await probes.update_one({"_id": "p1"}, {"$set": {"code": "text"}})
        await probes.delete_one({"_id": "p2"})
        await probes.insert_one({"_id": "p9", "code": 2.5})
    finally:
        database.close()
        server.stop()


def _entries(path: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT * FROM scalar_index_entries ORDER BY 1, 2, 3, 4, 5, 6").fetchall()


def _open_and_close(data_dir: Path) -> None:
    server = EmbeddedMongo(data_dir)
    server.start()
    server.stop()


@pytest.fixture
def documents_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The collections whose every document the engine decodes (its `_load_documents`), as it runs."""
    read: list[str] = []
    load = SQLiteEngine._load_documents

    def counted(self: Any, db_name: str, coll_name: str, *args: Any, **kwargs: Any) -> Any:
        read.append(coll_name)
        return load(self, db_name, coll_name, *args, **kwargs)

    monkeypatch.setattr(SQLiteEngine, "_load_documents", counted)
    return read


async def test_a_reopen_reads_no_document_and_the_entries_match_what_the_rebuild_makes(
    tmp_path: Path, documents_read: list[str]
):
    await _write_some(tmp_path)
    path = tmp_path / DATABASE_FILE
    left_by_writes = _entries(path)
    assert len(left_by_writes) == 5, "one scalar entry per probe document: else nothing is compared"

    documents_read.clear()
    _open_and_close(tmp_path)
    assert documents_read == []
    assert _entries(path) == left_by_writes

    with sqlite3.connect(path) as connection:  # as a file the adaptation never opened
        connection.execute(f"DELETE FROM {MARKER_TABLE}")
    _open_and_close(tmp_path)
    assert "Patient" in documents_read  # upstream's rebuild ran, once
    assert _entries(path) == left_by_writes  # and made exactly what the writes had left
    documents_read.clear()
    _open_and_close(tmp_path)
    assert documents_read == []
