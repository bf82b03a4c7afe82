"""Which HTTP methods a URL answers: the `Allow` header of 405 and OPTIONS answers, asked from the routes."""

from typing import Any

from starlette.routing import Match
from starlette.types import Scope

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(scope: Scope) -> list[str]:
    """Every method some route fully matches at this request's path, OPTIONS included; empty when only the
    OPTIONS catch-all serves the path. The routes are asked themselves, so a new route is never left out."""
    router: Any = scope["app"].router
    found = [
        method
        for method in _METHODS
        if any(route.matches({**scope, "method": method})[0] == Match.FULL for route in router.routes)
    ]
    return [*found, "OPTIONS"] if found else []


def allow_header(scope: Scope) -> dict[str, str]:
    methods = allowed_methods(scope)
    return {"Allow": ", ".join(methods)} if methods else {}
