"""Versioned resource documents: the current version per type, every version in a history collection.

Writes go through gateway/store/writes.py (history first, then compare-and-swap of the current document).
Every operation outside a bundle's transaction passes the database's gate, so on mongoeco it waits while a
transaction holds the engine instead of failing (gateway/store/gate.py).
"""

import functools
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, Concatenate

from gateway.fhir.resource_version import Page, StoredVersion
from gateway.store.claims import ConditionalCreates, Match
from gateway.store.criteria import Condition, SortKey
from gateway.store.database import Database
from gateway.store.query import (
    BACKWARD,
    FORWARD,
    LAST,
    decode_position,
    encode_position,
    keyset_filter,
    reversed_spec,
    search_filter,
    sort_spec,
    sort_values,
)
from gateway.store.records import NewVersion
from gateway.store.search_keys import KEYS_FIELD
from gateway.store.transaction import gated, session_options, transaction
from gateway.store.writes import VersionWriter, history_id

_HISTORY_KEYS = [("lastUpdated", -1), ("_id", -1)]
_INSTANCE_HISTORY_KEYS = [("versionId", -1)]


def _version(resource_type: str, document: dict[str, Any]) -> StoredVersion:
    return StoredVersion(
        resource_type=resource_type,
        id=document.get("id", document["_id"]),
        version_id=document["versionId"],
        last_updated=document["lastUpdated"],
        method=document["method"],
        deleted=document["deleted"],
        resource=document["resource"],
    )


_RESULT_FIELDS = {"keys": 0, "search": 0, "missing": 0}


def _gate[**P, R](
    method: Callable[Concatenate["ResourceStore", P], Awaitable[R]],
) -> Callable[Concatenate["ResourceStore", P], Awaitable[R]]:
    """Run the store call through the gate unless it belongs to the running transaction."""

    @functools.wraps(method)
    async def passing(store: "ResourceStore", /, *args: P.args, **kwargs: P.kwargs) -> R:
        async with gated(store._database):
            return await method(store, *args, **kwargs)

    return passing


# An asked-for total (`_total=accurate`, `_summary=count`, `_count=0`) is counted exactly up to this many
# matches, the deepest `_offset` a client may ask for (gateway/service/search.py); beyond it, no `total`.
COUNT_CAP = 100_000
# History keeps its earlier rule (no `_total` parameter there): counted up to 1,000 versions, as HAPI FHIR's
# `countSearchResultsUpTo` does, then left out.
HISTORY_COUNT_CAP = 1000


async def _counted(collection: Any, query: dict[str, Any], cap: int = COUNT_CAP) -> int | None:
    counted = int(await collection.count_documents(query, limit=cap + 1, **session_options()))
    return counted if counted <= cap else None


def _and(query: dict[str, Any], condition: dict[str, Any]) -> dict[str, Any]:
    """`query` AND `condition` as one flat `$and`: the embedded engines look for key lookups at its top level
    only, so a nested one would make every later page a scan of the collection."""
    clauses = query["$and"] if set(query) == {"$and"} else [query]
    return {"$and": [*clauses, condition]}


class ResourceStore:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._writer = VersionWriter(database)
        self._conditional_creates = ConditionalCreates(database, self._writer)

    @property
    def supports_transactions(self) -> bool:
        return self._database.supports_transactions

    @_gate
    async def current(self, resource_type: str, resource_id: str) -> StoredVersion | None:
        document = await self._database.current(resource_type).find_one(
            {"_id": resource_id}, _RESULT_FIELDS, **session_options()
        )
        return _version(resource_type, document) if document else None

    @_gate
    async def read_many(self, resource_type: str, resource_ids: list[str]) -> list[StoredVersion]:
        """The current, not deleted versions of these ids, in one query (includes, GraphQL batches)."""
        if not resource_ids:
            return []
        cursor = self._database.current(resource_type).find(
            {"_id": {"$in": list(dict.fromkeys(resource_ids))}, "deleted": False},
            _RESULT_FIELDS,
            **session_options(),
        )
        return [_version(resource_type, document) async for document in cursor]

    @_gate
    async def version(self, resource_type: str, resource_id: str, version_id: int) -> StoredVersion | None:
        document = await self._database.history(resource_type).find_one(
            {"_id": history_id(resource_id, version_id)}, _RESULT_FIELDS, **session_options()
        )
        return _version(resource_type, document) if document else None

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """Writes and reads inside commit together or not at all (TransactionsUnsupported if impossible)."""
        return transaction(self._database)

    async def prepare(self, resource_types: set[str]) -> None:
        """Create collections and indexes before a transaction: MongoDB will not create them inside one."""
        for resource_type in resource_types:
            await self._database.prepare(resource_type)

    @_gate
    async def commit(self, new: NewVersion, expected_version: int | None) -> None:
        """Write `new` if the current version is still `expected_version` (None: absent), else conflict."""
        await self._writer.commit(new, expected_version)

    async def create_once(self, criteria: str, new: NewVersion, find_match: Match) -> StoredVersion | None:
        """A conditional create (If-None-Exist) that racing twins cannot repeat: commits `new` unless
        `find_match` (the caller's access-checked search for `criteria`) finds a resource, which is returned.
        Not gated itself: it is made of gated calls, and `find_match` passes the gate on its own."""
        return await self._conditional_creates.create_once(criteria, new, find_match)

    @_gate
    async def history(
        self,
        resource_type: str,
        resource_id: str | None,
        count: int,
        page_token: str | None,
        since: Any = None,
    ) -> Page:
        """Versions newest first; new writes land before the first page, so paging never repeats or skips."""
        keys = _INSTANCE_HISTORY_KEYS if resource_id is not None else _HISTORY_KEYS
        query: dict[str, Any] = {} if resource_id is None else {"id": resource_id}
        if since is not None:
            query["lastUpdated"] = {"$gte": since}
        return await self._page(
            self._database.history(resource_type),
            resource_type,
            query,
            keys,
            count,
            page_token,
            with_total=True,
            count_cap=HISTORY_COUNT_CAP,
        )

    @_gate
    async def search(
        self,
        resource_type: str,
        conditions: list[Condition],
        sort: list[SortKey],
        count: int,
        page_token: str | None,
        with_total: bool,
        offset: int = 0,
        count_total: bool = False,
    ) -> Page:
        """`offset` skips matches before the first page; with a page token the token's position rules.
        `with_total`: the total where the page shows it (the page reaches the last match), as HAPI FHIR
        gives it without counting; `count_total`: counted (`_total=accurate`, `_summary=count`)."""
        return await self._page(
            self._database.current(resource_type),
            resource_type,
            search_filter(conditions),
            sort_spec(sort),
            count,
            page_token,
            with_total,
            0 if page_token is not None else offset,
            COUNT_CAP if count_total else None,
        )

    @_gate
    async def count(self, resource_type: str, conditions: list[Condition]) -> int:
        collection = self._database.current(resource_type)
        return int(await collection.count_documents(search_filter(conditions), **session_options()))

    async def _page(
        self,
        collection: Any,
        resource_type: str,
        query: dict[str, Any],
        spec: list[tuple[str, int]],
        count: int,
        page_token: str | None,
        with_total: bool,
        skip: int = 0,
        count_cap: int | None = None,
    ) -> Page:
        """`count` matches after `page_token` (or `skip` matches); `count_cap`: count matches up to it."""
        total = await _counted(collection, query, count_cap) if count_cap is not None else None
        if count == 0:
            return Page(items=[], next_token=None, total=total)
        direction, position = decode_position(page_token, len(spec)) if page_token else (FORWARD, None)
        backwards = direction != FORWARD
        order = reversed_spec(spec) if backwards else spec
        paged = query if position is None else _and(query, keyset_filter(order, position))
        # Page tokens need the sort values of the first and last rows, so keep `sort` when sorting by it.
        projection = (
            _RESULT_FIELDS
            if any(name.startswith("sort.") for name, _ in spec)
            else {**_RESULT_FIELDS, "sort": 0}
        )
        cursor = collection.find(paged, projection, **session_options()).sort(order)
        if skip:
            cursor = cursor.skip(skip)
        documents = await cursor.limit(count + 1).to_list(count + 1)
        more = len(documents) > count
        documents = documents[:count]
        if backwards:
            documents.reverse()
        first = encode_position(BACKWARD, sort_values(documents[0], spec)) if documents else None
        last = encode_position(FORWARD, sort_values(documents[-1], spec)) if documents else None
        earlier = more if backwards else (page_token is not None or skip > 0)
        later = direction == BACKWARD or (direction == FORWARD and more)
        if with_total and count_cap is None and page_token is None and not more:
            total = await self._total_at_the_end(collection, query, skip, len(documents))
        return Page(
            items=[_version(resource_type, doc) for doc in documents],
            next_token=last if later else None,
            total=total,
            previous_token=first if earlier else None,
            last_token=encode_position(LAST),
        )

    @staticmethod
    async def _total_at_the_end(collection: Any, query: dict[str, Any], skip: int, shown: int) -> int | None:
        """The total of a first page that reaches the last match: what was skipped plus what it shows. An
        offset past the end shows nothing, so the matches it skipped are counted (the skip read as many)."""
        if shown or not skip:
            return skip + shown
        return await _counted(collection, query, skip)

    @_gate
    async def explain_search(self, resource_type: str, conditions: list[Condition]) -> dict[str, Any]:
        """The server's query plan for a search, for tests and benchmarks that prove index use."""
        cursor = self._database.current(resource_type).find(search_filter(conditions))
        return dict(await cursor.explain())

    @_gate
    async def ping(self) -> None:
        await self._database.db.command("ping")

    async def drop_database(self) -> None:
        """For tests: remove everything this store wrote."""
        await self._database.client.drop_database(self._database.db.name)

    @_gate
    async def holding_keys(
        self, resource_type: str, keys: list[str], limit: int, conditions: list[Condition]
    ) -> list[tuple[StoredVersion, list[str]]]:
        """Up to `limit` current versions holding any of these search keys and meeting `conditions`, each
        with all its keys: the import's bulk batches decide their conditions on them in memory
        (gateway/service/bulk_batch.py)."""
        query: dict[str, Any] = {KEYS_FIELD: {"$in": keys}}
        if conditions:
            query = _and(query, search_filter(conditions))
        cursor = self._database.current(resource_type).find(
            query, {"search": 0, "missing": 0, "sort": 0}, **session_options()
        )
        return [
            (_version(resource_type, document), document[KEYS_FIELD])
            async for document in cursor.limit(limit)
        ]

    async def claim_all(self, claims: list[tuple[str, str, str]]) -> None:
        """Conditional creates claimed in bulk inside a transaction (`ConditionalCreates.claim_all`)."""
        await self._conditional_creates.claim_all(claims)

    @_gate
    async def insert_new(self, versions: list[NewVersion]) -> None:
        """Bulk-load first versions of resources that do not exist yet (imports, audit events)."""
        await self._writer.insert_new(versions)
