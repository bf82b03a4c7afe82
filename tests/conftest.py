"""Fixtures: one real wire-protocol MongoDB per test session (embedded mongoeco, memory engine, or the
server at MONGODB_URI), a database of its own for every test, and the ASGI app over it."""

import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from gateway.app import create_app
from gateway.fhir.json import loads
from gateway.settings import Settings
from gateway.store.embedded import EmbeddedMongo

DATA = Path(__file__).parent / "data"
# The test signing key: random per session, so no test can depend on a known secret.
TEST_SECRET = secrets.token_urlsafe(48)
BROAD_SCOPE = "system/*.cruds"


LONG_RUNNING_MARKERS = ("e2e", "synthea")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long test files (real server processes, the Synthea import) first: with `--dist loadfile` the
    workers then end on short files together, rather than one waiting while the other runs a long file last.
    The sort is stable, so the order within each group stays as collected."""
    items.sort(key=lambda item: not any(item.get_closest_marker(name) for name in LONG_RUNNING_MARKERS))


@pytest.fixture(scope="session")
def mongodb_uri() -> Iterator[str]:
    external = os.environ.get("MONGODB_URI")
    if external:
        yield external
        return
    server = EmbeddedMongo(data_dir=None)
    yield server.start()
    server.stop()


def fresh_settings(mongodb_uri: str, **overrides: Any) -> Settings:
    """Settings for a database of its own, trusting tokens signed with the session's test key; rate limits are
    high enough for the suite's bursts (the rate-limit tests set their own)."""
    values: dict[str, Any] = {
        "mongodb_uri": mongodb_uri,
        "database_name": f"test_{uuid.uuid4().hex[:12]}",
        "data_dir": None,
        "auth_secret": TEST_SECRET,
        "rate_limit": "100000/minute",
        # One process: counts in memory (a database write per request would slow the whole suite);
        # tests/api/test_shared_rate_limit.py and tests/e2e/test_instances.py cover the shared counters.
        "rate_limit_storage": "memory",
    }
    return Settings(**(values | overrides))


def mint_token(application: FastAPI, scope: str = BROAD_SCOPE, **claims: Any) -> str:
    """A real token from the app's configured key (what POST /token would issue)."""
    subject = claims.pop("subject", "test-client")
    return application.state.auth.issue(subject, scope, **claims)  # type: ignore[no-any-return]


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The app with its lifespan started; its database is dropped afterwards."""
    application = create_app(settings)
    # No start-up or shut-down deadline: a busy machine may take long, and a hang shows as a hang.
    async with LifespanManager(application, startup_timeout=None, shutdown_timeout=None):
        yield application
        await application.state.service.store.drop_database()


@asynccontextmanager
async def http_client(
    application: FastAPI, token: str | None = None, scope: str | None = BROAD_SCOPE
) -> AsyncIterator[httpx.AsyncClient]:
    """A client sending `token`, or a fresh token with `scope`; `scope=None` and no token: anonymous."""
    transport = httpx.ASGITransport(app=application)
    if token is None and scope is not None:
        token = mint_token(application, scope)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers) as http:
        yield http


@pytest.fixture
async def sqlite_service(tmp_path: Path) -> AsyncIterator[Any]:
    """The service of an app on an embedded SQLite engine of its own (the tests' shared server is memory)."""
    server = EmbeddedMongo(data_dir=tmp_path)
    try:
        async with running_app(fresh_settings(server.start())) as application:
            yield application.state.service
    finally:
        server.stop()


@pytest.fixture
def settings(mongodb_uri: str) -> Settings:
    return fresh_settings(mongodb_uri)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running_app(settings) as application:
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Sends a broad token (`system/*.cruds`), as an authorised back-end would."""
    async with http_client(app) as http:
        yield http


@pytest.fixture
async def anonymous_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Sends no token, for refusal tests."""
    async with http_client(app, scope=None) as http:
        yield http


def example(name: str) -> dict[str, Any]:
    """An HL7 example from tests/data (see tests/data/README.md for origins), decimals kept exact."""
    return loads((DATA / name).read_bytes())  # type: ignore[no-any-return]


def patient_examples() -> list[Path]:
    return sorted((DATA / "patient").glob("*.json"))


FHIR_JSON = {"Content-Type": "application/fhir+json"}
