"""Conditional update, delete and patch (http.html#cond-update): find the one resource a query names, through
the caller's own search, so a match the caller may not see is never revealed nor changed."""

from typing import Any

from gateway.fhir.errors import BadRequest, NotFound
from gateway.fhir.resource_version import StoredVersion
from gateway.service.bundles import Interactions
from gateway.service.interactions import WriteOutcome
from gateway.service.versions import check_id

# What conditional interactions run through: the GuardedService on both faces (or the bare service), as Bundle
# entries do.
ConditionalInteractions = Interactions


async def single_match(
    service: ConditionalInteractions, resource_type: str, query: str, base_url: str
) -> StoredVersion | None:
    """The one resource `query` matches among those the caller may search, None for none, 412 for several:
    the service's one conditional match (`match`), which the guarded service restricts to the caller's reach,
    so a patient/ token never matches outside its compartment."""
    return await service.match(
        resource_type, query.removeprefix("?"), base_url, "The conditional interaction"
    )


async def conditional_update(
    service: ConditionalInteractions,
    resource_type: str,
    query: str,
    resource: Any,
    base_url: str,
    if_match: int | None = None,
) -> WriteOutcome:
    """PUT [type]?query: update the one match; with none, create (keeping an id the body brings)."""
    match = await single_match(service, resource_type, query, base_url)
    body_id = resource.get("id") if isinstance(resource, dict) else None
    if match is None:
        # Update-as-create with the body's id: a create, so an existing resource of that id that the
        # query did not match is a 409, never overwritten.
        resource_id = check_id(body_id) if isinstance(body_id, str) else None
        return await service.create(resource_type, resource, base_url=base_url, resource_id=resource_id)
    if body_id is not None and body_id != match.id:
        raise BadRequest(
            f"The resource id {body_id!r} is not the id of the resource the query matched ({match.id!r})",
            expression=(f"{resource_type}.id",),
        )
    return await service.update(resource_type, match.id, {**resource, "id": match.id}, if_match)


async def conditional_delete(
    service: ConditionalInteractions,
    resource_type: str,
    query: str,
    base_url: str,
    if_match: int | None = None,
) -> StoredVersion | None:
    """DELETE [type]?query: delete the one match (nothing to do for none; 412 for several)."""
    match = await single_match(service, resource_type, query, base_url)
    if match is None:
        return None
    return await service.delete(resource_type, match.id, if_match)


async def required_match(
    service: ConditionalInteractions, resource_type: str, query: str, base_url: str
) -> StoredVersion:
    """The one match a conditional patch changes: 404 for none."""
    match = await single_match(service, resource_type, query, base_url)
    if match is None:
        raise NotFound(f"{resource_type}?{query} matches no {resource_type}")
    return match
