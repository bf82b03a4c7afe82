"""Search parameters as GraphQL arguments (`address-city` -> `address_city`, each a list of values ORed),
turned back into the (name, value) pairs that FhirService.search takes from REST."""

import inspect
import keyword
from typing import Annotated, Any

import strawberry

from gateway.fhir.resource_types import ResourceDefinition

RESULT_ARGUMENTS: dict[str, tuple[Any, str]] = {
    "_count": (int | None, "Resources per page (default 20, at most 1000)"),
    "_offset": (int | None, "Matches to skip before the first one returned"),
    "_sort": (str | None, "Comma-separated search parameters, `-` before one for descending order"),
}


def argument_name(code: str) -> str:
    return code.replace("-", "_")


def _python_name(code: str) -> str:
    """Encounter's `class` argument is `class_` in the resolver's signature."""
    name = argument_name(code)
    return f"{name}_" if keyword.iskeyword(name) else name


def _described(annotation: Any, description: str, name: str | None = None) -> Any:
    return Annotated[annotation, strawberry.argument(description=description, name=name)]


def search_arguments(definition: ResourceDefinition) -> list[inspect.Parameter]:
    """Keyword-only parameters for a resolver signature: every search parameter, then the result ones."""
    parameters = [
        inspect.Parameter(
            _python_name(parameter.code),
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=_described(
                list[str] | None,
                f"{parameter.description} ({parameter.type}; the values are ORed)",
                argument_name(parameter.code),
            ),
        )
        for parameter in definition.search_parameters
    ]
    parameters += [
        inspect.Parameter(
            name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=_described(annotation, description)
        )
        for name, (annotation, description) in RESULT_ARGUMENTS.items()
    ]
    return parameters


def _escape(value: str) -> str:
    """One list item is one value: a comma inside it is literal, not another alternative."""
    return value.replace(",", "\\,")


def search_pairs(definition: ResourceDefinition, arguments: dict[str, Any]) -> list[tuple[str, str]]:
    """The REST (name, value) pairs for these arguments; an empty list of values means no condition."""
    pairs = []
    for parameter in definition.search_parameters:
        values = arguments.get(_python_name(parameter.code))
        if values:
            pairs.append((parameter.code, ",".join(_escape(value) for value in values)))
    for name in RESULT_ARGUMENTS:
        value = arguments.get(name)
        if value is not None:
            pairs.append((name, str(value)))
    return pairs
