"""_summary and _elements: return a subset of a resource, tagged SUBSETTED as the spec requires."""

from functools import cache
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

SUBSETTED = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "SUBSETTED",
    "display": "subsetted",
}
_ALWAYS = frozenset({"resourceType", "id", "meta"})


@cache
def _element_names(resource_type: str, flag: str) -> frozenset[str]:
    """Top-level JSON names whose definition carries `flag`, with their `_name` primitive-extension twins."""
    names: set[str] = set()
    for name, info in get_fhir_model_class(resource_type).model_fields.items():
        if (info.json_schema_extra or {}).get(flag):  # type: ignore[union-attr]
            json_name = info.alias or name
            names.update({json_name, f"_{json_name}"})
    return frozenset(names)


def _subset(resource: dict[str, Any], keep: frozenset[str]) -> dict[str, Any]:
    subset = {key: value for key, value in resource.items() if key in keep}
    meta = dict(subset.get("meta") or {})
    meta["tag"] = [*meta.get("tag", []), SUBSETTED]
    subset["meta"] = meta
    return subset


def summarise(resource: dict[str, Any], summary: str, elements: tuple[str, ...]) -> dict[str, Any]:
    resource_type = resource.get("resourceType", "")
    mandatory = _element_names(resource_type, "element_required") if resource_type else frozenset()
    if summary == "true":
        return _subset(
            resource, _ALWAYS | mandatory | _element_names(resource_type, "summary_element_property")
        )
    if summary == "text":
        return _subset(resource, _ALWAYS | mandatory | {"text"})
    if summary == "data":
        return _subset(resource, frozenset(resource) - {"text"})
    if elements:
        return _subset(resource, _ALWAYS | mandatory | frozenset(elements))
    return resource
