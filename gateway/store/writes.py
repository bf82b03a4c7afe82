"""Writing versions: history first (its `_id` "{id}/{versionId}" is the commit point), then the current one.

Two writers can never both create version n+1: the second history insert hits the unique `_id` (no compound
unique index, which mongoeco checks by scanning the whole collection). The current document then moves
from version n to n+1 by compare-and-swap. Where the server runs single writes in transactions both steps
are one transaction. Elsewhere (mongoeco) a small note in `_pending_writes` names the history versions
being written before they are, and goes once the current documents show them: a crash between the steps
leaves the note, which start-up recovery (gateway/store/recovery.py) completes; a writer that meets such
a version rolls it forward itself. The steps run shielded from cancellation: a client hanging up cannot
stop a write half-way.
"""

import asyncio
from collections.abc import Coroutine
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from gateway.store.database import Database
from gateway.store.records import NewVersion, VersionConflict
from gateway.store.search_keys import document_keys, range_entries
from gateway.store.transaction import active_session, write_session

PENDING_COLLECTION = "_pending_writes"
_WRITE_CONFLICT = 112
_DUPLICATE_KEY = 11000


def history_id(resource_id: str, version_id: int) -> str:
    return f"{resource_id}/{version_id}"


def current_document(new: NewVersion) -> dict[str, Any]:
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


def history_document(new: NewVersion) -> dict[str, Any]:
    document = current_document(new)
    document["id"] = document["_id"]
    document["_id"] = history_id(new.version.id, new.version.version_id)
    return document


def as_current(history: dict[str, Any]) -> dict[str, Any]:
    """The current-collection form of a history document."""
    document = {key: value for key, value in history.items() if key != "id"}
    document["_id"] = history["id"]
    return document


def pending_note_id(resource_type: str, first_history_id: str) -> str:
    return f"{resource_type}/{first_history_id}"


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
    def _notes_pending(self) -> bool:
        """Notes are needed where the two steps are not one transaction."""
        return not self._database.transactional_writes and active_session() is None

    async def _note(self, resource_type: str, history_ids: list[str]) -> str:
        note_id = pending_note_id(resource_type, history_ids[0])
        await self._database.db[PENDING_COLLECTION].replace_one(
            {"_id": note_id},
            {"_id": note_id, "type": resource_type, "ids": history_ids, "at": datetime.now(UTC)},
            upsert=True,
        )
        return note_id

    async def _settled(self, note_id: str) -> None:
        await self._database.db[PENDING_COLLECTION].delete_one({"_id": note_id})

    async def commit(self, new: NewVersion, expected_version: int | None) -> None:
        """Write `new` if the current version is still `expected_version` (None: absent), else conflict."""
        await self._database.prepare(new.version.resource_type)
        if active_session() is not None:  # a bundle's transaction: it commits or aborts as a whole
            await self._commit(new, expected_version)
            return
        # Shielded: once started the steps finish even if the request is cancelled.
        await _shielded(self._commit(new, expected_version))

    async def _commit(self, new: NewVersion, expected_version: int | None) -> None:
        resource_type, resource_id = new.version.resource_type, new.version.id
        pending = self._notes_pending
        written_id = history_id(resource_id, new.version.version_id)
        note_id = await self._note(resource_type, [written_id]) if pending else None
        try:
            async with write_session(self._database) as session:
                try:
                    await self._database.history(resource_type).insert_one(
                        history_document(new), session=session
                    )
                except DuplicateKeyError:
                    if pending:  # a crashed writer's version may be in the way: complete it
                        await self.roll_forward(resource_type, written_id)
                    raise VersionConflict(resource_id) from None
                shown = await self._show(new, expected_version, session)
                if not shown and session is not None:  # abort: the history insert goes with it
                    raise VersionConflict(resource_id)
        except DuplicateKeyError:
            raise VersionConflict(resource_id) from None
        except OperationFailure as error:
            if is_write_conflict(error):
                raise VersionConflict(resource_id) from None
            raise
        if not shown and pending:  # nothing points at the version just written: take it back
            await self._database.history(resource_type).delete_one({"_id": written_id})
        if note_id is not None:
            await self._settled(note_id)
        if not shown:
            raise VersionConflict(resource_id)

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

    async def roll_forward(self, resource_type: str, written_id: str) -> None:
        """If a note says `written_id` may not be shown yet, make the current document show it."""
        note_id = pending_note_id(resource_type, written_id)
        if await self._database.db[PENDING_COLLECTION].find_one({"_id": note_id}) is None:
            return
        await self.complete(resource_type, [written_id])
        await self._settled(note_id)

    async def complete(self, resource_type: str, written_ids: list[str]) -> None:
        """Move current documents up to these history versions where they still show the one before."""
        found = self._database.history(resource_type).find({"_id": {"$in": written_ids}})
        current = self._database.current(resource_type)
        for written in await found.to_list(None):
            if written["versionId"] == 1:
                with suppress(DuplicateKeyError):
                    await current.insert_one(as_current(written))
            else:
                await current.find_one_and_replace(
                    {"_id": written["id"], "versionId": written["versionId"] - 1}, as_current(written)
                )

    async def insert_new(self, versions: list[NewVersion]) -> None:
        """Bulk-load first versions of resources that do not exist yet (imports, audit events)."""
        if not versions:
            return
        resource_type = versions[0].version.resource_type
        await self._database.prepare(resource_type)
        pending = self._notes_pending
        history = [history_document(new) for new in versions]
        current = [current_document(new) for new in versions]

        async def write() -> None:
            note_id = await self._note(resource_type, [item["_id"] for item in history]) if pending else None
            await self._database.history(resource_type).insert_many(history, **_session_options())
            await _insert_first_versions(self._database.current(resource_type), current)
            if note_id is not None:
                await self._settled(note_id)

        if active_session() is not None:
            await write()
        else:
            await _shielded(write())


async def _insert_first_versions(collection: Any, documents: list[dict[str, Any]]) -> None:
    """Insert current documents of new resources; one already there was put there by the recovery of another
    process completing this very write (its history is ours), so it is the same document, not a conflict."""
    try:
        await collection.insert_many(documents, ordered=False, **_session_options())
    except BulkWriteError as error:
        errors = error.details.get("writeErrors", [])
        if not errors or any(
            item.get("code") != _DUPLICATE_KEY or item.get("keyPattern") != {"_id": 1} for item in errors
        ):
            raise


async def _shielded(work: Coroutine[Any, Any, None]) -> None:
    """Run `work` to its end even if the caller is cancelled; the caller, if still waiting, gets its error."""
    task = asyncio.ensure_future(work)
    # Mark the outcome retrieved: a cancelled caller (shutdown) no longer awaits it, and its error (a store
    # closing under it) must not surface later as "exception was never retrieved".
    task.add_done_callback(lambda done: done.cancelled() or done.exception())
    await asyncio.shield(task)


def _session_options() -> dict[str, Any]:
    session = active_session()
    return {"session": session} if session is not None else {}
