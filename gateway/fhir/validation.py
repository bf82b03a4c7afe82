"""Validate resource JSON with the fhir.resources R4B models plus our required-binding table."""

from collections.abc import Iterator
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir_core.fhirabstractmodel import FHIRAbstractModel
from pydantic import ValidationError

from gateway.fhir.bindings import REQUIRED_BINDINGS
from gateway.fhir.errors import BadRequest, InvalidResource, Issue
from gateway.fhir.json import check_shape
from gateway.fhir.json_kinds import kind_issues


def _fhirpath(resource_type: str, location: tuple[int | str, ...]) -> str:
    path = resource_type
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _structural_issues(resource_type: str, error: ValidationError) -> list[Issue]:
    issues = []
    for detail in error.errors(include_url=False):
        location = tuple(part for part in detail["loc"] if not str(part).startswith("function-"))
        path = _fhirpath(resource_type, location)
        message = detail["msg"]
        if detail["type"] == "extra_forbidden":
            message = "Unknown element"
        issues.append(Issue(code="structure", diagnostics=f"{path}: {message}", expression=(path,)))
    return issues


def _elements(model: FHIRAbstractModel, path: str) -> Iterator[tuple[FHIRAbstractModel, str, str, Any]]:
    """Yield (owner, JSON element name, FHIRPath, value) for every populated element, depth first."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name, None)
        if value is None:
            continue
        json_name = info.alias or name
        values = value if isinstance(value, list) else [value]
        for index, item in enumerate(values):
            item_path = f"{path}.{json_name}" + (f"[{index}]" if isinstance(value, list) else "")
            yield model, json_name, item_path, item
            if isinstance(item, FHIRAbstractModel):
                yield from _elements(item, item_path)


def _binding_issues(model: FHIRAbstractModel, resource_type: str) -> list[Issue]:
    issues = []
    for owner, element, path, value in _elements(model, resource_type):
        allowed = REQUIRED_BINDINGS.get((type(owner).__name__, element))
        if allowed is not None and value not in allowed:
            issues.append(
                Issue(
                    code="code-invalid",
                    diagnostics=f"{path}: {value!r} is not in the required value set "
                    f"({', '.join(sorted(allowed))})",
                    expression=(path,),
                )
            )
    return issues


def validate_resource(resource: Any, expected_type: str) -> None:
    """Raise InvalidResource (every problem listed) unless `resource` is a valid `expected_type`."""
    if not isinstance(resource, dict):
        raise BadRequest("The body must be a JSON object holding a FHIR resource")
    actual_type = resource.get("resourceType")
    if actual_type != expected_type:
        raise BadRequest(
            f"resourceType is {actual_type!r} but this endpoint takes {expected_type!r}",
            expression=("resourceType",),
        )
    # The models coerce ("yes" passes as a boolean) and the JSON is stored as sent: JSON kinds are checked
    # apart, and reported with whatever else the model finds.
    check_shape(resource)  # again here: GraphQL inputs and imports do not all come through `loads`
    kinds = kind_issues(resource, expected_type)
    model_class = get_fhir_model_class(expected_type)
    try:
        model = model_class.model_validate(resource)
    except ValidationError as error:
        named = {issue.expression for issue in kinds}
        others = [
            issue for issue in _structural_issues(expected_type, error) if issue.expression not in named
        ]
        raise InvalidResource.from_issues(kinds + others) from None
    if kinds:
        raise InvalidResource.from_issues(kinds)
    issues = _binding_issues(model, expected_type)
    if issues:
        raise InvalidResource.from_issues(issues)
