"""The resource types this server serves, each declared once with its search parameters."""

from dataclasses import dataclass

from gateway.fhir.search_parameters import COMMON, PATIENT, SearchParameter


@dataclass(frozen=True)
class ResourceDefinition:
    name: str
    search_parameters: tuple[SearchParameter, ...]

    def search_parameter(self, code: str) -> SearchParameter | None:
        return next((parameter for parameter in self.search_parameters if parameter.code == code), None)


RESOURCE_DEFINITIONS: dict[str, ResourceDefinition] = {
    definition.name: definition for definition in (ResourceDefinition("Patient", COMMON + PATIENT),)
}
