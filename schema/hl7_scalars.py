"""HL7's search-argument scalars (`token`, `date`, `reference`, `uri`, ...): FHIR search values as text.

HL7's R4 schema types each search argument by its parameter type (`gender: [token]`, `birthdate: [date]`),
and its examples write values bare (`gender: female`, `active: true`). So these scalars read any literal
that stands for text: a string, an enum-like name, a boolean or a number, all as the REST value's text.
"""

from typing import Any

import strawberry
from graphql import (
    BooleanValueNode,
    EnumValueNode,
    FloatValueNode,
    IntValueNode,
    StringValueNode,
    ValueNode,
)
from strawberry.types.scalar import ScalarDefinition

# The FHIR search types, each its own scalar as in HL7's schema; `string` parameters stay GraphQL's String.
SEARCH_TYPES = ("token", "date", "dateTime", "reference", "uri", "number", "quantity", "special", "composite")


def search_text(value: Any) -> str:
    """A variable's value as the REST search text (`true`, not Python's `True`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise ValueError(f"a search value is text, a number or a boolean, not {type(value).__name__}")


def literal_text(node: ValueNode, _variables: dict[str, Any] | None = None) -> str:
    """A literal as text: `female`, `"female"`, `true` and `42` all stand for what they spell."""
    if isinstance(node, StringValueNode | EnumValueNode | IntValueNode | FloatValueNode):
        return node.value
    if isinstance(node, BooleanValueNode):
        return "true" if node.value else "false"
    raise ValueError("a search value is written as text, a name, a number or a boolean")


def _scalar(name: str) -> tuple[Any, ScalarDefinition]:
    holder = type(f"Search_{name}", (str,), {})  # stands for the scalar in annotations
    definition = strawberry.scalar(
        name=name,
        description=f"A FHIR {name} search value in REST syntax (bare names, booleans, numbers read as text)",
        serialize=str,
        parse_value=search_text,
        parse_literal=literal_text,
    )
    return holder, definition


_BUILT = {name: _scalar(name) for name in SEARCH_TYPES}
# search type -> the Python type that stands for its scalar in resolver signatures
SEARCH_SCALARS: dict[str, Any] = {name: holder for name, (holder, _) in _BUILT.items()}
SEARCH_SCALAR_MAP: dict[object, ScalarDefinition] = {holder: scalar for holder, scalar in _BUILT.values()}


def argument_scalar(search_type: str) -> Any:
    """HL7's argument type for a parameter of `search_type`: String for strings, else its own scalar."""
    return str if search_type == "string" else SEARCH_SCALARS.get(search_type, str)
