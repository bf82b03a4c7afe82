"""Security headers on every response; PHI responses are never cached."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# GraphiQL is the one HTML page: its inline bootstrap script and styles need 'unsafe-inline', everything it
# loads comes from this server. Every other response is data and may load nothing at all.
GRAPHIQL_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
DATA_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                html = any(n.lower() == b"content-type" and v.startswith(b"text/html") for n, v in headers)
                headers.extend(pair for pair in _COMMON if pair[0] not in names)
                if b"content-security-policy" not in names:
                    csp = GRAPHIQL_CSP if html else DATA_CSP
                    headers.append((b"content-security-policy", csp.encode()))
                if b"cache-control" not in names:  # static assets set their own; everything else may be PHI
                    headers.append((b"cache-control", b"no-store"))
                if scope.get("scheme") == "https":
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
