"""The resource types this server serves, each declared once with its search parameters.

Adding a type is one entry here, its search parameters, and its required bindings in `bindings.py`: the
store, REST routes, /metadata and (for `core` types) the GraphQL schema are all built from this table.
"""

from dataclasses import dataclass

from gateway.fhir.generic_types import GENERIC_TYPES, GRAPHQL_TYPES, link_parameters
from gateway.fhir.search_parameters import AUDIT_EVENT, COMMON, PATIENT, SearchParameter
from gateway.fhir.search_parameters_clinical import ENCOUNTER, OBSERVATION
from gateway.fhir.search_parameters_directory import ORGANIZATION, PRACTITIONER


@dataclass(frozen=True)
class ResourceDefinition:
    name: str
    search_parameters: tuple[SearchParameter, ...]
    # Core types have every R4 search parameter and GraphQL types; the others are stored over REST and
    # searched by _id, _lastUpdated and their links to a patient.
    core: bool = True
    # The search parameter tying a resource to its patient (the Patient compartment): `patient/` scopes see
    # only resources whose value is their patient. None: a `patient/` scope never reaches this type.
    patient_reference: str | None = None
    server_written: bool = False  # clients may read and search it, never create, change or delete it
    wildcard_scopes: bool = True  # False: only a scope naming the type reaches it (`system/*.rs` does not)
    graphql: bool = True  # has Query and Mutation fields on the GraphQL face

    def search_parameter(self, code: str) -> SearchParameter | None:
        return next((parameter for parameter in self.search_parameters if parameter.code == code), None)


_CORE = (
    ResourceDefinition("Patient", COMMON + PATIENT, patient_reference="_id"),
    ResourceDefinition("Observation", COMMON + OBSERVATION, patient_reference="patient"),
    ResourceDefinition("Encounter", COMMON + ENCOUNTER, patient_reference="patient"),
    ResourceDefinition("Practitioner", COMMON + PRACTITIONER),
    ResourceDefinition("Organization", COMMON + ORGANIZATION),
    # The audit trail: written by the gateway only, readable only with a scope that names it.
    ResourceDefinition("AuditEvent", COMMON + AUDIT_EVENT, server_written=True, wildcard_scopes=False),
)


def _patient_link(parameters: tuple[SearchParameter, ...]) -> str | None:
    """The parameter that places a resource in a Patient's compartment, if it has one."""
    codes = {parameter.code: parameter for parameter in parameters}
    for code in ("patient", "subject", "beneficiary"):
        if code in codes and "Patient" in codes[code].targets:
            return code
    return None


def _generic(name: str) -> ResourceDefinition:
    links = link_parameters(name)
    return ResourceDefinition(
        name,
        COMMON + links,
        core=False,
        patient_reference=_patient_link(links),
        graphql=name in GRAPHQL_TYPES,
    )


_CORE_NAMES = {definition.name for definition in _CORE}
_GENERIC = tuple(_generic(name) for name in GENERIC_TYPES if name not in _CORE_NAMES)

RESOURCE_DEFINITIONS: dict[str, ResourceDefinition] = {
    definition.name: definition for definition in (*_CORE, *_GENERIC)
}
CORE_DEFINITIONS: dict[str, ResourceDefinition] = {definition.name: definition for definition in _CORE}
# Core types that have a GraphQL face (all of them; the audit trail without mutations).
GRAPHQL_DEFINITIONS: dict[str, ResourceDefinition] = {
    name: definition for name, definition in CORE_DEFINITIONS.items() if definition.graphql
}
