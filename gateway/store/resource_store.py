"""Versioned resource documents: the current version per type, every version in a history collection.

A write inserts the new version into history first; the unique (id, versionId) index makes that the commit
point, so two writers can never both create version n+1. It then swaps the current document from version n
to n+1 (compare-and-swap). Where the server supports transactions both steps run in one; elsewhere a
writer that finds version n+1 already in history rolls the current document forward to it before retrying,
so history and current converge even after a crash between the two steps.
"""

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from typing import Any

from motor.motor_asyncio import AsyncIOMotorClientSession
from pymongo.errors import DuplicateKeyError, OperationFailure

from gateway.fhir.resource_version import Page, StoredVersion
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
from gateway.store.records import NewVersion, VersionConflict
from gateway.store.search_keys import document_keys, range_entries
from gateway.store.transaction import active_session, session_options, transaction

_HISTORY_KEYS = [("lastUpdated", -1), ("_id", -1)]
_INSTANCE_HISTORY_KEYS = [("versionId", -1)]


def _document(new: NewVersion) -> dict[str, Any]:
    """A deleted version keeps no search keys, entries or missing codes, so no search can find it."""
    version = new.version
    entries = [] if version.deleted else new.search_entries
    return {
        "_id": version.id,
        "versionId": version.version_id,
        "lastUpdated": version.last_updated,
        "method": version.method,
        "deleted": version.deleted,
        "resource": version.resource,
        "keys": document_keys(entries),
        "search": range_entries(entries),
        "missing": [] if version.deleted else new.missing,
        "sort": new.sort_keys,
    }


def _history_document(new: NewVersion) -> dict[str, Any]:
    document = _document(new)
    document["id"] = document.pop("_id")
    return document


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
_WRITE_CONFLICT = 112


def _is_write_conflict(error: OperationFailure) -> bool:
    """MongoDB labels a lost race TransientTransactionError (code 112); mongoeco only says so in words."""
    return (
        error.has_error_label("TransientTransactionError")
        or error.code == _WRITE_CONFLICT
        or "write conflict" in str(error).lower()
    )


# Totals are counted up to this many matches, as HAPI's `countSearchResultsUpTo` does: beyond it the count
# would cost more than the page, so the Bundle leaves `total` out (FHIR makes it optional) and pages on.
TOTAL_CAP = 1000


async def _capped_count(collection: Any, query: dict[str, Any]) -> int | None:
    counted = int(await collection.count_documents(query, limit=TOTAL_CAP + 1, **session_options()))
    return counted if counted <= TOTAL_CAP else None


class ResourceStore:
    def __init__(self, database: Database) -> None:
        self._database = database

    @property
    def supports_transactions(self) -> bool:
        return self._database.supports_transactions

    async def current(self, resource_type: str, resource_id: str) -> StoredVersion | None:
        document = await self._database.current(resource_type).find_one(
            {"_id": resource_id}, _RESULT_FIELDS, **session_options()
        )
        return _version(resource_type, document) if document else None

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

    async def version(self, resource_type: str, resource_id: str, version_id: int) -> StoredVersion | None:
        document = await self._database.history(resource_type).find_one(
            {"id": resource_id, "versionId": version_id}, _RESULT_FIELDS
        )
        return _version(resource_type, document) if document else None

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """Writes and reads inside commit together or not at all (TransactionsUnsupported if impossible)."""
        return transaction(self._database)

    async def prepare(self, resource_types: set[str]) -> None:
        """Create collections and indexes before a transaction: MongoDB will not create them inside one."""
        for resource_type in resource_types:
            await self._database.prepare(resource_type)

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncIOMotorClientSession | None]:
        outer = active_session()
        if outer is not None:  # inside a bundle's transaction: join it
            yield outer
            return
        if not self._database.transactional_writes:
            yield None
            return
        async with await self._database.client.start_session() as session, session.start_transaction():
            yield session

    async def commit(self, new: NewVersion, expected_version: int | None) -> None:
        """Write `new` if the current version is still `expected_version` (None: absent), else conflict."""
        resource_type, resource_id = new.version.resource_type, new.version.id
        await self._database.prepare(resource_type)
        current, history = self._database.current(resource_type), self._database.history(resource_type)
        try:
            async with self._session() as session:
                await history.insert_one(_history_document(new), session=session)
                if expected_version is None:
                    await current.insert_one(_document(new), session=session)
                    return
                swapped = await current.find_one_and_replace(
                    {"_id": resource_id, "versionId": expected_version},
                    _document(new),
                    projection={"_id": 1},
                    session=session,
                )
                if swapped is None:
                    raise VersionConflict(resource_id)
        except DuplicateKeyError:
            if not self._database.transactional_writes and active_session() is None:
                await self._roll_forward(resource_type, resource_id, expected_version)
            raise VersionConflict(resource_id) from None
        except OperationFailure as error:
            if _is_write_conflict(error):
                raise VersionConflict(resource_id) from None
            raise

    async def _roll_forward(self, resource_type: str, resource_id: str, from_version: int | None) -> None:
        """Bring the current document up to the history version a crashed writer left behind."""
        newer = await self._database.history(resource_type).find_one(
            {"id": resource_id, "versionId": (from_version or 0) + 1}
        )
        if newer is None:
            return
        newer["_id"] = newer.pop("id")
        current = self._database.current(resource_type)
        if from_version is None:
            with suppress(DuplicateKeyError):
                await current.insert_one(newer)
        else:
            await current.find_one_and_replace({"_id": resource_id, "versionId": from_version}, newer)

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
        )

    async def search(
        self,
        resource_type: str,
        conditions: list[Condition],
        sort: list[SortKey],
        count: int,
        page_token: str | None,
        with_total: bool,
        offset: int = 0,
    ) -> Page:
        """`offset` skips matches before the first page; with a page token the token's position rules."""
        return await self._page(
            self._database.current(resource_type),
            resource_type,
            search_filter(conditions),
            sort_spec(sort),
            count,
            page_token,
            with_total,
            0 if page_token is not None else offset,
        )

    async def count(self, resource_type: str, conditions: list[Condition]) -> int:
        return int(await self._database.current(resource_type).count_documents(search_filter(conditions)))

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
    ) -> Page:
        total = await _capped_count(collection, query) if with_total else None
        if count == 0:
            return Page(items=[], next_token=None, total=total)
        direction, position = decode_position(page_token, len(spec)) if page_token else (FORWARD, None)
        backwards = direction != FORWARD
        order = reversed_spec(spec) if backwards else spec
        paged = query if position is None else {"$and": [query, keyset_filter(order, position)]}
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
        return Page(
            items=[_version(resource_type, doc) for doc in documents],
            next_token=last if later else None,
            total=total,
            previous_token=first if earlier else None,
            last_token=encode_position(LAST),
        )

    async def explain_search(self, resource_type: str, conditions: list[Condition]) -> dict[str, Any]:
        """The server's query plan for a search, for tests and benchmarks that prove index use."""
        cursor = self._database.current(resource_type).find(search_filter(conditions))
        return dict(await cursor.explain())

    async def ping(self) -> None:
        await self._database.db.command("ping")

    async def drop_database(self) -> None:
        """For tests: remove everything this store wrote."""
        await self._database.client.drop_database(self._database.db.name)

    async def insert_new(self, versions: list[NewVersion]) -> None:
        """Bulk-load first versions of resources that do not exist yet (imports, benchmark seeding)."""
        if not versions:
            return
        resource_type = versions[0].version.resource_type
        await self._database.prepare(resource_type)
        await self._database.history(resource_type).insert_many([_history_document(new) for new in versions])
        await self._database.current(resource_type).insert_many([_document(new) for new in versions])
