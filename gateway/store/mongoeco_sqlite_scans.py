"""Adaptations 5 and 6 of mongoeco (see mongoeco_patches.py): the SQLite engine's scans before and after
every write.

- Its key rows are deleted by storage key before every write, which no index served (5).
- Before translating a filter or a sort it probes whether a field holds decimals, arrays or mixed types
  anywhere in the collection, forgets the answers on every write, and a probe that finds nothing reads the
  whole collection (6). The store fixes the types of the fields it filters and sorts on most, so those
  probes are answered without reading.
Installed by `mongoeco_patches.apply()`; pinned by `tests/unit/test_mongoeco_patches.py`.
"""

import sqlite3
from collections.abc import Callable
from typing import Any

from mongoeco.engines import SQLiteEngine

from gateway.store import mongoeco_shared_indexes, sqlite_page_cache
from gateway.store.search_keys import ARRAY_FIELDS

# Fields the store writes as plain scalars only (`_id` a string, `versionId` an integer). The SQLite engine
# probes whether a filtered field holds decimals or arrays anywhere in the collection before translating a
# filter, forgets the answers on every write, and each probe that finds nothing reads the whole collection:
# a compare-and-swap update (`{_id, versionId}`) paid eight such scans. The key arrays hold strings only, so
# they hold no decimals either; and every `_id` the gateway writes is a string (FHIR ids, `{id}/{versionId}`,
# claim and rate-limit keys), so `_id` sorts as one: a conditional create (a search sorted by `_id`) paid two
# more scans, and a Synthea support bundle has 870 of them.
SCALAR_FIELDS = frozenset({"_id", "versionId"})
UNTAGGED_FIELDS = SCALAR_FIELDS | ARRAY_FIELDS
STRING_SORTED_FIELDS = frozenset({"_id"})


def _sqlite_probe_answer(fields: frozenset[str], answer: object) -> Any:
    def wrap(original: Any) -> Any:
        def probe(self: Any, db_name: str, coll_name: str, field: str, *args: Any) -> Any:
            if field in fields:
                return answer
            return original(self, db_name, coll_name, field, *args)

        probe.__wrapped__ = original  # type: ignore[attr-defined]
        return probe

    return wrap


SQLITE_PROBE_ANSWERS = {
    "_field_contains_tagged_value_type_in_collection": (UNTAGGED_FIELDS, False),
    "_field_is_top_level_array_in_collection": (SCALAR_FIELDS, False),
    "_field_has_uniform_scalar_sort_type_in_collection": (STRING_SORTED_FIELDS, "string"),
}


def _sqlite_string_sort(original: Any) -> Any:
    """A sort on string-only fields never needs Python: upstream otherwise looks for an array or a decimal
    among the matches with its own translation of the filter, which correlates a scan of the key arrays."""

    def requires_python(self: Any, db_name: str, coll_name: str, plan: Any, sort: Any) -> bool:
        if sort and all(field in STRING_SORTED_FIELDS for field, _direction in sort):
            return False
        return bool(original(self, db_name, coll_name, plan, sort))

    requires_python.__wrapped__ = original  # type: ignore[attr-defined]
    return requires_python


# Upstream deletes a document's multikey rows `WHERE collection_id = ? AND storage_key = ?` before every
# insert, replace and delete, but indexes those rows only by (collection_id, index_name, type_score,
# element_key, storage_key): the delete reads every key row of the collection (N documents x ~80 keys) on
# every write. `scalar_index_entries` has the (collection_id, storage_key) index; this gives the same to
# `multikey_entries`.
MULTIKEY_STORAGE_INDEX = "gateway_multikey_entries_storage"


def create_multikey_storage_index(connection: sqlite3.Connection) -> None:
    connection.execute(
        f"CREATE INDEX IF NOT EXISTS {MULTIKEY_STORAGE_INDEX} "
        "ON multikey_entries (collection_id, storage_key)"
    )


def _sqlite_on_open(*steps: Callable[[sqlite3.Connection], object]) -> Any:
    """Run `steps` in one transaction where the engine opens its file, before anything else uses it."""

    def wrap(original: Any) -> Any:
        def connect(self: Any) -> None:
            fresh = self._connection is None
            original(self)
            connection = self._connection
            if not fresh or connection is None:  # only where this call opened the file
                return
            with self._lock:
                had_transaction = connection.in_transaction
                if not had_transaction:
                    connection.execute("BEGIN IMMEDIATE")
                for step in steps:
                    step(connection)
                if not had_transaction:
                    connection.commit()

        connect.__wrapped__ = original  # type: ignore[attr-defined]
        return connect

    return wrap


def apply() -> None:
    """Install adaptation 5 and the probe and sort answers of 6 (called once by mongoeco_patches.apply)."""
    SQLiteEngine._sort_requires_python = _sqlite_string_sort(SQLiteEngine._sort_requires_python)  # type: ignore[method-assign]
    for probe, (fields, answer) in SQLITE_PROBE_ANSWERS.items():
        setattr(SQLiteEngine, probe, _sqlite_probe_answer(fields, answer)(getattr(SQLiteEngine, probe)))
    SQLiteEngine._connect_sync = _sqlite_on_open(  # type: ignore[method-assign]
        create_multikey_storage_index,
        mongoeco_shared_indexes.share_existing_indexes,
        mongoeco_shared_indexes.empty_key_array_indexes,
        sqlite_page_cache.size_page_cache,
    )(SQLiteEngine._connect_sync)
