"""The index set, and which index serves each query condition: every search must be an index query."""

from pymongo import ASCENDING, DESCENDING, IndexModel

from gateway.store.criteria import AnyOf, Condition, EntryMatch, IdIn, Missing, NoneOf
from gateway.store.query import MISSING_FIELD, SEARCH_FIELD

# Entry indexes: (name, the entry fields after `p`). Each search is an $elemMatch whose `p` bounds the
# parameter and whose next field bounds the value (the attribute pattern: one index serves many parameters).
ENTRY_INDEXES: dict[str, tuple[str, ...]] = {
    "search_string": ("v",),
    "search_exact": ("x",),
    "search_token": ("c", "s"),
    "search_system": ("s",),  # token `system|` (any code in a system)
    "search_range": ("lo", "hi"),
    "search_range_end": ("hi",),  # date prefixes that bound only the end: gt, ge, eb
    "search_number": ("n",),  # number and quantity values; units are checked inside the same entry
}

CURRENT_INDEXES = [
    *(
        IndexModel(
            [(f"{SEARCH_FIELD}.p", ASCENDING), *((f"{SEARCH_FIELD}.{field}", ASCENDING) for field in fields)],
            name=name,
        )
        for name, fields in ENTRY_INDEXES.items()
    ),
    IndexModel([(MISSING_FIELD, ASCENDING)], name="search_missing"),
    IndexModel([("lastUpdated", ASCENDING), ("_id", ASCENDING)], name="last_updated"),
]
# No unique index here: a history `_id` is "{id}/{versionId}", which carries the uniqueness (mongoeco
# checks a compound unique index by scanning the collection on every insert).
HISTORY_INDEXES = [
    IndexModel([("id", ASCENDING), ("versionId", DESCENDING)], name="instance_history"),
    IndexModel([("lastUpdated", DESCENDING), ("_id", DESCENDING)], name="type_history"),
]


def _bounded_fields(match: EntryMatch) -> set[str]:
    fields = {name for name, _ in match.equals} | {name for name, _, _ in match.bounds}
    if match.starts_with is not None:
        fields.add(match.starts_with[0])
    return fields


def serving_indexes(condition: Condition) -> set[str]:
    """The indexes a MongoDB planner can use with bounds beyond the parameter name; empty means a scan.

    Negations (`:not`, `ne`) and `:contains` cannot bound an index on the value: they are listed as scans
    of the parameter's index range, which a test keeps to those cases.
    """
    match condition:
        case EntryMatch():
            bounded = _bounded_fields(condition)
            return {name for name, fields in ENTRY_INDEXES.items() if fields[0] in bounded}
        case IdIn():
            return {"_id_"}
        case Missing(_, True):
            return {"search_missing"}
        case Missing(_, False):
            return set(ENTRY_INDEXES)
        case AnyOf(conditions):
            served = [serving_indexes(item) for item in conditions]
            return set().union(*served) if all(served) else set()
    assert isinstance(condition, NoneOf)
    return set()
