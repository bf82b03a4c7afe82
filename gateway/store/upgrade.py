"""Bring documents stored by an earlier release to the current shape, once per database, at start-up.

Release 1 kept every search entry as a sub-document in `search` (queried with `$elemMatch`) and gave history
documents a generated `_id` with a compound unique index on (id, versionId). Today's searches look up the
`keys` array and history versions are found by `_id` = "{id}/{versionId}" (docs/storage.md), so such
documents would be invisible to searches and version reads. Both shapes are derived from what the old
documents hold, so the upgrade rewrites them in place; a marker records that the database is current, so
later starts skip the scan.
"""

import logging
from typing import Any

from gateway.store.database import Database
from gateway.store.search_keys import KEYS_FIELD, SEARCH_FIELD, document_keys, range_entries
from gateway.store.writes import history_id

log = logging.getLogger(__name__)

META_COLLECTION = "_meta"
FORMAT_MARKER = "document_format"
DOCUMENT_FORMAT = 2
_HISTORY_SUFFIX = "_history"


def _rekeyed(document: dict[str, Any]) -> dict[str, Any]:
    """The document with keys and range entries derived from its release-1 search entries."""
    entries = [] if document.get("deleted") else list(document.get(SEARCH_FIELD) or [])
    return {**document, KEYS_FIELD: document_keys(entries), SEARCH_FIELD: range_entries(entries)}


async def _upgrade_current(collection: Any) -> int:
    upgraded = 0
    async for document in collection.find({KEYS_FIELD: {"$exists": False}}):
        await collection.replace_one({"_id": document["_id"]}, _rekeyed(document))
        upgraded += 1
    return upgraded


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
    if marker is not None and marker.get("version", 0) >= DOCUMENT_FORMAT:
        return 0
    upgraded = 0
    for name in await database.db.list_collection_names():
        if name.startswith("_"):
            continue
        collection = database.db[name]
        if name.endswith(_HISTORY_SUFFIX):
            upgraded += await _upgrade_history(collection)
        else:
            upgraded += await _upgrade_current(collection)
    await meta.replace_one({"_id": FORMAT_MARKER}, {"version": DOCUMENT_FORMAT}, upsert=True)
    if upgraded:
        log.warning("store: upgraded %d documents stored by an earlier release", upgraded)
    return upgraded
