"""Hostile input on GraphQL, in transactions and tokens, and in the audit trail (issues 10 and 15); the same
checks as tests/api/test_hostile_input.py."""

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest

from tests.conftest import FHIR_JSON, TEST_SECRET, fresh_settings, http_client, running_app
from tests.graphql_support import graphql
from tests.hostile_support import (
    graphql_outcome,
    nested_extension,
    outcome,
    unharmed,
)
from tests.hostile_support import sentinel as sentinel
from tests.security_support import claims

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
    graphql_outcome(response.status_code, response.json())
    await unharmed(client, sentinel)


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
    graphql_outcome(response.status_code, response.json())
    await unharmed(client, sentinel)


async def test_a_graphql_decimal_too_long_to_keep_is_refused(client, sentinel):
    status, body = await graphql(
        client,
        'mutation { PatientCreate(res: {resourceType: "Patient", extension: [{url: "http://x", '
        'valueDecimal: "1.' + "1" * 40 + '"}]}) { id } }',
    )
    graphql_outcome(status, body)
    await unharmed(client, sentinel)


@pytest.mark.parametrize("offset", [10**30, "²"])
async def test_a_graphql_cursor_with_an_absurd_offset_is_refused(client, sentinel, offset):
    cursor_text = json.dumps({"p": [], "o": offset, "c": 2})
    cursor = base64.urlsafe_b64encode(cursor_text.encode()).decode().rstrip("=")
    status, body = await graphql(client, f'{{ PatientConnection(_cursor: "{cursor}") {{ count }} }}')
    graphql_outcome(status, body)
    await unharmed(client, sentinel)


async def test_a_graphql_count_in_unicode_digits_is_refused(client, sentinel):
    status, body = await graphql(client, '{ PatientList(_count: "²") { id } }')
    graphql_outcome(status, body)
    await unharmed(client, sentinel)


# --- Transactions, tokens, audit ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failing",
    [
        {"resourceType": "Patient", "gender": "mal"},
        {"resourceType": "Patient", "active": "yes"},
        nested_extension(200),
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
    outcome(response, 400)
    await unharmed(client, sentinel)


async def test_a_signed_token_whose_exp_is_a_string_is_401(app):
    payload = claims(exp=str(int(claims()["exp"])))
    token = jwt.encode(payload, TEST_SECRET, algorithm="HS256")
    async with http_client(app, token=token) as http:
        refused = await http.get("/Patient")
        assert refused.status_code == 401
        assert "exp" in outcome(refused, 401)["issue"][0]["diagnostics"]
        assert (await http.get("/metadata")).status_code == 200  # public: a bad token is ignored there


async def test_writing_an_audit_event_is_405_whatever_the_scope(app):
    event = {"resourceType": "AuditEvent"}
    for scope in ("system/*.cruds", "system/AuditEvent.cruds", "system/Patient.rs"):
        async with http_client(app, scope=scope) as http:
            response = await http.post("/AuditEvent", json=event, headers=FHIR_JSON)
            assert outcome(response, 405)["issue"][0]["code"] == "not-supported"


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
