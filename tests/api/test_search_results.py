"""Result parameters (_sort, _count, _total, _summary, _elements), POST _search, paging under writes,
malformed values and injection attempts."""

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import httpx
import pytest
import pytest_asyncio

from tests.api.search_fixtures import load_examples, match_ids
from tests.conftest import FHIR_JSON, fresh_settings, http_client, running_app

# The reading tests share one database holding the Patient examples, loaded once for the module; the tests
# that write use `own_client`, a database of their own.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared(mongodb_uri: str) -> AsyncIterator[tuple[httpx.AsyncClient, list[dict]]]:
    async with running_app(fresh_settings(mongodb_uri)) as app, http_client(app) as http:
        stored = await load_examples(http)
        yield http, stored


@pytest.fixture
def client(shared: tuple[httpx.AsyncClient, list[dict]]) -> httpx.AsyncClient:
    return shared[0]


@pytest.fixture
def examples(shared: tuple[httpx.AsyncClient, list[dict]]) -> list[dict]:
    return shared[1]


@pytest_asyncio.fixture(loop_scope="module")
async def own_client(mongodb_uri: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(fresh_settings(mongodb_uri)) as app, http_client(app) as http:
        yield http


def _link(bundle: dict, relation: str) -> str | None:
    url = next((link["url"] for link in bundle["link"] if link["relation"] == relation), None)
    return url.removeprefix("http://testserver") if url else None


async def test_sort_by_one_key_ascending_and_descending(client, examples):
    ascending = await match_ids(client, "birthdate=gt1900&_sort=birthdate&_count=100")
    descending = await match_ids(client, "birthdate=gt1900&_sort=-birthdate&_count=100")
    birth = {patient["id"]: patient["birthDate"] for patient in examples if "birthDate" in patient}
    assert [birth[item] for item in ascending] == sorted(birth[item] for item in ascending)
    assert [birth[item] for item in descending] == sorted((birth[item] for item in descending), reverse=True)
    assert len(ascending) == len(birth)


async def test_sort_by_several_keys_with_a_stable_tie_break(client, examples):
    found = await match_ids(client, "_sort=gender,-birthdate&_count=100")
    by_id = {patient["id"]: patient for patient in examples}
    keys = [(by_id[item].get("gender", ""), by_id[item].get("birthDate", "")) for item in found]
    genders = [gender for gender, _ in keys]
    assert genders == sorted(genders, key=lambda gender: (gender != "", gender))
    for gender in set(genders):
        dates = [date for g, date in keys if g == gender and date]
        assert dates == sorted(dates, reverse=True)
    assert found == await match_ids(client, "_sort=gender,-birthdate&_count=100"), "same order every time"


async def test_sorting_by_an_unknown_parameter_is_400(client):
    response = await client.get("/Patient?_sort=shoe-size")
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["_sort"]


async def test_paging_with_sort_visits_every_match_once(client, examples):
    seen, url = [], "/Patient?_sort=-birthdate&_count=4"
    while url:
        bundle = (await client.get(url)).json()
        seen += [entry["resource"]["id"] for entry in bundle.get("entry", [])]
        url = _link(bundle, "next")
    assert sorted(seen) == sorted(patient["id"] for patient in examples)


async def test_paging_while_other_clients_insert_has_no_duplicates_or_gaps(own_client):
    client = own_client
    before = {patient["id"] for patient in await load_examples(client)}
    seen: list[str] = []
    url = "/Patient?_count=3"
    while url:
        bundle = (await client.get(url)).json()
        seen += [entry["resource"]["id"] for entry in bundle.get("entry", [])]
        await asyncio.gather(
            *(client.post("/Patient", json={"resourceType": "Patient"}, headers=FHIR_JSON) for _ in range(2))
        )
        url = _link(bundle, "next")
    assert len(seen) == len(set(seen)), "no duplicates"
    assert before <= set(seen), "no gaps"


async def test_count_zero_and_summary_count_give_only_the_total(client, examples):
    for query in ("_summary=count", "_count=0"):
        bundle = (await client.get(f"/Patient?gender=male&{query}")).json()
        assert bundle["total"] == sum(1 for patient in examples if patient.get("gender") == "male")
        assert "entry" not in bundle


async def test_count_is_capped_and_must_be_a_whole_number(client):
    assert (await client.get("/Patient?_count=-1")).status_code == 400
    assert (await client.get("/Patient?_count=ten")).status_code == 400
    response = await client.get("/Patient?_count=5000")
    assert response.status_code == 200
    assert "_count=1000" in _link(response.json(), "self")


async def test_total_none_leaves_out_the_total(client, examples):
    assert "total" not in (await client.get("/Patient?_total=none&_count=100")).json()
    assert (await client.get("/Patient?_total=maybe")).status_code == 400


async def test_total_accurate_counts_every_match_beyond_the_page(client, examples):
    assert len(examples) > 2
    bundle = (await client.get("/Patient?_total=accurate&_count=2")).json()
    assert bundle["total"] == len(examples)
    assert len(bundle["entry"]) == 2


async def test_without_total_accurate_the_total_is_given_only_where_the_page_reaches_the_last_match(
    client, examples
):
    for query in ("", "&_total=estimate"):
        whole = (await client.get(f"/Patient?_count=100{query}")).json()
        assert whole["total"] == len(examples) == len(whole["entry"])
        first = (await client.get(f"/Patient?_count=2{query}")).json()
        assert "total" not in first, "counting would read every match for a page of two"
        assert _link(first, "next")
        tail = (await client.get(f"/Patient?_count=2&_offset={len(examples) - 1}{query}")).json()
        assert tail["total"] == len(examples), "an offset page that reaches the end knows the total"
        beyond = (await client.get(f"/Patient?_count=2&_offset={len(examples) + 5}{query}")).json()
        assert beyond["total"] == len(examples)
        assert "entry" not in beyond


async def test_summary_true_keeps_summary_elements_and_tags_the_subset(client, examples):
    resource = (await client.get("/Patient?_id=example&_summary=true")).json()["entry"][0]["resource"]
    assert {"identifier", "name", "gender", "birthDate", "address"} <= set(resource)
    assert not {"text", "contact", "photo", "communication"} & set(resource)
    assert {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
        "code": "SUBSETTED",
        "display": "subsetted",
    } in resource["meta"]["tag"]


async def test_summary_text_data_and_false(client, examples):
    text = (await client.get("/Patient?_id=example&_summary=text")).json()["entry"][0]["resource"]
    assert set(text) == {"resourceType", "id", "meta", "text"}
    data = (await client.get("/Patient?_id=example&_summary=data")).json()["entry"][0]["resource"]
    assert "text" not in data and "contact" in data
    full = (await client.get("/Patient?_id=example&_summary=false")).json()["entry"][0]["resource"]
    assert "SUBSETTED" not in str(full.get("meta", {}))
    assert (await client.get("/Patient?_summary=everything")).status_code == 400


async def test_elements_returns_only_the_named_elements(client, examples):
    resource = (await client.get("/Patient?_id=example&_elements=gender,birthDate")).json()["entry"][0][
        "resource"
    ]
    assert set(resource) == {"resourceType", "id", "meta", "gender", "birthDate"}


async def test_format_json_is_accepted(client, examples):
    assert (await client.get("/Patient?_format=json&_id=example")).json()["total"] == 1
    assert (await client.get("/Patient?_format=application/fhir%2Bjson&_id=example")).json()["total"] == 1


async def test_post_search_gives_the_same_results_as_get(client, examples):
    parameters = [("birthdate", "ge1970"), ("gender", "male"), ("_sort", "birthdate"), ("_count", "100")]
    got = (await client.get("/Patient?" + urlencode(parameters))).json()
    posted = await client.post(
        "/Patient/_search",
        content=urlencode(parameters),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert posted.status_code == 200
    assert [entry["fullUrl"] for entry in posted.json()["entry"]] == [
        entry["fullUrl"] for entry in got["entry"]
    ]
    assert posted.json()["total"] == got["total"]
    refused = await client.post("/Patient/_search", json={"gender": "male"})
    assert refused.status_code == 415


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("birthdate=xyz", "birthdate"),
        ("birthdate=gt1974-13", "birthdate"),
        ("_lastUpdated=soon", "_lastUpdated"),
        ("gender:missing=maybe", "gender"),
        ("family=", "family"),
    ],
)
async def test_a_malformed_value_is_400_naming_the_parameter(client, query, parameter):
    response = await client.get(f"/Patient?{query}")
    assert response.status_code == 400
    assert parameter in response.json()["issue"][0]["diagnostics"]


async def test_an_unknown_modifier_is_reported_or_refused_when_strict(client, examples):
    bundle = (await client.get("/Patient?family:sounds-like=x")).json()
    outcome = [entry["resource"] for entry in bundle["entry"] if entry["search"]["mode"] == "outcome"]
    assert "family:sounds-like" in outcome[0]["issue"][0]["diagnostics"]
    strict = await client.get("/Patient?family:sounds-like=x", headers={"Prefer": "handling=strict"})
    assert strict.status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "family=chalmers&family[$ne]=x",
        'family=chalmers&family={"$gt":""}',
        "family=chalmers&given=.*",
        "family=chalmers&given=^p",
        "family=chalmers&name=$where",
        'family=chalmers&identifier={"$regex":"."}',
        "family=chalmers&_id[$ne]=x",
        "family=chalmers&birthdate=ge1900&gender=male|$ne",
    ],
)
async def test_values_are_data_and_never_widen_a_match(client, examples, query):
    found = set(await match_ids(client, f"{query}&_count=100"))
    assert found <= {"example"}


async def test_regex_characters_in_a_value_match_literally(own_client):
    client = own_client
    literal = {"resourceType": "Patient", "name": [{"family": "O.*Brien"}]}
    other = {"resourceType": "Patient", "name": [{"family": "Oxbrien"}]}
    created = (await client.post("/Patient", json=literal, headers=FHIR_JSON)).json()
    await client.post("/Patient", json=other, headers=FHIR_JSON)
    assert await match_ids(client, "family=o.*b") == [created["id"]]
    assert await match_ids(client, "family:contains=.*") == [created["id"]]


async def _pages(client, url: str, relation: str) -> list[list[str]]:
    pages = []
    while url:
        bundle = (await client.get(url)).json()
        pages.append([entry["resource"]["id"] for entry in bundle.get("entry", [])])
        url = _link(bundle, relation)
    return pages


@pytest.mark.parametrize("sort", ["", "&_sort=-birthdate,family"])
async def test_previous_links_from_the_last_page_walk_back_through_every_match(client, examples, sort):
    forwards = await _pages(client, f"/Patient?_count=5{sort}", "next")
    first = (await client.get(f"/Patient?_count=5{sort}")).json()
    assert _link(first, "previous") is None
    backwards = await _pages(client, _link(first, "last"), "previous")
    walked_back = [item for page in reversed(backwards) for item in page]
    walked_forward = [item for page in forwards for item in page]
    assert walked_back == walked_forward
    assert len(walked_forward) == len(examples)


async def test_previous_of_a_middle_page_is_exactly_the_page_before(client, examples):
    first = (await client.get("/Patient?_count=4&_sort=birthdate")).json()
    second = (await client.get(_link(first, "next"))).json()
    back = (await client.get(_link(second, "previous"))).json()
    assert [entry["fullUrl"] for entry in back["entry"]] == [entry["fullUrl"] for entry in first["entry"]]
    forward_again = (await client.get(_link(back, "next"))).json()
    assert [entry["fullUrl"] for entry in forward_again["entry"]] == [
        entry["fullUrl"] for entry in second["entry"]
    ]


async def test_a_forged_page_token_is_400(client):
    for token in ("zzz", "a!!!", "aW10", "b"):
        response = await client.get(f"/Patient?_page_token={token}")
        assert response.status_code == 400, token
