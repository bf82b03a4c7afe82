"""mongoeco's private parts that gateway/store/mongoeco_reads.py relies on: an upgrade that changes them must
fail here, loudly, rather than bring back pages that read every match or, worse, pages in the wrong order."""

import inspect
import random
import string
from types import SimpleNamespace

from mongoeco.compat import MONGODB_DIALECT_70
from mongoeco.core.query_plan import AndCondition, EqualsCondition, InCondition, MatchAll
from mongoeco.engines import MemoryEngine, SQLiteEngine

from gateway.store import mongoeco_patches, mongoeco_reads


def _source(function: object) -> str:
    return inspect.getsource(inspect.unwrap(function))  # type: ignore[arg-type]


def _parameters(function: object) -> list[str]:
    return list(inspect.signature(inspect.unwrap(function)).parameters)  # type: ignore[arg-type]


def test_the_memory_scan_still_has_the_shape_the_id_order_adaptation_wraps():
    assert _parameters(MemoryEngine.scan_find_semantics) == [
        "self",
        "db_name",
        "coll_name",
        "semantics",
        "context",
    ]
    scan = _source(MemoryEngine.scan_find_semantics)
    # Candidates are picked in the scan's first step by this method; the natural-order shortcut by keyword.
    assert "self._candidate_items_for_plan_locked(" in scan
    assert "natural_order_limit=" in scan
    # Without a sort the scan streams: it stops after skip + limit matches instead of testing every candidate.
    assert "if not semantics.sort:" in scan
    assert "stream_finalize_documents(" in scan
    assert "natural_order_limit" in _parameters(MemoryEngine._candidate_items_for_plan_locked)


def test_a_string_id_is_still_stored_under_the_key_the_ordering_reads():
    engine = MemoryEngine()
    assert engine._storage_key("pat-1") == ("str", "pat-1")
    assert engine._storage_key(7) != ("str", 7)


def test_candidates_are_ordered_by_their_string_ids_in_either_direction():
    items = [(("str", identifier), identifier.upper()) for identifier in ["b", "a-2", "c", "a-10", "Z", "é"]]
    ascending = mongoeco_reads.order_by_string_id(items, 1)
    assert ascending is not None
    assert [data for _, data in ascending] == ["Z", "A-10", "A-2", "B", "C", "É"]  # BSON: UTF-8 byte order
    descending = mongoeco_reads.order_by_string_id(items, -1)
    assert descending == list(reversed(ascending))


def test_candidates_with_an_id_that_is_not_a_string_are_left_to_upstreams_sort():
    assert mongoeco_reads.order_by_string_id([(("str", "a"), 1), (("int", 3), 2)], 1) is None


def test_only_a_sort_by_id_alone_is_served_in_id_order():
    def semantics(sort: object, collation: object = None) -> SimpleNamespace:
        return SimpleNamespace(sort=sort, collation=collation, text_query=None)

    assert mongoeco_reads.id_sort_direction(semantics([("_id", 1)])) == 1
    assert mongoeco_reads.id_sort_direction(semantics([("_id", -1)])) == -1
    assert mongoeco_reads.id_sort_direction(semantics(None)) is None
    assert mongoeco_reads.id_sort_direction(semantics([("sort.family", 1), ("_id", 1)])) is None
    assert mongoeco_reads.id_sort_direction(semantics([("_id", 1)], collation={"locale": "en"})) is None


def test_applying_the_patches_installs_the_read_adaptations_once():
    mongoeco_patches.apply()
    mongoeco_reads.apply()
    for method in (MemoryEngine.scan_find_semantics, MemoryEngine._candidate_items_for_plan_locked):
        assert inspect.unwrap(method) is not method
        assert inspect.unwrap(method) is method.__wrapped__  # type: ignore[attr-defined]  # wrapped once


def test_only_string_lookups_on_the_key_arrays_are_left_untested():
    keys = EqualsCondition("keys", "birthdate@1974")
    some = InCondition("keys", ("family^smi", "family^smy"))
    ranges = EqualsCondition("search", "x")
    numeric = InCondition("keys", (1, 2))
    untested, residual = mongoeco_reads.split_key_lookups(AndCondition((keys, ranges, some, numeric)))
    assert untested == (keys, some)
    assert residual == AndCondition((ranges, numeric))
    assert mongoeco_reads.split_key_lookups(keys) == ((keys,), MatchAll())
    assert mongoeco_reads.split_key_lookups(ranges) == ((), ranges)


def test_the_memory_lookup_that_guarantees_untested_clauses_still_answers_them():
    assert _parameters(mongoeco_patches._memory_clause_buckets) == ["self", "indexes", "index_data", "clause"]
    assert {"indexes", "index_data", "collation"} <= set(
        _parameters(MemoryEngine._candidate_items_for_plan_locked)
    )


def test_a_string_id_is_still_stored_by_sqlite_under_a_key_that_sorts_like_the_id():
    engine = SQLiteEngine(":memory:")
    assert engine._storage_key("pat-1") == "(<class 'str'>, 'pat-1')"
    rng = random.Random(5)
    alphabet = string.ascii_letters + string.digits + "-."
    fhir_ids = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(3000)]
    fhir_ids += ["a", "a-", "a-1", "a.", "a0", "aZ", "a/1", "a/10", "a/2"]  # prefixes; history `{id}/{n}`
    by_key = sorted(fhir_ids, key=engine._storage_key)
    assert by_key == sorted(fhir_ids, key=lambda identifier: identifier.encode())


def test_the_sqlite_sort_builder_still_has_the_shape_the_storage_key_order_wraps():
    assert _parameters(SQLiteEngine._build_scalar_sort_select_sql) == [
        "self",
        "db_name",
        "coll_name",
        "plan",
        "select_clause",
        "sort",
        "skip",
        "limit",
        "hint",
    ]
    # Every SQL read with a sort asks this builder first, and its statement is built by this method.
    assert "build_scalar_sort_select_sql_fn=self._build_scalar_sort_select_sql" in _source(
        SQLiteEngine._build_select_sql
    )
    assert _parameters(SQLiteEngine._build_select_statement_with_custom_order) == [
        "self",
        "select_clause",
        "from_clause",
        "namespace_sql",
        "namespace_params",
        "where_fragment",
        "order_sql",
        "skip",
        "limit",
    ]
    mongoeco_patches.apply()
    assert (
        inspect.unwrap(SQLiteEngine._build_scalar_sort_select_sql)
        is not SQLiteEngine._build_scalar_sort_select_sql
    )


def test_the_sqlite_key_index_helpers_the_single_key_join_uses_still_exist():
    assert _parameters(SQLiteEngine._find_multikey_index) == ["self", "db_name", "coll_name", "field"]
    assert list(SQLiteEngine._multikey_signatures_for_query_value("family^smi")) == [("string", "family^smi")]
    assert SQLiteEngine._multikey_type_score("string") == 3
    assert _parameters(SQLiteEngine._lookup_collection_id)[:2] == ["self", "conn"]
    # The shared multikey index (mongoeco_shared_indexes.py) ends with the storage key: rows of one key come
    # in storage-key order.
    from gateway.store import mongoeco_shared_indexes

    assert "element_key, storage_key)" in inspect.getsource(mongoeco_shared_indexes)


def test_a_sqlite_scan_still_projects_each_fresh_row_through_the_replaceable_project_step():
    from mongoeco.engines import semantic_core
    from mongoeco.engines import sqlite as sqlite_module

    # The rows a residual scan gets are decoded from their SQL payload just then (nothing else holds them).
    assert "self._deserialize_document(payload) for (payload,) in rows" in _source(
        SQLiteEngine._open_scan_documents_sync
    )
    # The projection is one attribute, applied to each match before it leaves the scan.
    assert "self._project(document)" in _source(semantic_core.FiniteDocumentScan.next_examined)
    mongoeco_patches.apply()
    documents = [{"_id": "a", "keys": ["*"], "resource": {"id": "a"}}]
    semantics = SimpleNamespace(
        sort=None,
        projection={"keys": 0},
        selector_filter=None,
        dialect=MONGODB_DIALECT_70,
        skip=0,
        limit=None,
        deadline=None,
        query_plan=MatchAll(),
        compiled_query=None,
    )
    scan = sqlite_module.FiniteDocumentScan(iter(documents), semantics)
    assert isinstance(scan, semantic_core.FiniteDocumentScan)
    (found,) = list(scan)
    assert found == {"_id": "a", "resource": {"id": "a"}}
    assert found["resource"] is documents[0]["resource"], "left out fields are dropped without a deep copy"
