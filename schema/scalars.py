"""Custom scalars: FHIR `decimal` with every digit kept, and contained resources as verbatim FHIR JSON.

A FHIR decimal's text is its value (0.010 is not 0.01), and GraphQL's Float is a double that would round it.
The `decimal` scalar therefore carries a Python Decimal end to end: the store keeps Decimal128, the resolver
returns the Decimal, and the gateway's JSON writer prints it as a JSON number with exactly its digits.
Inputs accept a JSON number (read as Decimal by the gateway's JSON reader), an integer, or a string.
"""

import decimal
from typing import Any, NewType

import strawberry
from graphql import FloatValueNode, IntValueNode, StringValueNode, ValueNode, value_from_ast_untyped
from strawberry.types.scalar import ScalarDefinition

FhirDecimal = NewType("FhirDecimal", decimal.Decimal)
ContainedResource = NewType("ContainedResource", dict[str, Any])


def _decimal_value(value: Any) -> decimal.Decimal:
    if isinstance(value, bool):
        raise ValueError("a decimal cannot be a boolean")
    if isinstance(value, decimal.Decimal):
        number = value
    elif isinstance(value, int | str):
        try:
            number = decimal.Decimal(value)
        except decimal.InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal") from None
    elif isinstance(value, float):
        number = decimal.Decimal(repr(value))  # the shortest text that reads back as this float
    else:
        raise ValueError(f"{value!r} is not a decimal")
    if not number.is_finite():
        raise ValueError("a FHIR decimal is finite")
    return number


def _decimal_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> decimal.Decimal:
    if isinstance(node, IntValueNode | FloatValueNode | StringValueNode):
        return _decimal_value(node.value)  # the literal's own text: no float in between
    raise ValueError("a decimal is written as a number")


def _resource_value(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
        raise ValueError("a contained resource is a JSON object with a resourceType")
    return value


def _resource_literal(node: ValueNode, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    return _resource_value(value_from_ast_untyped(node, variables))


DECIMAL_SCALAR = strawberry.scalar(
    name="decimal",
    description="A FHIR decimal, written as a JSON number with exactly its digits (1.50 stays 1.50)",
    serialize=lambda value: value,
    parse_value=_decimal_value,
    parse_literal=_decimal_literal,
)

CONTAINED_RESOURCE_SCALAR = strawberry.scalar(
    name="ContainedResource",
    description="A contained resource, as its FHIR JSON (any resource type)",
    serialize=lambda value: value,
    parse_value=_resource_value,
    parse_literal=_resource_literal,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {
    FhirDecimal: DECIMAL_SCALAR,
    ContainedResource: CONTAINED_RESOURCE_SCALAR,
}
