"""Hostile and broken input (issues 10 and 15): every case gets a 4xx OperationOutcome (or a correct 2xx)
quickly, nothing invalid is stored, a sentinel resource stays as it was, and the app keeps serving.

Over ASGI a dropped connection cannot show; an exception escaping the app would fail the request here
(httpx re-raises it), and tests/e2e/test_keep_alive.py checks the served process keeps the connection.
"""

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest

from gateway.fhir.json import dumps, loads
from tests.conftest import FHIR_JSON, TEST_SECRET, fresh_settings, http_client, running_app
from tests.graphql_support import graphql
from tests.security_support import claims


@dataclass
class Sentinel:
    url: str
    stored: dict[str, Any]


@pytest.fixture
async def sentinel(client: httpx.AsyncClient) -> Sentinel:
    resource = {"resourceType": "Patient", "active": True, "name": [{"family": "Sentinel", "given": ["Sam"]}]}
    created = await client.post("/Patient", content=dumps(resource).encode(), headers=FHIR_JSON)
    assert created.status_code == 201
    return Sentinel(f"/Patient/{created.json()['id']}", loads(created.content))


async def _unharmed(client: httpx.AsyncClient, sentinel: Sentinel) -> None:
    """The sentinel is unchanged and the same client is still served."""
    response = await client.get(sentinel.url)
    assert response.status_code == 200
    assert loads(response.content) == sentinel.stored
    history = await client.get(f"{sentinel.url}/_history")
    assert history.json()["total"] == 1


def _outcome(response: httpx.Response, status: int | None = None) -> dict[str, Any]:
    assert response.status_code < 500, response.text[:300]
    assert response.status_code >= 400, response.text[:300]
    if status is not None:
        assert response.status_code == status, response.text[:300]
    body = response.json()
    assert body["resourceType"] == "OperationOutcome", body
    return body  # type: ignore[no-any-return]


def _graphql_outcome(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """The refusal's OperationOutcome; an "unexpected error" (issue code `exception`) is not a refusal."""
    assert status < 500, body
    outcome = body["errors"][0]["extensions"]["resource"]
    assert outcome["resourceType"] == "OperationOutcome", body
    assert all(issue["code"] != "exception" for issue in outcome["issue"]), body
    return outcome  # type: ignore[no-any-return]


async def _stored_patients(client: httpx.AsyncClient) -> int:
    return int((await client.get("/Patient", params={"_summary": "count"})).json()["total"])


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
    before = await _stored_patients(client)
    resource = {"resourceType": "Patient", **elements}
    posted = await client.post("/Patient", content=json.dumps(resource), headers=FHIR_JSON)
    assert message in _outcome(posted, 400)["issue"][0]["diagnostics"]
    put = await client.put(
        sentinel.url, content=json.dumps({**resource, "id": sentinel.stored["id"]}), headers=FHIR_JSON
    )
    assert message in _outcome(put, 400)["issue"][0]["diagnostics"]
    assert await _stored_patients(client) == before
    await _unharmed(client, sentinel)


async def test_a_transaction_with_a_coerced_value_stores_nothing(client, sentinel):
    before = await _stored_patients(client)
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
    assert "expected a JSON boolean" in json.dumps(_outcome(response, 400))
    assert await _stored_patients(client) == before
    await _unharmed(client, sentinel)


async def test_a_graphql_null_input_is_left_out_never_stored_as_null(client, sentinel):
    status, body = await graphql(
        client,
        "mutation ($res: PatientInput!) { PatientCreate(res: $res) { id } }",
        {"res": {"resourceType": "Patient", "active": None, "name": [{"family": "Null"}]}},
    )
    assert status == 200, body
    stored = (await client.get(f"/Patient/{body['data']['PatientCreate']['id']}")).json()
    assert "active" not in stored and stored["name"] == [{"family": "Null"}]
    await _unharmed(client, sentinel)


# --- Bodies that used to answer 500 ------------------------------------------------------------------------


def _nested_extension(depth: int) -> dict[str, Any]:
    extension: dict[str, Any] = {"url": "http://example.org/leaf", "valueString": "x"}
    for _ in range(depth):
        extension = {"url": "http://example.org/nest", "extension": [extension]}
    return {"resourceType": "Patient", "extension": [extension]}


@pytest.mark.parametrize(
    "body",
    [
        "[" * 10_000 + "]" * 10_000,
        '{"resourceType":"Patient","a":' + "[" * 10_000 + "]" * 10_000 + "}",
        json.dumps(_nested_extension(200)),
        json.dumps(_nested_extension(1000)),
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
async def test_a_hostile_body_is_refused_with_an_outcome(client, sentinel, body):
    before = await _stored_patients(client)
    _outcome(await client.post("/Patient", content=body.encode(), headers=FHIR_JSON), 400)
    assert await _stored_patients(client) == before
    await _unharmed(client, sentinel)


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
    _outcome(response, 400)
    escaped = await client.post(
        "/Patient/_search",
        content=b"family=%ff%fe",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    _outcome(escaped, 400)
    await _unharmed(client, sentinel)


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
    _outcome(await client.get(url), 400)
    await _unharmed(client, sentinel)


@pytest.mark.parametrize("version", ["²", "99999999999999999999999", "0", "-1"])
async def test_a_version_segment_that_is_not_a_version_number_is_refused(client, sentinel, version):
    response = await client.get(f"{sentinel.url}/_history/{version}")
    assert response.status_code in (400, 404)
    _outcome(response)
    await _unharmed(client, sentinel)


@pytest.mark.parametrize("etag", ['W/"²"', 'W/"99999999999999999999999"'])
async def test_an_if_match_that_is_not_a_version_number_is_refused(client, sentinel, etag):
    response = await client.put(
        sentinel.url,
        content=dumps(sentinel.stored).encode(),
        headers={**FHIR_JSON, "If-Match": etag.encode()},
    )
    _outcome(response)
    await _unharmed(client, sentinel)


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
    await _unharmed(client, sentinel)


@pytest.mark.parametrize("birthdate", ["²⁰²⁰", "2020-\u0661\u0662-01"])
async def test_a_date_with_unicode_digits_is_refused(client, sentinel, birthdate):
    _outcome(await client.get("/Patient", params={"birthdate": birthdate}), 400)
    await _unharmed(client, sentinel)


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
    _outcome(await client.get("/Patient", params=params), 400)
    await _unharmed(client, sentinel)


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
    _outcome(response, 400)
    await _unharmed(client, sentinel)


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
    assert "more than 10000 items" in _outcome(response, 400)["issue"][0]["diagnostics"]
    await _unharmed(client, sentinel)


async def test_a_string_longer_than_the_limit_is_refused(client, sentinel):
    resource = {"resourceType": "Patient", "name": [{"family": "x" * 70_000}]}
    response = await client.post("/Patient", content=dumps(resource).encode(), headers=FHIR_JSON)
    assert _outcome(response, 400)["issue"][0]["code"] == "too-costly"
    await _unharmed(client, sentinel)


async def test_a_search_with_20000_or_values_is_refused(client, sentinel):
    form = "family=" + ",".join(f"name{index}" for index in range(20_000))
    response = await client.post(
        "/Patient/_search",
        content=form.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert _outcome(response, 400)["issue"][0]["code"] == "too-costly"
    await _unharmed(client, sentinel)


async def test_a_search_with_200_iterated_revincludes_is_refused(client, sentinel):
    params = [("_revinclude:iterate", "Observation:subject")] * 200
    response = await client.get("/Patient", params=params)
    assert _outcome(response, 400)["issue"][0]["code"] == "too-costly"
    await _unharmed(client, sentinel)


async def test_a_search_with_too_many_parameters_is_refused(client, sentinel):
    params = [("family", f"f{index}") for index in range(500)]
    _outcome(await client.get("/Patient", params=params), 400)
    await _unharmed(client, sentinel)


# --- GraphQL -----------------------------------------------------------------------------------------------


def _nested_fragments(levels: int = 12, spreads: int = 4) -> str:
    fragments = [
        f"fragment F{index} on Patient {{ {' '.join([f'...F{index + 1}'] * spreads)} }}"
        for index in range(levels - 1)
    ]
    fragments.append(f"fragment F{levels - 1} on Patient {{ id }}")
    return "{ PatientList(_count: 1) { ...F0 } } " + " ".join(fragments)


@pytest.mark.parametrize(
    "query",
    [
        _nested_fragments(),
        "{ PatientList(_count: 1) { " + " ".join(["id"] * 10_000) + " } }",
        "{ PatientList { ...A } } fragment A on Patient { ...B } fragment B on Patient { ...A }",
        "{ PatientList { " + "name { " * 2000 + "family" + " }" * 2001,
        "{ PatientList(_count: " + "[" * 5000 + "1" + "]" * 5000 + ") { id } }",
        "{ " + " ".join(f"a{index}: PatientList {{ id }}" for index in range(40)) + " }",
        "{ PatientList { " + "id " * 60_000 + "} }",
    ],
    ids=[
        "fragments-spreading-fragments",
        "10000-duplicate-fields",
        "fragment-cycle",
        "2000-deep",
        "5000-deep-list-argument",
        "40-aliases",
        "oversized",
    ],
)
async def test_a_costly_graphql_document_is_refused_before_validation(client, sentinel, query):
    response = await client.post("/$graphql", json={"query": query})
    assert response.status_code == 400
    _graphql_outcome(response.status_code, response.json())
    await _unharmed(client, sentinel)


@pytest.mark.parametrize(
    "variables",
    [
        '{"res": ' + "[" * 10_000 + "]" * 10_000 + "}",
        '{"res": {"\\ud800": 1}}',
        '{"res": {"resourceType": "Patient", "extension": [{"url": "http://x", "valueDecimal": 1e999999}]}}',
    ],
    ids=["10000-deep", "lone-surrogate-key", "decimal-1e999999"],
)
async def test_hostile_graphql_variables_are_refused(client, sentinel, variables):
    query = "mutation ($res: PatientInput!) { PatientCreate(res: $res) { id } }"
    body = '{"query": ' + json.dumps(query) + ', "variables": ' + variables + "}"
    response = await client.post(
        "/$graphql", content=body.encode(), headers={"Content-Type": "application/json"}
    )
    _graphql_outcome(response.status_code, response.json())
    await _unharmed(client, sentinel)


async def test_a_graphql_decimal_too_long_to_keep_is_refused(client, sentinel):
    status, body = await graphql(
        client,
        'mutation { PatientCreate(res: {resourceType: "Patient", extension: [{url: "http://x", '
        'valueDecimal: "1.' + "1" * 40 + '"}]}) { id } }',
    )
    _graphql_outcome(status, body)
    await _unharmed(client, sentinel)


@pytest.mark.parametrize("offset", [10**30, "²"])
async def test_a_graphql_cursor_with_an_absurd_offset_is_refused(client, sentinel, offset):
    cursor_text = json.dumps({"p": [], "o": offset, "c": 2})
    cursor = base64.urlsafe_b64encode(cursor_text.encode()).decode().rstrip("=")
    status, body = await graphql(client, f'{{ PatientConnection(_cursor: "{cursor}") {{ count }} }}')
    _graphql_outcome(status, body)
    await _unharmed(client, sentinel)


async def test_a_graphql_count_in_unicode_digits_is_refused(client, sentinel):
    status, body = await graphql(client, '{ PatientList(_count: "²") { id } }')
    _graphql_outcome(status, body)
    await _unharmed(client, sentinel)


# --- Transactions, tokens, audit ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failing",
    [
        {"resourceType": "Patient", "gender": "mal"},
        {"resourceType": "Patient", "active": "yes"},
        _nested_extension(200),
    ],
    ids=["binding", "coerced-boolean", "extension-200-deep"],
)
async def test_a_transaction_deleting_the_sentinel_with_a_failing_post_is_400_and_rolls_back(
    client, sentinel, failing
):
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"request": {"method": "DELETE", "url": sentinel.url.lstrip("/")}},
            {"resource": failing, "request": {"method": "POST", "url": "Patient"}},
        ],
    }
    response = await client.post("/", content=json.dumps(bundle), headers=FHIR_JSON)
    _outcome(response, 400)
    await _unharmed(client, sentinel)


async def test_a_signed_token_whose_exp_is_a_string_is_401(app):
    payload = claims(exp=str(int(claims()["exp"])))
    token = jwt.encode(payload, TEST_SECRET, algorithm="HS256")
    async with http_client(app, token=token) as http:
        refused = await http.get("/Patient")
        assert refused.status_code == 401
        assert "exp" in _outcome(refused, 401)["issue"][0]["diagnostics"]
        assert (await http.get("/metadata")).status_code == 200  # public: a bad token is ignored there


async def test_writing_an_audit_event_is_405_whatever_the_scope(app):
    event = {"resourceType": "AuditEvent"}
    for scope in ("system/*.cruds", "system/AuditEvent.cruds", "system/Patient.rs"):
        async with http_client(app, scope=scope) as http:
            response = await http.post("/AuditEvent", json=event, headers=FHIR_JSON)
            assert _outcome(response, 405)["issue"][0]["code"] == "not-supported"


async def test_an_unexpected_failure_answers_500_with_the_security_headers_and_does_not_escape(app):
    async def explode() -> None:
        raise RuntimeError("internal detail")

    app.add_api_route("/test/only/explode", explode)
    async with http_client(app) as http:  # httpx would re-raise an exception that left the app
        response = await http.get("/test/only/explode")
        assert response.status_code == 500
        assert response.json()["resourceType"] == "OperationOutcome"
        assert "internal detail" not in response.text
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"
        assert (await http.get("/metadata")).status_code == 200


@pytest.fixture
async def throttled_app(mongodb_uri: str) -> AsyncIterator[Any]:
    async with running_app(fresh_settings(mongodb_uri, rate_limit="3/minute")) as application:
        yield application


async def test_a_429_refusal_is_in_the_audit_trail_with_outcome_4(throttled_app):
    async with http_client(throttled_app) as http:
        statuses = [(await http.get("/Patient")).status_code for _ in range(5)]
        assert statuses[-1] == 429
    await throttled_app.state.audit.flush()
    # Read through the service: another request would be throttled too.
    found = await throttled_app.state.service.search("AuditEvent", [("_count", "100")], "")
    events = [version.resource for version in found.page.items]
    refused = [event for event in events if event["outcomeDesc"].startswith("429")]
    assert refused and all(event["outcome"] == "4" for event in refused)


async def test_x_forwarded_for_is_not_trusted_unless_a_proxy_is_configured():
    from gateway.settings import Settings

    assert Settings(trusted_proxies=()).proxy_options() == {"proxy_headers": False, "forwarded_allow_ips": ""}
    assert Settings(trusted_proxies=("10.0.0.1", "10.0.0.2")).proxy_options() == {
        "proxy_headers": True,
        "forwarded_allow_ips": "10.0.0.1,10.0.0.2",
    }
