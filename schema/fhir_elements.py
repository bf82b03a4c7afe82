"""Read the element definitions of a FHIR type from the fhir.resources R4B models, as plain data."""

import types
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from fhir.resources.R4B import get_fhir_model_class

Kind = Literal["primitive", "complex", "resource"]

# The GraphQL scalar of each FHIR primitive (by fhir_core's visit name); every other primitive is a String,
# because FHIR's date, dateTime, instant and time keep partial precision that no GraphQL date scalar can.
PRIMITIVE_SCALARS = {
    "boolean": "Boolean",
    "integer": "Int",
    "positiveInt": "Int",
    "unsignedInt": "Int",
    "decimal": "decimal",
}
PRIMITIVE_EXTENSION = "FHIRPrimitiveExtension"

# R4B added these value[x] choices to Extension; R4 (the version this server speaks) has neither.
_NOT_IN_R4 = frozenset({("Extension", "valueCodeableReference"), ("Extension", "valueRatioRange")})


@dataclass(frozen=True)
class Element:
    """One element of a FHIR type: its JSON name, what it holds, and whether it repeats."""

    name: str
    kind: Kind
    target: str  # primitive: a GraphQL scalar name; complex: a FHIR type name; resource: "Resource"
    many: bool
    description: str | None
    extensible: bool  # a primitive whose id and extensions the JSON keeps beside it, as `_birthDate`
    choice: bool = False  # one of a value[x] choice (`valueString`)

    @property
    def extension_name(self) -> str:
        return f"_{self.name}"


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """Strip Optional and List from a model annotation: (inner type, repeats)."""
    many = False
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
        elif origin is list:
            many = True
            annotation = typing.get_args(annotation)[0]
        else:
            return annotation, many


def _classify(annotation: Any) -> tuple[Kind, str]:
    if typing.get_origin(annotation) is typing.Annotated:
        visit_name = getattr(annotation.__metadata__[0], "__visit_name__", "string")
        return "primitive", PRIMITIVE_SCALARS.get(visit_name, "String")
    if annotation is bool:
        return "primitive", "Boolean"
    type_name = annotation.__name__.removesuffix("Type")
    if type_name == "Resource":
        return "resource", "Resource"
    return "complex", type_name


@cache
def elements_of(type_name: str) -> tuple[Element, ...]:
    """The elements of `type_name` in model order; primitive extensions (`__ext`) fold into their element."""
    model = get_fhir_model_class(type_name)
    found = []
    for python_name, info in model.model_fields.items():
        if (
            python_name == "fhir_comments"
            or python_name.endswith("__ext")
            or (type_name, python_name) in _NOT_IN_R4
        ):
            continue
        json_name = info.alias or python_name
        if not json_name.isidentifier():
            raise ValueError(f"{type_name}.{json_name} cannot be a GraphQL field name")
        annotation, many = _unwrap(info.annotation)
        kind, target = _classify(annotation)
        extensible = f"{python_name}__ext" in model.model_fields
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        choice = "one_of_many" in extra
        found.append(Element(json_name, kind, target, many, info.title, extensible, choice))
    return tuple(found)


def description_of(type_name: str) -> str:
    """The model's definition text, without fhir.resources' note about `__ext` fields."""
    text = get_fhir_model_class(type_name).__doc__ or type_name
    paragraphs = [part.strip() for part in text.split("\n\n") if part.strip()]
    kept = [part for part in paragraphs if "__ext" not in part]
    return " ".join(" ".join(kept[:1]).split()) or type_name


def closure(roots: tuple[str, ...]) -> list[str]:
    """Every complex type reachable from `roots`, roots first, each once."""
    ordered: list[str] = []
    pending = list(roots)
    while pending:
        name = pending.pop(0)
        if name in ordered:
            continue
        ordered.append(name)
        pending.extend(element.target for element in elements_of(name) if element.kind == "complex")
    return ordered
