"""The one access decision: may this principal perform this interaction on this resource type (and id)?

REST routes and GraphQL resolvers both reach the service through `GuardedService`, which asks `decide` before
anything is read or written, so the two faces cannot disagree and a refused mutation writes nothing.
"""

from dataclasses import dataclass
from typing import Any, Literal

from gateway.auth.principal import Principal
from gateway.auth.scopes import Permission
from gateway.fhir.errors import Forbidden, Unauthorized
from gateway.fhir.resource_types import RESOURCE_DEFINITIONS, ResourceDefinition
from gateway.fhir.search_values import extract

Interaction = Literal[
    "read", "vread", "search-type", "history-instance", "history-type", "create", "update", "delete"
]

# The SMART v2 letter each interaction needs (a v1 `.read` is `rs`, `.write` is `cud`).
PERMISSION: dict[Interaction, Permission] = {
    "read": "r",
    "vread": "r",
    "history-instance": "r",
    "search-type": "s",
    "history-type": "s",
    "create": "c",
    "update": "u",
    "delete": "d",
}
_INSUFFICIENT = {"WWW-Authenticate": 'Bearer realm="fhir-gateway", error="insufficient_scope"'}


def _forbidden(diagnostics: str) -> Forbidden:
    return Forbidden(diagnostics, headers=dict(_INSUFFICIENT))


@dataclass(frozen=True)
class Access:
    """What a decision allows: every resource of the type, or (patient set) only that patient's own."""

    resource_type: str
    patient: str | None = None
    reference: str | None = None  # the search parameter naming the patient (`_id` for Patient itself)

    def search_restriction(self) -> list[tuple[str, str]]:
        """Search parameters ANDed to every search, so a patient-scoped search finds only that patient's."""
        if self.patient is None or self.reference is None:
            return []
        if self.reference == "_id":
            return [("_id", self.patient)]
        return [(self.reference, f"Patient/{self.patient}")]

    def permits(self, resource: dict[str, Any] | None) -> bool:
        """Whether a resource (read or about to be written) lies in the allowed compartment."""
        if self.patient is None:
            return True
        if resource is None or self.reference is None:
            return False
        if self.reference == "_id":
            return resource.get("id") == self.patient
        definition = RESOURCE_DEFINITIONS[self.resource_type]
        parameter = definition.search_parameter(self.reference)
        entries = extract(resource, (parameter,) if parameter else ()).entries
        return any(entry.get("c") == f"Patient/{self.patient}" for entry in entries)

    def require(self, resource: dict[str, Any] | None) -> None:
        if not self.permits(resource):
            raise _forbidden(f"Patient/{self.patient}'s scopes do not reach this {self.resource_type}")

    def require_written(self, resource: Any) -> None:
        """A resource about to be written must land in the compartment; a Patient's own id comes from the URL
        and was decided already, and a body that is not an object is the service's to refuse."""
        if self.reference != "_id" and isinstance(resource, dict):
            self.require(resource)


def _patient_access(
    principal: Principal,
    interaction: Interaction,
    definition: ResourceDefinition | None,
    resource_type: str,
    resource_id: str | None,
) -> Access:
    """Only `patient/` scopes allow it: limit it to the token's patient, or refuse what cannot be limited."""
    if principal.patient is None:
        raise _forbidden("A patient/ scope needs a patient claim in the token naming the patient")
    if definition is None or definition.patient_reference is None:
        raise _forbidden(f"patient/ scopes do not reach {resource_type}")
    if interaction == "history-type":
        raise _forbidden("Type-level history is not available to patient/ scopes; read the instance history")
    access = Access(resource_type, principal.patient, definition.patient_reference)
    if definition.patient_reference == "_id":
        if interaction == "create":
            raise _forbidden("patient/ scopes cannot create another Patient")
        if resource_id is not None and resource_id != principal.patient:
            raise _forbidden(f"This token may only reach Patient/{principal.patient}")
    elif interaction == "history-instance":
        raise _forbidden(f"Instance history of {resource_type} is not available to patient/ scopes")
    return access


@dataclass(frozen=True)
class PrincipalReach:
    """The service's `Reach` (gateway/service/reach.py) for one principal: the same decision as a search or a
    read of the type by that principal, so what a search includes, chains into or matches conditionally is
    never more than the caller could search or read itself."""

    principal: Principal | None

    def searchable(self, resource_type: str) -> Access:
        return decide(self.principal, "search-type", resource_type)

    def readable(self, resource_type: str) -> Access:
        return decide(self.principal, "read", resource_type)


def decide(
    principal: Principal | None, interaction: Interaction, resource_type: str, resource_id: str | None = None
) -> Access:
    """Allow (returning how far) or raise Unauthorized/Forbidden. `system/` and `user/` scopes reach every
    resource of a type (this server has no per-user policy beyond the token); `patient/` scopes only the
    token's patient. A `*` scope does not reach types that must be named (the audit trail)."""
    if principal is None:
        raise Unauthorized("This request needs a bearer token")
    definition = RESOURCE_DEFINITIONS.get(resource_type)
    permission = PERMISSION[interaction]
    reach = definition.wildcard_scopes if definition else True
    matching = [grant for grant in principal.grants if grant.covers(resource_type, permission, reach)]
    if any(grant.context in ("system", "user") for grant in matching):
        return Access(resource_type)
    if matching:
        return _patient_access(principal, interaction, definition, resource_type, resource_id)
    raise _forbidden(
        f"The token's scopes do not allow {interaction} on {resource_type}; "
        f"it needs e.g. system/{resource_type}.{permission}"
    )
