"""Strawberry output and input types mirroring FHIR types element by element, built from the R4B models.

Built at import time rather than generated into a module: the models already hold every element, so the
types cannot drift from them, and `schema/schema.graphql` (checked by a test) is the reviewable result.
Output types are read straight from the stored JSON: field names are the FHIR JSON names, so the default
resolver is a dictionary lookup and a query selecting everything returns the stored resource unchanged.
"""

import keyword
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import strawberry
from strawberry.annotation import StrawberryAnnotation
from strawberry.types.base import StrawberryList, StrawberryOptional

from schema.fhir_elements import PRIMITIVE_EXTENSION, Element, closure, description_of, elements_of
from schema.list_navigation import navigation_resolver
from schema.scalars import ContainedResource, FhirDecimal

_SCALARS: dict[str, Any] = {"Boolean": bool, "Int": int, "String": str, "decimal": FhirDecimal}
# fhir.resources calls the holder of a primitive's id and extensions FHIRPrimitiveExtension; FHIR, Element.
_ELEMENT = "Element"
# (type, field) pairs taking list navigation arguments: the projecting executor applies them itself.
NAVIGATED_FIELDS: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class FhirTypes:
    outputs: dict[str, type]  # FHIR type name -> Strawberry object type
    inputs: dict[str, type]  # FHIR type name -> Strawberry input type

    def output(self, name: str) -> Any:
        return self.outputs[name]


@cache
def _wrap(inner: Any, many: bool) -> StrawberryAnnotation:
    """`inner | None` or `list[inner | None] | None`, handed to Strawberry already resolved and shared by
    every field of that type: Strawberry keeps a resolved annotation, and resolving a fresh one for each
    of tens of thousands of FHIR fields was most of the cost of building the types."""
    optional = StrawberryOptional(inner)
    # A namespace given up front: Strawberry would otherwise set one per field, forgetting the resolution.
    return StrawberryAnnotation(
        StrawberryOptional(StrawberryList(optional)) if many else optional, namespace={}
    )


def _fields(
    name: str, classes: dict[str, type], resources: frozenset[str]
) -> list[tuple[str, Any, str | None]]:
    """(JSON name, annotation, description) of every field of `name`, against the classes of one kind."""
    fields: list[tuple[str, Any, str | None]] = []
    if name in resources:
        fields.append(("resourceType", str | None, f"Always {name}"))
    for element in elements_of(name):
        fields.extend(_element_fields(element, classes))
    return fields


def _element_fields(element: Element, classes: dict[str, type]) -> list[tuple[str, Any, str | None]]:
    if element.kind == "primitive":
        fields = [(element.name, _wrap(_SCALARS[element.target], element.many), element.description)]
        if element.extensible:
            description = f"Id and extensions of {element.name}"
            fields.append((element.extension_name, _wrap(classes[_ELEMENT], element.many), description))
        return fields
    inner = ContainedResource if element.kind == "resource" else classes[element.target]
    return [(element.name, _wrap(inner, element.many), element.description)]


def python_name(name: str) -> str:
    """`Encounter.class` is a fine GraphQL name but a Python keyword: the attribute is `class_`."""
    return f"{name}_" if keyword.iskeyword(name) else name


def _populate(cls: type, fields: list[tuple[str, Any, str | None]]) -> None:
    cls.__annotations__ = {python_name(name): annotation for name, annotation, _ in fields}
    for name, _, description in fields:
        setattr(cls, python_name(name), strawberry.field(name=name, description=description, default=None))


def _add_list_navigation(outputs: dict[str, type], names: list[str]) -> None:
    """Repeating complex fields take HL7's list navigation arguments (`name(use: official)`)."""
    for name in names:
        cls = outputs[name]
        for element in elements_of(name):
            if element.kind != "complex" or not element.many:
                continue
            attribute = python_name(element.name)
            cls.__annotations__.pop(attribute, None)
            resolver = navigation_resolver(element.target, outputs[element.target])
            field = strawberry.field(resolver=resolver, name=element.name, description=element.description)
            setattr(cls, attribute, field)
            NAVIGATED_FIELDS.add((name, element.name))


def input_name(name: str, names: list[str]) -> str:
    """`PatientInput`; but Task has a backbone type named TaskInput, so Task's input type is `Task_Input`."""
    return f"{name}_Input" if f"{name}Input" in names else f"{name}Input"


def build_types(
    resources: tuple[str, ...], extend: Callable[[dict[str, type]], None] | None = None
) -> FhirTypes:
    """Types for `resources` and every datatype they reach, plus Element for primitive extensions;
    `extend` may add resolver fields to the output classes before they become Strawberry types."""
    names = closure(resources)
    resource_names = frozenset(resources)
    outputs = {name: type(name, (), {}) for name in [*names, _ELEMENT]}
    inputs = {name: type(input_name(name, names), (), {}) for name in [*names, _ELEMENT]}
    for kind, classes in (("output", outputs), ("input", inputs)):
        for name in names:
            fields = _fields(name, classes, resource_names)
            if kind == "input":  # the output type's fields say the same; once is enough for the schema's size
                fields = [(field, annotation, None) for field, annotation, _ in fields]
            _populate(classes[name], fields)
        _populate(
            classes[_ELEMENT],
            [_element_fields(element, classes)[0] for element in elements_of(PRIMITIVE_EXTENSION)],
        )
        if kind == "output":
            _add_list_navigation(classes, names)
            if extend is not None:
                extend(classes)
        for name, cls in classes.items():
            graphql_name = name if kind == "output" else input_name(name, names)
            description = (
                description_of(name)
                if name != _ELEMENT
                else "The id and extensions of a primitive value (FHIR JSON's `_element`)"
            )
            if kind == "output":
                strawberry.type(cls, name=graphql_name, description=description)
            else:
                strawberry.input(cls, name=graphql_name, description=description)
    return FhirTypes(outputs, inputs)
