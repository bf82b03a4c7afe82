"""Which HTTP methods a URL answers: the `Allow` header of 405 and OPTIONS answers, read from the routes."""

from starlette.routing import Route
from starlette.types import ASGIApp

_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(app: ASGIApp, path: str) -> list[str]:
    """Every method some route serves at `path` (OPTIONS included), in a fixed order; empty when no route
    serves the path at all. Asked from the routes themselves, so a new route can never be left out."""
    found: set[str] = set()
    for route in getattr(getattr(app, "router", None), "routes", []):
        if isinstance(route, Route) and route.methods and route.path_regex.match(path):
            found |= route.methods - {"OPTIONS"}
    if not found:
        return []
    return [method for method in _ORDER if method in found] + sorted(found - set(_ORDER)) + ["OPTIONS"]


def allow_header(app: ASGIApp, path: str) -> dict[str, str]:
    methods = allowed_methods(app, path)
    return {"Allow": ", ".join(methods)} if methods else {}
