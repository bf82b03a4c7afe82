"""Translate store criteria and keyset positions into MongoDB filters. Values are always literals:
strings go through `re.escape` or equality, never into operator positions."""

import re
from typing import Any

from gateway.store.criteria import AnyOf, Condition, EntryMatch, IdIn, Missing, NoneOf, SortKey

# Page tokens live in their own module; re-exported for the store's existing imports.
from gateway.store.page_token import BACKWARD as BACKWARD
from gateway.store.page_token import FORWARD as FORWARD
from gateway.store.page_token import LAST as LAST
from gateway.store.page_token import decode_position as decode_position
from gateway.store.page_token import encode_position as encode_position

SEARCH_FIELD = "search"
MISSING_FIELD = "missing"


def _entry_filter(match: EntryMatch) -> dict[str, Any]:
    element: dict[str, Any] = {"p": match.code}
    for field_name, value in match.equals:
        element[field_name] = value if value is not None else {"$exists": False}
    if match.starts_with is not None:
        field_name, prefix = match.starts_with
        element[field_name] = {"$regex": "^" + re.escape(prefix)}
    if match.contains is not None:
        field_name, part = match.contains
        element[field_name] = {"$regex": re.escape(part)}
    for field_name, comparison, value in match.bounds:
        element.setdefault(field_name, {})[comparison] = value
    return {SEARCH_FIELD: {"$elemMatch": element}}


def condition_filter(condition: Condition) -> dict[str, Any]:
    match condition:
        case EntryMatch():
            return _entry_filter(condition)
        case IdIn(ids):
            return {"_id": {"$in": list(ids)}}
        case Missing(code, True):
            return {MISSING_FIELD: code}
        case Missing(code, False):
            return {SEARCH_FIELD: {"$elemMatch": {"p": code}}}
        case AnyOf(conditions):
            return {"$or": [condition_filter(item) for item in conditions]}
        case NoneOf(conditions):
            return {"$nor": [condition_filter(item) for item in conditions]}
    raise TypeError(f"unknown condition {condition!r}")


def search_filter(conditions: list[Condition]) -> dict[str, Any]:
    return {"$and": [{"deleted": False}, *(condition_filter(item) for item in conditions)]}


def sort_field(key: SortKey) -> str:
    if key.key == "_id":
        return "_id"
    if key.key == "_lastUpdated":
        return "lastUpdated"
    return f"sort.{key.key}"


def sort_spec(keys: list[SortKey]) -> list[tuple[str, int]]:
    """The MongoDB sort, always ending with `_id` so that every order is total and keyset paging is exact."""
    spec = [(sort_field(key), -1 if key.descending else 1) for key in keys]
    if not any(field_name == "_id" for field_name, _ in spec):
        spec.append(("_id", spec[-1][1] if spec else 1))
    return spec


def _after(field_name: str, direction: int, value: Any) -> dict[str, Any]:
    """Documents strictly after `value` on one key; MongoDB sorts missing (null) first ascending."""
    if direction == 1:
        return {field_name: {"$ne": None}} if value is None else {field_name: {"$gt": value}}
    if value is None:
        return {field_name: {"$in": []}}
    return {"$or": [{field_name: {"$lt": value}}, {field_name: None}]}


def keyset_filter(spec: list[tuple[str, int]], last: list[Any]) -> dict[str, Any]:
    """Documents after the row whose sort values were `last`: (k1 > a) or (k1 = a and k2 > b) or ..."""
    branches = []
    for index, (field_name, direction) in enumerate(spec):
        equal_prefix = [{name: last[position]} for position, (name, _) in enumerate(spec[:index])]
        branches.append({"$and": [*equal_prefix, _after(field_name, direction, last[index])]})
    return {"$or": branches}


def sort_values(document: dict[str, Any], spec: list[tuple[str, int]]) -> list[Any]:
    values = []
    for field_name, _ in spec:
        value: Any = document
        for part in field_name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        values.append(value)
    return values


def reversed_spec(spec: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return [(field_name, -direction) for field_name, direction in spec]
