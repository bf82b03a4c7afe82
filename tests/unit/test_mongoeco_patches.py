"""mongoeco's private parts that gateway/store/mongoeco_patches.py adapts: an upgrade that changes them must
fail here, loudly, rather than bring the full scans back or break the store silently."""

import inspect
import sqlite3
from importlib.metadata import version

from mongoeco.engines import MemoryEngine, SQLiteEngine, semantic_core
from mongoeco.engines import memory as memory_module
from mongoeco.engines import sqlite as sqlite_module
from mongoeco.engines.sqlite_planner import SQLiteReadExecutionPlan

from gateway.store import mongoeco_patches, mongoeco_sqlite_scans, sqlite_page_cache


def _parameters(function: object) -> list[str]:
    return list(inspect.signature(inspect.unwrap(function)).parameters)  # type: ignore[arg-type]


def test_mongoeco_is_the_pinned_version():
    assert version("mongoeco") == mongoeco_patches.PINNED_VERSION


def test_the_insert_checks_still_take_the_id_scan_switch():
    assert "scan_payload_id" in _parameters(MemoryEngine._ensure_unique_indexes)
    assert "scan_payload_id" in _parameters(SQLiteEngine._validate_document_against_unique_indexes)


def test_the_memory_index_lookup_still_has_the_shape_the_in_adaptation_extends():
    assert _parameters(MemoryEngine._indexed_candidate_storage_keys_for_plan_locked)[:4] == [
        "self",
        "indexes",
        "index_data",
        "query_plan",
    ]
    assert callable(memory_module._MemoryIndexedCandidates)
    assert callable(MemoryEngine._index_equality_key)


def test_the_sqlite_multikey_translation_still_has_the_shape_the_adaptation_replaces():
    expected = ["self", "collection_id", "db_name", "coll_name", "plan", "index"]
    assert _parameters(SQLiteEngine._translate_equals_with_multikey) == expected
    assert _parameters(SQLiteEngine._translate_in_with_multikey) == expected
    for helper in ("_multikey_signatures_for_query_value", "_multikey_type_score", "_quote_identifier"):
        assert callable(getattr(SQLiteEngine, helper))


def test_the_sqlite_planner_still_offers_the_prefilter_mode_the_adaptation_builds():
    fields = {field.name for field in SQLiteReadExecutionPlan.__dataclass_fields__.values()}
    assert {"use_sql", "sql", "params", "apply_python_residual", "residual_query_plan"} <= fields
    assert "semantics" in _parameters(SQLiteEngine._compile_read_execution_plan)
    assert callable(semantic_core.finalize_documents)


def test_applying_installs_every_adaptation_once():
    mongoeco_patches.apply()
    mongoeco_patches.apply()
    # mongoeco_reads.apply() (run last) puts its ordered scan in front of the residual scan.
    assert sqlite_module.FiniteDocumentScan.previous is mongoeco_patches._ResidualScan
    wrapped = SQLiteEngine._translate_equals_with_multikey
    assert inspect.unwrap(wrapped) is not wrapped
    assert inspect.unwrap(inspect.unwrap(wrapped)) is inspect.unwrap(wrapped)  # not wrapped twice


def test_the_sqlite_translator_and_storage_keys_still_have_the_shape_the_id_lookup_relies_on():
    assert _parameters(SQLiteEngine._translate_query_plan_with_multikey) == [
        "self",
        "db_name",
        "coll_name",
        "plan",
    ]
    assert callable(SQLiteEngine._storage_key)
    assert callable(MemoryEngine._storage_key)


def test_the_sqlite_write_path_still_deletes_key_rows_by_storage_key_and_connects_in_one_place():
    source = inspect.getsource(SQLiteEngine._delete_multikey_entries_for_storage_key)
    assert "DELETE FROM multikey_entries" in source
    assert "WHERE collection_id = ? AND storage_key = ?" in source
    assert _parameters(SQLiteEngine._connect_sync) == ["self"]
    assert "multikey_entries" in inspect.getsource(inspect.unwrap(SQLiteEngine._connect_sync))


async def test_a_sqlite_store_deletes_a_documents_key_rows_by_index_not_by_scanning(tmp_path):
    mongoeco_patches.apply()
    path = tmp_path / "store.sqlite"
    engine = SQLiteEngine(str(path))
    await engine.connect()
    try:
        with sqlite3.connect(path) as connection:
            plan = connection.execute(
                "EXPLAIN QUERY PLAN DELETE FROM multikey_entries WHERE collection_id = ? AND storage_key = ?",
                (1, "x"),
            ).fetchall()
    finally:
        await engine.disconnect()
    details = " ".join(str(row[-1]) for row in plan)
    assert f"USING INDEX {mongoeco_sqlite_scans.MULTIKEY_STORAGE_INDEX}" in details, details


async def test_the_sqlite_engine_connection_gets_the_larger_page_cache(tmp_path):
    mongoeco_patches.apply()
    engine = SQLiteEngine(str(tmp_path / "store.sqlite"))
    await engine.connect()
    try:
        (cache_size,) = engine._connection.execute("PRAGMA cache_size").fetchone()
    finally:
        await engine.disconnect()
    assert cache_size == -sqlite_page_cache.PAGE_CACHE_KIB


def test_the_sqlite_index_admin_still_names_and_creates_physical_indexes_the_way_sharing_rewrites():
    from mongoeco.engines import _sqlite_index_admin, _sqlite_namespace_admin

    create = vars(sqlite_module)["_sqlite_create_index"]
    assert {
        "keys",
        "physical_index_name",
        "physical_multikey_index_name",
        "physical_scalar_index_name",
    } <= set(_parameters(create))
    assert SQLiteEngine._quote_identifier("x") == '"x"'
    assert 'f"CREATE INDEX {quote_identifier(' in inspect.getsource(_sqlite_index_admin.create_index)
    for module in (_sqlite_index_admin, _sqlite_namespace_admin):
        assert 'f"DROP INDEX IF EXISTS {quote_identifier(' in inspect.getsource(module)
        assert "DROP INDEX " not in inspect.getsource(module).replace("DROP INDEX IF EXISTS {", "")
    assert "factory=SQLiteConnection" in inspect.getsource(SQLiteEngine._create_sqlite_connection)


def test_change_publication_is_still_chosen_per_operation_and_dispatched_per_sink():
    from mongoeco._change_streams.hub import ChangeStreamHub
    from mongoeco.api._async.collection import AsyncCollection
    from mongoeco.engines.adapter import EngineSpiAdapter

    assert "publication" in _parameters(AsyncCollection._new_operation_context)
    assert _parameters(EngineSpiAdapter.dispatch_committed_changes) == ["self", "sink"]
    assert callable(ChangeStreamHub.should_publish_events)


def test_the_wire_insert_command_still_has_the_parts_the_batch_adaptation_uses():
    from mongoeco.api._async import _database_admin_write_commands as write_commands
    from mongoeco.api._async.database_admin import AsyncDatabaseAdminService

    assert _parameters(write_commands.DatabaseAdminWriteCommandService.command_insert) == [
        "self",
        "spec",
        "session",
    ]
    assert callable(write_commands._write_command_result)
    for helper in (
        "_require_collection_name",
        "_normalize_insert_documents",
        "_normalize_ordered_from_command",
    ):
        assert callable(getattr(AsyncDatabaseAdminService, helper))


def test_the_sqlite_collection_probes_still_take_the_field_fourth_and_answer_as_the_adaptation_does():
    for probe in mongoeco_sqlite_scans.SQLITE_PROBE_ANSWERS:
        assert _parameters(getattr(SQLiteEngine, probe))[:4] == ["self", "db_name", "coll_name", "field"]
    assert 'return "string"' in inspect.getsource(
        inspect.unwrap(SQLiteEngine._field_has_uniform_scalar_sort_type_in_collection)
    )


def test_the_sqlite_sort_check_still_takes_the_plan_and_sort_pairs():
    assert _parameters(SQLiteEngine._sort_requires_python) == ["self", "db_name", "coll_name", "plan", "sort"]
