"""The resource types this server serves, each declared once with its search parameters.

Adding a type is one entry here, its search parameters, and its required bindings in `bindings.py`: the
store, REST routes, /metadata and (for `core` types) the GraphQL schema are all built from this table.
"""

from dataclasses import dataclass

from gateway.fhir.generic_types import GENERIC_TYPES, link_parameters
from gateway.fhir.search_parameters import COMMON, PATIENT, SearchParameter
from gateway.fhir.search_parameters_clinical import ENCOUNTER, OBSERVATION
from gateway.fhir.search_parameters_directory import ORGANIZATION, PRACTITIONER


@dataclass(frozen=True)
class ResourceDefinition:
    name: str
    search_parameters: tuple[SearchParameter, ...]
    # Core types have every R4 search parameter and GraphQL types; the others are stored over REST and
    # searched by _id, _lastUpdated and their links to a patient.
    core: bool = True

    def search_parameter(self, code: str) -> SearchParameter | None:
        return next((parameter for parameter in self.search_parameters if parameter.code == code), None)


_CORE = (
    ResourceDefinition("Patient", COMMON + PATIENT),
    ResourceDefinition("Observation", COMMON + OBSERVATION),
    ResourceDefinition("Encounter", COMMON + ENCOUNTER),
    ResourceDefinition("Practitioner", COMMON + PRACTITIONER),
    ResourceDefinition("Organization", COMMON + ORGANIZATION),
)
_GENERIC = tuple(
    ResourceDefinition(name, COMMON + link_parameters(name), core=False) for name in GENERIC_TYPES
)

RESOURCE_DEFINITIONS: dict[str, ResourceDefinition] = {
    definition.name: definition for definition in (*_CORE, *_GENERIC)
}
CORE_DEFINITIONS: dict[str, ResourceDefinition] = {definition.name: definition for definition in _CORE}
