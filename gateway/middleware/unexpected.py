"""The last resort for an exception no face turned into an answer: a 500 OperationOutcome, connection kept.

Starlette's own handler for `Exception` answers and then re-raises, which makes uvicorn close the kept-alive
connection (the client's next request fails too), and it runs outside the security-headers middleware. This
one sits inside that middleware, answers in the shape of the face (REST or GraphQL), logs, and re-raises only
when a response had already begun (nothing else can be said then).
"""

import logging
from collections.abc import Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.fhir.errors import FhirError, InternalError

log = logging.getLogger("gateway")

Render = Callable[[str, FhirError], Response]


class UnexpectedErrorMiddleware:
    def __init__(self, app: ASGIApp, render: Render) -> None:
        self.app, self.render = app, render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unexpected error on %s %s", scope["method"], scope["path"])
            if started:
                raise
            response = self.render(
                scope["path"], InternalError("An unexpected error occurred; it has been logged")
            )
            await response(scope, receive, send)
