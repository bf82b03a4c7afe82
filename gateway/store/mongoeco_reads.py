"""mongoeco adaptations for reads whose cost grew with their number of matches (docs/storage.md).

Applied by gateway/store/mongoeco_patches.py's `apply()`; `tests/unit/test_mongoeco_reads.py` pins the private
methods wrapped here so that an upgrade that moves or changes them fails loudly.

1. The memory engine pages a search sorted by `_id` alone (every store search without `_sort`) by walking its
   candidates in `_id` order and stopping after the page. Upstream decodes and tests every candidate, then
   sorts all matches to keep the first `limit`: a page of 20 from a birth year (N/91 Patients) or a family
   prefix (N/10) read all of them. The candidates' storage keys of string ids are `("str", id)`, so ordering
   them costs one sort of small tuples, no document decoding; the residual test then runs on the candidates
   in order until the page is full. Where the candidates' ids are not all strings the scan falls back to
   upstream's sort, so no order is ever guessed. The clauses the candidates were looked up by (equality and
   `$in` on the store's key arrays, each answered exactly by its index) are not tested again per candidate:
   a date search's `$in` of ~30 keys against a document's ~80 cost more than its `$elemMatch`. If one of them
   had no index lookup, the scan falls back to upstream's full test and sort.
2. and 3. (the SQLite engine's) live in mongoeco_sqlite_reads.py, installed by this module's `apply()`.
"""

from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from mongoeco.core.compiled_query import CompiledQuery
from mongoeco.core.query_plan import AndCondition, EqualsCondition, InCondition, MatchAll, QueryNode
from mongoeco.engines import MemoryEngine

from gateway.store.search_keys import ARRAY_FIELDS

_STRING_KEY = "str"  # mongoeco's storage key of a string `_id` is ("str", the id)

_applied = False


@dataclass
class _IdOrder:
    """Asked for by a scan sorted by `_id` alone; `ordered` tells the scan whether the candidates complied
    (in `_id` order, and found by an index lookup of every clause in `untested`)."""

    direction: int
    untested: tuple[QueryNode, ...] = ()
    ordered: bool = False


def _is_key_lookup(clause: QueryNode) -> bool:
    """Equality or `$in` of strings on a key array: what an index lookup answers exactly."""
    if isinstance(clause, EqualsCondition):
        values: tuple[Any, ...] = (clause.value,)
    elif isinstance(clause, InCondition):
        values = tuple(clause.values)
    else:
        return False
    if clause.field not in ARRAY_FIELDS or clause.null_matches_undefined:
        return False
    return bool(values) and all(isinstance(value, str) for value in values)


def split_key_lookups(plan: QueryNode) -> tuple[tuple[QueryNode, ...], QueryNode]:
    """The top-level key lookups of a filter, and the rest of it (MatchAll if nothing is left)."""
    clauses = plan.clauses if isinstance(plan, AndCondition) else (plan,)
    keys = tuple(clause for clause in clauses if _is_key_lookup(clause))
    rest = [clause for clause in clauses if not _is_key_lookup(clause)]
    residual: QueryNode = MatchAll() if not rest else rest[0] if len(rest) == 1 else AndCondition(tuple(rest))
    return keys, residual


# Set only around the first step of one scan (where mongoeco picks its candidates), in one task's context.
_ID_ORDER: ContextVar[_IdOrder | None] = ContextVar("gateway_id_order", default=None)


def id_sort_direction(semantics: Any) -> int | None:
    """1 or -1 where a find is sorted by `_id` alone (no collation, no text search), else None."""
    sort = semantics.sort
    if not sort or len(sort) != 1 or semantics.collation is not None or semantics.text_query is not None:
        return None
    field, direction = sort[0]
    return direction if field == "_id" and direction in (1, -1) else None


def _string_id(item: tuple[Any, Any]) -> str | None:
    storage_key = item[0]
    if isinstance(storage_key, tuple) and len(storage_key) == 2 and storage_key[0] == _STRING_KEY:
        value = storage_key[1]
        return value if isinstance(value, str) else None
    return None


def order_by_string_id(items: list[tuple[Any, Any]], direction: int) -> list[tuple[Any, Any]] | None:
    """Candidates `(storage key, stored document)` in `_id` order, or None if some `_id` is not a string.
    Python compares strings by code point, which is the order of their UTF-8 bytes: BSON's string order."""
    keyed = [(_string_id(item), item) for item in items]
    if any(identifier is None for identifier, _ in keyed):
        return None
    keyed.sort(key=lambda pair: pair[0] or "", reverse=direction == -1)
    return [item for _, item in keyed]


def _ordered_candidates(original: Any) -> Any:
    def candidates(self: Any, *args: Any, **kwargs: Any) -> Any:
        order = _ID_ORDER.get()
        if order is None:
            return original(self, *args, **kwargs)
        # Upstream's natural-order shortcut keeps the first `limit` in insertion order: wrong for `_id` order.
        items = original(self, *args, **{**kwargs, "natural_order_limit": None})
        if order.untested and not _looked_up(self, kwargs, order.untested):
            return items
        ordered = order_by_string_id(items, order.direction)
        if ordered is None:
            return items
        order.ordered = True
        return ordered

    candidates.__wrapped__ = original  # type: ignore[attr-defined]
    return candidates


def _looked_up(engine: Any, arguments: dict[str, Any], clauses: tuple[QueryNode, ...]) -> bool:
    """Whether the candidates were narrowed by an index lookup of every one of `clauses` (mongoeco_patches,
    change 2, intersects them all), so that every candidate satisfies them."""
    from gateway.store.mongoeco_patches import _memory_clause_buckets  # here: mongoeco_patches imports this

    indexes, index_data = arguments.get("indexes"), arguments.get("index_data")
    if indexes is None or index_data is None or arguments.get("collation") is not None:
        return False
    return all(_memory_clause_buckets(engine, indexes, index_data, clause) is not None for clause in clauses)


async def _in_id_order(
    engine: Any, original: Any, arguments: tuple[Any, ...], semantics: Any, context: Any, direction: int
) -> AsyncIterator[Any]:
    untested, residual = split_key_lookups(semantics.query_plan)
    order = _IdOrder(direction, untested)
    streamed = replace(
        semantics,
        sort=None,
        compiled_query=CompiledQuery(residual, dialect=semantics.dialect, collation=semantics.collation),
    )
    source = original(engine, *arguments, streamed, context=context)
    try:
        token = _ID_ORDER.set(order)
        try:  # the scan selects its candidates on its first step
            first = await anext(source)
        except StopAsyncIteration:
            return
        finally:
            _ID_ORDER.reset(token)
        if (
            not order.ordered
        ):  # ids that are not all strings, or a key clause without a lookup: upstream's way
            await source.aclose()
            async for document in original(engine, *arguments, semantics, context=context):
                yield document
            return
        yield first
        async for document in source:
            yield document
    finally:
        await source.aclose()


def _memory_scan_in_id_order(original: Any) -> Any:
    def scan(self: Any, db_name: str, coll_name: str, semantics: Any, *, context: Any = None) -> Any:
        direction = id_sort_direction(semantics)
        if direction is None:
            return original(self, db_name, coll_name, semantics, context=context)
        return _in_id_order(self, original, (db_name, coll_name), semantics, context, direction)

    scan.__wrapped__ = original  # type: ignore[attr-defined]
    return scan


def apply() -> None:
    """Install the read adaptations once per process (called by mongoeco_patches.apply)."""
    global _applied
    if _applied:
        return
    MemoryEngine._candidate_items_for_plan_locked = _ordered_candidates(  # type: ignore[method-assign]
        MemoryEngine._candidate_items_for_plan_locked
    )
    MemoryEngine.scan_find_semantics = _memory_scan_in_id_order(MemoryEngine.scan_find_semantics)  # type: ignore[method-assign]
    # Imported here: mongoeco_patches imports this module, and the SQLite half imports its helpers from here.
    from gateway.store import mongoeco_sqlite_reads
    from gateway.store.mongoeco_patches import _key_clauses

    mongoeco_sqlite_reads.apply(_key_clauses)
    _applied = True
