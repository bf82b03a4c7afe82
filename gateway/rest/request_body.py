"""Read request bodies: media type (415), size limit (413), JSON syntax (400)."""

from typing import Any

from starlette.requests import Request

from gateway.body import read_limited
from gateway.fhir.errors import UnsupportedMediaType
from gateway.fhir.json import loads

ACCEPTED_MEDIA_TYPES = frozenset({"application/fhir+json", "application/json"})


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def read_resource(request: Request, limit: int) -> Any:
    media_type = _media_type(request)
    if media_type not in ACCEPTED_MEDIA_TYPES:
        raise UnsupportedMediaType(
            f"Content-Type {media_type or '(none)'!r} is not supported; send application/fhir+json"
        )
    return loads(await read_body(request, limit))


async def read_body(request: Request, limit: int) -> bytes:
    return await read_limited(request.headers, request.stream(), limit)
