"""Extract search values from a resource at write time, so every search is an index lookup and never a scan.

Each value becomes an entry `{"p": code, ...}` in one indexed array (the attribute pattern):
string `v` (folded) and `x` (exact); token/uri/reference `c` (code, value, Type/id) and `s` (system, type),
token text as `v`; date `lo`/`hi` (half-open UTC range); number/quantity `n` with unit `c`/`s`/`u`.
Codes with no value go to a `missing` list.
"""

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

import jellyfish
from fhirpathpy import compile as compile_fhirpath
from fhirpathpy.models import models as fhirpath_models

from gateway.fhir.dates import date_range
from gateway.fhir.fhirpath_paths import NeedsInterpreter, evaluate_paths, plain_paths
from gateway.fhir.search_parameters import SearchParameter

Entry = dict[str, Any]

_NAME_PARTS = ("text", "family", "given", "prefix", "suffix")
_ADDRESS_PARTS = ("text", "line", "city", "district", "state", "postalCode", "country")
_LOCAL_REFERENCE = re.compile(
    r"(?:^|/)(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$"
)


def sound(text: str) -> str:
    """The Metaphone code of a name, so `Smyth` finds `Smith` and `Pieter` finds `Peter`."""
    return str(jellyfish.metaphone(fold(text)))


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a string: `Müller` and `MULLER` both become `muller`."""
    if text.isascii():  # nothing to decompose and no combining mark: the same result, at once
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@cache
def _compiled(expression: str) -> Any:
    return compile_fhirpath(expression, fhirpath_models["r4"])


def evaluate(resource: dict[str, Any], resource_type: str, parameter: SearchParameter) -> list[Any]:
    """The values of the parameter's expression: plain paths walked directly (fhirpath_paths.py), anything
    else by fhirpathpy."""
    expression = parameter.expression_for(resource_type)
    paths = plain_paths(expression)
    if paths is not None:
        try:
            return evaluate_paths(resource, paths)
        except NeedsInterpreter:
            pass
    return list(_compiled(expression)(resource))


def _strings_of(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        # HumanName and Address share only `text`, so one pass over both part lists reads either.
        for part in dict.fromkeys(_NAME_PARTS + _ADDRESS_PARTS):
            item = value.get(part)
            for text in item if isinstance(item, list) else [item]:
                if isinstance(text, str):
                    yield text


def _token_entries(code: str, value: Any) -> Iterator[Entry]:
    if isinstance(value, bool):
        yield {"p": code, "c": "true" if value else "false"}
    elif isinstance(value, str):
        yield {"p": code, "c": value}
    elif isinstance(value, dict):
        if "coding" in value or ("text" in value and "value" not in value):
            for coding in value.get("coding", []):
                yield from _token_entries(code, coding)
            if isinstance(value.get("text"), str):
                yield {"p": code, "v": fold(value["text"])}
            return
        token = value.get("code", value.get("value"))
        if isinstance(token, str):
            entry: Entry = {"p": code, "c": token}
            if isinstance(value.get("system"), str):
                entry["s"] = value["system"]
            yield entry
        for text in (value.get("display"), (value.get("type") or {}).get("text")):
            if isinstance(text, str):
                yield {"p": code, "v": fold(text)}


def _reference_entries(parameter: SearchParameter, value: Any) -> Iterator[Entry]:
    code = parameter.code
    reference = value.get("reference") if isinstance(value, dict) else value
    if not isinstance(reference, str):
        return
    match = _LOCAL_REFERENCE.search(reference)
    if parameter.only_targets and (match is None or match["type"] not in parameter.targets):
        return
    if match:
        yield {"p": code, "c": f"{match['type']}/{match['id']}", "s": match["type"]}
    if match is None or match.group(0).lstrip("/") != reference:
        yield {"p": code, "c": reference}


def _date_entries(code: str, value: Any) -> Iterator[Entry]:
    if isinstance(value, dict):
        if "start" in value or "end" in value:
            low = date_range(value["start"])[0] if "start" in value else datetime.min
            high = date_range(value["end"])[1] if "end" in value else datetime.max
            yield {"p": code, "lo": low, "hi": high}
        return
    try:
        low, high = date_range(str(value))
    except ValueError:
        return
    yield {"p": code, "lo": low, "hi": high}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return float(value)  # search precision; the stored resource keeps the exact decimal


def _quantity_entries(code: str, value: Any) -> Iterator[Entry]:
    """Numbers as `n`; a Quantity's code as `c`, system as `s` and human unit as `u`."""
    if isinstance(value, dict):
        number = _number(value.get("value"))
        if number is None:
            return
        entry: Entry = {"p": code, "n": number}
        for key, name in (("c", "code"), ("s", "system"), ("u", "unit")):
            if isinstance(value.get(name), str):
                entry[key] = value[name]
        yield entry
    else:
        number = _number(value)
        if number is not None:
            yield {"p": code, "n": number}


def entries_for(parameter: SearchParameter, values: Iterable[Any]) -> Iterator[Entry]:
    code = parameter.code
    for value in values:
        if parameter.phonetic:
            for text in _strings_of(value):
                yield {"p": code, "c": sound(text)}
        elif parameter.type == "string":
            for text in _strings_of(value):
                yield {"p": code, "v": fold(text), "x": text}
        elif parameter.type in ("token", "uri"):
            yield from _token_entries(code, value)
        elif parameter.type == "reference":
            yield from _reference_entries(parameter, value)
        elif parameter.type in ("number", "quantity"):
            yield from _quantity_entries(code, value)
        elif parameter.type == "date":
            yield from _date_entries(code, value)


@dataclass
class SearchValues:
    """What a write stores beside the resource: the entries, the codes with no value, and sort keys."""

    entries: list[Entry] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    sort_keys: dict[str, Any] = field(default_factory=dict)


def _sort_key(entries: list[Entry]) -> Any:
    keys = [entry.get("lo", entry.get("n", entry.get("v", entry.get("c")))) for entry in entries]
    present = [key for key in keys if key is not None]
    return min(present) if present else None


def extract(resource: dict[str, Any], parameters: Iterable[SearchParameter]) -> SearchValues:
    resource_type = resource["resourceType"]
    result = SearchValues()
    for parameter in parameters:
        if parameter.code == "_id":
            continue  # searched on the document key itself
        found = list(entries_for(parameter, evaluate(resource, resource_type, parameter)))
        unique = list({tuple(sorted(entry.items())): entry for entry in found}.values())
        if unique:
            result.entries.extend(unique)
            result.sort_keys[parameter.code] = _sort_key(unique)
        else:
            result.missing.append(parameter.code)
    return result
