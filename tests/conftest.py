"""Fixtures: one real wire-protocol MongoDB per test session (embedded mongoeco, memory engine, or the
server at MONGODB_URI), a database of its own for every test, and the ASGI app over it."""

import os
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


@pytest.fixture(scope="session")
def mongodb_uri() -> Iterator[str]:
    external = os.environ.get("MONGODB_URI")
    if external:
        yield external
        return
    server = EmbeddedMongo(data_dir=None)
    yield server.start()
    server.stop()


def fresh_settings(mongodb_uri: str) -> Settings:
    """Settings for a database of its own."""
    return Settings(mongodb_uri=mongodb_uri, database_name=f"test_{uuid.uuid4().hex[:12]}", data_dir=None)


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The app with its lifespan started; its database is dropped afterwards."""
    application = create_app(settings)
    async with LifespanManager(application):
        yield application
        await application.state.service.store.drop_database()


@asynccontextmanager
async def http_client(application: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def settings(mongodb_uri: str) -> Settings:
    return fresh_settings(mongodb_uri)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running_app(settings) as application:
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(app) as http:
        yield http


def example(name: str) -> dict[str, Any]:
    """An HL7 example from tests/data (see tests/data/README.md for origins), decimals kept exact."""
    return loads((DATA / name).read_bytes())  # type: ignore[no-any-return]


def patient_examples() -> list[Path]:
    return sorted((DATA / "patient").glob("*.json"))


FHIR_JSON = {"Content-Type": "application/fhir+json"}
