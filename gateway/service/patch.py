"""The patch interaction (http.html#patch): JSON Patch (RFC 6902, with `jsonpatch`), FHIRPath Patch
(a Parameters body) and JSON Merge Patch (RFC 7386, what fhirpy's `patch()` sends). The patched resource
is validated and versioned like an update, and written only if the version patched is still current."""

import copy
from typing import Any, Literal, Protocol

import jsonpatch

from gateway.fhir.errors import BadRequest, BusinessRuleViolation, PreconditionFailed
from gateway.fhir.resource_version import StoredVersion
from gateway.service.fhirpath_patch import apply_fhirpath_patch
from gateway.service.interactions import WriteOutcome

PatchFormat = Literal["json-patch", "fhirpath-patch", "merge-patch"]
# A patch without If-Match is applied to the current version and written only over that version; when
# another writer got in between, it is re-applied to the newer one, a few times at most.
_ATTEMPTS = 5


class PatchInteractions(Protocol):
    async def read(self, resource_type: str, resource_id: str) -> StoredVersion: ...

    async def update(
        self, resource_type: str, resource_id: str, resource: Any, if_match: int | None = None
    ) -> WriteOutcome: ...


def patch_format(media_type: str, body: Any) -> PatchFormat:
    """Which kind of patch a body is, from its media type (and, for FHIR JSON, its resourceType)."""
    if media_type == "application/json-patch+json":
        return "json-patch"
    if media_type == "application/merge-patch+json":
        return "merge-patch"
    if isinstance(body, dict) and body.get("resourceType") == "Parameters":
        return "fhirpath-patch"
    if isinstance(body, list):
        return "json-patch"  # a JSON array can only be a JSON Patch, whatever label it came with
    return "merge-patch"


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge member by member, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def apply_patch(resource: dict[str, Any], kind: PatchFormat, body: Any) -> dict[str, Any]:
    """A patched copy of `resource`; a patch that cannot apply is a 422, a malformed one a 400."""
    if kind == "fhirpath-patch":
        return apply_fhirpath_patch(resource, body)
    if kind == "merge-patch":
        if not isinstance(body, dict):
            raise BadRequest("A JSON Merge Patch is a JSON object")
        patched = merge_patch(resource, body)
    else:
        try:
            patched = jsonpatch.JsonPatch(body).apply(resource)
        except jsonpatch.InvalidJsonPatch as error:
            raise BadRequest(f"Not a valid JSON Patch: {error}") from None
        except (
            jsonpatch.JsonPatchConflict,
            jsonpatch.JsonPatchTestFailed,
            jsonpatch.JsonPointerException,
        ) as error:
            raise BusinessRuleViolation(f"The JSON Patch does not apply: {error}") from None
        except TypeError as error:
            raise BadRequest(f"Not a valid JSON Patch: {error}") from None
    if not isinstance(patched, dict):
        raise BusinessRuleViolation("The patch replaced the whole resource with something that is not one")
    return patched


def _keeps_identity(resource_type: str, resource_id: str, patched: dict[str, Any]) -> None:
    if patched.get("resourceType") != resource_type or patched.get("id") != resource_id:
        raise BusinessRuleViolation("A patch may not change a resource's resourceType or id")


async def patch(
    service: PatchInteractions,
    resource_type: str,
    resource_id: str,
    kind: PatchFormat,
    body: Any,
    if_match: int | None = None,
) -> WriteOutcome:
    """Read, patch, and update over the version read (412 if `if_match` is not the current version)."""
    for _ in range(_ATTEMPTS):
        current = await service.read(resource_type, resource_id)
        if if_match is not None and current.version_id != if_match:
            raise PreconditionFailed(
                f'If-Match W/"{if_match}" is stale: {resource_type}/{resource_id} is at {current.version_id}'
            )
        patched = apply_patch(current.resource or {}, kind, body)
        _keeps_identity(resource_type, resource_id, patched)
        try:
            return await service.update(resource_type, resource_id, patched, current.version_id)
        except PreconditionFailed:
            if if_match is not None:
                raise
    raise PreconditionFailed(f"{resource_type}/{resource_id} kept changing while it was patched; retry")
