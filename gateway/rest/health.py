"""Liveness and readiness for orchestrators: public, never FHIR."""

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

router = APIRouter()


@router.get("/healthz")
async def health(request: Request) -> Response:
    """Ready when the store answers a ping."""
    try:
        await request.app.state.service.store.ping()
    except Exception:
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})
