"""If-Match preconditions of writes and the version headers of their refusals."""

from gateway.fhir.errors import FhirError, PreconditionFailed
from gateway.fhir.resource_version import StoredVersion


def version_headers(version: StoredVersion) -> dict[str, str]:
    return {"ETag": f'W/"{version.version_id}"'}


def stale(resource_type: str, resource_id: str, if_match: int) -> FhirError:
    return PreconditionFailed(f'If-Match W/"{if_match}" is stale: {resource_type}/{resource_id} has changed')


def check_if_match(
    resource_type: str, resource_id: str, current: StoredVersion | None, if_match: int | None
) -> None:
    if if_match is None:
        return
    if current is None:
        raise PreconditionFailed(f"If-Match given but {resource_type}/{resource_id} does not exist")
    if current.version_id != if_match:
        raise stale(resource_type, resource_id, if_match)
