"""Check that resource JSON uses the JSON kinds R4 prescribes (json.html), before the models see it.

The fhir.resources models coerce (`"yes"`, `1` and `"on"` pass as booleans, `"3"` as an integer;
pydantic's strict mode does not reach their custom types), and the gateway stores the JSON as sent, so
coerced values would be stored wrong. This walk reads each model's field annotations once (cached) and
refuses: a boolean that is not true/false, an integer or decimal that is not a JSON number, a string that is
not a JSON string, null, and empty arrays or objects. It also bounds sizes inside a resource (README, Limits):
every element is extracted into search keys at write time, so a Patient with 60,000 given names made each
family search 40 times slower.
"""

import types
import typing
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir_core.fhirabstractmodel import FHIRAbstractModel

from gateway.fhir.errors import Issue

MAX_ISSUES = 20
MAX_ARRAY_ITEMS = 10_000  # items in one repeating element (large CodeSystems and ValueSets have thousands)
MAX_STRING_CHARS = 65_536  # characters in one string; base64Binary and the narrative's XHTML may be longer
_RESOURCE = "resource"


@dataclass(frozen=True)
class _Element:
    kind: str  # boolean, integer, decimal, string, text (no length bound), complex, resource
    repeats: bool
    model: str | None = None  # the complex type's model name


def _unwrapped(annotation: Any) -> tuple[Any, bool, bool]:
    """(base type, repeats, long text allowed)."""
    repeats = long_text = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *metadata = typing.get_args(annotation)
            long_text = long_text or any(type(item).__name__ in _LONG_TEXT for item in metadata)
        elif origin in (typing.Union, types.UnionType):
            annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
        elif origin is list:
            repeats, annotation = True, typing.get_args(annotation)[0]
        else:
            return annotation, repeats, long_text


_LONG_TEXT = frozenset({"Xhtml", "Base64Binary"})


def _element(annotation: Any) -> _Element | None:
    target, repeats, long_text = _unwrapped(annotation)
    if target is bytes or (target is str and long_text):
        return _Element("text", repeats)
    if target is bool:
        return _Element("boolean", repeats)
    if target is int:
        return _Element("integer", repeats)
    if target is Decimal:
        return _Element("decimal", repeats)
    if target in (str, date, datetime, time) or (isinstance(target, type) and issubclass(target, str)):
        return _Element("string", repeats)
    name = getattr(target, "__name__", "")
    if name == "ResourceType":
        return _Element(_RESOURCE, repeats)
    if name.endswith("Type"):
        return _Element("complex", repeats, name.removesuffix("Type"))
    return None  # anything else is left to the model


@cache
def _elements(model_name: str) -> dict[str, _Element]:
    model: type[FHIRAbstractModel] = get_fhir_model_class(model_name)
    found = {}
    for name, info in model.model_fields.items():
        element = _element(info.annotation)
        if element is not None:
            found[info.alias or name] = element
    return found


def _model_name(resource_type: Any) -> str | None:
    if not isinstance(resource_type, str):
        return None
    try:
        get_fhir_model_class(resource_type)
    except (KeyError, ValueError, ImportError):
        return None
    return resource_type


_EXPECTED = {
    "boolean": "a JSON boolean (true or false)",
    "integer": "a JSON number without a fraction",
    "decimal": "a JSON number",
    "string": "a JSON string",
    "text": "a JSON string",
    "complex": "a JSON object",
    _RESOURCE: "a JSON object holding a resource",
}


def _fits(kind: str, value: Any) -> bool:
    match kind:
        case "boolean":
            return isinstance(value, bool)
        case "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        case "decimal":
            return isinstance(value, int | Decimal) and not isinstance(value, bool)
        case "string" | "text":
            return isinstance(value, str)
    return isinstance(value, dict)


def kind_issues(resource: dict[str, Any], resource_type: str) -> list[Issue]:
    """Every element whose JSON kind is wrong, as `Patient.active: expected a JSON boolean`."""
    issues: list[Issue] = []

    def report(path: str, message: str, code: str = "structure") -> None:
        issues.append(Issue(code=code, diagnostics=f"{path}: {message}", expression=(path,)))

    pending: list[tuple[dict[str, Any], str, str]] = [(resource, resource_type, resource_type)]
    while pending and len(issues) < MAX_ISSUES:
        node, model_name, path = pending.pop()
        if not node:
            report(path, "empty objects are not allowed in FHIR JSON")
            continue
        elements = _elements(model_name)
        for key, value in node.items():
            element = elements.get(key)
            if element is None:
                continue  # resourceType, fhir_comments and unknown names: the model reports those
            element_path = f"{path}.{key}"
            if value is None:
                report(element_path, "null is not allowed in FHIR JSON; leave the element out")
                continue
            if element.repeats:
                if not isinstance(value, list):
                    report(element_path, "expected a JSON array")
                    continue
                if not value:
                    report(element_path, "empty arrays are not allowed in FHIR JSON; leave the element out")
                    continue
                if len(value) > MAX_ARRAY_ITEMS:
                    report(element_path, f"more than {MAX_ARRAY_ITEMS} items", "too-costly")
                    continue
                items: list[tuple[int | None, Any]] = list(enumerate(value))
            else:
                items = [(None, value)]
            for index, item in items:
                item_path = element_path if index is None else f"{element_path}[{index}]"
                # Arrays of primitives and their `_name` twins align with nulls (json.html 2.6.2.3).
                if item is None and index is not None:
                    continue
                if not _fits(element.kind, item):
                    report(item_path, f"expected {_EXPECTED[element.kind]}")
                elif element.kind == "string" and len(item) > MAX_STRING_CHARS:
                    report(item_path, f"longer than {MAX_STRING_CHARS} characters", "too-costly")
                elif element.kind == "complex" and element.model is not None:
                    pending.append((item, element.model, item_path))
                elif element.kind == _RESOURCE:
                    inner = _model_name(item.get("resourceType"))
                    if inner is not None:
                        pending.append((item, inner, item_path))
    return issues[:MAX_ISSUES]
