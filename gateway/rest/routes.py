"""FHIR RESTful URLs (http.html) mapped onto the service; every body is FHIR JSON."""

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from gateway.auth.guarded import GuardedService
from gateway.auth.smart import capability_security
from gateway.fhir import bundle
from gateway.fhir.capability import capability_statement
from gateway.fhir.errors import NotFound, UnsupportedMediaType
from gateway.fhir.outcome import information
from gateway.fhir.resource_version import StoredVersion
from gateway.fhir.summary import summarise
from gateway.rest.methods import allow_header
from gateway.rest.prefer import preferences
from gateway.rest.request_body import read_form, read_resource
from gateway.rest.responses import FhirResponse, version_headers
from gateway.service.bundles import process_bundle
from gateway.service.interactions import WriteOutcome
from gateway.service.search import parse_history
from gateway.service.versions import parse_etag, parse_version_id

router = APIRouter()
Handler = Callable[..., Awaitable[Response]]


def _get(path: str) -> Callable[[Handler], Handler]:
    """A GET route that answers HEAD too: the same status and headers, no body (uvicorn would drop a HEAD
    body anyway; dropping it here keeps every ASGI server honest)."""

    def register(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def get_or_head(**arguments: Any) -> Response:
            response = await handler(**arguments)
            if arguments["request"].method != "HEAD":
                return response
            head = Response(status_code=response.status_code)
            head.raw_headers = response.raw_headers  # Content-Length of the GET body, as RFC 9110 allows
            head.body = b""
            return head

        router.api_route(path, methods=["GET", "HEAD"])(get_or_head)
        return handler

    return register


def _service(request: Request) -> GuardedService:
    """The service as this request's token may use it (decided and audited per interaction)."""
    state = request.state
    return GuardedService(
        request.app.state.service,
        getattr(state, "principal", None),  # no principal: every interaction is refused (fail closed)
        request.app.state.audit,
        getattr(state, "address", None),
        "rest",
    )


def base_url(request: Request) -> str:
    configured: str | None = request.app.state.settings.base_url
    return (configured or str(request.base_url)).rstrip("/")


def _if_match(request: Request) -> int | None:
    header = request.headers.get("if-match")
    return parse_etag(header) if header else None


def _resource_response(version: StoredVersion, status: int = 200) -> Response:
    return FhirResponse(version.resource, status_code=status, headers=version_headers(version))


def _write_response(request: Request, outcome: WriteOutcome) -> Response:
    version = outcome.version
    status = 201 if outcome.created else 200
    headers = version_headers(version, base_url(request))
    chosen = preferences(request).return_
    if chosen == "minimal":
        return FhirResponse(None, status_code=status, headers=headers)
    if chosen.lower() == "operationoutcome":
        verb = "created" if outcome.created else "updated"
        message = f"{version.resource_type}/{version.id} {verb} as version {version.version_id}"
        return FhirResponse(information(message), status_code=status, headers=headers)
    return FhirResponse(version.resource, status_code=status, headers=headers)


@router.post("/")
async def batch_or_transaction(request: Request) -> Response:
    body = await read_resource(request, request.app.state.settings.max_body_bytes)
    service = _service(request)
    async with service.recorded_together():  # one audit write for the Bundle's entries, before the answer
        answer = await process_bundle(service, body, base_url(request))
    return FhirResponse(answer)


@_get("/metadata")
async def metadata(request: Request) -> Response:
    base = base_url(request)
    security = capability_security(request.app.state.settings, base)
    return FhirResponse(capability_statement(base, request.app.state.started, security))


async def _search(request: Request, resource_type: str, parameters: list[tuple[str, str]]) -> Response:
    base = base_url(request)
    result = await _service(request).search(resource_type, parameters, base, preferences(request).strict)
    found = result.page.items
    matches = [
        summarise(version.resource or {}, result.request.summary, result.request.elements)
        for version in found
    ]
    body = bundle.searchset(
        base, resource_type, matches, result.page, result.request.used, result.warnings, result.included
    )
    return FhirResponse(body)


@_get("/{resource_type}")
async def search_type(request: Request, resource_type: str) -> Response:
    return await _search(request, resource_type, list(request.query_params.multi_items()))


@router.post("/{resource_type}/_search")
async def search_post(request: Request, resource_type: str) -> Response:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip()
    if media_type != "application/x-www-form-urlencoded":
        raise UnsupportedMediaType("POST _search takes application/x-www-form-urlencoded parameters")
    form = await read_form(request, request.app.state.settings.max_body_bytes)
    parameters = list(request.query_params.multi_items()) + form
    return await _search(request, resource_type, parameters)


@router.post("/{resource_type}")
async def create(request: Request, resource_type: str) -> Response:
    resource = await read_resource(request, request.app.state.settings.max_body_bytes)
    outcome = await _service(request).create(
        resource_type, resource, request.headers.get("if-none-exist"), base_url(request)
    )
    return _write_response(request, outcome)


async def _history(request: Request, resource_type: str, resource_id: str | None) -> Response:
    history = parse_history(list(request.query_params.multi_items()))
    page = await _service(request).history(
        resource_type, resource_id, history.count, history.page_token, history.since
    )
    path = resource_type + (f"/{resource_id}" if resource_id else "") + "/_history"
    return FhirResponse(bundle.history(base_url(request), path, page, history.used))


@_get("/{resource_type}/_history")
async def history_type(request: Request, resource_type: str) -> Response:
    return await _history(request, resource_type, None)


@_get("/{resource_type}/{resource_id}")
async def read(request: Request, resource_type: str, resource_id: str) -> Response:
    return _resource_response(await _service(request).read(resource_type, resource_id))


@router.put("/{resource_type}/{resource_id}")
async def update(request: Request, resource_type: str, resource_id: str) -> Response:
    if_match = _if_match(request)
    resource = await read_resource(request, request.app.state.settings.max_body_bytes)
    outcome = await _service(request).update(resource_type, resource_id, resource, if_match)
    return _write_response(request, outcome)


@router.delete("/{resource_type}/{resource_id}")
async def delete(request: Request, resource_type: str, resource_id: str) -> Response:
    deletion = await _service(request).delete(resource_type, resource_id, _if_match(request))
    headers: dict[str, Any] = {"ETag": f'W/"{deletion.version_id}"'} if deletion else {}
    return Response(status_code=204, headers=headers)


@_get("/{resource_type}/{resource_id}/_history")
async def history_instance(request: Request, resource_type: str, resource_id: str) -> Response:
    return await _history(request, resource_type, resource_id)


@_get("/{resource_type}/{resource_id}/_history/{version_id}")
async def vread(request: Request, resource_type: str, resource_id: str, version_id: str) -> Response:
    version = await _service(request).vread(resource_type, resource_id, parse_version_id(version_id))
    return _resource_response(version)


@router.options("/{path:path}")
async def options(request: Request, path: str) -> Response:
    """What a URL allows, in `Allow` (CORS preflights are answered earlier, by the CORS middleware)."""
    headers = allow_header(request.scope)
    if not headers:
        raise NotFound(f"No FHIR endpoint at {request.url.path}")
    return Response(status_code=204, headers=headers)
