"""Conditional update and delete, compartment search, `Patient/{id}/$everything` and `$validate`."""

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from gateway.fhir import bundle
from gateway.fhir.errors import NotFound
from gateway.fhir.patient_compartment import PATIENT_COMPARTMENT
from gateway.rest.request_body import read_resource
from gateway.rest.responses import FhirResponse
from gateway.rest.routes import _if_match, _search, _service, _write_response, base_url
from gateway.service.compartment import COMPARTMENT_PARAMETER
from gateway.service.conditional import conditional_delete, conditional_update
from gateway.service.everything import everything, parse_everything
from gateway.service.validate_op import validate_operation
from gateway.service.versions import check_id

router = APIRouter()


@router.put("/{resource_type}")
async def update_conditional(request: Request, resource_type: str) -> Response:
    resource = await read_resource(request, request.app.state.settings.max_body_bytes)
    outcome = await conditional_update(
        _service(request), resource_type, request.url.query, resource, base_url(request), _if_match(request)
    )
    return _write_response(request, outcome)


@router.delete("/{resource_type}")
async def delete_conditional(request: Request, resource_type: str) -> Response:
    deletion = await conditional_delete(
        _service(request), resource_type, request.url.query, base_url(request), _if_match(request)
    )
    headers: dict[str, Any] = {"ETag": f'W/"{deletion.version_id}"'} if deletion else {}
    return Response(status_code=204, headers=headers)


async def _validate(request: Request, resource_type: str, resource_id: str | None) -> Response:
    body = await read_resource(request, request.app.state.settings.max_body_bytes)
    outcome = await validate_operation(
        _service(request), resource_type, resource_id, body, request.query_params.get("mode")
    )
    return FhirResponse(outcome)


@router.post("/{resource_type}/$validate")
async def validate_type(request: Request, resource_type: str) -> Response:
    return await _validate(request, resource_type, None)


@router.post("/{resource_type}/{resource_id}/$validate")
async def validate_instance(request: Request, resource_type: str, resource_id: str) -> Response:
    return await _validate(request, resource_type, check_id(resource_id))


@router.get("/Patient/{patient_id}/$everything")
async def patient_everything(request: Request, patient_id: str) -> Response:
    return await _everything(request, patient_id, list(request.query_params.multi_items()))


@router.get("/Patient/{patient_id}/*")
async def patient_compartment_all(request: Request, patient_id: str) -> Response:
    return await _everything(request, patient_id, list(request.query_params.multi_items()))


async def _everything(request: Request, patient_id: str, parameters: list[tuple[str, str]]) -> Response:
    check_id(patient_id)
    wanted = parse_everything(parameters)
    base = base_url(request)
    page = await everything(_service(request), patient_id, wanted, base)
    matches = [version.resource or {} for version in page.items]
    path = request.url.path.lstrip("/")
    return FhirResponse(bundle.searchset(base, path, matches, page, wanted.used, []))


@router.get("/Patient/{patient_id}/{resource_type}")
async def patient_compartment_search(request: Request, patient_id: str, resource_type: str) -> Response:
    check_id(patient_id)
    if resource_type not in PATIENT_COMPARTMENT:
        raise NotFound(f"{resource_type} resources are never in a Patient compartment")
    parameters = list(request.query_params.multi_items())
    return await _search(
        request, resource_type, [*parameters, (COMPARTMENT_PARAMETER, f"Patient/{patient_id}")]
    )
