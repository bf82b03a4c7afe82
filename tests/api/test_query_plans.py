"""Query plans from the servers themselves, for one sample of every search parameter type and value shape.

On a real MongoDB (MONGODB_URI) every sample is an index scan. On the embedded store the memory engine (the
test default) must see a key lookup it answers from an index, and the SQLite engine (the default of
`make run`) must select its candidates from the multikey index in SQL, never by scanning the collection.
Open-ended date and number comparisons are key lookups too (bucket keys, docs/storage.md); only negations,
`:contains` and uri `:below` are not.
"""

import gc
from pathlib import Path
from typing import Any

import pytest
from mongoeco.engines import SQLiteEngine

from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from gateway.service.search import parse_search
from gateway.service.versions import next_version
from gateway.store.embedded import EmbeddedMongo
from gateway.store.indexes import key_lookup
from tests.conftest import fresh_settings, running_app
from tests.plan_samples import sample_queries


def _stages(plan: object) -> list[str]:
    if isinstance(plan, dict):
        found = [plan["stage"]] if "stage" in plan else []
        for value in plan.values():
            found += _stages(value)
        return found
    if isinstance(plan, list):
        return [stage for item in plan for stage in _stages(item)]
    return []


def _one_per_shape() -> list[tuple[str, list[tuple[str, str]]]]:
    """One search per (parameter type, modifier, value shape), on the first type that has one."""
    seen, samples = set(), []
    for resource_type, parameters in sample_queries():
        ((name, value),) = parameters
        code, _, modifier = name.partition(":")
        parameter = RESOURCE_DEFINITIONS[resource_type].search_parameter(code)
        assert parameter is not None
        shape = (parameter.type, modifier, value)
        if shape not in seen:
            seen.add(shape)
            samples.append((resource_type, parameters))
    return samples


SAMPLES = _one_per_shape()


def _keyed(resource_type: str, parameters: list[tuple[str, str]]) -> tuple[list[Any], bool]:
    """The parsed conditions, and whether a key lookup (rather than a range index alone) serves them."""
    request = parse_search(RESOURCE_DEFINITIONS[resource_type], parameters, "http://testserver", strict=True)
    conditions = request.conditions
    return conditions, all(key_lookup(item) for item in conditions)


async def _plans(application: Any) -> list[tuple[list[tuple[str, str]], bool, dict[str, Any]]]:
    store = application.state.service.store
    found = []
    types = {resource_type for resource_type, _ in SAMPLES}
    await store.prepare(types)
    for resource_type in types:  # a stored document, so the engines know which fields hold arrays
        empty = {"resourceType": resource_type}
        await store.insert_new(
            [next_version(RESOURCE_DEFINITIONS[resource_type], "seed", empty, None, "POST")]
        )
    for resource_type, parameters in SAMPLES:
        conditions, keyed = _keyed(resource_type, parameters)
        found.append((parameters, keyed, await store.explain_search(resource_type, conditions)))
    return found


def test_the_samples_cover_every_parameter_type_and_most_searches_are_keyed():
    types = {
        RESOURCE_DEFINITIONS[rt].search_parameter(params[0][0].partition(":")[0]).type  # type: ignore[union-attr]
        for rt, params in SAMPLES
    }
    declared = {
        parameter.type for item in RESOURCE_DEFINITIONS.values() for parameter in item.search_parameters
    }
    assert types == declared
    keyed = [params for rt, params in SAMPLES if _keyed(rt, params)[1]]
    assert len(keyed) >= len(SAMPLES) * 2 // 3, "most shapes must be answered by a key lookup"


def test_every_date_and_number_comparison_is_a_key_lookup_on_the_embedded_store():
    comparisons = [
        (rt, params)
        for rt, params in SAMPLES
        if RESOURCE_DEFINITIONS[rt].search_parameter(params[0][0].partition(":")[0]).type  # type: ignore[union-attr]
        in ("date", "number", "quantity")
    ]
    assert {params[0][1] for _, params in comparisons} >= {"gt1980", "le2019-07", "sa2000", "eb2000", "lt-3"}
    assert [params for rt, params in comparisons if not _keyed(rt, params)[1]] == []


async def test_sample_searches_are_index_lookups_on_the_configured_store(app):
    for parameters, keyed, plan in await _plans(app):
        if "queryPlanner" in plan:  # a real MongoDB: every sample, keyed or not, is an index scan
            stages = _stages(plan["queryPlanner"]["winningPlan"])
            assert "IXSCAN" in stages and "COLLSCAN" not in stages, (parameters, stages)
        elif keyed:
            assert plan["engine"] == "memory"
            lookups = (
                "EqualsCondition(field='keys'",
                "InCondition(field='keys'",
                "field='missing'",
                "field='_id'",
            )
            assert any(lookup in plan["plan"] for lookup in lookups), (parameters, plan["plan"])


@pytest.fixture
async def sqlite_app(tmp_path: Path):
    server = EmbeddedMongo(data_dir=tmp_path)
    try:
        async with running_app(fresh_settings(server.start())) as application:
            yield application
    finally:
        server.stop()


async def test_keyed_searches_select_candidates_from_the_sqlite_multikey_index(sqlite_app):
    for parameters, keyed, plan in await _plans(sqlite_app):
        details = plan.get("details", {}).get("engine_details", [])
        if keyed:
            assert plan["strategy"] in ("sql", "hybrid"), (parameters, plan["strategy"], plan["plan"])
            assert any("SEARCH multikey_entries" in step or "storage_key=?" in step for step in details), (
                parameters,
                details,
            )
            assert not any(step.startswith("SCAN documents") for step in details), (parameters, details)


async def test_sqlite_searches_narrowed_by_keys_still_decide_exactly_and_in_order(sqlite_app):
    service = sqlite_app.state.service
    for number, birth in enumerate(["1974-12-25", "1974-03-01", "1975-01-01", "1973-12-31"]):
        body = {"resourceType": "Patient", "birthDate": birth, "name": [{"family": f"Chalmers{number}"}]}
        await service.create("Patient", body)
    found = await service.search("Patient", [("birthdate", "1974"), ("_sort", "birthdate")], "http://t")
    assert [entry.resource["birthDate"] for entry in found.page.items] == ["1974-03-01", "1974-12-25"]
    longer = await service.search("Patient", [("family", "chalmers2")], "http://t")
    assert [entry.resource["birthDate"] for entry in longer.page.items] == ["1975-01-01"]


async def test_a_versioned_update_on_sqlite_reads_the_collection_by_storage_key_only(sqlite_app, tmp_path):
    """No decimal/array probe and no JSON `_id` test: each read the whole collection after any write."""
    service = sqlite_app.state.service
    created = await service.create("Patient", {"resourceType": "Patient", "name": [{"family": "Trace"}]})
    (engine,) = [
        item for item in gc.get_objects() if type(item) is SQLiteEngine and str(tmp_path) in str(item._path)
    ]
    statements: list[str] = []
    engine._connection.set_trace_callback(statements.append)
    try:
        body = {"resourceType": "Patient", "id": created.version.id, "name": [{"family": "Traced"}]}
        await service.update("Patient", created.version.id, body, if_match=1)
    finally:
        engine._connection.set_trace_callback(None)
    reads = [text for text in statements if "FROM documents" in text and "coll_name = 'Patient'" in text]
    assert reads
    assert all("storage_key" in text for text in reads), reads
