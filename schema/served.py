"""The resource types with a GraphQL face: every type the server serves, except those kept REST only."""

from gateway.fhir.resource_types import RESOURCE_DEFINITIONS, ResourceDefinition

# Read from the server's one table of types, so a type added there gets its GraphQL types, List,
# Connection, reverse lists and mutations with no change here.
SERVED: dict[str, ResourceDefinition] = {
    name: definition for name, definition in RESOURCE_DEFINITIONS.items() if definition.graphql
}


def can_point_at(source: ResourceDefinition, code: str, target: str) -> bool:
    """Whether `source`'s reference parameter `code` may hold a reference to a `target` resource."""
    parameter = source.search_parameter(code)
    return (
        parameter is not None
        and parameter.type == "reference"
        and (not parameter.targets or target in parameter.targets)
    )


def reference_codes(source: ResourceDefinition, target: str) -> list[str]:
    """`source`'s reference parameters that may point at a `target`, in table order."""
    return [
        parameter.code
        for parameter in source.search_parameters
        if can_point_at(source, parameter.code, target)
    ]
