"""Searchset Bundles for the foundation parameters: _id, family, given, identifier."""

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from tests.conftest import (
    DATA,
    FHIR_JSON,
    example,
    fresh_settings,
    http_client,
    patient_examples,
    running_app,
)

# The reading tests share one database holding the Patient examples, loaded once for the module; the test
# that deletes uses `own_client`, a database of its own.
pytestmark = pytest.mark.asyncio(loop_scope="module")
DATA_PATIENT = DATA / "patient"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared(mongodb_uri: str) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """The client, and HL7 example id -> server id for every Patient example."""
    async with running_app(fresh_settings(mongodb_uri)) as app, http_client(app) as http:
        ids = {}
        for path in patient_examples():
            response = await http.post("/Patient", content=path.read_bytes(), headers=FHIR_JSON)
            ids[response.json().get("id")] = response.json()["id"]
            ids[example(f"patient/{path.name}")["id"]] = response.json()["id"]
        yield http, ids


@pytest.fixture
def client(shared: tuple[httpx.AsyncClient, dict[str, str]]) -> httpx.AsyncClient:
    return shared[0]


@pytest.fixture
def loaded(shared: tuple[httpx.AsyncClient, dict[str, str]]) -> dict[str, str]:
    return shared[1]


@pytest_asyncio.fixture(loop_scope="module")
async def own_client(mongodb_uri: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(fresh_settings(mongodb_uri)) as app, http_client(app) as http:
        yield http


async def _ids(client, query: str) -> set[str]:
    bundle = (await client.get(f"/Patient?{query}")).json()
    return {
        entry["resource"]["id"] for entry in bundle.get("entry", []) if entry["search"]["mode"] == "match"
    }


async def test_a_searchset_has_total_links_full_urls_and_search_modes(client, loaded):
    response = await client.get("/Patient?family=chalmers")
    bundle = response.json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    assert bundle["total"] == 1
    self_link = next(link["url"] for link in bundle["link"] if link["relation"] == "self")
    assert self_link == "http://testserver/Patient?family=chalmers"
    entry = bundle["entry"][0]
    assert entry["fullUrl"] == f"http://testserver/Patient/{loaded['example']}"
    assert entry["search"] == {"mode": "match"}


async def test_family_matches_case_and_accent_insensitive_prefixes(client, loaded):
    assert await _ids(client, "family=CHALM") == {loaded["example"]}
    assert await _ids(client, "family=van%20de") == {loaded["f001"]}
    assert await _ids(client, "family=nothing-like-this") == set()


async def test_given_matches_any_given_name(client, loaded):
    assert loaded["example"] in await _ids(client, "given=jim")
    assert loaded["f001"] in await _ids(client, "given=pieter")


async def test_identifier_matches_by_value_and_by_system_and_value(client, loaded):
    assert await _ids(client, "identifier=urn:oid:1.2.36.146.595.217.0.1|12345") == {loaded["example"]}
    assert loaded["example"] in await _ids(client, "identifier=12345")
    assert await _ids(client, "identifier=urn:oid:0.0|12345") == set()


async def test_id_matches_one_or_several_ids(client, loaded):
    assert await _ids(client, f"_id={loaded['example']}") == {loaded["example"]}
    both = f"_id={loaded['example']},{loaded['f001']}"
    assert await _ids(client, both) == {loaded["example"], loaded["f001"]}


async def test_repeated_parameters_and_together(client, loaded):
    assert await _ids(client, "given=peter&family=chalmers") == {loaded["example"]}
    assert await _ids(client, "given=pieter&family=chalmers") == set()


async def test_count_pages_with_a_next_link_until_every_match_is_seen(client, loaded):
    seen: list[str] = []
    url = "/Patient?_count=5&_total=accurate"
    while url:
        bundle = (await client.get(url)).json()
        assert bundle["total"] == 22
        seen += [entry["resource"]["id"] for entry in bundle.get("entry", [])]
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), "")
        url = url.removeprefix("http://testserver")
    assert len(seen) == len(set(seen)) == 22


async def test_deleted_patients_are_not_found(own_client):
    body = (DATA_PATIENT / "patient-example.json").read_bytes()
    created = (await own_client.post("/Patient", content=body, headers=FHIR_JSON)).json()
    assert await _ids(own_client, "family=chalmers") == {created["id"]}
    await own_client.delete(f"/Patient/{created['id']}")
    assert await _ids(own_client, "family=chalmers") == set()


async def test_an_unknown_parameter_is_reported_or_refused_when_strict(client, loaded):
    bundle = (await client.get("/Patient?family=chalmers&shoe-size=42")).json()
    outcome = [entry for entry in bundle["entry"] if entry["search"]["mode"] == "outcome"]
    assert "shoe-size" in outcome[0]["resource"]["issue"][0]["diagnostics"]
    strict = await client.get("/Patient?family=chalmers&shoe-size=42", headers={"Prefer": "handling=strict"})
    assert strict.status_code == 400
