"""mongoeco adaptations for the SQLite engine's reads sorted by `_id` alone (docs/storage.md), numbered as in
mongoeco_reads.py, which installs them (1 is the memory engine's); pinned by test_mongoeco_reads.py.

2. Like the memory engine's change 1, where mongoeco_patches.py (change 4) selects candidates by their keys in
   SQL and tests the rest in Python: the candidates' SQL gets upstream's own `ORDER BY` for the `_id` sort
   (compiled by upstream for the key clauses alone), and the Python residual then streams them, stopping
   after skip + limit matches, instead of testing and sorting every candidate. As on the memory engine, the
   residual leaves out the key lookups the SQL answered exactly.
3. The SQLite engine orders a store search sorted by `_id` alone by its storage key, `(<class 'str'>, '<id>')`
   for a string id, instead of by `json_extract` of `_id` from every candidate's document. The candidates'
   storage keys come from the key index as a sorted list (SQLite's `IN (SELECT ...)`), so the rows are read in
   that order and the `LIMIT` stops after the page: a family prefix naming a tenth of the Patients read and
   sorted all of them (a temporary B-tree over their documents) for a page of 20. Storage-key order is `_id`
   order for the ids the store writes: FHIR ids (`[A-Za-z0-9-.]`, checked by gateway/service/versions.py)
   and history ids `{id}/{versionId}`, whose characters all sort after the closing quote, so a shorter id
   still sorts before the longer ones it starts. Only filters with a key lookup (`keys`, `missing`) take this
   path: they select store documents, which all have such ids. A lookup of one key (`family^smi`, or the live
   key `*` of an unfiltered search) is read from the key index itself, which holds (key, storage key) in
   order, joined to the documents: `IN (SELECT ...)` first listed every candidate (all N for `*`).
"""

import threading
from dataclasses import replace
from typing import Any

from mongoeco.core.query_plan import AndCondition, EqualsCondition
from mongoeco.engines import SQLiteEngine, semantic_core
from mongoeco.engines import sqlite as sqlite_module

from gateway.store.mongoeco_reads import id_sort_direction, split_key_lookups
from gateway.store.search_keys import ARRAY_FIELDS

# The residual plan of the last SQLite plan compiled on this thread whose rows come in `_id` order. Compiling
# and scanning run back to back in one synchronous call of the engine, on one thread; the scan recognises its
# plan by identity (a fresh object per compile), so a stale entry never matches another query.
_ordered_residuals = threading.local()


def _sqlite_ordered_prefilter(current: Any, key_clauses: Any) -> Any:
    def compile_plan(self: Any, db_name: str, coll_name: str, semantics: Any, **kwargs: Any) -> Any:
        plan = current(self, db_name, coll_name, semantics, **kwargs)
        if not plan.use_sql or not plan.apply_python_residual or id_sort_direction(semantics) is None:
            return plan
        keys = key_clauses(semantics.query_plan)
        if not keys:
            return plan
        ordered_keys = replace(
            semantics,
            query_plan=keys[0] if len(keys) == 1 else AndCondition(tuple(keys)),
            compiled_query=None,
            skip=0,
            limit=None,
        )
        ordered = current(self, db_name, coll_name, ordered_keys, **kwargs)
        if not ordered.use_sql or ordered.apply_python_sort or ordered.apply_python_residual:
            return plan
        # The SQL is now the key clauses alone, each answered exactly by the multikey index: the residual is
        # the rest of the filter (a date pair's `$in` repeated per candidate was half of its Python test).
        residual = AndCondition((split_key_lookups(semantics.query_plan)[1],))
        _ordered_residuals.plan = residual
        return replace(plan, sql=ordered.sql, params=ordered.params, residual_query_plan=residual)

    compile_plan.__wrapped__ = current  # type: ignore[attr-defined]
    return compile_plan


def _top_level_exclusion(projection: Any) -> frozenset[str] | None:
    """The fields a projection leaves out, if it only leaves out top-level fields other than `_id`."""
    if not isinstance(projection, dict) or not projection:
        return None
    if any(
        value not in (0, False) or "." in name or name.startswith("$") for name, value in projection.items()
    ):
        return None
    return None if "_id" in projection else frozenset(projection)


def _shallow_exclusion(excluded: frozenset[str]) -> Any:
    def project(document: dict[str, Any]) -> dict[str, Any]:
        return {name: value for name, value in document.items() if name not in excluded}

    return project


class _OrderedResidualScan:
    """Rows already in the sort's order are filtered and paged as they come, without a sort of all of them.

    4. Each row of a scan is a document just decoded from its SQL row, which nothing else holds, so a
    projection that leaves out top-level fields (the store's `keys`, `search`, `missing`, `sort`) takes
    the rest as they are; upstream deep-copied the whole document first (`_apply_parsed_projection`), a
    fifth of a `ge`/`lt` page's CPU at 20k Patients (py-spy), once per document returned."""

    previous: Any = None  # the scan class in place before (mongoeco_patches._ResidualScan)

    def __new__(cls, documents: Any, semantics: Any, **kwargs: Any) -> Any:
        if semantics.sort is not None and semantics.query_plan is getattr(_ordered_residuals, "plan", None):
            _ordered_residuals.plan = None
            semantics = replace(semantics, sort=None)
        scan = cls.previous(documents, semantics, **kwargs)
        excluded = _top_level_exclusion(semantics.projection)
        if (
            semantics.sort is None
            and excluded is not None
            and isinstance(scan, semantic_core.FiniteDocumentScan)
        ):
            scan._project = _shallow_exclusion(excluded)
        return scan


def _single_key_join(engine: Any, db_name: str, coll_name: str, plan: Any, order: str, options: Any) -> Any:
    """A lookup of one key, read from the key index in storage-key order and joined to its documents (the
    index is (collection, index, type score, key, storage key)), or None for any other filter. Unlike
    `storage_key IN (SELECT ...)`, which first lists every candidate (all N for the live key `*` of an
    unfiltered search), the rows stop at the page."""
    if not isinstance(plan, EqualsCondition) or plan.field not in ARRAY_FIELDS:
        return None
    if plan.null_matches_undefined or not isinstance(plan.value, str):
        return None
    index = engine._find_multikey_index(db_name, coll_name, plan.field)
    signatures = list(engine._multikey_signatures_for_query_value(plan.value))
    if index is None or not index.get("multikey_physical_name") or len(signatures) != 1:
        return None
    collection_id = engine._lookup_collection_id(engine._require_connection(), db_name, coll_name)
    if collection_id is None:
        return None
    ((element_type, element_key),) = signatures
    physical_name = engine._quote_identifier(str(index["multikey_physical_name"]))
    select = str(options["select_clause"])
    return engine._build_select_statement_with_custom_order(
        select_clause={"document": "documents.document"}.get(select, select),
        from_clause=(
            f"multikey_entries INDEXED BY {physical_name} JOIN documents ON documents.db_name = ? "
            "AND documents.coll_name = ? AND documents.storage_key = multikey_entries.storage_key"
        ),
        namespace_sql=(
            "multikey_entries.collection_id = ? AND multikey_entries.index_name = ? AND "
            "multikey_entries.type_score = ? AND multikey_entries.element_key = ? AND "
            "multikey_entries.element_type = ?"
        ),
        namespace_params=(
            db_name,
            coll_name,
            collection_id,
            index["name"],
            engine._multikey_type_score(element_type),
            element_key,
            element_type,
        ),
        where_fragment=("1 = 1", []),
        order_sql=f" ORDER BY multikey_entries.storage_key {order}",
        skip=options.get("skip", 0),
        limit=options.get("limit"),
    )


def _sqlite_storage_key_order(original: Any, key_clauses: Any) -> Any:
    def build(self: Any, db_name: str, coll_name: str, plan: Any, **options: Any) -> Any:
        sort = options.get("sort")
        if options.get("hint") is not None or not sort or len(sort) != 1 or not key_clauses(plan):
            return original(self, db_name, coll_name, plan, **options)
        field, direction = sort[0]
        if field != "_id" or direction not in (1, -1):
            return original(self, db_name, coll_name, plan, **options)
        order = "ASC" if direction == 1 else "DESC"
        joined = _single_key_join(self, db_name, coll_name, plan, order, options)
        if joined is not None:
            return joined
        return self._build_select_statement_with_custom_order(
            select_clause=options["select_clause"],
            from_clause="documents",
            namespace_sql="db_name = ? AND coll_name = ?",
            namespace_params=(db_name, coll_name),
            where_fragment=self._translate_query_plan_with_multikey(db_name, coll_name, plan),
            order_sql=f" ORDER BY documents.storage_key {order}",
            skip=options.get("skip", 0),
            limit=options.get("limit"),
        )

    build.__wrapped__ = original  # type: ignore[attr-defined]
    return build


def apply(key_clauses: Any) -> None:
    """Install changes 2 and 3 (called once by mongoeco_reads.apply with mongoeco_patches._key_clauses)."""
    SQLiteEngine._compile_read_execution_plan = _sqlite_ordered_prefilter(  # type: ignore[method-assign]
        SQLiteEngine._compile_read_execution_plan, key_clauses
    )
    SQLiteEngine._build_scalar_sort_select_sql = _sqlite_storage_key_order(  # type: ignore[method-assign]
        SQLiteEngine._build_scalar_sort_select_sql, key_clauses
    )
    _OrderedResidualScan.previous = getattr(sqlite_module, "FiniteDocumentScan")  # noqa: B009 - not exported
    setattr(sqlite_module, "FiniteDocumentScan", _OrderedResidualScan)  # noqa: B010 - a module attribute, on purpose
