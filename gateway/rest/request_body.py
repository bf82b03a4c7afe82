"""Read request bodies: media type (415), size limit (413), JSON syntax and form encoding (400)."""

from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from gateway.body import read_limited
from gateway.fhir.errors import BadRequest, UnsupportedMediaType
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


MAX_FORM_FIELDS = 1000


async def read_form(request: Request, limit: int) -> list[tuple[str, str]]:
    """An application/x-www-form-urlencoded body as (name, value) pairs; 400 unless it is valid UTF-8."""
    try:
        text = (await read_body(request, limit)).decode("utf-8")
        return parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=MAX_FORM_FIELDS)
    except UnicodeDecodeError:
        raise BadRequest("The form body is not valid UTF-8") from None
    except ValueError:
        raise BadRequest(f"The form body has more than {MAX_FORM_FIELDS} fields") from None
