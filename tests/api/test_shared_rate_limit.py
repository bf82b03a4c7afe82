"""Two gateway apps on one database share each client's rate limit through the database's counters."""

from collections import Counter

import pytest
from fastapi import FastAPI

from tests.conftest import fresh_settings, http_client, running_app
from tests.security_support import outcome_code

LIMIT = 3


@pytest.fixture
async def two_instances(mongodb_uri) -> tuple[FastAPI, FastAPI]:
    first = fresh_settings(mongodb_uri, rate_limit=f"{LIMIT}/minute", rate_limit_storage="auto")
    second = fresh_settings(
        mongodb_uri,
        rate_limit=f"{LIMIT}/minute",
        rate_limit_storage="auto",
        database_name=first.database_name,
    )
    async with running_app(first) as a, running_app(second) as b:
        yield a, b


async def test_the_limit_holds_for_a_client_whose_requests_alternate_between_instances(two_instances):
    a, b = two_instances
    assert a.state.rate_limiter.shared and b.state.rate_limiter.shared
    token = a.state.auth.issue("alternating-client", "system/*.cruds")
    statuses = []
    async with http_client(a, token=token) as via_a, http_client(b, token=token) as via_b:
        for turn in range(2 * LIMIT):
            response = await (via_a if turn % 2 == 0 else via_b).get("/Patient")
            statuses.append(response.status_code)
            if response.status_code == 429:
                assert outcome_code(response.json()) == "throttled"
                assert int(response.headers["retry-after"]) >= 1
    assert statuses == [200] * LIMIT + [429] * LIMIT  # in memory each instance would have allowed LIMIT


async def test_other_clients_keep_their_own_shared_window(two_instances):
    a, b = two_instances
    busy = a.state.auth.issue("busy-client", "system/*.cruds")
    async with http_client(a, token=busy) as http:
        for _ in range(LIMIT):
            await http.get("/Patient")
    quiet = a.state.auth.issue("quiet-client", "system/*.cruds")
    async with http_client(b, token=quiet) as http:
        statuses = Counter([(await http.get("/Patient")).status_code for _ in range(LIMIT)])
    assert statuses == {200: LIMIT}


async def test_shared_counters_refuse_past_the_limit_on_the_embedded_sqlite_engine(tmp_path):
    # `fhir-gateway db` serves the SQLite engine; the store's mongoeco adaptation once made its updates
    # skip part of their filter, so the windows never filled there.
    from gateway.middleware.rate_limit import RateLimiter, limiter_storage
    from gateway.store.embedded import EmbeddedMongo

    server = EmbeddedMongo(tmp_path / "db")
    uri = server.start()
    try:
        limiter = RateLimiter(f"{LIMIT}/minute", limiter_storage("database", uri, "limits"))
        answers = [await limiter.hit("client") for _ in range(LIMIT + 2)]
        limiter.close()
    finally:
        server.stop()
    assert answers[:LIMIT] == [None] * LIMIT
    assert all(isinstance(wait, int) and wait >= 1 for wait in answers[LIMIT:])
