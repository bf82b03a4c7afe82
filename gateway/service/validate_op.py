"""`$validate` (R4 Resource-validate): check a resource as a create or update would, store nothing, and
answer an OperationOutcome (its issues, or one information issue when all is well)."""

from typing import Any, Protocol

from gateway.fhir.errors import BadRequest, InvalidResource
from gateway.fhir.outcome import information, operation_outcome
from gateway.fhir.resource_version import StoredVersion
from gateway.fhir.validation import validate_resource
from gateway.service.interactions import writable_definition_of

MODES = ("create", "update", "delete")


class ValidateInteractions(Protocol):
    async def read(self, resource_type: str, resource_id: str) -> StoredVersion: ...


def _parameters(body: Any) -> tuple[Any, str | None]:
    """(resource, mode) from a Parameters body, or the body itself as the resource."""
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        return body, None
    resource, mode = None, None
    for parameter in body.get("parameter") or []:
        if not isinstance(parameter, dict):
            continue
        if parameter.get("name") == "resource":
            resource = parameter.get("resource")
        elif parameter.get("name") == "mode":
            mode = parameter.get("valueCode")
    return resource, mode


async def validate_operation(
    service: ValidateInteractions, resource_type: str, resource_id: str | None, body: Any, mode: str | None
) -> dict[str, Any]:
    """The OperationOutcome of validating `body` (a resource, or Parameters with `resource` and `mode`)."""
    writable_definition_of(resource_type)
    resource, body_mode = _parameters(body)
    mode = mode or body_mode
    if mode is not None and mode not in MODES:
        raise BadRequest(f"mode must be one of {', '.join(MODES)}, not {mode!r}", expression=("mode",))
    if resource_id is not None and mode in ("update", "delete"):
        await service.read(resource_type, resource_id)  # 404/410 (and the caller's access) as for a write
    if mode == "delete":
        return information(f"{resource_type}/{resource_id} can be deleted")
    if not isinstance(resource, dict):
        raise BadRequest("$validate needs a resource (the body, or a Parameters `resource` parameter)")
    try:
        validate_resource(resource, resource_type)
        if resource_id is not None and resource.get("id") != resource_id:
            raise BadRequest(
                f"The resource id ({resource.get('id')!r}) must equal the id in the URL ({resource_id!r})",
                expression=(f"{resource_type}.id",),
            )
        if mode == "update" and not resource.get("id"):
            raise BadRequest("An update needs the resource's id", expression=(f"{resource_type}.id",))
    except (InvalidResource, BadRequest) as error:
        return operation_outcome(error.issues)
    return information(f"The {resource_type} is valid" + (f" for {mode}" if mode else ""))
