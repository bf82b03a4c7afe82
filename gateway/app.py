"""create_app(settings): the only place that wires store, service, security and faces together."""

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import Scope

from gateway.audit.journal import JOURNAL_FILE, AuditJournal
from gateway.audit.trail import AuditTrail
from gateway.auth.authenticator import build_authenticator
from gateway.fhir.dates import instant_text
from gateway.fhir.errors import FhirError
from gateway.fhir.resource_types import CORE_DEFINITIONS
from gateway.middleware.allowed_hosts import AllowedHostsMiddleware
from gateway.middleware.headers import SecurityHeadersMiddleware
from gateway.middleware.rate_limit import RateLimiter, limiter_storage
from gateway.middleware.security import SecurityMiddleware, is_graphql_path
from gateway.middleware.unexpected import UnexpectedErrorMiddleware
from gateway.observability.http_metrics import HttpMetricsMiddleware
from gateway.observability.metrics import store_command_finished, worker_exited
from gateway.rest.api_docs import install_openapi
from gateway.rest.api_docs import router as api_docs_router
from gateway.rest.dev_token import router as dev_token_router
from gateway.rest.errors import error_response, install_error_handlers
from gateway.rest.health import router as health_router
from gateway.rest.landing import router as landing_router
from gateway.rest.oauth import router as oauth_router
from gateway.rest.operations import router as operations_router
from gateway.rest.patch import router as patch_router
from gateway.rest.routes import router as rest_router
from gateway.rest.xml import XmlMiddleware
from gateway.service.interactions import FhirService
from gateway.service.versions import now
from gateway.settings import Settings
from gateway.store.command_listener import RoundTripListener
from gateway.store.database import connect
from gateway.store.embedded import EmbeddedMongo
from gateway.store.readiness import readiness_problems
from gateway.store.resource_store import ResourceStore
from schema.build import build_schemas
from schema.http import error_response as graphql_error_response
from schema.http import router as graphql_router

log = logging.getLogger("gateway")
OPERATIONS_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def _dev_mode_notice(settings: Settings, listen_url: str) -> None:
    log.warning(
        "DEV MODE: tokens are signed with a key made up for this machine (%s); never use it in production",
        settings.data_dir / "dev-signing-key" if settings.data_dir else "in memory, gone at exit",
    )
    if settings.data_dir is None:
        return
    where = "" if settings.data_dir == Path("data") else f" --data-dir {settings.data_dir}"
    log.warning(
        "get a token:  TOKEN=$(.venv/bin/fhir-gateway token --dev%s --scope 'system/*.cruds')\n"
        '              curl -H "Authorization: Bearer $TOKEN" %s/Patient\n'
        "GraphiQL (gets a dev token by itself): %s/graphql",
        where,
        listen_url,
        listen_url,
    )


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    embedded: EmbeddedMongo | None = None
    uri = settings.mongodb_uri
    if uri is None:
        embedded = EmbeddedMongo(settings.data_dir)
        uri = embedded.start()
        where = f"SQLite file in {settings.data_dir}" if settings.data_dir else "memory"
        log.info("store: embedded mongoeco server at %s (%s)", uri.split("@")[-1], where)
    else:
        log.info("store: MongoDB at %s", uri.split("@")[-1])  # never log credentials
    listener = RoundTripListener(store_command_finished)
    database = await connect(
        uri, settings.database_name, list(CORE_DEFINITIONS), embedded is None, event_listeners=[listener]
    )
    log.info(
        "store: transactions %s; single writes %s",
        "supported" if database.supports_transactions else "not supported",
        "in transactions" if database.transactional_writes else "by versioned compare-and-swap",
    )
    service = FhirService(ResourceStore(database))
    app.state.service = service

    async def store_audit_events(events: list[dict[str, object]]) -> None:
        await service.append("AuditEvent", events)

    app.state.audit = trail = AuditTrail(
        store_audit_events,
        settings.audit_queue_size,
        settings.audit_batch_size,
        settings.audit_wait_seconds,
        AuditJournal(settings.data_dir / JOURNAL_FILE) if settings.data_dir else None,
    )
    trail.start()
    app.state.started = instant_text(now())
    app.state.readiness_check = partial(readiness_problems, database, list(CORE_DEFINITIONS))
    if settings.dev_mode and not settings.auth_jwks_url:
        # `serve` records the address it listens on, so the hint names the real port.
        _dev_mode_notice(settings, getattr(app.state, "listen_url", "http://127.0.0.1:8000"))
    try:
        yield
    finally:
        await trail.stop()  # near-instant: requests waited for their events; a failing store's are journaled
        app.state.rate_limiter.close()
        worker_exited(os.getpid())
        database.close()
        if embedded is not None:
            embedded.stop()


def _render_refusal(path: str, error: FhirError) -> Response:
    """A refusal before any route ran, in the shape of the face the path belongs to."""
    return graphql_error_response(error) if is_graphql_path(path) else error_response(error)


def _face(path: str) -> str:
    if path in OPERATIONS_PATHS:
        return "operations"
    return "graphql" if is_graphql_path(path) else "rest"


def _audit_backlog(scope: Scope) -> int | None:
    trail: AuditTrail | None = getattr(scope["app"].state, "audit", None)
    return trail.queue_length if trail is not None else None


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(
        title="fhir-gateway",
        description="FHIR R4 REST shim and GraphQL facade over MongoDB",
        lifespan=_lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",  # public; Swagger UI at /docs is gateway/rest/api_docs.py, offline
    )
    app.state.settings = settings = settings or Settings.from_env()
    app.state.auth = build_authenticator(settings)  # no way to trust tokens: refuse to start
    app.state.rate_limiter = RateLimiter(
        settings.rate_limit,
        limiter_storage(settings.rate_limit_storage, settings.mongodb_uri, settings.database_name),
    )
    # Shared by the process's apps with the same limits; built on the first GraphQL request, not here.
    app.state.graphql = build_schemas(settings.graphql_max_depth, settings.graphql_max_aliases)
    install_error_handlers(app)
    install_openapi(app)
    app.include_router(health_router)
    app.include_router(landing_router)
    app.include_router(api_docs_router)
    app.include_router(dev_token_router)
    # Before REST, whose catch-all /{resource_type}/{resource_id} routes would otherwise answer first.
    app.include_router(oauth_router)
    app.include_router(graphql_router)
    app.include_router(rest_router)
    # After REST, so that its literal routes (`_history`) answer before the compartment search's patterns.
    app.include_router(operations_router)
    app.include_router(patch_router)
    # Starlette runs the middleware added last first: CORS, headers, unexpected errors, allowed hosts,
    # authentication, then XML.
    app.add_middleware(XmlMiddleware, max_body_bytes=settings.max_body_bytes, skip=is_graphql_path)
    app.add_middleware(SecurityMiddleware, render=_render_refusal)
    if settings.allowed_hosts:  # before authentication: a request for another host gets nothing of ours
        app.add_middleware(
            AllowedHostsMiddleware, allowed_hosts=settings.allowed_hosts, render=_render_refusal
        )
    app.add_middleware(UnexpectedErrorMiddleware, render=_render_refusal)
    app.add_middleware(SecurityHeadersMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_credentials=False,  # bearer tokens travel in a header, never in cookies
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Accept", "If-Match", "If-None-Exist", "Prefer"],
            expose_headers=["ETag", "Location", "Last-Modified", "Retry-After", "WWW-Authenticate"],
            max_age=600,
        )
    app.add_middleware(HttpMetricsMiddleware, face=_face, audit_queue_length=_audit_backlog)  # outermost
    return app
