"""FHIRPath Patch (R4 fhirpatch.html): a Parameters resource of add, insert, delete, replace and move
operations applied to a resource's JSON.

Paths are the simple FHIRPath a patch needs to point at elements: `Type.element.element`, indexes `[n]`,
`.first()`, `.last()` and `.where(element = 'literal')` (also `element.element = ...`, and numbers or
true/false as literals); anything else is refused with a 400 that says so.
"""

import copy
import re
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from gateway.fhir.errors import BadRequest, BusinessRuleViolation

OPERATIONS = ("add", "insert", "delete", "replace", "move")
_STEP = re.compile(
    r"\.(?P<name>[A-Za-z][A-Za-z0-9_]*)(?![A-Za-z0-9_(])"
    r"|\[(?P<index>\d+)\]"
    r"|\.(?P<function>first|last)\(\)"
    r"|\.where\(\s*(?P<where>[A-Za-z][A-Za-z0-9_.]*)\s*=\s*(?P<literal>'(?:[^'\\]|\\.)*'|-?\d+(?:\.\d+)?|true|false)\s*\)"
)


@dataclass
class _Node:
    """Where a value lives: `container[key]`; `owner` is the (object, name) holding a list element's list."""

    container: Any
    key: Any
    owner: tuple[dict[str, Any], str] | None = None

    @property
    def value(self) -> Any:
        return self.container[self.key]


def _literal(text: str) -> Any:
    if text.startswith("'"):
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    if text in ("true", "false"):
        return text == "true"
    return float(text) if "." in text else int(text)


def _children(node: _Node, name: str) -> list[_Node]:
    value = node.value
    if not isinstance(value, dict) or name not in value:
        return []
    child = value[name]
    if isinstance(child, list):
        return [_Node(child, index, (value, name)) for index in range(len(child))]
    return [_Node(value, name)]


def _value_at(value: Any, dotted: str) -> list[Any]:
    found = [value]
    for name in dotted.split("."):
        next_found: list[Any] = []
        for item in found:
            child = item.get(name) if isinstance(item, dict) else None
            next_found.extend(child if isinstance(child, list) else [] if child is None else [child])
        found = next_found
    return found


def locate(resource: dict[str, Any], path: str) -> list[_Node]:
    """The elements `path` selects, as places that can be changed."""
    resource_type = resource.get("resourceType", "")
    if not path.startswith(resource_type):
        raise BadRequest(f"FHIRPath Patch path {path!r} must start with {resource_type}")
    rest = path[len(resource_type) :]
    nodes = [_Node({"root": resource}, "root")]
    position = 0
    while position < len(rest):
        step = _STEP.match(rest, position)
        if step is None:
            raise BadRequest(
                f"FHIRPath Patch path {path!r}: {rest[position:]!r} is beyond the paths this server supports "
                "(elements, [n], first(), last(), where(element = literal))"
            )
        position = step.end()
        if step["name"]:
            nodes = [child for node in nodes for child in _children(node, step["name"])]
        elif step["index"] is not None:
            index = int(step["index"])
            nodes = nodes[index : index + 1]
        elif step["function"]:
            nodes = nodes[:1] if step["function"] == "first" else nodes[-1:]
        else:
            wanted = _literal(step["literal"])
            nodes = [node for node in nodes if wanted in _value_at(node.value, step["where"])]
    return nodes


def _element_names(path: str, resource_type: str) -> list[str]:
    """The element names along a path, without indexes and filters: the model's route to its type."""
    stripped = re.sub(r"\[\d+\]|\.(first|last)\(\)|\.where\((?:[^()']|'(?:[^'\\]|\\.)*')*\)", "", path)
    return [name for name in stripped[len(resource_type) :].split(".") if name]


def _is_list(resource_type: str, names: list[str]) -> bool:
    """Whether the last element of `names` repeats, by the R4B model's declaration."""
    model: Any = get_fhir_model_class(resource_type)
    for position, name in enumerate(names):
        field = model.model_fields.get(name)
        if field is None:
            raise BusinessRuleViolation(f"{resource_type} has no element {'.'.join(names[: position + 1])}")
        annotation = str(field.annotation)
        if position == len(names) - 1:
            return "List[" in annotation
        found = re.search(r"abc\.(\w+)Type\b", annotation)
        if found is None:
            raise BusinessRuleViolation(f"{'.'.join(names[: position + 1])} has no elements of its own")
        model = get_fhir_model_class(found.group(1))
    return False


def _parts(parameter: dict[str, Any]) -> dict[str, Any]:
    return {str(part.get("name")): part for part in parameter.get("part", []) if isinstance(part, dict)}


def _value(part: dict[str, Any] | None, where: str) -> Any:
    """A `value[x]`, or an element built from nested parts (for backbone elements)."""
    if part is None:
        raise BadRequest(f"{where} needs a value")
    for key, item in part.items():
        if key.startswith("value"):
            return copy.deepcopy(item)
    if isinstance(part.get("part"), list):
        return {str(item.get("name")): _value(item, where) for item in part["part"] if isinstance(item, dict)}
    raise BadRequest(f"{where} needs a value[x] or parts")


def _one(nodes: list[_Node], path: str, where: str) -> _Node:
    if len(nodes) != 1:
        raise BusinessRuleViolation(f"{where}: path {path!r} selects {len(nodes)} elements, not exactly one")
    return nodes[0]


def _index(parts: dict[str, Any], name: str, where: str) -> int:
    value = (parts.get(name) or {}).get("valueInteger")
    if not isinstance(value, int) or value < 0:
        raise BadRequest(f"{where} needs {name} as a valueInteger >= 0")
    return value


def _list_at(resource: dict[str, Any], path: str, where: str) -> list[Any]:
    nodes = locate(resource, path)
    owners = {id(node.container): node.container for node in nodes if node.owner is not None}
    if len(owners) != 1:
        raise BusinessRuleViolation(f"{where}: path {path!r} does not select one list")
    return next(iter(owners.values()))


def _apply(resource: dict[str, Any], parameter: dict[str, Any], where: str) -> None:
    parts = _parts(parameter)
    kind = (parts.get("type") or {}).get("valueCode")
    path = (parts.get("path") or {}).get("valueString")
    if kind not in OPERATIONS or not isinstance(path, str):
        raise BadRequest(f"{where} needs a type ({', '.join(OPERATIONS)}) and a path")
    resource_type = resource["resourceType"]
    if kind == "add":
        name = (parts.get("name") or {}).get("valueString")
        if not isinstance(name, str) or not name:
            raise BadRequest(f"{where}: add needs a name")
        target = _one(locate(resource, path), path, where).value
        if not isinstance(target, dict):
            raise BusinessRuleViolation(f"{where}: {path!r} is not an element that can hold {name}")
        value = _value(parts.get("value"), where)
        if _is_list(resource_type, [*_element_names(path, resource_type), name]):
            target.setdefault(name, []).append(value)
        elif name in target:
            raise BusinessRuleViolation(f"{where}: {path}.{name} already has a value; use replace")
        else:
            target[name] = value
    elif kind == "insert":
        items = _list_at(resource, path, where) if locate(resource, path) else None
        if items is None:
            raise BusinessRuleViolation(f"{where}: insert needs an existing list at {path!r}")
        index = _index(parts, "index", where)
        if index > len(items):
            raise BusinessRuleViolation(f"{where}: index {index} is past the end of {path!r}")
        items.insert(index, _value(parts.get("value"), where))
    elif kind == "delete":
        nodes = locate(resource, path)
        if not nodes:
            return  # deleting what is not there changes nothing (fhirpatch.html)
        node = _one(nodes, path, where)
        del node.container[node.key]
        if node.owner is not None and not node.container:
            del node.owner[0][node.owner[1]]  # FHIR JSON has no empty lists
    elif kind == "replace":
        node = _one(locate(resource, path), path, where)
        node.container[node.key] = _value(parts.get("value"), where)
    else:
        items = _list_at(resource, path, where)
        source, destination = _index(parts, "source", where), _index(parts, "destination", where)
        if source >= len(items) or destination >= len(items):
            raise BusinessRuleViolation(f"{where}: move indexes must lie within {path!r}")
        items.insert(destination, items.pop(source))


def apply_fhirpath_patch(resource: dict[str, Any], parameters: Any) -> dict[str, Any]:
    """A patched copy of `resource`; the original is untouched whatever fails."""
    if not isinstance(parameters, dict) or parameters.get("resourceType") != "Parameters":
        raise BadRequest("A FHIRPath Patch is a Parameters resource")
    operations = parameters.get("parameter")
    if not isinstance(operations, list) or not operations:
        raise BadRequest("A FHIRPath Patch needs at least one operation parameter")
    patched = copy.deepcopy(resource)
    for index, operation in enumerate(operations):
        where = f"Parameters.parameter[{index}]"
        if not isinstance(operation, dict) or operation.get("name") != "operation":
            raise BadRequest(f"{where} must be an operation")
        _apply(patched, operation, where)
    return patched
