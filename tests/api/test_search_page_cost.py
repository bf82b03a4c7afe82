"""A page costs the page, not the matches (issue 9): pages in `_id` order are exact whatever order the
resources were written in, the embedded memory engine reads about a page of candidates for them
(gateway/store/mongoeco_reads.py), and the Bundle counts its matches only when the client asks."""

import os
import random
from typing import Any

import pytest
from mongoeco.engines import MemoryEngine, SQLiteEngine

from tests.conftest import FHIR_JSON

MATCHES = 30  # Patients born in 1974; ten more are born in 1975
PAGE = 4


def _ids(bundle: dict) -> list[str]:
    return [entry["resource"]["id"] for entry in bundle.get("entry", [])]


def _link(bundle: dict, relation: str) -> str | None:
    url = next((link["url"] for link in bundle["link"] if link["relation"] == relation), None)
    return url.removeprefix("http://testserver") if url else None


@pytest.fixture
async def born(client) -> list[str]:
    """Ids of the Patients born in 1974, written in an order unrelated to their ids."""
    numbers = list(range(MATCHES + 10))
    random.Random(9).shuffle(numbers)
    matching = []
    for number in numbers:
        patient_id = f"p{number * 7919 % 1000:03d}-{number}"
        year = 1974 if number < MATCHES else 1975
        body = {"resourceType": "Patient", "id": patient_id, "birthDate": f"{year}-0{number % 9 + 1}-11"}
        response = await client.put(f"/Patient/{patient_id}", json=body, headers=FHIR_JSON)
        assert response.status_code == 201, response.text
        if year == 1974:
            matching.append(patient_id)
    return sorted(matching)


class _RowReads:
    """Counts the rows the SQLite engine decodes: each candidate row goes through `_deserialize_document`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        deserialize = SQLiteEngine._deserialize_document

        def counting(engine: SQLiteEngine, payload: str, *args: Any, **options: Any) -> Any:
            self.count += 1
            return deserialize(engine, payload, *args, **options)

        monkeypatch.setattr(SQLiteEngine, "_deserialize_document", counting)


async def test_pages_of_a_filtered_search_follow_the_id_order_forwards_and_backwards(client, born):
    pages, url = [], f"/Patient?birthdate=1974&_count={PAGE}"
    while url:
        bundle = (await client.get(url)).json()
        pages.append(bundle)
        url = _link(bundle, "next")
    assert [item for page in pages for item in _ids(page)] == born
    backwards, url = [], _link(pages[-1], "previous")
    while url:
        bundle = (await client.get(url)).json()
        backwards = _ids(bundle) + backwards
        url = _link(bundle, "previous")
    assert backwards + _ids(pages[-1]) == born


async def test_an_offset_page_skips_matches_in_id_order(client, born):
    bundle = (await client.get(f"/Patient?birthdate=1974&_count={PAGE}&_offset=5")).json()
    assert _ids(bundle) == born[5 : 5 + PAGE]


async def test_the_total_is_counted_only_when_asked_or_shown_by_the_page(client, born):
    page = (await client.get(f"/Patient?birthdate=1974&_count={PAGE}")).json()
    assert "total" not in page
    counted = (await client.get(f"/Patient?birthdate=1974&_count={PAGE}&_total=accurate")).json()
    assert counted["total"] == MATCHES and len(_ids(counted)) == PAGE
    for query in ("_summary=count", "_count=0"):
        assert (await client.get(f"/Patient?birthdate=1974&{query}")).json()["total"] == MATCHES
    whole = (await client.get("/Patient?birthdate=1974&_count=100")).json()
    assert whole["total"] == MATCHES == len(_ids(whole))


@pytest.mark.skipif(bool(os.environ.get("MONGODB_URI")), reason="counts the embedded memory engine's reads")
async def test_a_page_in_id_order_reads_about_a_page_of_candidates_on_the_memory_engine(
    client, born, monkeypatch
):
    reads = 0
    borrow = MemoryEngine._borrow_storage_document

    def counting(self, data, **options):  # the engine decodes each candidate it tests through this
        nonlocal reads
        reads += 1
        return borrow(self, data, **options)

    monkeypatch.setattr(MemoryEngine, "_borrow_storage_document", counting)

    async def reads_of(query: str) -> tuple[int, list[str]]:
        nonlocal reads
        reads = 0
        bundle = (await client.get(f"/Patient?{query}")).json()
        return reads, _ids(bundle)

    paged, found = await reads_of(f"birthdate=1974&_count={PAGE}")
    assert found == born[:PAGE]
    assert paged <= 2 * (PAGE + 1), f"a page of {PAGE} read {paged} candidates"
    # Sorting by another key still reads every match: the spy sees the engine's reads.
    sorted_reads, _ = await reads_of(f"birthdate=1974&_count={PAGE}&_sort=birthdate")
    assert sorted_reads >= MATCHES


async def test_a_page_in_id_order_reads_about_a_page_of_candidates_on_the_sqlite_engine(
    sqlite_service, monkeypatch
):
    numbers = list(range(MATCHES + 10))
    random.Random(9).shuffle(numbers)
    for number in numbers:
        year = 1974 if number < MATCHES else 1975
        await sqlite_service.create(
            "Patient", {"resourceType": "Patient", "birthDate": f"{year}-0{number % 9 + 1}-11"}
        )
    everything = await sqlite_service.search(
        "Patient", [("birthdate", "1974"), ("_count", "100")], "http://t"
    )
    born = sorted(version.id for version in everything.page.items)
    assert len(born) == MATCHES
    rows = _RowReads(monkeypatch)
    seen, token = [], None
    while True:
        parameters = [("birthdate", "1974"), ("_count", str(PAGE))]
        rows.count = 0
        page = (
            await sqlite_service.search(
                "Patient", [*parameters, *([("_page_token", token)] if token else [])], "http://t"
            )
        ).page
        assert rows.count <= 2 * (PAGE + 1) + (len(seen) if token else 0), f"a page read {rows.count} rows"
        seen += [version.id for version in page.items]
        if page.next_token is None:
            break
        token = page.next_token
    assert seen == born
    rows.count = 0
    await sqlite_service.search(
        "Patient", [("birthdate", "1974"), ("_count", str(PAGE)), ("_sort", "birthdate")], "http://t"
    )
    assert rows.count >= MATCHES, "sorting by another key reads every match: the spy sees the engine's reads"


async def test_a_half_year_search_reads_that_half_years_births_not_the_whole_years_on_the_sqlite_engine(
    sqlite_service, monkeypatch
):
    # Two Patients born in every month of 2019: a `ge`/`lt` pair over its first half matches twelve.
    for month in range(1, 13):
        for day in (3, 17):
            body = {"resourceType": "Patient", "birthDate": f"2019-{month:02d}-{day:02d}"}
            await sqlite_service.create("Patient", body)
    rows = _RowReads(monkeypatch)
    parameters = [("birthdate", "ge2019-01-01"), ("birthdate", "lt2019-07-01"), ("_count", "100")]
    page = (await sqlite_service.search("Patient", parameters, "http://t")).page
    assert len(page.items) == 12
    # Keyed by year only, every 2019 birth was a candidate: 24 decoded and tested for 12 matches.
    assert rows.count == 12, f"12 matches read {rows.count} rows"
