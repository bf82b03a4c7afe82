"""Read the local references a resource makes through a reference search parameter (`Type/id` pairs)."""

from typing import Any

from gateway.fhir.search_parameters import SearchParameter
from gateway.fhir.search_values import entries_for, evaluate
from gateway.store.criteria import AnyOf, Condition, EntryMatch, IdIn

# A chain, _has or include that reaches more resources than this is refused rather than run half.
MAX_LINKED = 1000


def references_of(resource: dict[str, Any], parameter: SearchParameter) -> list[tuple[str, str]]:
    """(type, id) of every local reference `parameter` finds in `resource`, in order, each once."""
    found: list[tuple[str, str]] = []
    values = evaluate(resource, resource["resourceType"], parameter)
    for entry in entries_for(parameter, values):
        if "s" in entry and "/" in entry.get("c", ""):
            pair = (entry["s"], entry["c"].split("/", 1)[1])
            if pair not in found:
                found.append(pair)
    return found


def refers_to_any(code: str, references: list[str]) -> Condition:
    """Resources whose parameter `code` points at one of `references` (`Type/id`); none: matches nothing."""
    if not references:
        return IdIn(())
    matches = tuple(EntryMatch(code, equals=(("c", reference),)) for reference in references)
    return matches[0] if len(matches) == 1 else AnyOf(matches)
