"""Translate store criteria and keyset positions into MongoDB filters. Values are always literals:
strings go through `re.escape` or equality, never into operator positions."""

from typing import Any

from gateway.store.criteria import AnyOf, Condition, EntryMatch, IdIn, Missing, NoneOf, SortKey

# Page tokens live in their own module; re-exported for the store's existing imports.
from gateway.store.page_token import BACKWARD as BACKWARD
from gateway.store.page_token import FORWARD as FORWARD
from gateway.store.page_token import LAST as LAST
from gateway.store.page_token import decode_position as decode_position
from gateway.store.page_token import encode_position as encode_position
from gateway.store.search_keys import (
    KEYS_FIELD,
    LIVE_KEY,
    MISSING_FIELD,
    SEARCH_FIELD,
    date_comparisons_keys,
    date_overlap,
    narrowing_keys,
    prefix_residual,
)


def _range_filter(match: EntryMatch) -> dict[str, Any]:
    """The exact test inside one `search` sub-document (dates and numbers, whose bounds go together)."""
    element: dict[str, Any] = {"p": match.code}
    for field_name, value in match.equals:
        element[field_name] = value if value is not None else {"$exists": False}
    for field_name, comparison, value in match.bounds:
        element.setdefault(field_name, {})[comparison] = value
    return {SEARCH_FIELD: {"$elemMatch": element}}


def _keys_filter(keys: list[str]) -> dict[str, Any]:
    return {KEYS_FIELD: keys[0]} if len(keys) == 1 else {KEYS_FIELD: {"$in": keys}}


def _entry_filter(match: EntryMatch) -> dict[str, Any]:
    """A key lookup that narrows (or decides), then the exact residual test in the same query."""
    keys, decided = narrowing_keys(match)
    parts = [_keys_filter(keys)] if keys else []
    if not decided:
        parts.append(prefix_residual(match) or _range_filter(match))
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _decision(match: EntryMatch) -> dict[str, Any]:
    """What decides a match once its keys have narrowed the candidates: the keys where they decide, else the
    residual alone (a document passing it holds one of the keys). mongoeco re-tests every clause in Python
    for each candidate, and a date `ge` repeats ~30 keys against ~80 per document."""
    keys, decided = narrowing_keys(match)
    if decided and keys:
        return _keys_filter(keys)
    return prefix_residual(match) or _range_filter(match)


def _key_alternatives(conditions: tuple[Condition, ...]) -> list[str] | None:
    """The keys of an OR of exact key lookups, to ask as one `$in` (index-backed on both engines)."""
    keys: list[str] = []
    for condition in conditions:
        if not isinstance(condition, EntryMatch):
            return None
        found, decided = narrowing_keys(condition)
        if found is None or not decided:
            return None
        keys.extend(found)
    return keys


def condition_filter(condition: Condition) -> dict[str, Any]:
    match condition:
        case EntryMatch():
            return _entry_filter(condition)
        case IdIn(ids):
            return {"_id": {"$in": list(ids)}}
        case Missing(code, True):
            return {MISSING_FIELD: code}
        case Missing(code, False):
            return {KEYS_FIELD: code}
        case AnyOf(conditions):
            keys = _key_alternatives(conditions)
            if keys is not None:
                return _keys_filter(keys)
            narrowing = [
                narrowing_keys(item)[0] if isinstance(item, EntryMatch) else None for item in conditions
            ]
            if all(narrowing):  # every branch has keys: their union narrows, the branches decide
                union = list(dict.fromkeys(key for found in narrowing for key in found or []))
                decisions = [_decision(item) for item in conditions if isinstance(item, EntryMatch)]
                return {"$and": [_keys_filter(union), {"$or": decisions}]}
            return {"$or": [condition_filter(item) for item in conditions]}
        case NoneOf(conditions):
            return {"$nor": [condition_filter(item) for item in conditions]}
    raise TypeError(f"unknown condition {condition!r}")


def _narrows(condition: Condition) -> bool:
    """Whether only live documents can match: deleted ones keep no keys, missing codes or entries."""
    match condition:
        case EntryMatch() | Missing():
            return True
        case AnyOf(conditions):
            return all(_narrows(item) for item in conditions)
    return False


def _date_decision(condition: Condition) -> dict[str, Any]:
    """A date comparison (or an OR of them) without its keys: the exact test alone."""
    if isinstance(condition, AnyOf):
        return {"$or": [_date_decision(item) for item in condition.conditions]}
    assert isinstance(condition, EntryMatch)
    return _range_filter(condition)


def _joined_date_comparisons(conditions: list[Condition]) -> tuple[list[dict[str, Any]], list[Condition]]:
    """Several date comparisons on one parameter (`birthdate=ge2019-01-01&birthdate=lt2019-07-01`) looked up
    as one range: the cover of the range between them, then each comparison's exact test. Asked apart, each
    side's keys name every birth after (or before) its bound, and an engine intersecting them reads the
    larger list. Returns those filters and the conditions left to translate one by one."""
    groups: dict[str, list[tuple[Condition, tuple[Any, Any]]]] = {}
    for condition in conditions:
        overlap = date_overlap(condition)
        if overlap is not None:
            code, start, end = overlap
            groups.setdefault(code, []).append((condition, (start, end)))
    joined: list[dict[str, Any]] = []
    done: list[Condition] = []
    for code, members in groups.items():
        keys = date_comparisons_keys(code, [overlap for _, overlap in members]) if len(members) > 1 else None
        if keys is None:
            continue
        joined.append(_keys_filter(keys))
        joined.extend(_date_decision(condition) for condition, _ in members)
        done.extend(condition for condition, _ in members)
    return joined, [condition for condition in conditions if not any(condition is item for item in done)]


def search_filter(conditions: list[Condition]) -> dict[str, Any]:
    """Positive conditions first (the embedded memory engine uses the first indexed one); the live-document
    test only when no condition implies it, as a key lookup rather than a test of every document's flag."""
    filters, rest = _joined_date_comparisons(conditions)
    ordered = sorted(rest, key=lambda item: not _narrows(item))
    for item in ordered:  # one flat `$and`: the embedded engines look for key lookups at its top level
        found = condition_filter(item)
        filters.extend(found["$and"] if set(found) == {"$and"} else [found])
    if not any(_narrows(item) for item in conditions):
        filters.append({KEYS_FIELD: LIVE_KEY})
    return filters[0] if len(filters) == 1 else {"$and": filters}


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
