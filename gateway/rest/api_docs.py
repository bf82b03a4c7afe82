"""OpenAPI documentation of the REST face: Swagger UI served from this server (no CDN), public like /metadata.

The Swagger UI build is the npm package `swagger-ui-dist`, pinned in gateway/rest/swagger_ui/package-lock.json
and installed by `make install` (`npm ci`); the page itself is FastAPI's.
"""

import warnings
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from starlette.responses import Response

from gateway.fhir.errors import NotFound

router = APIRouter(include_in_schema=False)

DIST = Path(__file__).parent / "swagger_ui" / "node_modules" / "swagger-ui-dist"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
}


@router.get("/docs")
async def swagger_ui() -> Response:
    # Relative URLs: /docs resolves them against the root, also behind a path-prefixing proxy.
    return get_swagger_ui_html(
        openapi_url="openapi.json",
        title="fhir-gateway REST API",
        swagger_js_url="docs/assets/swagger-ui-bundle.js",
        swagger_css_url="docs/assets/swagger-ui.css",
        swagger_favicon_url="favicon.ico",
        swagger_ui_parameters={"persistAuthorization": False},
    )


@router.get("/docs/assets/{name}")
async def swagger_asset(name: str) -> Response:
    media_type = ASSETS.get(name)
    path = DIST / name
    if media_type is None:
        raise NotFound(f"No Swagger UI asset named {name!r}")
    if not path.is_file():
        raise NotFound(f"Swagger UI asset {name} is not installed: run `make install` (npm ci)")
    return Response(
        path.read_bytes(), media_type=media_type, headers={"Cache-Control": "public, max-age=86400"}
    )


def install_openapi(app: FastAPI) -> None:
    """The REST face's routes (GraphQL documents itself in GraphiQL) plus the bearer scheme, so Swagger UI's
    "Authorize" sends the token."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            with warnings.catch_warnings():
                # FastAPI warns that GET and POST of one GraphQL route share an operation id; dropped below.
                warnings.simplefilter("ignore", UserWarning)
                schema = get_openapi(
                    title=app.title, version=app.version, description=app.description, routes=app.routes
                )
            schema["paths"] = {path: item for path, item in schema["paths"].items() if "graphql" not in path}
            schema.setdefault("components", {})["securitySchemes"] = {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            }
            schema["security"] = [{"bearer": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]
