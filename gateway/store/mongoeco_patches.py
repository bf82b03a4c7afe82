"""The one place that adapts mongoeco (pinned in pyproject) to the store's documents; see docs/storage.md.

Thirteen changes, each to a private method whose behaviour a test pins (`tests/unit/test_mongoeco_patches.py`,
or the test named in the change's own module), so an upgrade that moves or changes them fails loudly instead
of silently bringing the full scans back:

1. Inserts skip the whole-collection `_id` re-scan for string ids. mongoeco re-checks `_id` by loading every
   document so that numeric ids equal across types (1 and 1.0) collide; a string id's storage key is exact,
   and the primary-key lookup that runs first already refuses a duplicate.
2. The memory engine uses a single-field index for `$in` (it already does for equality) and intersects every
   key lookup of an AND (upstream uses the first equality only: a search on `birthdate` `ge` and `lt` would
   take every document the wider side's keys name); both engines look up `_id` equal to or in a list of
   string ids by storage key instead of comparing every document (the memory engine's update and delete
   paths compared all of them when the id was not there).
3. The SQLite engine answers equality and `$in` on the store's key arrays (`ARRAY_FIELDS`) from its multikey
   table with one uncorrelated sub-select. Upstream correlates a sub-select per document, whose index
   prefix cannot use the value, and ORs it with a scalar test of the stored JSON: a scan that grows with N
   twice over. The store writes these fields as arrays only, so the scalar branch never matches: left out.
4. Where the SQLite engine would scan the whole collection in Python because one clause (an `$elemMatch` on
   the `search` ranges, a regex) has no SQL form, it selects candidates by the key clauses in SQL and tests
   the full filter on those in Python (its own "sql-prefilter" mode, which upstream never builds).
5. The SQLite engine gets an index on `multikey_entries (collection_id, storage_key)`: every write first
   deletes the document's key rows by storage key, which without it reads all key rows of the collection.
6. The SQLite engine looks up `_id` equality by storage key also beside other clauses, and skips its
   decimal/array/sort-type probes (each a scan after any write) for fields whose type the store fixes
   (`_id`, `versionId`, the key arrays), and sorts by `_id` in SQL: a compare-and-swap update no longer
   reads the collection nine times, nor a search sorted by `_id` (the default) once or three times.
   5 and the probes and sort check of 6 live in `mongoeco_sqlite_scans.py`.
7. The SQLite engine's logical indexes share one physical SQLite index per definition instead of one each
   (`mongoeco_shared_indexes.py`): an insert maintained 137 identical-by-definition indexes. The key arrays'
   `documents` indexes, which no read uses, are created empty.
8. Writes skip mongoeco's change-stream outbox and its per-write dispatch while no stream is open
   (`mongoeco_change_feed.py`): the gateway opens none, and they were half of an insert's engine time.
9. The wire server writes an `insert` command's documents as one batch (`mongoeco_batch_insert.py`), not one
   engine call and commit per document, with the same per-document outcome.
10. The codec converts a plain JSON document in one walk (`mongoeco_codec.py`) where upstream walked it once
   per level of nesting and then twice more; anything else still goes through upstream's codec.
11. The SQLite engine rebuilds its scalar index entries (decoding every document) once per file, not at
   every open (`mongoeco_scalar_backfill.py`): writes keep them complete.
12. The wire server converts the plain values of the documents it receives and answers at once
   (`mongoeco_wire_values.py`) instead of testing each against a dozen BSON classes.
13. The SQLite engine builds the index rows of an all-string key array at once and sizes a bulk insert's
   prepared documents without measuring every object (`mongoeco_bulk_rows.py`).
"""

from dataclasses import replace
from typing import Any

from mongoeco.core.query_plan import AndCondition, EqualsCondition, InCondition, QueryNode
from mongoeco.engines import MemoryEngine, SQLiteEngine, semantic_core
from mongoeco.engines import memory as memory_module
from mongoeco.engines import sqlite as sqlite_module
from mongoeco.engines.sqlite_planner import SQLiteReadExecutionPlan

from gateway.store import (
    mongoeco_batch_insert,
    mongoeco_bulk_rows,
    mongoeco_change_feed,
    mongoeco_codec,
    mongoeco_reads,
    mongoeco_scalar_backfill,
    mongoeco_shared_indexes,
    mongoeco_sqlite_scans,
    mongoeco_wire_values,
)
from gateway.store.search_keys import ARRAY_FIELDS

PINNED_VERSION = "4.11.0"

_applied = False


def _skip_string_id_rescan(original: Any) -> Any:
    def validate(self: Any, db_name: str, coll_name: str, document: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(document, dict) and isinstance(document.get("_id"), str):
            kwargs["scan_payload_id"] = False
        return original(self, db_name, coll_name, document, *args, **kwargs)

    validate.__wrapped__ = original  # type: ignore[attr-defined]
    return validate


def _memory_clause_buckets(self: Any, indexes: list[Any], index_data: dict[str, Any], clause: Any) -> Any:
    """The index buckets (sets of storage keys) an equality or `$in` clause names; None without an index."""
    if isinstance(clause, EqualsCondition) and (clause.field in ARRAY_FIELDS or clause.field == "_id"):
        if clause.null_matches_undefined or not isinstance(clause.value, str):
            return None
        values: tuple[Any, ...] = (clause.value,)
    elif isinstance(clause, InCondition) and not clause.null_matches_undefined:
        values = tuple(clause.values)
    else:
        return None
    if clause.field == "_id" and all(isinstance(value, str) for value in values):
        return [{self._storage_key(value) for value in values}]
    for index in indexes:
        index_map = index_data.get(index["name"])
        if index["key"] != [(clause.field, 1)] or index_map is None or index.get("sparse"):
            continue
        if index.get("partialFilterExpression") or index.get("collation"):
            continue
        return [index_map.get((self._index_equality_key(value),), ()) for value in values]
    return None


def _memory_in_candidates(original: Any) -> Any:
    def candidates(
        self: Any, indexes: list[Any], index_data: dict[str, Any], query_plan: QueryNode, **kwargs: Any
    ) -> Any:
        found = original(self, indexes, index_data, query_plan, **kwargs)
        if kwargs.get("collation") is not None:
            return found
        clauses = query_plan.clauses if isinstance(query_plan, AndCondition) else (query_plan,)
        looked_up = [_memory_clause_buckets(self, indexes, index_data, clause) for clause in clauses]
        clause_buckets = [buckets for buckets in looked_up if buckets is not None]
        if not clause_buckets:
            return found
        if found is not None:  # upstream's own pick (the first indexed equality) is one more AND term
            clause_buckets.append([found.storage_keys])
        # Every clause of the AND holds for a match. Only the smallest clause's keys are copied: the others
        # are tested by membership, since copying a bucket of half the collection costs more than the page.
        clause_buckets.sort(key=lambda buckets: sum(len(bucket) for bucket in buckets))
        keys = set().union(*clause_buckets[0])
        for buckets in clause_buckets[1:]:
            keys = {key for key in keys if any(key in bucket for bucket in buckets)}
        return memory_module._MemoryIndexedCandidates(keys)

    candidates.__wrapped__ = original  # type: ignore[attr-defined]
    return candidates


def _sqlite_array_membership(self: Any, collection_id: int, index: Any, values: tuple[Any, ...]) -> Any:
    """`storage_key IN (entries of the index equal to one of values)`: one index seek per value."""
    physical_name = self._quote_identifier(str(index["multikey_physical_name"]))
    by_type: dict[str, list[str]] = {}
    for value in values:
        for element_type, element_key in self._multikey_signatures_for_query_value(value):
            by_type.setdefault(element_type, []).append(element_key)
    terms: list[str] = []
    params: list[object] = [collection_id, index["name"]]
    for element_type, element_keys in by_type.items():
        marks = ", ".join("?" for _ in element_keys)
        terms.append(f"(type_score = ? AND element_key IN ({marks}) AND element_type = ?)")
        params.extend([self._multikey_type_score(element_type), *element_keys, element_type])
    if not terms:
        return "0 = 1", []
    sql = (
        f"documents.storage_key IN (SELECT storage_key FROM multikey_entries INDEXED BY {physical_name} "
        f"WHERE collection_id = ? AND index_name = ? AND ({' OR '.join(terms)}))"
    )
    return sql, params


def _sqlite_equals(original: Any) -> Any:
    def translate(self: Any, collection_id: int, db_name: str, coll_name: str, plan: Any, index: Any) -> Any:
        if plan.field not in ARRAY_FIELDS or plan.null_matches_undefined or plan.value is None:
            return original(self, collection_id, db_name, coll_name, plan, index)
        return _sqlite_array_membership(self, collection_id, index, (plan.value,))

    translate.__wrapped__ = original  # type: ignore[attr-defined]
    return translate


def _sqlite_in(original: Any) -> Any:
    def translate(self: Any, collection_id: int, db_name: str, coll_name: str, plan: Any, index: Any) -> Any:
        if plan.field not in ARRAY_FIELDS or plan.null_matches_undefined or None in plan.values:
            return original(self, collection_id, db_name, coll_name, plan, index)
        return _sqlite_array_membership(self, collection_id, index, tuple(plan.values))

    translate.__wrapped__ = original  # type: ignore[attr-defined]
    return translate


def _sqlite_id_in(original: Any) -> Any:
    """`_id` equal to or in a list of string ids: storage-key lookups (upstream compares every document's
    JSON when `_id` comes with another clause, as in the versioned compare-and-swap `{_id, versionId}`)."""

    def translate(self: Any, db_name: str, coll_name: str, plan: QueryNode) -> Any:
        if (
            isinstance(plan, EqualsCondition)
            and plan.field == "_id"
            and isinstance(plan.value, str)
            and not plan.null_matches_undefined
        ):
            return "documents.storage_key = ?", [self._storage_key(plan.value)]
        if (
            isinstance(plan, InCondition)
            and plan.field == "_id"
            and plan.values
            and all(isinstance(value, str) for value in plan.values)
        ):
            marks = ", ".join("?" for _ in plan.values)
            return f"documents.storage_key IN ({marks})", [self._storage_key(value) for value in plan.values]
        return original(self, db_name, coll_name, plan)

    translate.__wrapped__ = original  # type: ignore[attr-defined]
    return translate


def _key_clauses(plan: QueryNode) -> list[QueryNode]:
    clauses = plan.clauses if isinstance(plan, AndCondition) else (plan,)
    return [
        clause
        for clause in clauses
        # Not `_id`: updates and deletes filter by `_id` plus other fields, and mongoeco's write path does not
        # apply a hybrid plan's Python residual (limits' rate-limit windows were updated unconditionally).
        if isinstance(clause, EqualsCondition | InCondition) and clause.field in ARRAY_FIELDS
    ]


def _sqlite_prefilter(original: Any) -> Any:
    """Where upstream falls back to a Python scan of the whole collection because one clause cannot be
    written in SQL, select the candidates by the key clauses in SQL and test the whole filter in Python."""

    def compile_plan(self: Any, db_name: str, coll_name: str, semantics: Any, **kwargs: Any) -> Any:
        plan = original(self, db_name, coll_name, semantics, **kwargs)
        if plan.use_sql or semantics.collation is not None or semantics.text_query is not None:
            return plan
        keys = _key_clauses(semantics.query_plan)
        if not keys or keys == [semantics.query_plan]:
            return plan
        narrowed = replace(
            semantics,
            query_plan=keys[0] if len(keys) == 1 else AndCondition(tuple(keys)),
            compiled_query=None,
            sort=None,
            skip=0,
            limit=None,
        )
        prefilter = original(self, db_name, coll_name, narrowed, **kwargs)
        if not prefilter.use_sql or prefilter.apply_python_sort:
            return plan
        return SQLiteReadExecutionPlan(
            semantics=semantics,
            strategy="hybrid",
            execution_lineage=prefilter.execution_lineage,
            physical_plan=prefilter.physical_plan,
            use_sql=True,
            sql=prefilter.sql,
            params=prefilter.params,
            apply_python_residual=True,
            residual_query_plan=semantics.query_plan,
            fallback_reason="key clauses in SQL, the rest in Python (gateway adaptation)",
        )

    compile_plan.__wrapped__ = original  # type: ignore[attr-defined]
    return compile_plan


class _ResidualScan:
    """Upstream's residual scan refuses a sort; filter first, then sort, page and project as a scan would."""

    original = semantic_core.FiniteDocumentScan

    def __new__(cls, documents: Any, semantics: Any, **kwargs: Any) -> Any:
        if semantics.sort is None:
            return cls.original(documents, semantics, **kwargs)
        unsorted = replace(semantics, sort=None, skip=0, limit=None, projection=None)
        matched = cls.original(documents, unsorted, emit_public_documents=False)
        return iter(semantic_core.finalize_documents(matched, semantics))


def apply() -> None:
    """Install the adaptations once per process (before any engine is used)."""
    global _applied
    if _applied:
        return
    MemoryEngine._ensure_unique_indexes = _skip_string_id_rescan(MemoryEngine._ensure_unique_indexes)  # type: ignore[method-assign]
    SQLiteEngine._validate_document_against_unique_indexes = _skip_string_id_rescan(  # type: ignore[method-assign]
        SQLiteEngine._validate_document_against_unique_indexes
    )
    MemoryEngine._indexed_candidate_storage_keys_for_plan_locked = _memory_in_candidates(  # type: ignore[method-assign]
        MemoryEngine._indexed_candidate_storage_keys_for_plan_locked
    )
    SQLiteEngine._translate_equals_with_multikey = _sqlite_equals(  # type: ignore[method-assign]
        SQLiteEngine._translate_equals_with_multikey
    )
    SQLiteEngine._translate_in_with_multikey = _sqlite_in(SQLiteEngine._translate_in_with_multikey)  # type: ignore[method-assign]
    SQLiteEngine._compile_read_execution_plan = _sqlite_prefilter(  # type: ignore[method-assign]
        SQLiteEngine._compile_read_execution_plan
    )
    SQLiteEngine._translate_query_plan_with_multikey = _sqlite_id_in(  # type: ignore[method-assign]
        SQLiteEngine._translate_query_plan_with_multikey
    )
    mongoeco_sqlite_scans.apply()
    setattr(sqlite_module, "FiniteDocumentScan", _ResidualScan)  # noqa: B010 - a module attribute, on purpose
    mongoeco_shared_indexes.apply()
    mongoeco_change_feed.apply()
    mongoeco_batch_insert.apply()
    mongoeco_reads.apply()
    mongoeco_codec.apply()
    mongoeco_scalar_backfill.apply()
    mongoeco_wire_values.apply()
    mongoeco_bulk_rows.apply()
    _applied = True
