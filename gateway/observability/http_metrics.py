"""ASGI middleware counting every request by route template, status and face, with its latency."""

import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.observability.metrics import AUDIT_QUEUE_LENGTH, REQUEST_SECONDS, REQUESTS

UNMATCHED = (
    "unmatched"  # 404s and refusals before routing: never the raw path, whose ids would explode labels
)


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/{resource_type}/{resource_id}`), which the router sets."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class HttpMetricsMiddleware:
    """Outermost, so it also sees refusals (401, 429) answered by the security middleware.

    `face` names the face a path belongs to; `audit_queue_length` reads the audit trail's backlog, which is
    sampled after each request so every worker's gauge stays current without a background task.
    """

    def __init__(
        self, app: ASGIApp, face: Callable[[str], str], audit_queue_length: Callable[[Scope], int | None]
    ) -> None:
        self.app, self.face, self.audit_queue_length = app, face, audit_queue_length

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client sees when the app raises before answering

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            route, method, face = route_template(scope), scope["method"], self.face(scope["path"])
            REQUESTS.labels(route, method, str(status), face).inc()
            REQUEST_SECONDS.labels(route, method, face).observe(time.perf_counter() - started)
            backlog = self.audit_queue_length(scope)
            if backlog is not None:
                AUDIT_QUEUE_LENGTH.set(backlog)
