"""Search-parameter expressions that are plain element paths, evaluated without fhirpathpy's interpreter.

Almost every R4 search parameter this server defines is a dotted path or a union of them (`Patient.name`,
`Observation.code | Observation.component.code`); a handful use functions or casts (`.where(...)`,
`as Quantity`). fhirpathpy evaluates even a path through its parse tree, one node object per value, and
every write evaluates some thirty of them: after the store itself, the largest CPU cost of a create.

`evaluate_paths` walks the JSON as fhirpathpy's member invocation does, choice elements (`value[x]`) and
elements defined elsewhere (`contentReference`) included, through fhirpathpy's own R4 model tables, and
returns what fhirpathpy's `compile(expression, model)(resource)` returns: floats as Decimal, items that are
only a primitive's extension left out, a union without repeated values. Where the walk would meet what it
does not mirror (a primitive's extension `_birthDate` on the way, or a step into a primitive) it raises
`NeedsInterpreter`, and the caller asks fhirpathpy. tests/unit/test_fhirpath_paths.py compares both on every
parameter of every HL7 example and Synthea resource in tests/data, and on edge cases.
"""

import re
from decimal import Decimal
from functools import cache
from typing import Any

from fhirpathpy.models import models as fhirpath_models

_MODEL = fhirpath_models["r4"]
_ELSEWHERE: dict[str, str] = _MODEL["pathsDefinedElsewhere"]
_CHOICES: dict[str, list[str]] = _MODEL["choiceTypePaths"]
_TYPES: dict[str, str] = _MODEL["path2Type"]
_ELEMENT = re.compile(r"^[a-z][A-Za-z0-9]*$")
_RESOURCE = re.compile(r"^[A-Z][A-Za-z]*$")

Path = tuple[str, ...]  # resource type, then element names


class NeedsInterpreter(Exception):
    """The resource holds something on the path that only fhirpathpy evaluates exactly."""


@cache
def plain_paths(expression: str) -> tuple[Path, ...] | None:
    """The paths of an expression that is only paths and unions of them, else None."""
    paths = []
    for part in expression.split("|"):
        steps = tuple(part.strip().split("."))
        if len(steps) < 2 or not _RESOURCE.match(steps[0]):
            return None
        if not all(_ELEMENT.match(step) for step in steps[1:]):
            return None
        paths.append(steps)
    return tuple(paths)


def _child(data: dict[str, Any], path: str, key: str) -> tuple[Any, str]:
    """The value of element `key` of `data` (at model path `path`) and the model path of that value."""
    child = _ELSEWHERE.get(f"{path}.{key}", f"{path}.{key}")
    choices = _CHOICES.get(child)
    value = None
    if choices:
        for choice in choices:
            field = f"{key}{choice}"
            if f"_{field}" in data:
                raise NeedsInterpreter
            value = data.get(field)
            if value is not None:
                child += choice
                break
    else:
        if f"_{key}" in data:
            raise NeedsInterpreter
        value = data.get(key)
        if key == "extension":
            child = "Extension"
    return value, _TYPES.get(child, child)


def _walk(resource: dict[str, Any], steps: Path) -> list[Any]:
    if resource.get("resourceType") != steps[0]:
        return []
    nodes: list[tuple[Any, str]] = [(resource, steps[0])]
    for key in steps[1:]:
        found: list[tuple[Any, str]] = []
        for data, path in nodes:
            if not isinstance(data, dict):
                raise NeedsInterpreter  # a step into a primitive (`length` of a string...)
            value, child = _child(data, path, key)
            if value is None or value == []:
                continue
            if isinstance(value, list):
                found.extend((item, child) for item in value)
            else:
                found.append((value, child))
        nodes = found
    return [data for data, _ in nodes]


def _output(value: Any) -> Any:
    """As fhirpathpy hands its result back: floats as Decimal, extension-only items of lists left out."""
    if isinstance(value, list):
        items = [_output(item) for item in value]
        return [item for item in items if not (isinstance(item, dict) and list(item) == ["extension"])]
    if isinstance(value, dict):
        return {key: _output(item) for key, item in value.items()}
    if isinstance(value, float):
        return Decimal(str(value))
    return value


def evaluate_paths(resource: dict[str, Any], paths: tuple[Path, ...]) -> list[Any]:
    """What fhirpathpy returns for the union of `paths` on `resource` (NeedsInterpreter where unsure)."""
    if len(paths) == 1:
        return list(_output(_walk(resource, paths[0])))
    values: list[Any] = []
    for steps in paths:
        for value in _output(_walk(resource, steps)):
            if value not in values:  # a union holds each value once
                values.append(value)
    return values
