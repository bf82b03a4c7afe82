"""Bring documents stored by an earlier release to the current shape, once per database, at start-up.

Release 1 kept every search entry as a sub-document in `search` (queried with `$elemMatch`) and gave history
documents a generated `_id` with a compound unique index on (id, versionId). Today's searches look up the
`keys` array and history versions are found by `_id` = "{id}/{versionId}" (docs/storage.md), so such
documents would be invisible to searches and version reads. Release 2 keyed dates by year only and numbers
by whole part only; today's date and number keys are hierarchical buckets (docs/storage.md), derived from the
`search` range entries every release-2 document keeps; format 4 adds the hull keys of parameters with several
date entries (search_keys.hull_keys); format 5 the month keys of short date entries and the `y<year>` keys of
longer ones (search_keys._date_buckets). All shapes are derived from what the old documents
hold, so the upgrade rewrites them in place; a marker records that the database is current, so later starts
skip the scan.
"""

import logging
import re
from typing import Any

from pymongo import UpdateOne

from gateway.store.database import Database
from gateway.store.indexes import RETIRED_INDEXES
from gateway.store.search_keys import (
    KEYS_FIELD,
    SEARCH_FIELD,
    document_keys,
    entry_keys,
    hull_keys,
    range_entries,
)
from gateway.store.transaction import session_options, transaction
from gateway.store.writes import history_id

log = logging.getLogger(__name__)

META_COLLECTION = "_meta"
FORMAT_MARKER = "document_format"
DOCUMENT_FORMAT = 5
_HISTORY_SUFFIX = "_history"
_BATCH = 500  # documents re-keyed per read and per bulk write
# A key's mark is its first character after the code; `@` (dates) and `%` (numbers) changed in format 3.
_RANGE_KEY = re.compile(r"^[A-Za-z0-9_-]+[@%]")


def _rekeyed(document: dict[str, Any]) -> dict[str, Any]:
    """The document with keys and range entries derived from its release-1 search entries."""
    entries = [] if document.get("deleted") else list(document.get(SEARCH_FIELD) or [])
    return {**document, KEYS_FIELD: document_keys(entries), SEARCH_FIELD: range_entries(entries)}


def _rebucketed(keys: list[str], ranges: list[dict[str, Any]]) -> list[str]:
    """Release-2 keys with their date and number keys made again from the range entries."""
    kept = [key for key in keys if not _RANGE_KEY.match(key)]
    return list(
        dict.fromkeys([*kept, *(key for entry in ranges for key in entry_keys(entry)), *hull_keys(ranges)])
    )


async def _upgrade_current(collection: Any) -> int:
    upgraded = 0
    async for document in collection.find({KEYS_FIELD: {"$exists": False}}):
        await collection.replace_one({"_id": document["_id"]}, _rekeyed(document))
        upgraded += 1
    return upgraded


async def _rebucket(database: Database, collection: Any) -> int:
    """Re-key the dates and numbers of documents of formats 2 to 4 (any with range entries), current or
    history: every date entry gains month or `y<year>` keys in format 5. Keys and entries only, read in
    batches: unbatched, the embedded server answered a large collection's `getMore` with one reply beyond
    the wire protocol's 48 MB, which pymongo refused (and the start-up with it)."""
    upgraded, changes = 0, []
    selected = {SEARCH_FIELD: {"$ne": []}, KEYS_FIELD: {"$exists": True}}
    async for document in collection.find(selected, {KEYS_FIELD: 1, SEARCH_FIELD: 1}, batch_size=_BATCH):
        keys = _rebucketed(document[KEYS_FIELD], document.get(SEARCH_FIELD) or [])
        if set(keys) != set(document[KEYS_FIELD]):  # only new keys count: their order does not
            changes.append(UpdateOne({"_id": document["_id"]}, {"$set": {KEYS_FIELD: keys}}))
        if len(changes) == _BATCH:
            upgraded += await _write(database, collection, changes)
            changes = []
    if changes:
        upgraded += await _write(database, collection, changes)
    for name in RETIRED_INDEXES:
        if await _has_index(collection, name):
            await collection.drop_index(name)
    return upgraded


async def _write(database: Database, collection: Any, changes: list[UpdateOne]) -> int:
    """One batch of updates, in one transaction where the server has them: one commit instead of one per
    document (on the embedded SQLite engine, most of an upgrade's time)."""
    if not database.supports_transactions:
        await collection.bulk_write(changes, ordered=False)
        return len(changes)
    async with transaction(database):
        await collection.bulk_write(changes, ordered=False, **session_options())
    return len(changes)


async def _upgrade_history(collection: Any) -> int:
    """Insert each old version under its new `_id` before removing the old one: a crash in between leaves
    a duplicate the next start removes, never a lost version."""
    upgraded = 0
    if await _has_index(
        collection, "version"
    ):  # release 1's unique (id, versionId): it would refuse the copy
        await collection.drop_index("version")
    async for document in collection.find({KEYS_FIELD: {"$exists": False}}):
        new_id = history_id(document["id"], document["versionId"])
        if document["_id"] != new_id:
            await collection.replace_one({"_id": new_id}, {**_rekeyed(document), "_id": new_id}, upsert=True)
            await collection.delete_one({"_id": document["_id"]})
        else:
            await collection.replace_one({"_id": new_id}, _rekeyed(document))
        upgraded += 1
    return upgraded


async def _has_index(collection: Any, name: str) -> bool:
    return any(index.get("name") == name for index in await collection.list_indexes().to_list(None))


async def upgrade_documents(database: Database) -> int:
    """Upgrade every release-1 document unless the marker says the database is current; the number done."""
    meta = database.db[META_COLLECTION]
    marker = await meta.find_one({"_id": FORMAT_MARKER})
    found = 0 if marker is None else marker.get("version", 0)
    if found >= DOCUMENT_FORMAT:
        return 0
    if found:  # a store written by an earlier format: say why this start takes long before it does
        log.warning(
            "store: re-keying documents of format %d to format %d, once (minutes for a large store)",
            found,
            DOCUMENT_FORMAT,
        )
    upgraded = 0
    for name in await database.db.list_collection_names():
        if name.startswith("_"):
            continue
        collection = database.db[name]
        # Release-2 documents first: release-1 ones get today's keys whole, from all their entries.
        upgraded += await _rebucket(database, collection)
        if name.endswith(_HISTORY_SUFFIX):
            upgraded += await _upgrade_history(collection)
        else:
            upgraded += await _upgrade_current(collection)
    await meta.replace_one({"_id": FORMAT_MARKER}, {"version": DOCUMENT_FORMAT}, upsert=True)
    if upgraded:
        log.warning("store: upgraded %d documents stored by an earlier release", upgraded)
    return upgraded
