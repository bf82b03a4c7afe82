"""The front door: `/` (an HTML page for browsers, JSON for programs) and the favicon; both public."""

from pathlib import Path

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, JSONResponse, Response

router = APIRouter(include_in_schema=False)

_HERE = Path(__file__).parent
PAGE = (_HERE / "landing.html").read_text(encoding="utf-8")
FAVICON = (_HERE / "favicon.svg").read_bytes()
# Relative links, so the page works behind a proxy that adds a path prefix.
LINKS = {
    "graphiql": "graphql",
    "graphql": "$graphql",
    "capabilities": "metadata",
    "api_docs": "docs",
    "openapi": "openapi.json",
    "smart_configuration": ".well-known/smart-configuration",
    "health": "healthz",
}


@router.get("/")
async def landing(request: Request) -> Response:
    if "text/html" in request.headers.get("accept", ""):
        return HTMLResponse(PAGE)
    return JSONResponse(
        {"name": "fhir-gateway", "fhirVersion": "4.0.1", "links": LINKS},
        headers={"Vary": "Accept"},
    )


@router.get("/favicon.ico")
async def favicon() -> Response:
    # An SVG under the name browsers ask for; every current browser accepts it.
    return Response(FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})
