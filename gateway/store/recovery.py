"""Start-up recovery: complete the writes a crash (kill -9, power loss) stopped between their two steps.

A note left in `_pending_writes` names history versions the current documents may not show yet; rolling
them forward makes both agree before the first request is served, so no read ever sees a version in
history that the current document does not show, nor a current document older than the newest history
version. A note whose history insert never happened has nothing to complete and just goes.
"""

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from gateway.store.database import Database
from gateway.store.writes import PENDING_COLLECTION, VersionWriter

log = logging.getLogger(__name__)

# Other processes may share the database (`serve --workers`, instances on `fhir-gateway db`): a young note
# may belong to a write still in flight there, which settles it itself. A note is completed once it is this
# old and still there; a note left by a crash is usually older by the time the process is back.
IN_FLIGHT_GRACE = timedelta(seconds=30)


async def recover(database: Database, grace: timedelta = IN_FLIGHT_GRACE) -> int:
    """Complete every noted write that no live writer settles within `grace`; the number completed."""
    writer = VersionWriter(database)
    notes = database.db[PENDING_COLLECTION]
    completed = 0
    for note in await notes.find({}).to_list(None):
        written_at = note.get("at")  # notes of releases before it carry no time: old by definition
        if written_at is not None:
            wait = (written_at + grace - datetime.now(UTC)).total_seconds()
            if wait > 0:
                await asyncio.sleep(wait)
            if await notes.find_one({"_id": note["_id"]}) is None:
                continue  # its writer finished the write
        await writer.complete(note["type"], list(note["ids"]))
        await notes.delete_one({"_id": note["_id"]})
        completed += 1
    if completed:
        log.warning("store: completed %d writes interrupted by a crash", completed)
    return completed
