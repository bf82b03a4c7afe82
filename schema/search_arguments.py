"""Search parameters as GraphQL arguments (`address-city` -> `address_city`, each a list of values ORed),
turned back into the (name, value) pairs that FhirService.search takes from REST.

Argument types follow HL7's R4 schema: nullable lists of the parameter type's scalar (`family: [String]`,
`gender: [token]`, `birthdate: [date]`), so HL7-generated client code validates, and one bare value stands
for a list of one (`gender: female`).
"""

import inspect
import keyword
from typing import Annotated, Any

import strawberry

from gateway.fhir.resource_types import ResourceDefinition
from schema.filter import SUPPORTED, filter_pairs
from schema.hl7_scalars import argument_scalar, search_text

RESULT_ARGUMENTS: dict[str, tuple[Any, str]] = {
    "_count": (int | None, "Resources per page (default 20, at most 1000)"),
    "_offset": (int | None, "Matches to skip before the first one returned"),
    "_sort": (str | None, "Comma-separated search parameters, `-` before one for descending order"),
    "_filter": (str | None, f"A FHIR _filter expression, ANDed with the other arguments. {SUPPORTED}"),
}


def argument_name(code: str) -> str:
    return code.replace("-", "_")


def _python_name(code: str) -> str:
    """Encounter's `class` argument is `class_` in the resolver's signature."""
    name = argument_name(code)
    return f"{name}_" if keyword.iskeyword(name) else name


def _described(annotation: Any, description: str | None, name: str | None = None) -> Any:
    return Annotated[annotation, strawberry.argument(description=description, name=name)]


def search_arguments(definition: ResourceDefinition, described: bool = True) -> list[inspect.Parameter]:
    """Keyword-only parameters for a resolver signature: every search parameter, then the result ones.
    Reverse lists repeat a type's arguments on every type it may point at: `described=False` leaves their
    descriptions to the top-level `<Type>List`, which keeps the schema a third of the size."""
    parameters = [
        inspect.Parameter(
            _python_name(parameter.code),
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=_described(
                list[argument_scalar(parameter.type) | None] | None,  # type: ignore[misc]
                f"{parameter.description} ({parameter.type}; the values are ORed)" if described else None,
                argument_name(parameter.code),
            ),
        )
        for parameter in definition.search_parameters
    ]
    parameters += [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=_described(annotation, description if described else None),
        )
        for name, (annotation, description) in RESULT_ARGUMENTS.items()
    ]
    return parameters


def _escape(value: str) -> str:
    """One list item is one value: a comma inside it is literal, not another alternative."""
    return value.replace(",", "\\,")


def search_pairs(definition: ResourceDefinition, arguments: dict[str, Any]) -> list[tuple[str, str]]:
    """The REST (name, value) pairs for these arguments; no values (or only nulls): no condition."""
    pairs = []
    for parameter in definition.search_parameters:
        values = [value for value in arguments.get(_python_name(parameter.code)) or () if value is not None]
        if values:
            pairs.append((parameter.code, ",".join(_escape(search_text(value)) for value in values)))
    expression = arguments.get("_filter")
    if expression is not None:
        pairs += filter_pairs(definition, expression)
    for name in RESULT_ARGUMENTS:
        value = arguments.get(name)
        if value is not None and name != "_filter":
            pairs.append((name, str(value)))
    return pairs
