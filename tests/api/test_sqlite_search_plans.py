"""The SQLite engine's plans for the two searches whose cost grew with the collection (issue 9): a page in
`_id` order reads its candidates in storage-key order and stops at the page (no sort of every candidate's
document), and a `ge`/`lt` pair on one date parameter looks up one short list of keys. The plans come from
the engine's own explain (SQLite's EXPLAIN QUERY PLAN lines); the pages are checked for exact order."""

import random
from typing import Any

from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from gateway.service.search import parse_search
from gateway.store.query import search_filter, sort_spec

# Ids whose order tests the storage-key encoding: prefixes of one another, digits, both cases, `-` and `.`.
IDS = ["a", "a-1", "a.1", "a0", "aa", "ab", "A", "Z", "0", "9-z", "a-", "b", "b.", "B-b", "a-10", "a-2"]


async def _engine_steps(service: Any, parameters: list[tuple[str, str]], direction: int = 1) -> list[str]:
    request = parse_search(RESOURCE_DEFINITIONS["Patient"], parameters, "http://t", strict=True)
    spec = [(field_name, direction) for field_name, _ in sort_spec([])]
    cursor = service.store._database.current("Patient").find(search_filter(request.conditions))
    plan = await cursor.sort(spec).limit(21).explain()
    return list(plan["details"]["engine_details"])


async def _seed(service: Any) -> None:
    shuffled = IDS[:]
    random.Random(3).shuffle(shuffled)
    for number, patient_id in enumerate(shuffled):
        birth = f"{2018 + number % 3}-0{number % 9 + 1}-15"
        body = {
            "resourceType": "Patient",
            "id": patient_id,
            "birthDate": birth,
            "name": [{"family": "Smith"}],
        }
        await service.update("Patient", patient_id, body)


async def test_a_page_in_id_order_reads_its_candidates_in_storage_key_order_without_a_sort(sqlite_service):
    await _seed(sqlite_service)
    for parameters in ([], [("family", "smi")], [("birthdate", "2019")], [("birthdate", "ge2019-01-01")]):
        for direction in (1, -1):
            steps = await _engine_steps(sqlite_service, parameters, direction)
            assert any("SEARCH multikey_entries" in step for step in steps), (parameters, steps)
            # Upstream ordered by `json_extract(document, '$._id')`: every candidate's document in a temporary
            # B-tree before the first row of the page.
            assert not any("TEMP B-TREE" in step for step in steps), (parameters, direction, steps)


async def test_a_lookup_of_one_key_reads_the_key_index_in_order_without_listing_every_candidate(
    sqlite_service,
):
    await _seed(sqlite_service)
    # No parameter is the live key `*`, held by every Patient; `family=smi` one prefix key.
    for parameters in ([], [("family", "smi")], [("family", "smithy")]):
        steps = await _engine_steps(sqlite_service, parameters)
        assert steps[0].startswith("SEARCH multikey_entries"), (parameters, steps)
        # `storage_key IN (SELECT ...)` lists every candidate first: all N for an unfiltered search.
        assert not any("LIST SUBQUERY" in step or "TEMP B-TREE" in step for step in steps), (
            parameters,
            steps,
        )


async def test_a_ge_and_lt_pair_looks_up_one_list_of_keys_on_sqlite(sqlite_service):
    await _seed(sqlite_service)
    steps = await _engine_steps(
        sqlite_service, [("birthdate", "ge2019-01-01"), ("birthdate", "lt2019-07-01")]
    )
    # Apart, the `lt` side's list named every birth before July 2019 and SQLite built and intersected both.
    assert sum("SEARCH multikey_entries" in step for step in steps) == 1, steps


async def test_pages_in_storage_key_order_are_exactly_the_id_order_both_ways(sqlite_service):
    await _seed(sqlite_service)
    pairs = [("birthdate", "ge2018-01-01"), ("birthdate", "lt2021-01-01")]
    for parameters in ([], [("family", "smi")], [("family", "smith")], pairs):
        seen, token = [], None
        while True:
            paging = [*parameters, ("_count", "3"), *([("_page_token", token)] if token else [])]
            page = (await sqlite_service.search("Patient", paging, "http://t")).page
            seen += [version.id for version in page.items]
            if page.next_token is None:
                break
            token = page.next_token
        assert seen == sorted(IDS), parameters  # Python orders ASCII strings by byte, as BSON does
        descending = await sqlite_service.search("Patient", [*parameters, ("_sort", "-_id")], "http://t")
        assert [version.id for version in descending.page.items] == sorted(IDS, reverse=True)
