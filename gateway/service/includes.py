"""`_include` and `_revinclude` (with `:iterate`): what a page refers to, and what refers to it.

Included resources are read as far as the caller reaches (`CallerReads`): a type the caller may not read (for
_include) or search (for _revinclude) is left out with a warning in the Bundle, and under patient/ scopes a
resource outside the patient's compartment is left out silently, as if it did not exist.
"""

from dataclasses import dataclass, field

from gateway.fhir.errors import BadRequest, Forbidden, Issue, TooCostly
from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from gateway.fhir.resource_version import StoredVersion
from gateway.fhir.search_parameters import SearchParameter
from gateway.service.reach import CallerReads
from gateway.service.references import MAX_LINKED, references_of, refers_to_any

INCLUDE_PARAMETERS = ("_include", "_revinclude", "_include:iterate", "_revinclude:iterate")
_MAX_ROUNDS = 4  # :iterate follows links this many steps at most (cycles stop earlier: nothing new)


@dataclass(frozen=True)
class Include:
    source: str  # the type holding the reference
    parameter: SearchParameter
    target: str | None  # `_include=Observation:subject:Patient` keeps only Patients
    reverse: bool
    iterate: bool


def parse_include(name: str, value: str) -> Include:
    parts = value.split(":")
    source = parts[0]
    definition = RESOURCE_DEFINITIONS.get(source)
    parameter = definition.search_parameter(parts[1]) if definition and len(parts) > 1 else None
    if parameter is None or parameter.type != "reference" or len(parts) > 3:
        raise BadRequest(
            f"{name}={value}: expected Type:parameter[:targetType] with a reference parameter",
            expression=(name,),
        )
    target = parts[2] if len(parts) == 3 else None
    return Include(source, parameter, target, name.startswith("_revinclude"), name.endswith(":iterate"))


@dataclass
class Included:
    resources: list[StoredVersion] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)


def _left_out(name: str, value: str, resource_type: str, refusal: Forbidden) -> Issue:
    diagnostics = f"{name}={value}: {resource_type} is left out ({refusal.issues[0].diagnostics})"
    return Issue(code="forbidden", diagnostics=diagnostics, severity="warning", expression=(name,))


def _name(include: Include) -> str:
    return ("_revinclude" if include.reverse else "_include") + (":iterate" if include.iterate else "")


def _value(include: Include) -> str:
    return ":".join(part for part in (include.source, include.parameter.code, include.target) if part)


async def _forward(
    reads: CallerReads, include: Include, frontier: list[StoredVersion], warnings: list[Issue]
) -> list[StoredVersion]:
    wanted: dict[str, list[str]] = {}
    for version in frontier:
        if version.resource_type != include.source or version.resource is None:
            continue
        for target_type, target_id in references_of(version.resource, include.parameter):
            if include.target in (None, target_type) and target_type in RESOURCE_DEFINITIONS:
                wanted.setdefault(target_type, []).append(target_id)
    found: list[StoredVersion] = []
    for target_type, ids in wanted.items():
        try:
            found += await reads.read_many(target_type, ids)
        except Forbidden as refusal:
            warnings.append(_left_out(_name(include), _value(include), target_type, refusal))
    return found


async def _reverse(
    reads: CallerReads, include: Include, frontier: list[StoredVersion], warnings: list[Issue]
) -> list[StoredVersion]:
    targets = include.parameter.targets
    references = [
        f"{version.resource_type}/{version.id}"
        for version in frontier
        if not targets or version.resource_type in targets
    ]
    if not references:
        return []
    condition = refers_to_any(include.parameter.code, references)
    try:
        page = await reads.search(include.source, [condition], [], MAX_LINKED + 1)
    except Forbidden as refusal:
        warnings.append(_left_out(_name(include), _value(include), include.source, refusal))
        return []
    return page.items


async def included(reads: CallerReads, includes: list[Include], matches: list[StoredVersion]) -> Included:
    """Resources to add with search mode `include`: each once, never one already a match, none the caller
    cannot reach; a warning for each type left out."""
    seen = {(version.resource_type, version.id) for version in matches}
    result: list[StoredVersion] = []
    warnings: list[Issue] = []
    frontier = matches
    for round_number in range(_MAX_ROUNDS):
        active = [item for item in includes if round_number == 0 or item.iterate]
        fresh: list[StoredVersion] = []
        for include in active:
            found = await (_reverse if include.reverse else _forward)(reads, include, frontier, warnings)
            for version in found:
                key = (version.resource_type, version.id)
                if key not in seen:
                    seen.add(key)
                    fresh.append(version)
        result += fresh
        if len(result) > MAX_LINKED:
            raise TooCostly(f"The includes add more than {MAX_LINKED} resources; narrow the search")
        if not fresh or not any(item.iterate for item in includes):
            break
        frontier = fresh
    return Included(result, list({issue.diagnostics: issue for issue in warnings}.values()))
