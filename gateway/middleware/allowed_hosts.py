"""Refuse requests whose Host header is not in FHIR_GATEWAY_ALLOWED_HOSTS: links (fullUrl, Location, paging)
follow the Host header when no base URL is configured, so an unchecked Host lets a client (or a poisoned
cache in front of us) make the server hand out links to another site. The check is starlette's
TrustedHostMiddleware; only its plain-text refusal is replaced by the face's OperationOutcome."""

from collections.abc import Callable, Sequence

from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.fhir.errors import BadRequest, FhirError

Render = Callable[[str, FhirError], Response]


class AllowedHostsMiddleware:
    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str], render: Render) -> None:
        self.app, self.allowed_hosts, self.render = app, list(allowed_hosts), render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        trusted = False

        async def through(inner_scope: Scope, inner_receive: Receive, _: Send) -> None:
            nonlocal trusted
            trusted = True
            await self.app(inner_scope, inner_receive, send)

        async def swallow(message: Message) -> None:
            """starlette's own refusal (plain text) is replaced below."""

        check = TrustedHostMiddleware(through, self.allowed_hosts, www_redirect=False)
        await check(scope, receive, swallow)
        if not trusted:
            refusal = BadRequest("The Host header names no host this server answers for")
            await self.render(scope["path"], refusal)(scope, receive, send)
