"""Adaptation 7 of mongoeco (see mongoeco_patches.py): logical indexes share their physical SQLite indexes.

mongoeco's SQLite engine keeps every collection in three shared tables (`documents`, `multikey_entries`,
`scalar_index_entries`) but creates one physical SQLite index per logical index, named after its database,
collection and name. The definitions repeat: every `documents` index leads with `(db_name, coll_name, ...)`
and spans all collections, and every multikey or scalar index is the same `(collection_id, index_name,
type_score, element_key, storage_key)`. With ~20 resource types in use, each document insert maintained
137 `documents` indexes and each of a Patient's ~85 key rows 34 identical `multikey_entries` indexes.

Here each physical index is named after its definition instead, so equal definitions are one SQLite index:
- `documents` indexes by their normalised key pattern, `multikey_entries` and `scalar_index_entries` by a
  fixed name each;
- creating a shared index that exists is a no-op (`CREATE INDEX` becomes `CREATE INDEX IF NOT EXISTS`);
- dropping one waits for the commit and happens only if no catalog row names it any longer: upstream drops
  the physical index before it deletes the catalog row, in the same transaction;
- a data file written before this adaptation is moved to the shared names once, when the engine opens it.

The `documents` index of a key array (`ARRAY_FIELDS`: `keys`, `missing`) is created empty, as a partial
index `WHERE 0`. Upstream builds one beside the multikey index of every single-field index, keyed by the
field's whole value: for a key array, its whole JSON text, extracted twice per write, in B-trees that held
a fifth of the data file (19.3 of 87.7 MB at 1k Patients; the command is in docs/storage.md). No read can
use it: key-array queries go through `multikey_entries` (adaptations 3 and 4) and nothing sorts by a key
array. Partial, it costs a constant test per write, keeps its name for upstream's catalog and
drops, and a file that has the full one gets the empty one when the engine opens it.

Everything goes through mongoeco's own connection class (`SQLiteConnection`, a `sqlite3.Connection`
factory): statements are rewritten only when they name a shared index, so nothing else changes.
`tests/unit/test_mongoeco_patches.py` pins the upstream behaviour this relies on;
`tests/api/test_embedded_sqlite_indexes.py` checks the result on data files.
"""

import hashlib
import sqlite3
from typing import Any

from mongoeco._types.indexes import normalize_index_keys
from mongoeco.core.json_compat import json_loads
from mongoeco.engines import _sqlite_connection as connection_module
from mongoeco.engines import sqlite as sqlite_module

from gateway.store.search_keys import ARRAY_FIELDS

SHARED_PREFIX = "gateway_shared_"
MULTIKEY_INDEX = f"{SHARED_PREFIX}multikey"
SCALAR_INDEX = f"{SHARED_PREFIX}scalar"
# The one definition upstream gives every multikey and every scalar physical index.
ENTRY_COLUMNS = "(collection_id, index_name, type_score, element_key, storage_key)"
_CREATE_SHARED = f'CREATE INDEX "{SHARED_PREFIX}'
_DROP_SHARED = f'DROP INDEX IF EXISTS "{SHARED_PREFIX}'
_PHYSICAL_COLUMNS = ("physical_name", "multikey_physical_name", "scalar_physical_name")
_STILL_NAMED = (
    "SELECT 1 FROM indexes WHERE physical_name = ?1 OR multikey_physical_name = ?1 "
    "OR scalar_physical_name = ?1 LIMIT 1"
)
_EMPTY = " WHERE 0"


def documents_index_name(keys: Any) -> str:
    """The shared name of the `documents` index for a key pattern: equal patterns, equal SQL definitions."""
    pattern = repr([[field, direction] for field, direction in normalize_index_keys(keys)])
    return f"{SHARED_PREFIX}documents_{hashlib.sha1(pattern.encode()).hexdigest()[:16]}"


# The `documents` indexes of the key arrays, either direction: created empty (see the module's text).
EMPTY_DOCUMENT_INDEXES = frozenset(
    documents_index_name([(field, direction)]) for field in ARRAY_FIELDS for direction in (1, -1)
)


class SharingConnection(connection_module.SQLiteConnection):
    """mongoeco's connection, with shared physical indexes created once and dropped when last unnamed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unreferenced_candidates: set[str] = set()

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        if sql.startswith(_CREATE_SHARED):
            if _empty_by_design(sql):
                sql += _EMPTY
            sql = "CREATE INDEX IF NOT EXISTS " + sql.removeprefix("CREATE INDEX ")
        elif sql.startswith(_DROP_SHARED):
            self.unreferenced_candidates.add(_identifier(sql.removeprefix("DROP INDEX IF EXISTS ")))
            return super().execute("SELECT 0 WHERE 0")
        return super().execute(sql, parameters)

    def commit(self) -> None:
        if self.unreferenced_candidates and self.in_transaction:
            self.drop_unreferenced()
        super().commit()

    def rollback(self) -> None:
        self.unreferenced_candidates.clear()
        super().rollback()

    def drop_unreferenced(self) -> None:
        for name in sorted(self.unreferenced_candidates):
            if super().execute(_STILL_NAMED, (name,)).fetchone() is None:
                super().execute(f"DROP INDEX IF EXISTS {_quoted(name)}")
        self.unreferenced_candidates.clear()


def _identifier(quoted: str) -> str:
    return quoted.strip()[1:-1].replace('""', '"')


def _empty_by_design(create_index: str) -> bool:
    """Whether a `CREATE INDEX` statement creates a key array's `documents` index, not yet empty."""
    name = _identifier(create_index.removeprefix("CREATE INDEX ").split(" ON ", 1)[0])
    return name in EMPTY_DOCUMENT_INDEXES and not create_index.endswith(_EMPTY)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sharing_create_index(original: Any) -> Any:
    def create_index(conn: sqlite3.Connection, **kwargs: Any) -> Any:
        keys = kwargs["keys"]
        kwargs["physical_index_name"] = lambda _db, _coll, _name: documents_index_name(keys)
        kwargs["physical_multikey_index_name"] = lambda _db, _coll, _name: MULTIKEY_INDEX
        kwargs["physical_scalar_index_name"] = lambda _db, _coll, _name: SCALAR_INDEX
        return original(conn, **kwargs)

    create_index.__wrapped__ = original  # type: ignore[attr-defined]
    return create_index


def share_existing_indexes(connection: sqlite3.Connection) -> int:
    """Move a data file's per-collection physical indexes to the shared ones; returns how many it dropped.

    Runs in one transaction when the engine opens the file, before anything else uses it (installed with
    the other steps on open by mongoeco_patches.apply).
    """
    rows = connection.execute(
        "SELECT db_name, coll_name, name, keys, physical_name, multikey_physical_name, scalar_physical_name "
        "FROM indexes"
    ).fetchall()
    definitions = dict(
        connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
    )
    retired: set[str] = set()
    for db_name, coll_name, name, keys, *physical_names in rows:
        shared_names = (
            documents_index_name(json_loads(keys)) if keys else None,
            MULTIKEY_INDEX,
            SCALAR_INDEX,
        )
        for column, old, new in zip(_PHYSICAL_COLUMNS, physical_names, shared_names, strict=True):
            if old is None or new is None or old == new:
                continue
            sql = definitions.get(old)
            if sql is None:  # the catalog names an index the file lacks: upstream recreates it on use
                continue
            connection.execute(f"CREATE INDEX IF NOT EXISTS {_quoted(new)} ON {sql.split(' ON ', 1)[1]}")
            connection.execute(
                f"UPDATE indexes SET {column} = ? WHERE db_name = ? AND coll_name = ? AND name = ?",
                (new, db_name, coll_name, name),
            )
            retired.add(old)
    for old in sorted(retired):
        connection.execute(f"DROP INDEX IF EXISTS {_quoted(old)}")
    return len(retired)


def empty_key_array_indexes(connection: sqlite3.Connection) -> int:
    """Replace a full `documents` index of a key array by the empty one; returns how many it replaced.

    Runs where the engine opens the file, after share_existing_indexes (installed with it).
    """
    replaced = 0
    indexes = connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'").fetchall()
    for name, sql in indexes:
        if name in EMPTY_DOCUMENT_INDEXES and not sql.endswith(_EMPTY):
            connection.execute(f"DROP INDEX {_quoted(name)}")
            connection.execute(sql + _EMPTY)
            replaced += 1
    return replaced


def apply() -> None:
    """Install adaptation 7 (called once by mongoeco_patches.apply)."""
    create_index = vars(sqlite_module)["_sqlite_create_index"]  # a private import of the module
    vars(sqlite_module).update(
        SQLiteConnection=SharingConnection, _sqlite_create_index=_sharing_create_index(create_index)
    )
