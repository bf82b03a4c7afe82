"""Turn FHIR search parameters (name, value pairs) into a store query: criteria, sort, paging, summary."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from gateway.fhir.dates import date_range
from gateway.fhir.errors import BadRequest, Issue, TooCostly
from gateway.fhir.numbers import INT64_MAX, whole_number
from gateway.fhir.resource_types import ResourceDefinition
from gateway.fhir.search_parameters import SearchParameter
from gateway.service.compartment import COMPARTMENT_PARAMETER, compartment_condition
from gateway.service.includes import INCLUDE_PARAMETERS, Include, parse_include
from gateway.service.search_values import (
    date_condition,
    quantity_condition,
    reference_condition,
    split_or,
    string_condition,
    token_condition,
)
from gateway.store.criteria import AnyOf, Condition, IdIn, Missing, NoneOf, SortKey

DEFAULT_COUNT = 20
MAX_COUNT = 1000
MAX_OFFSET = 100_000  # skipping is linear in the store; deeper pages follow the next links (keyset paging)
# Each bounds one way a single request could make the store work for minutes (issue 10): README "Limits".
MAX_PARAMETERS = 100  # name=value pairs in one search
MAX_VALUES = 100  # comma-separated (OR) values of one parameter
MAX_INCLUDES = 10  # _include and _revinclude parameters, :iterate or not
MAX_VALUE_CHARS = 4096  # characters in one parameter value
SUMMARY_MODES = ("true", "text", "data", "count", "false")
TOTAL_MODES = ("none", "estimate", "accurate")
_PAGE_TOKEN = "_page_token"
_IGNORED = frozenset({"_format", "_pretty"})

_MODIFIERS: dict[str, frozenset[str]] = {
    "string": frozenset({"", "exact", "contains", "missing"}),
    "token": frozenset({"", "not", "text", "missing"}),
    "uri": frozenset({"", "below", "missing"}),
    "date": frozenset({"", "missing"}),
    "reference": frozenset({"", "missing"}),
    "number": frozenset({"", "missing"}),
    "quantity": frozenset({"", "missing"}),
}

TotalMode = Literal["none", "estimate", "accurate"]


@dataclass
class SearchRequest:
    conditions: list[Condition] = field(default_factory=list)
    sort: list[SortKey] = field(default_factory=list)
    count: int = DEFAULT_COUNT
    offset: int = 0  # matches skipped before the first page; a page token carries its own position
    page_token: str | None = None
    total: TotalMode | None = None  # None: the client did not ask (`counts_total` decides the cost)
    summary: str = "false"
    elements: tuple[str, ...] = ()
    used: list[tuple[str, str]] = field(default_factory=list)  # what the self link reports
    chains: list[tuple[str, str]] = field(default_factory=list)  # chained and _has: resolved by the service
    includes: list[Include] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)


def counts_total(request: SearchRequest) -> bool:
    """Whether the search counts its matches. Only when the client asks for the number (`_total=accurate`,
    or `_summary=count` / `_count=0`, which fhirpy's `.count()` sends): by default, and for `_total=estimate`,
    a Bundle carries the total where its page reaches the last match and leaves it out otherwise, as HAPI FHIR
    does for results it has not loaded whole (Medplum leaves it out unless asked). Counting reads every match,
    so it would make a page of 20 cost as much as the whole result (issue 9)."""
    if request.total == "none":
        return request.summary == "count"
    return request.total == "accurate" or request.summary == "count" or request.count == 0


def _integer(name: str, value: str, minimum: int, maximum: int = INT64_MAX) -> int:
    return whole_number(name, value, minimum, maximum)


def _missing(parameter: SearchParameter, value: str) -> Condition:
    if value not in ("true", "false"):
        raise BadRequest(
            f"{parameter.code}:missing takes true or false, got {value!r}", expression=(parameter.code,)
        )
    return Missing(parameter.code, value == "true")


def _one_value(parameter: SearchParameter, modifier: str, value: str, base_url: str) -> Condition:
    match parameter.type:
        case "string":
            return string_condition(parameter, value, modifier)
        case "token" | "uri":
            return token_condition(parameter, value, modifier)
        case "reference":
            return reference_condition(parameter, value, modifier, base_url)
        case "date":
            return date_condition(parameter, value)
        case "number" | "quantity":
            return quantity_condition(parameter, value)
    raise BadRequest(f"search parameter type {parameter.type} is not supported", expression=(parameter.code,))


def parameter_condition(parameter: SearchParameter, modifier: str, value: str, base_url: str) -> Condition:
    if modifier == "missing":
        return _missing(parameter, value)
    alternatives = [item for item in split_or(value) if item != ""]
    if len(alternatives) > MAX_VALUES:
        raise TooCostly(
            f"{parameter.code} has {len(alternatives)} values; the limit is {MAX_VALUES}",
            expression=(parameter.code,),
        )
    if not alternatives:
        raise BadRequest(f"{parameter.code} has an empty value", expression=(parameter.code,))
    if parameter.code == "_id":
        return IdIn(tuple(alternatives))
    conditions = tuple(
        _one_value(parameter, "" if modifier == "not" else modifier, item, base_url) for item in alternatives
    )
    if modifier == "not":
        return NoneOf(conditions)
    return conditions[0] if len(conditions) == 1 else AnyOf(conditions)


def _sort_keys(definition: ResourceDefinition, value: str) -> list[SortKey]:
    keys = []
    for item in value.split(","):
        code = item.removeprefix("-")
        if definition.search_parameter(code) is None:
            raise BadRequest(
                f"_sort: {code!r} is not a search parameter of {definition.name}", expression=("_sort",)
            )
        keys.append(SortKey(code, descending=item.startswith("-")))
    return keys


def _unknown(request: SearchRequest, strict: bool, message: str, name: str) -> None:
    if strict:
        raise BadRequest(message, expression=(name,))
    request.warnings.append(
        Issue(code="not-supported", diagnostics=f"{message}; ignored", severity="warning", expression=(name,))
    )


def _result_parameter(request: SearchRequest, definition: ResourceDefinition, name: str, value: str) -> None:
    if name == "_count":
        request.count = min(_integer(name, value, 0), MAX_COUNT)
    elif name == "_offset":
        request.offset = _integer(name, value, 0, MAX_OFFSET)
    elif name == "_sort":
        request.sort = _sort_keys(definition, value)
    elif name == _PAGE_TOKEN:
        request.page_token = value
    elif name == "_total":
        if value not in TOTAL_MODES:
            raise BadRequest(f"_total must be one of {', '.join(TOTAL_MODES)}", expression=(name,))
        request.total = value  # type: ignore[assignment]
    elif name == "_summary":
        if value not in SUMMARY_MODES:
            raise BadRequest(f"_summary must be one of {', '.join(SUMMARY_MODES)}", expression=(name,))
        request.summary = value
    elif name == "_elements":
        request.elements = tuple(item.strip() for item in value.split(",") if item.strip())
    request.used.append((name, str(request.count) if name == "_count" else value))


RESULT_PARAMETERS = frozenset({"_count", "_offset", "_sort", "_total", "_summary", "_elements", _PAGE_TOKEN})


def _check_sizes(parameters: list[tuple[str, str]]) -> None:
    if len(parameters) > MAX_PARAMETERS:
        raise TooCostly(f"The search has {len(parameters)} parameters; the limit is {MAX_PARAMETERS}")
    includes = sum(1 for name, _ in parameters if name.partition(":")[0] in INCLUDE_PARAMETERS)
    if includes > MAX_INCLUDES:
        raise TooCostly(
            f"The search has {includes} _include/_revinclude parameters; the limit is {MAX_INCLUDES}"
        )
    for name, value in parameters:
        if len(value) > MAX_VALUE_CHARS and name != _PAGE_TOKEN:  # page tokens have their own bound
            raise TooCostly(
                f"{name} is {len(value)} characters long; the limit is {MAX_VALUE_CHARS}", expression=(name,)
            )


def parse_search(
    definition: ResourceDefinition, parameters: list[tuple[str, str]], base_url: str, strict: bool
) -> SearchRequest:
    """Repeated parameters AND together, comma-separated values OR; unknown ones are reported (or refused)."""
    _check_sizes(parameters)
    request = SearchRequest()
    for name, value in parameters:
        if name in _IGNORED:
            continue
        if name in RESULT_PARAMETERS:
            _result_parameter(request, definition, name, value)
            continue
        if name in INCLUDE_PARAMETERS:
            request.includes.append(parse_include(name, value))
            request.used.append((name, value))
            continue
        if name == COMPARTMENT_PARAMETER:
            request.conditions.append(compartment_condition(definition, value, base_url))
            request.used.append((name, value))
            continue
        if name.startswith("_has:") or "." in name:
            request.chains.append((name, value))
            request.used.append((name, value))
            continue
        code, _, modifier = name.partition(":")
        parameter = definition.search_parameter(code)
        if parameter is None:
            _unknown(request, strict, f"Unknown search parameter {code!r} for {definition.name}", name)
            continue
        allowed = _MODIFIERS.get(parameter.type, frozenset({""}))
        if modifier not in allowed and not (parameter.type == "reference" and modifier in parameter.targets):
            _unknown(request, strict, f"Unsupported modifier {name!r}", name)
            continue
        request.conditions.append(parameter_condition(parameter, modifier, value, base_url))
        request.used.append((name, value))
    return request


@dataclass
class HistoryRequest:
    count: int = DEFAULT_COUNT
    page_token: str | None = None
    since: datetime | None = None
    used: list[tuple[str, str]] = field(default_factory=list)  # what the self link reports


def parse_history(parameters: list[tuple[str, str]]) -> HistoryRequest:
    """_count, _since and the page token of a history interaction; other parameters are ignored."""
    request = HistoryRequest()
    for name, value in parameters:
        if name == "_count":
            request.count = min(_integer(name, value, 0), MAX_COUNT)
            request.used.append((name, str(request.count)))
        elif name == "_since":
            try:
                request.since = date_range(value)[0]
            except ValueError:
                raise BadRequest("_since must be a FHIR instant", expression=("_since",)) from None
            request.used.append((name, value))
        elif name == _PAGE_TOKEN and value:
            request.page_token = value
            request.used.append((name, value))
    return request
