"""Authenticate every request (bearer JWT), limit each client's rate, and audit what is refused here.

Runs before any route, so a route cannot forget to ask for a token: only the public paths below pass without
one. The verified principal goes to the faces in the request state; their `GuardedService` decides scopes.
"""

import re
from collections.abc import Callable
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.audit.events import METHOD_ACTIONS, Actor, audit_event
from gateway.audit.trail import AuditTrail, AuditUnavailable
from gateway.auth.authenticator import Authenticator, bearer_token
from gateway.auth.principal import Principal
from gateway.fhir.errors import FhirError, InvalidToken, TooManyRequests, Unauthorized
from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from gateway.middleware.rate_limit import RateLimiter
from gateway.service.versions import now

Render = Callable[[str, FhirError], Response]

PUBLIC_PATHS = frozenset(
    {"/metadata", "/.well-known/smart-configuration", "/.well-known/jwks.json", "/token", "/healthz"}
    | {"/readyz", "/metrics"}  # operations endpoints (gateway/rest/health.py)
)
# Health checks and scrapes must not be throttled into failing.
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
# Pages for people, readable without a token (GET only: POST / is a batch and needs one).
PUBLIC_PAGES = frozenset({"/", "/favicon.ico", "/docs", "/openapi.json"})
_RESOURCE_PATH = re.compile(r"^/(?P<type>[A-Z][A-Za-z]+)(?:/(?P<id>[A-Za-z0-9\-.]{1,64}))?(?:/|$)")
REALM = 'Bearer realm="fhir-gateway"'


def is_graphql_path(path: str) -> bool:
    return path in ("/graphql", "/$graphql") or path.endswith("/$graphql")


def is_public(method: str, path: str, scope: Scope) -> bool:
    """Capabilities, discovery, health, the token endpoint (its clients authenticate with their secret) and
    GraphiQL's page and assets; GraphiQL's queries are not public."""
    if path in PUBLIC_PATHS or path.startswith("/graphql/assets/"):
        return True
    if method in ("GET", "HEAD") and (path in PUBLIC_PAGES or path.startswith("/docs/assets/")):
        return True
    if (
        path == "/graphql/dev-token"
    ):  # answers only in dev mode, to loopback clients (gateway/rest/dev_token.py)
        return True
    if path == "/graphql" and method == "GET":
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        return "query" not in query and "text/html" in Headers(scope=scope).get("accept", "")
    return False


def _www_authenticate(error: FhirError) -> FhirError:
    if isinstance(error, InvalidToken):
        description = error.diagnostics.replace('"', "'")
        error.headers["WWW-Authenticate"] = (
            f'{REALM}, error="invalid_token", error_description="{description}"'
        )
    elif isinstance(error, Unauthorized):
        error.headers["WWW-Authenticate"] = REALM  # RFC 6750 3.1: no error code when no token was sent
    return error


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, render: Render) -> None:
        self.app, self.render = app, render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "OPTIONS":  # CORS preflights carry no token
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        authenticator: Authenticator = state.auth
        path, method = scope["path"], scope["method"]
        address = scope["client"][0] if scope.get("client") else None
        public = is_public(method, path, scope)
        principal: Principal | None = None
        error: FhirError | None = None
        try:
            token = bearer_token(Headers(scope=scope).get("authorization"))
            if token is not None:
                principal = await authenticator.verifier.verify(token)
            elif not public:
                error = Unauthorized("This request needs `Authorization: Bearer <token>`")
        except InvalidToken as refused:
            error = None if public else refused  # a public page does not care about a bad token
        if path not in UNLIMITED_PATHS:
            limiter: RateLimiter = state.rate_limiter
            wait = await limiter.hit(f"client:{principal.client_id}" if principal else f"address:{address}")
            if wait is not None:
                error = TooManyRequests(
                    f"Too many requests; retry in {wait} s", headers={"Retry-After": str(wait)}
                )
        if error is not None:
            await self._refuse(scope, receive, send, error, principal, address)
            return
        scope.setdefault("state", {})
        scope["state"]["principal"] = principal
        scope["state"]["address"] = address
        await self.app(scope, receive, send)

    async def _refuse(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        error: FhirError,
        principal: Principal | None,
        address: str | None,
    ) -> None:
        path, method = scope["path"], scope["method"]
        trail: AuditTrail = scope["app"].state.audit
        matched = _RESOURCE_PATH.match(path)
        resource_type = matched["type"] if matched and matched["type"] in RESOURCE_DEFINITIONS else None
        resource_id = matched["id"] if resource_type and matched and matched["id"] else None
        actor = Actor(
            principal.client_id if principal else None, principal.subject if principal else None, address
        )
        event = audit_event(
            actor,
            action=METHOD_ACTIONS.get(method, "E"),
            status=error.status,
            recorded=now(),
            face="graphql" if is_graphql_path(path) else "rest",
            resource_type=resource_type,
            references=[f"{resource_type}/{resource_id}"] if resource_id else [],
            description=f"{error.code}: {error.diagnostics}",
        )
        try:
            await trail.admit()
            await trail.record(event)  # the refusal is stored before it is answered, like any interaction
        except AuditUnavailable as unavailable:
            error = unavailable
        response = self.render(path, _www_authenticate(error))
        await response(scope, receive, send)
