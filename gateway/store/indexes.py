"""The index set, and which index serves each query condition: every search must be an index query."""

from pymongo import ASCENDING, DESCENDING, IndexModel

from gateway.store.criteria import AnyOf, Condition, EntryMatch, IdIn, Missing, NoneOf
from gateway.store.search_keys import KEYS_FIELD, MISSING_FIELD, narrowing_keys, prefix_residual

CURRENT_INDEXES = [
    IndexModel([(KEYS_FIELD, ASCENDING)], name="search_keys"),
    IndexModel([(MISSING_FIELD, ASCENDING)], name="search_missing"),
    IndexModel([("lastUpdated", ASCENDING), ("_id", ASCENDING)], name="last_updated"),
]
# Release 2's indexes over the `search` sub-documents, for open-ended date and number comparisons: bucket
# keys answer those now, so the upgrade drops them (each was one more index to write per entry).
RETIRED_INDEXES = ("search_range", "search_range_end", "search_number")
# No unique index here: a history `_id` is "{id}/{versionId}", which carries the uniqueness (mongoeco
# checks a compound unique index by scanning the collection on every insert).
HISTORY_INDEXES = [
    IndexModel([("id", ASCENDING), ("versionId", DESCENDING)], name="instance_history"),
    IndexModel([("lastUpdated", DESCENDING), ("_id", DESCENDING)], name="type_history"),
]
SEARCH_INDEXES = frozenset({"search_keys", "search_missing", "_id_"})


def key_lookup(condition: Condition) -> bool:
    """Whether the embedded store narrows this condition by a key lookup (equality or `$in` on an index);
    elsewhere (negations, `:contains`, uri `:below`) it scans."""
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
            return set()
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
