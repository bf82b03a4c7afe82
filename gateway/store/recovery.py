"""Start-up recovery: complete the writes a crash (kill -9, power loss) stopped between their two steps.

A history version still marked pending may not be shown by its current document yet; rolling it forward
makes both agree before the first request is served, so no read ever sees a version in history that the
current document does not show, nor a current document older than the newest history version.
"""

import logging

from gateway.store.database import Database, history_collection_name
from gateway.store.writes import PENDING_FIELD, VersionWriter

log = logging.getLogger(__name__)

_SUFFIX = history_collection_name("")


async def recover(database: Database) -> int:
    """Roll every pending version forward; the number completed."""
    writer = VersionWriter(database)
    completed = 0
    for name in sorted(await database.db.list_collection_names()):
        if not name.endswith(_SUFFIX):
            continue
        resource_type = name.removesuffix(_SUFFIX)
        cursor = database.history(resource_type).find({PENDING_FIELD: True}, {"id": 1, "versionId": 1})
        for found in sorted(await cursor.to_list(None), key=lambda document: document["versionId"]):
            await writer.roll_forward(resource_type, found["id"], found["versionId"])
            completed += 1
    if completed:
        log.warning("store: completed %d writes interrupted by a crash", completed)
    return completed
