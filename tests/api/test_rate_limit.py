"""Each client gets `rate_limit` requests per moving window; over it, 429 with Retry-After and `throttled`,
and service again once the window has moved on. A one-second window keeps the wait short."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from tests.conftest import fresh_settings, http_client, running_app
from tests.security_support import outcome_code


@pytest.fixture
async def limited_app(mongodb_uri) -> AsyncIterator[FastAPI]:
    async with running_app(fresh_settings(mongodb_uri, rate_limit="3/second")) as app:
        yield app


async def test_a_client_over_its_limit_gets_429_and_is_served_again_after_the_window(limited_app):
    async with http_client(limited_app) as http:
        statuses = [(await http.get("/Patient")).status_code for _ in range(3)]
        throttled = await http.get("/Patient")
        assert statuses == [200, 200, 200] and throttled.status_code == 429
        assert outcome_code(throttled.json()) == "throttled"
        wait = int(throttled.headers["retry-after"])
        assert wait == 1
        await asyncio.sleep(wait + 0.05)
        assert (await http.get("/Patient")).status_code == 200


async def test_clients_are_limited_separately(limited_app):
    async with http_client(limited_app) as busy:
        for _ in range(4):
            await busy.get("/Patient")
        assert (await busy.get("/Patient")).status_code == 429
    other = limited_app.state.auth.issue("another-client", "system/*.cruds")
    async with http_client(limited_app, token=other) as http:
        assert (await http.get("/Patient")).status_code == 200


async def test_anonymous_requests_are_limited_by_address_even_on_public_paths(limited_app):
    async with http_client(limited_app, scope=None) as http:
        statuses = [(await http.get("/metadata")).status_code for _ in range(4)]
        assert (await http.get("/healthz")).status_code == 200  # health checks are never throttled
    assert statuses == [200, 200, 200, 429]


async def test_graphql_gets_the_throttled_outcome_as_a_graphql_error(limited_app):
    async with http_client(limited_app) as http:
        for _ in range(3):
            await http.post("/$graphql", json={"query": "{ PatientList { id } }"})
        response = await http.post("/$graphql", json={"query": "{ PatientList { id } }"})
    assert response.status_code == 429 and "retry-after" in response.headers
    assert outcome_code(response.json()) == "throttled"


async def test_throttled_requests_are_audited(limited_app):
    async with http_client(limited_app) as http:
        for _ in range(4):
            await http.get("/Patient")
    await limited_app.state.audit.flush()
    page = await limited_app.state.service.search("AuditEvent", [("outcome", "4")], "http://testserver")
    assert [version.resource["outcomeDesc"][:3] for version in page.page.items] == ["429"]
