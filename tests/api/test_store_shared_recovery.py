"""Start-up recovery beside other live processes on one database (`serve --workers`, instances on
`fhir-gateway db`): a starting process may complete another's write while that write is still going on;
the write must still end well, and a note left by a real crash must still be completed."""

from datetime import UTC, datetime, timedelta

from gateway.fhir.resource_types import CORE_DEFINITIONS
from gateway.service.versions import next_version
from gateway.store.database import connect
from gateway.store.recovery import recover
from gateway.store.writes import (
    PENDING_COLLECTION,
    VersionWriter,
    as_current,
    history_document,
    pending_note_id,
)


def _patient(family: str) -> dict[str, object]:
    return {"resourceType": "Patient", "name": [{"family": family}]}


async def test_a_batch_of_new_resources_ends_well_when_another_process_completed_part_of_it(settings):
    database = await connect(settings.mongodb_uri, settings.database_name, ["Patient"])
    try:
        definition = CORE_DEFINITIONS["Patient"]
        versions = [
            next_version(definition, f"batch-{number}", _patient(f"Batch{number}"), None, "POST")
            for number in range(5)
        ]
        # What another process's recovery writes when it completes this batch's note mid-way: one current
        # document, the very one the batch is about to insert.
        await database.current("Patient").insert_one(as_current(history_document(versions[2])))

        await VersionWriter(database).insert_new(versions)

        stored = await database.current("Patient").find({}).to_list(None)
        assert sorted(document["_id"] for document in stored) == [f"batch-{n}" for n in range(5)]
        assert await database.history("Patient").count_documents({}) == 5
        assert await database.db[PENDING_COLLECTION].count_documents({}) == 0
    finally:
        database.close()


async def test_a_young_note_left_by_a_crash_is_completed_once_its_grace_has_passed(settings):
    database = await connect(settings.mongodb_uri, settings.database_name, ["Patient"])
    try:
        written = history_document(
            next_version(CORE_DEFINITIONS["Patient"], "young", _patient("Young"), None, "PUT")
        )
        note_id = pending_note_id("Patient", written["_id"])
        await database.db[PENDING_COLLECTION].insert_one(
            {"_id": note_id, "type": "Patient", "ids": [written["_id"]], "at": datetime.now(UTC)}
        )
        await database.history("Patient").insert_one(written)

        assert await recover(database, grace=timedelta(milliseconds=200)) == 1

        shown = await database.current("Patient").find_one({"_id": "young"})
        assert shown is not None and shown["versionId"] == 1
        assert await database.db[PENDING_COLLECTION].count_documents({}) == 0
    finally:
        database.close()
