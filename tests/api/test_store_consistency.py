"""History and current never drift apart: the transactional path, and recovery after a crashed writer."""

import dataclasses

from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from gateway.service.interactions import FhirService
from gateway.service.versions import next_version
from gateway.store.database import connect
from gateway.store.records import VersionConflict
from gateway.store.resource_store import ResourceStore
from gateway.store.writes import PENDING_COLLECTION, history_document, history_id, pending_note_id

PATIENT = RESOURCE_DEFINITIONS["Patient"]


async def _store(settings, transactional: bool) -> ResourceStore:
    database = await connect(settings.mongodb_uri, settings.database_name, ["Patient"])
    if transactional:
        assert database.supports_transactions, "the test server must accept transactions"
    return ResourceStore(dataclasses.replace(database, transactional_writes=transactional))


async def test_in_a_transaction_a_lost_compare_and_swap_leaves_no_history_behind(settings):
    store = await _store(settings, transactional=True)
    service = FhirService(store)
    first = await service.update("Patient", "p1", {"resourceType": "Patient", "id": "p1"})
    second = next_version(PATIENT, "p1", {"resourceType": "Patient", "id": "p1"}, first.version, "PUT")
    await store.commit(second, expected_version=1)
    stale = next_version(
        PATIENT,
        "p1",
        {"resourceType": "Patient", "id": "p1", "gender": "male"},
        dataclasses.replace(first.version, version_id=2),
        "PUT",
    )
    # expected 5 is wrong: the history insert for version 3 must be rolled back with the failed swap
    try:
        await store.commit(stale, expected_version=5)
    except VersionConflict:
        pass
    else:
        raise AssertionError("a stale compare-and-swap must conflict")
    page = await store.history("Patient", "p1", 10, None)
    assert [version.version_id for version in page.items] == [2, 1]
    await store.drop_database()


async def test_a_writer_that_crashed_after_the_history_insert_is_rolled_forward(settings):
    store = await _store(settings, transactional=False)
    service = FhirService(store)
    first = await service.update("Patient", "p2", {"resourceType": "Patient", "id": "p2"})
    orphan = next_version(
        PATIENT, "p2", {"resourceType": "Patient", "id": "p2", "gender": "female"}, first.version, "PUT"
    )
    # simulate the crash: the write's note and version 2 reached the store, the current document was never
    # swapped (start-up recovery would complete it; here the next writer finds it first)
    written = history_id("p2", 2)
    note = {"_id": pending_note_id("Patient", written), "type": "Patient", "ids": [written]}
    await store._database.db[PENDING_COLLECTION].insert_one(note)
    await store._database.history("Patient").insert_one(history_document(orphan))
    assert (await service.read("Patient", "p2")).version_id == 1

    third = await service.update("Patient", "p2", {"resourceType": "Patient", "id": "p2", "gender": "male"})
    assert third.version.version_id == 3
    page = await store.history("Patient", "p2", 10, None)
    assert [version.version_id for version in page.items] == [3, 2, 1]
    assert (await service.read("Patient", "p2")).resource["gender"] == "male"
    await store.drop_database()
