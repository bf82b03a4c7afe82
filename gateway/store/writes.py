"""Writing versions: history first (its `_id` "{id}/{versionId}" is the commit point), then the current one.

Two writers can never both create version n+1: the second history insert hits the unique `_id` (no compound
unique index, which mongoeco checks by scanning the whole collection). The current document then moves
from version n to n+1 by compare-and-swap. Where the server runs single writes in transactions both steps
are one transaction. Elsewhere (mongoeco) the history version is written `pending` and the mark is removed
once the current document shows it, so a crash between the two steps leaves a mark that start-up recovery
(gateway/store/recovery.py) completes; a writer that meets such a version rolls it forward itself. The
steps run shielded from cancellation: a client hanging up cannot stop a write half-way.
"""

import asyncio
from contextlib import suppress
from typing import Any

from pymongo.errors import DuplicateKeyError, OperationFailure

from gateway.store.database import Database
from gateway.store.records import NewVersion, VersionConflict
from gateway.store.transaction import active_session, write_session

PENDING_FIELD = "pending"
_WRITE_CONFLICT = 112


def history_id(resource_id: str, version_id: int) -> str:
    return f"{resource_id}/{version_id}"


def current_document(new: NewVersion) -> dict[str, Any]:
    version = new.version
    return {
        "_id": version.id,
        "versionId": version.version_id,
        "lastUpdated": version.last_updated,
        "method": version.method,
        "deleted": version.deleted,
        "resource": version.resource,
        "search": new.search_entries,
        "missing": new.missing,
        "sort": new.sort_keys,
    }


def history_document(new: NewVersion, pending: bool) -> dict[str, Any]:
    document = current_document(new)
    document["id"] = document["_id"]
    document["_id"] = history_id(new.version.id, new.version.version_id)
    if pending:
        document[PENDING_FIELD] = True
    return document


def as_current(history: dict[str, Any]) -> dict[str, Any]:
    """The current-collection form of a history document."""
    document = {key: value for key, value in history.items() if key not in ("id", PENDING_FIELD)}
    document["_id"] = history["id"]
    return document


def is_write_conflict(error: OperationFailure) -> bool:
    """MongoDB labels a lost race TransientTransactionError (code 112); mongoeco only says so in words."""
    return (
        error.has_error_label("TransientTransactionError")
        or error.code == _WRITE_CONFLICT
        or "write conflict" in str(error).lower()
    )


class VersionWriter:
    def __init__(self, database: Database) -> None:
        self._database = database

    @property
    def _marks_pending(self) -> bool:
        """Pending marks are needed where the two steps are not one transaction."""
        return not self._database.transactional_writes and active_session() is None

    async def commit(self, new: NewVersion, expected_version: int | None) -> None:
        """Write `new` if the current version is still `expected_version` (None: absent), else conflict."""
        await self._database.prepare(new.version.resource_type)
        if active_session() is not None:  # a bundle's transaction: it commits or aborts as a whole
            await self._commit(new, expected_version)
            return
        # Shielded: once started the steps finish even if the request is cancelled.
        await asyncio.shield(asyncio.ensure_future(self._commit(new, expected_version)))

    async def _commit(self, new: NewVersion, expected_version: int | None) -> None:
        resource_type, resource_id = new.version.resource_type, new.version.id
        pending = self._marks_pending
        try:
            async with write_session(self._database) as session:
                try:
                    await self._database.history(resource_type).insert_one(
                        history_document(new, pending), session=session
                    )
                except DuplicateKeyError:
                    if pending:  # a crashed writer's version is in the way: complete it
                        await self.roll_forward(resource_type, resource_id, new.version.version_id)
                    raise VersionConflict(resource_id) from None
                shown = await self._show(new, expected_version, session)
        except DuplicateKeyError:
            raise VersionConflict(resource_id) from None
        except OperationFailure as error:
            if is_write_conflict(error):
                raise VersionConflict(resource_id) from None
            raise
        if not shown:
            if pending:  # nothing points at the version just written: take it back
                await self._database.history(resource_type).delete_one(
                    {"_id": history_id(resource_id, new.version.version_id)}
                )
            raise VersionConflict(resource_id)
        if pending:
            await self._settled(resource_type, [history_id(resource_id, new.version.version_id)])

    async def _show(self, new: NewVersion, expected_version: int | None, session: Any) -> bool:
        """Move the current document to `new`; False if it was not at `expected_version`. A writer that
        rolled our pending version forward for us counts as success."""
        current = self._database.current(new.version.resource_type)
        resource_id, version_id = new.version.id, new.version.version_id
        try:
            if expected_version is None:
                await current.insert_one(current_document(new), session=session)
                return True
            swapped = await current.find_one_and_replace(
                {"_id": resource_id, "versionId": expected_version},
                current_document(new),
                projection={"_id": 1},
                session=session,
            )
            if swapped is not None:
                return True
        except DuplicateKeyError:
            if session is not None:
                raise
        if session is not None:
            return False
        now_shown = await current.find_one({"_id": resource_id}, {"versionId": 1})
        return now_shown is not None and now_shown["versionId"] == version_id

    async def _settled(self, resource_type: str, history_ids: list[str]) -> None:
        await self._database.history(resource_type).update_many(
            {"_id": {"$in": history_ids}}, {"$unset": {PENDING_FIELD: ""}}
        )

    async def roll_forward(self, resource_type: str, resource_id: str, version_id: int) -> None:
        """Make the current document show a pending history version a crashed or slow writer left behind."""
        history = self._database.history(resource_type)
        written = await history.find_one({"_id": history_id(resource_id, version_id), PENDING_FIELD: True})
        if written is None:
            return
        current = self._database.current(resource_type)
        if version_id == 1:
            with suppress(DuplicateKeyError):
                await current.insert_one(as_current(written))
        else:
            await current.find_one_and_replace(
                {"_id": resource_id, "versionId": version_id - 1}, as_current(written)
            )
        await self._settled(resource_type, [written["_id"]])

    async def insert_new(self, versions: list[NewVersion]) -> None:
        """Bulk-load first versions of resources that do not exist yet (imports, audit events)."""
        if not versions:
            return
        resource_type = versions[0].version.resource_type
        await self._database.prepare(resource_type)
        pending = self._marks_pending
        history = [history_document(new, pending) for new in versions]
        current = [current_document(new) for new in versions]

        async def write() -> None:
            await self._database.history(resource_type).insert_many(history, **_session_options())
            await self._database.current(resource_type).insert_many(current, **_session_options())
            if pending:
                await self._settled(resource_type, [document["_id"] for document in history])

        if active_session() is not None:
            await write()
        else:
            await asyncio.shield(asyncio.ensure_future(write()))


def _session_options() -> dict[str, Any]:
    session = active_session()
    return {"session": session} if session is not None else {}
