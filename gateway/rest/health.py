"""Operations endpoints, public and never FHIR: liveness, readiness and Prometheus metrics."""

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from gateway.observability.metrics import CONTENT_TYPE, exposition

router = APIRouter()

ReadinessCheck = Callable[[], Awaitable[list[str]]]


@router.get("/healthz")
async def health() -> Response:
    """Live: the process answers HTTP. Touches nothing else, so a slow database never gets it restarted."""
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
async def readiness(request: Request) -> Response:
    """Ready: started, the database answers a ping and the core types' indexes exist (else 503, with why)."""
    check: ReadinessCheck | None = getattr(request.app.state, "readiness_check", None)
    if check is None:
        return JSONResponse({"status": "starting"}, status_code=503)
    try:
        problems = await check()
    except Exception:  # any failure to reach the database means "not ready", never a 500
        return JSONResponse({"status": "unavailable", "problems": ["database unreachable"]}, status_code=503)
    if problems:
        return JSONResponse({"status": "unavailable", "problems": problems}, status_code=503)
    return JSONResponse({"status": "ok"})


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """Prometheus text format; served only when FHIR_GATEWAY_METRICS=public (docs/scaling.md says why)."""
    if not request.app.state.settings.metrics_public:
        return JSONResponse({"status": "disabled", "enable": "FHIR_GATEWAY_METRICS=public"}, status_code=404)
    return Response(exposition(), media_type=CONTENT_TYPE)
