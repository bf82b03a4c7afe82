"""Adaptation 11 of mongoeco (see mongoeco_patches.py): the SQLite engine rebuilds its scalar index entries
once per file, not at every open.

Each time the SQLite engine opens its file, upstream deletes the scalar index entries of every collection
and rebuilds them by decoding every document (`backfill_scalar_indexes_sync`). That brings a file from
before scalar index entries existed up to date, but it runs on every open, so `serve`, `import` and
`fhir-gateway db` started in a time proportional to everything ever stored. The engine keeps the entries
in step with each write, in the write's own SQLite transaction, and builds them for the documents already
there when an index is created; so once a file's entries were rebuilt, they stay complete. (The store's own
single-field indexes hold arrays, which have no scalar entries: upstream decoded every document to find
none.)

Here the rebuild runs as upstream runs it until it has run once under this mongoeco version, which a row
in a table of the gateway's own (`gateway_adaptations`) records, in the same transaction as the rebuild.
Later opens skip it, unless a single-field index still lacks the scalar physical name the rebuild gives
it (a file written by an older mongoeco). `tests/api/test_embedded_sqlite_reopen.py` checks that the
entries the writes leave are exactly those the rebuild makes, and that a reopen reads no document.
"""

import sqlite3
from importlib.metadata import version
from typing import Any

from mongoeco.engines import SQLiteEngine

MARKER_TABLE = "gateway_adaptations"
COMPONENT = "scalar_index_entries_rebuilt"


def _rebuilt_under(connection: sqlite3.Connection) -> str | None:
    connection.execute(
        f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} "
        "(component TEXT PRIMARY KEY, mongoeco_version TEXT NOT NULL)"
    )
    row = connection.execute(
        f"SELECT mongoeco_version FROM {MARKER_TABLE} WHERE component = ?", (COMPONENT,)
    ).fetchone()
    return str(row[0]) if row else None


def _scalar_name_missing(connection: sqlite3.Connection) -> bool:
    """A single-field index without the scalar physical name upstream's rebuild gives it."""
    row = connection.execute(
        "SELECT 1 FROM indexes WHERE scalar_physical_name IS NULL AND json_array_length(fields) = 1 LIMIT 1"
    ).fetchone()
    return row is not None


def _once_per_file(original: Any) -> Any:
    def backfill(self: Any, connection: sqlite3.Connection) -> None:
        running = version("mongoeco")
        if _rebuilt_under(connection) == running and not _scalar_name_missing(connection):
            return
        original(self, connection)
        connection.execute(
            f"INSERT OR REPLACE INTO {MARKER_TABLE} (component, mongoeco_version) VALUES (?, ?)",
            (COMPONENT, running),
        )

    backfill.__wrapped__ = original  # type: ignore[attr-defined]
    return backfill


def apply() -> None:
    """Install adaptation 11 (called once by mongoeco_patches.apply)."""
    SQLiteEngine._backfill_scalar_indexes_sync = _once_per_file(SQLiteEngine._backfill_scalar_indexes_sync)  # type: ignore[method-assign]
