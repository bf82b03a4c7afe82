"""Hostile and broken input (issues 10 and 15): every case gets a 4xx OperationOutcome (or a correct 2xx)
quickly, nothing invalid is stored, a sentinel resource stays as it was, and the app keeps serving.

Over ASGI a dropped connection cannot show; an exception escaping the app would fail the request here
(httpx re-raises it), and tests/e2e/test_keep_alive.py checks the served process keeps the connection.
"""

import base64
import json
from typing import Any

import pytest

from gateway.fhir.json import dumps
from tests.conftest import FHIR_JSON
from tests.graphql_support import graphql
from tests.hostile_support import (
    nested_extension,
    outcome,
    stored_patients,
    unharmed,
)
from tests.hostile_support import sentinel as sentinel

# --- Invalid data is refused, never coerced and stored -----------------------------------------------------

COERCED = [
    ({"active": "yes"}, "Patient.active: expected a JSON boolean"),
    ({"active": 1}, "Patient.active: expected a JSON boolean"),
    ({"active": "on"}, "Patient.active: expected a JSON boolean"),
    ({"multipleBirthInteger": "3"}, "Patient.multipleBirthInteger: expected a JSON number"),
    (
        {"extension": [{"url": "http://example.org/x", "valueDecimal": "1.50"}]},
        "Patient.extension[0].valueDecimal: expected a JSON number",
    ),
    ({"active": None}, "Patient.active: null is not allowed"),
    ({"name": []}, "Patient.name: empty arrays are not allowed"),
    ({"name": [{}]}, "Patient.name[0]: empty objects are not allowed"),
    ({"name": [{"family": 7}]}, "Patient.name[0].family: expected a JSON string"),
    ({"contained": [{"resourceType": "Patient", "active": "no"}]}, "Patient.contained[0].active"),
]


@pytest.mark.parametrize(("elements", "message"), COERCED)
async def test_a_value_of_the_wrong_json_kind_is_refused_on_post_and_put(client, sentinel, elements, message):
    before = await stored_patients(client)
    resource = {"resourceType": "Patient", **elements}
    posted = await client.post("/Patient", content=json.dumps(resource), headers=FHIR_JSON)
    assert message in outcome(posted, 400)["issue"][0]["diagnostics"]
    put = await client.put(
        sentinel.url, content=json.dumps({**resource, "id": sentinel.stored["id"]}), headers=FHIR_JSON
    )
    assert message in outcome(put, 400)["issue"][0]["diagnostics"]
    assert await stored_patients(client) == before
    await unharmed(client, sentinel)


async def test_a_transaction_with_a_coerced_value_stores_nothing(client, sentinel):
    before = await stored_patients(client)
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": {"resourceType": "Patient"}, "request": {"method": "POST", "url": "Patient"}},
            {
                "resource": {"resourceType": "Patient", "active": "yes"},
                "request": {"method": "POST", "url": "Patient"},
            },
        ],
    }
    response = await client.post("/", content=json.dumps(bundle), headers=FHIR_JSON)
    assert "expected a JSON boolean" in json.dumps(outcome(response, 400))
    assert await stored_patients(client) == before
    await unharmed(client, sentinel)


async def test_a_graphql_null_input_is_left_out_never_stored_as_null(client, sentinel):
    status, body = await graphql(
        client,
        "mutation ($res: PatientInput!) { PatientCreate(res: $res) { id } }",
        {"res": {"resourceType": "Patient", "active": None, "name": [{"family": "Null"}]}},
    )
    assert status == 200, body
    stored = (await client.get(f"/Patient/{body['data']['PatientCreate']['id']}")).json()
    assert "active" not in stored and stored["name"] == [{"family": "Null"}]
    await unharmed(client, sentinel)


# --- Bodies that used to answer 500 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "[" * 10_000 + "]" * 10_000,
        '{"resourceType":"Patient","a":' + "[" * 10_000 + "]" * 10_000 + "}",
        json.dumps(nested_extension(200)),
        json.dumps(nested_extension(1000)),
        '{"resourceType":"Patient","extension":[{"url":"http://x","valueDecimal":1e999999}]}',
        '{"resourceType":"Patient","extension":[{"url":"http://x","valueDecimal":1.' + "1" * 40 + "}]}",
        '{"resourceType":"Patient","name":[{"family":"\\ud800"}]}',
        '{"resourceType":"Patient","\\ud800":1}',
    ],
    ids=[
        "array-10000-deep",
        "element-10000-deep",
        "extension-200-deep",
        "extension-1000-deep",
        "decimal-1e999999",
        "decimal-40-digits",
        "lone-surrogate-string",
        "lone-surrogate-key",
    ],
)
async def test_a_hostile_body_is_refused_with_anoutcome(client, sentinel, body):
    before = await stored_patients(client)
    outcome(await client.post("/Patient", content=body.encode(), headers=FHIR_JSON), 400)
    assert await stored_patients(client) == before
    await unharmed(client, sentinel)


async def test_a_decimal_of_34_digits_is_kept_exactly(client):
    text = "1." + "2" * 33
    body = '{"resourceType":"Patient","extension":[{"url":"http://x","valueDecimal":' + text + "}]}"
    created = await client.post("/Patient", content=body.encode(), headers=FHIR_JSON)
    assert created.status_code == 201
    stored = await client.get(f"/Patient/{created.json()['id']}")
    assert f'"valueDecimal":{text}' in stored.text


async def test_invalid_utf8_in_a_search_form_is_refused(client, sentinel):
    response = await client.post(
        "/Patient/_search",
        content=b"family=\xff\xfe",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    outcome(response, 400)
    escaped = await client.post(
        "/Patient/_search",
        content=b"family=%ff%fe",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    outcome(escaped, 400)
    await unharmed(client, sentinel)


# --- Parameters and path segments are parsed as ASCII numbers within range ---------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/Patient?_count=²",
        "/Patient?_offset=²",
        "/Patient?_offset=99999999999999999999",
        "/Patient?_offset=-1",
        "/Patient?_count=\u0661",
        "/Patient/_history?_count=²",
    ],
)
async def test_a_number_parameter_that_is_not_an_ascii_number_in_range_is_refused(client, sentinel, url):
    outcome(await client.get(url), 400)
    await unharmed(client, sentinel)


@pytest.mark.parametrize("version", ["²", "99999999999999999999999", "0", "-1"])
async def test_a_version_segment_that_is_not_a_version_number_is_refused(client, sentinel, version):
    response = await client.get(f"{sentinel.url}/_history/{version}")
    assert response.status_code in (400, 404)
    outcome(response)
    await unharmed(client, sentinel)


@pytest.mark.parametrize("etag", ['W/"²"', 'W/"99999999999999999999999"'])
async def test_an_if_match_that_is_not_a_version_number_is_refused(client, sentinel, etag):
    response = await client.put(
        sentinel.url,
        content=dumps(sentinel.stored).encode(),
        headers={**FHIR_JSON, "If-Match": etag.encode()},
    )
    outcome(response)
    await unharmed(client, sentinel)


@pytest.mark.parametrize(
    "url",
    [
        "/Patient/_history?_since=0001-01-01T00:00:00%2B14:00",
        "/Patient?birthdate=ap9999-12-31",
        "/Patient?birthdate=sa9999-12-31",
        "/Patient?birthdate=0001-01-01T00:00:00%2B14:00",
        "/Patient?birthdate=eb0001-01-01",
        "/Patient?birthdate=9999",
    ],
)
async def test_dates_at_the_ends_of_the_range_are_searched_without_overflow(client, sentinel, url):
    response = await client.get(url)
    assert response.status_code == 200, response.text
    assert response.json()["resourceType"] == "Bundle"
    await unharmed(client, sentinel)


@pytest.mark.parametrize("birthdate", ["²⁰²⁰", "2020-\u0661\u0662-01"])
async def test_a_date_with_unicode_digits_is_refused(client, sentinel, birthdate):
    outcome(await client.get("/Patient", params={"birthdate": birthdate}), 400)
    await unharmed(client, sentinel)


# --- Page tokens are typed literals, never documents --------------------------------------------------------


def _token(payload: Any, direction: str = "a") -> str:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return direction + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("sort", "payload"),
    [
        ("family", "[" * 5000 + "]" * 5000),
        ("family", [{"$where": "sleep(10000) || true"}, "x"]),
        ("family", [{"$regex": "^(.*){40}X$"}, "x"]),
        ("family", [{"$ne": None}, ""]),
        ("family", [["s", {"$regex": "^(.*){40}X$"}], ["s", "x"]]),
        ("family", [["s", {"$ne": None}], ["s", ""]]),
        (None, [["s", {"$gt": ""}]]),
    ],
)
async def test_a_forged_page_token_is_refused_before_it_reaches_the_store(client, sentinel, sort, payload):
    params = {"_page_token": _token(payload)} | ({"_sort": sort} if sort else {})
    outcome(await client.get("/Patient", params=params), 400)
    await unharmed(client, sentinel)


@pytest.mark.parametrize(
    "payload",
    [
        [{"$gt": {"$date": 0}}, "x"],
        [["t", {"$gt": {"$date": 0}}], ["s", "x"]],
        "[" * 5000 + "]" * 5000,
    ],
)
async def test_a_forged_history_token_is_refused(client, sentinel, payload):
    response = await client.get("/Patient/_history", params={"_page_token": _token(payload)})
    outcome(response, 400)
    await unharmed(client, sentinel)


async def test_real_page_tokens_still_page_through_every_result(client, sentinel):
    for family in ("Able", "Baker", "Cole"):
        body = {"resourceType": "Patient", "name": [{"family": family}]}
        assert (await client.post("/Patient", json=body, headers=FHIR_JSON)).status_code == 201
    seen: list[str] = []
    url: str | None = "/Patient?_sort=family&_count=2"
    while url:
        page = (await client.get(url)).json()
        seen += [entry["resource"]["name"][0]["family"] for entry in page.get("entry", [])]
        url = next((link["url"] for link in page["link"] if link["relation"] == "next"), None)
    assert seen == ["Able", "Baker", "Cole", "Sentinel"]


# --- Unbounded cost is refused quickly ---------------------------------------------------------------------


async def test_a_resource_with_60000_given_names_is_refused(client, sentinel):
    resource = {"resourceType": "Patient", "name": [{"family": "Many", "given": ["g"] * 60_000}]}
    response = await client.post("/Patient", content=dumps(resource).encode(), headers=FHIR_JSON)
    assert "more than 10000 items" in outcome(response, 400)["issue"][0]["diagnostics"]
    await unharmed(client, sentinel)


async def test_a_string_longer_than_the_limit_is_refused(client, sentinel):
    resource = {"resourceType": "Patient", "name": [{"family": "x" * 70_000}]}
    response = await client.post("/Patient", content=dumps(resource).encode(), headers=FHIR_JSON)
    assert outcome(response, 400)["issue"][0]["code"] == "too-costly"
    await unharmed(client, sentinel)


async def test_a_search_with_20000_or_values_is_refused(client, sentinel):
    form = "family=" + ",".join(f"name{index}" for index in range(20_000))
    response = await client.post(
        "/Patient/_search",
        content=form.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert outcome(response, 400)["issue"][0]["code"] == "too-costly"
    await unharmed(client, sentinel)


async def test_a_search_with_200_iterated_revincludes_is_refused(client, sentinel):
    params = [("_revinclude:iterate", "Observation:subject")] * 200
    response = await client.get("/Patient", params=params)
    assert outcome(response, 400)["issue"][0]["code"] == "too-costly"
    await unharmed(client, sentinel)


async def test_a_search_with_too_many_parameters_is_refused(client, sentinel):
    params = [("family", f"f{index}") for index in range(500)]
    outcome(await client.get("/Patient", params=params), 400)
    await unharmed(client, sentinel)
