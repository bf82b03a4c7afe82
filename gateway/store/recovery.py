"""Start-up recovery: complete the writes a crash (kill -9, power loss) stopped between their two steps.

A note left in `_pending_writes` names history versions the current documents may not show yet; rolling
them forward makes both agree before the first request is served, so no read ever sees a version in
history that the current document does not show, nor a current document older than the newest history
version. A note whose history insert never happened has nothing to complete and just goes.
"""

import logging

from gateway.store.database import Database
from gateway.store.writes import PENDING_COLLECTION, VersionWriter

log = logging.getLogger(__name__)


async def recover(database: Database) -> int:
    """Complete every noted write; the number of notes handled."""
    writer = VersionWriter(database)
    notes = await database.db[PENDING_COLLECTION].find({}).to_list(None)
    for note in notes:
        await writer.complete(note["type"], list(note["ids"]))
        await database.db[PENDING_COLLECTION].delete_one({"_id": note["_id"]})
    if notes:
        log.warning("store: completed %d writes interrupted by a crash", len(notes))
    return len(notes)
