"""PATCH [type]/[id] and conditional PATCH [type]?criteria (http.html#patch)."""

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from gateway.fhir.errors import UnsupportedMediaType
from gateway.fhir.json import loads
from gateway.rest.request_body import read_body
from gateway.rest.routes import _if_match, _service, _write_response, base_url
from gateway.service.conditional import required_match
from gateway.service.patch import PatchFormat, patch, patch_format

router = APIRouter()

PATCH_MEDIA_TYPES = frozenset(
    {
        "application/json-patch+json",  # JSON Patch (fhir-kit-client, @medplum/core)
        "application/merge-patch+json",
        "application/fhir+json",  # FHIRPath Patch (a Parameters resource)
        "application/json",  # fhirpy's patch(): the changed elements, merged in
    }
)


async def _patch_body(request: Request) -> tuple[PatchFormat, Any]:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in PATCH_MEDIA_TYPES:
        raise UnsupportedMediaType(
            f"PATCH takes {', '.join(sorted(PATCH_MEDIA_TYPES))} or application/fhir+xml, not {media_type!r}"
        )
    body = loads(await read_body(request, request.app.state.settings.max_body_bytes))
    return patch_format(media_type, body), body


@router.patch("/{resource_type}/{resource_id}")
async def patch_instance(request: Request, resource_type: str, resource_id: str) -> Response:
    kind, body = await _patch_body(request)
    outcome = await patch(_service(request), resource_type, resource_id, kind, body, _if_match(request))
    return _write_response(request, outcome)


@router.patch("/{resource_type}")
async def patch_conditional(request: Request, resource_type: str) -> Response:
    kind, body = await _patch_body(request)
    service = _service(request)
    match = await required_match(service, resource_type, request.url.query, base_url(request))
    outcome = await patch(service, resource_type, match.id, kind, body, _if_match(request))
    return _write_response(request, outcome)
