"""The index set, and which index serves each query condition: every search must be an index query."""

from pymongo import ASCENDING, DESCENDING, IndexModel

from gateway.store.criteria import AnyOf, Condition, EntryMatch, IdIn, Missing, NoneOf
from gateway.store.search_keys import KEYS_FIELD, MISSING_FIELD, SEARCH_FIELD, narrowing_keys, prefix_residual

# Range indexes over the `search` sub-documents: used by MongoDB alone when no key narrows a date or number
# search (open-ended date prefixes, number comparisons). The embedded store scans those cases.
RANGE_INDEXES: dict[str, tuple[str, ...]] = {
    "search_range": ("lo", "hi"),
    "search_range_end": ("hi",),  # date prefixes that bound only the end: gt, ge, eb
    "search_number": ("n",),
}

CURRENT_INDEXES = [
    IndexModel([(KEYS_FIELD, ASCENDING)], name="search_keys"),
    *(
        IndexModel(
            [(f"{SEARCH_FIELD}.p", ASCENDING), *((f"{SEARCH_FIELD}.{field}", ASCENDING) for field in fields)],
            name=name,
        )
        for name, fields in RANGE_INDEXES.items()
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
SEARCH_INDEXES = frozenset({"search_keys", *RANGE_INDEXES, "search_missing", "_id_"})


def _range_indexes(match: EntryMatch) -> set[str]:
    bounded = {name for name, _, _ in match.bounds}
    return {name for name, fields in RANGE_INDEXES.items() if fields[0] in bounded}


def key_lookup(condition: Condition) -> bool:
    """Whether the embedded store narrows this condition by a key lookup (equality or `$in` on an index);
    elsewhere (negations, open-ended date and number comparisons, `:contains`, uri `:below`) it scans."""
    match condition:
        case EntryMatch():
            return narrowing_keys(condition)[0] is not None
        case IdIn() | Missing():
            return True
        case AnyOf(conditions):
            return all(key_lookup(item) for item in conditions)
    return False


def serving_indexes(condition: Condition) -> set[str]:
    """The indexes a MongoDB planner can bound beyond the parameter name; empty means a scan.

    Negations (`:not`, `ne`) cannot bound an index on the value: they are scans, which a test keeps to them.
    """
    match condition:
        case EntryMatch():
            keys, _ = narrowing_keys(condition)
            if keys is not None or prefix_residual(condition) is not None:
                return {"search_keys"}  # an anchored regex on the keys is an index range too
            return _range_indexes(condition)
        case IdIn():
            return {"_id_"}
        case Missing(_, True):
            return {"search_missing"}
        case Missing(_, False):
            return {"search_keys"}
        case AnyOf(conditions):
            served = [serving_indexes(item) for item in conditions]
            return set().union(*served) if all(served) else set()
    assert isinstance(condition, NoneOf)
    return set()
