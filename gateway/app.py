"""create_app(settings): the only place that wires store, service and faces together."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gateway.fhir.dates import instant_text
from gateway.fhir.resource_types import CORE_DEFINITIONS
from gateway.rest.errors import install_error_handlers
from gateway.rest.health import router as health_router
from gateway.rest.routes import router as rest_router
from gateway.service.interactions import FhirService
from gateway.service.versions import now
from gateway.settings import Settings
from gateway.store.database import connect
from gateway.store.embedded import EmbeddedMongo
from gateway.store.resource_store import ResourceStore
from schema.build import build_schemas
from schema.http import router as graphql_router

log = logging.getLogger("gateway")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    embedded: EmbeddedMongo | None = None
    uri = settings.mongodb_uri
    if uri is None:
        embedded = EmbeddedMongo(settings.data_dir)
        uri = embedded.start()
        where = f"SQLite file in {settings.data_dir}" if settings.data_dir else "memory"
        log.info("store: embedded mongoeco server at %s (%s)", uri, where)
    else:
        log.info("store: MongoDB at %s", uri.split("@")[-1])  # never log credentials
    database = await connect(uri, settings.database_name, list(CORE_DEFINITIONS))
    log.info(
        "store: transactions %s; single writes %s",
        "supported" if database.supports_transactions else "not supported",
        "in transactions" if database.transactional_writes else "by versioned compare-and-swap",
    )
    app.state.service = FhirService(ResourceStore(database))
    app.state.started = instant_text(now())
    try:
        yield
    finally:
        database.close()
        if embedded is not None:
            embedded.stop()


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(
        title="fhir-gateway",
        description="FHIR R4 REST shim and GraphQL facade over MongoDB",
        lifespan=_lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings = settings or Settings.from_env()
    app.state.graphql = build_schemas(settings.graphql_max_depth, settings.graphql_max_aliases)
    install_error_handlers(app)
    app.include_router(health_router)
    # Before REST, whose catch-all /{resource_type}/{resource_id} routes would otherwise answer first.
    app.include_router(graphql_router)
    app.include_router(rest_router)
    return app
