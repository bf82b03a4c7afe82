"""The resource types with a GraphQL face: every type the server serves, except those kept REST only;
and which types each reference search parameter may point at, for `_reference` and the reverse lists."""

import types
import typing
from functools import cache

from fhir.resources.R4B import get_fhir_model_class

from gateway.fhir.resource_types import RESOURCE_DEFINITIONS, ResourceDefinition

# Read from the server's one table of types, so a type added there gets its GraphQL types, List,
# Connection, reverse lists and mutations with no change here.
SERVED: dict[str, ResourceDefinition] = {
    name: definition for name, definition in RESOURCE_DEFINITIONS.items() if definition.graphql
}


def _element_type(model: type, element: str) -> tuple[type, dict[str, object]] | None:
    """(the model class an element holds, its field's schema extras), or None if there is no such element."""
    field = getattr(model, "model_fields", {}).get(element)
    if field is None:
        return None
    inner = field.annotation
    while typing.get_origin(inner) in (typing.Union, types.UnionType, list):
        inner = next(arg for arg in typing.get_args(inner) if arg is not type(None))
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    return inner, extra


def _model_targets(expression: str) -> frozenset[str] | None:
    """The types the element at a plain path (`CarePlan.activity.detail.performer`) may refer to, from
    the R4B model's reference targets; None when any type may be referred to or the path is not plain."""
    found: set[str] = set()
    for path in expression.split("|"):
        resource, *elements = path.strip().split(".")
        if not (resource.isidentifier() and elements and all(e.isidentifier() for e in elements)):
            return None
        model: type = get_fhir_model_class(resource)
        extra: dict[str, object] = {}
        for element in elements:
            held = _element_type(model, element)
            if held is None:
                return None
            inner, extra = held
            name = getattr(inner, "__name__", "").removesuffix("Type")
            if element != elements[-1]:
                model = get_fhir_model_class(name)
        targets = extra.get("enum_reference_types")
        if not isinstance(targets, list) or not targets or "Resource" in targets:
            return None
        found.update(map(str, targets))
    return frozenset(found)


@cache
def parameter_targets(source_name: str, code: str) -> frozenset[str] | None:
    """The types `source`'s reference parameter `code` may point at (None: any type). The search table
    names targets for the core parameters; the derived ones (`subject`, `performer`) leave it to the
    element, whose targets the R4B model knows (Condition.subject: Patient or Group)."""
    parameter = RESOURCE_DEFINITIONS[source_name].search_parameter(code)
    if parameter is None or parameter.type != "reference":
        return frozenset()
    if parameter.targets:
        return frozenset(parameter.targets)
    try:
        return _model_targets(parameter.expression)
    except KeyError:  # a path through a type the models do not name: treat it as pointing anywhere
        return None


def can_point_at(source: ResourceDefinition, code: str, target: str) -> bool:
    """Whether `source`'s reference parameter `code` may hold a reference to a `target` resource."""
    targets = parameter_targets(source.name, code)
    return targets is None or target in targets


def reference_codes(source: ResourceDefinition, target: str) -> list[str]:
    """`source`'s reference parameters that may point at a `target`, in table order."""
    return [
        parameter.code
        for parameter in source.search_parameters
        if parameter.type == "reference" and can_point_at(source, parameter.code, target)
    ]


def reverse_sources(target: str) -> list[ResourceDefinition]:
    """The served types with reverse lists on a `target`: those with a reference parameter that names
    `target` among its targets. A parameter that may point at any type (Provenance.target,
    Observation.focus) adds no reverse lists on its own, else every source of one would sit on all
    types (the schema's size was sources x targets x arguments); where its source has reverse lists for
    another parameter, `_reference` may still name it."""
    return [
        source
        for source in SERVED.values()
        if any(
            target in (parameter_targets(source.name, parameter.code) or ())
            for parameter in source.search_parameters
            if parameter.type == "reference"
        )
    ]
