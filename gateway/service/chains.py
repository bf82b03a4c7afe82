"""Chained parameters (`subject:Patient.family=x`) and reverse chains (`_has:Observation:patient:code=y`).

Both run the inner search first and turn its result into an ordinary condition on the outer one: a
reference to one of the found ids, or an `_id` in the referring resources' targets. Each step is an index
query; an inner search matching more than MAX_LINKED resources is refused (TooCostly), never truncated.
"""

from collections.abc import Awaitable, Callable

from gateway.fhir.errors import BadRequest, TooCostly
from gateway.fhir.resource_types import RESOURCE_DEFINITIONS, ResourceDefinition
from gateway.fhir.resource_version import StoredVersion
from gateway.service.references import MAX_LINKED, references_of, refers_to_any
from gateway.store.criteria import Condition, IdIn

# Runs a search of (type, parameters) and returns up to MAX_LINKED + 1 matches.
Finder = Callable[[str, list[tuple[str, str]]], Awaitable[list[StoredVersion]]]


def _linked(found: list[StoredVersion], name: str) -> list[StoredVersion]:
    if len(found) > MAX_LINKED:
        raise TooCostly(f"{name} matches more than {MAX_LINKED} resources; narrow it", expression=(name,))
    return found


async def chain_condition(definition: ResourceDefinition, name: str, value: str, find: Finder) -> Condition:
    """`subject:Patient.family` or `subject.family` (every target type that has the parameter)."""
    head, _, rest = name.partition(".")
    code, _, target = head.partition(":")
    parameter = definition.search_parameter(code)
    if parameter is None or parameter.type != "reference" or not rest:
        raise BadRequest(
            f"{name}: {code!r} is not a reference parameter of {definition.name}", expression=(name,)
        )
    targets = [target] if target else list(parameter.targets)
    inner_code = rest.split(".", 1)[0].split(":", 1)[0]
    usable = [
        item
        for item in targets
        if item in RESOURCE_DEFINITIONS
        and RESOURCE_DEFINITIONS[item].search_parameter(inner_code) is not None
    ]
    if not usable:
        raise BadRequest(f"{name}: no target of {code} has a parameter {inner_code!r}", expression=(name,))
    references: list[str] = []
    for item in usable:
        found = _linked(await find(item, [(rest, value)]), name)
        references += [f"{item}/{version.id}" for version in found]
    return refers_to_any(code, references)


async def has_condition(definition: ResourceDefinition, name: str, value: str, find: Finder) -> Condition:
    """`_has:Observation:patient:code=1234`: what Observations with that code point at by `patient`."""
    parts = name.split(":", 3)
    if len(parts) != 4 or parts[1] not in RESOURCE_DEFINITIONS:
        raise BadRequest(f"{name}: _has takes _has:Type:parameter:parameter", expression=(name,))
    _, source_type, code, inner = parts
    parameter = RESOURCE_DEFINITIONS[source_type].search_parameter(code)
    if parameter is None or parameter.type != "reference":
        raise BadRequest(
            f"{name}: {code!r} is not a reference parameter of {source_type}", expression=(name,)
        )
    found = _linked(await find(source_type, [(inner, value)]), name)
    ids = {
        target_id
        for version in found
        for target_type, target_id in references_of(version.resource or {}, parameter)
        if target_type == definition.name
    }
    return IdIn(tuple(sorted(ids)))
