"""A database written by release 1 (search entries as sub-documents, history with generated ids and a unique
(id, versionId) index) is upgraded at start-up: its resources are found by search and their versions read."""

import uuid

from bson import ObjectId
from motor.motor_asyncio import AsyncIOMotorClient
from pymongo import ASCENDING, DESCENDING, IndexModel

from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from gateway.service.versions import next_version
from gateway.store.codec import CODEC_OPTIONS
from tests.conftest import fresh_settings, http_client, running_app


def _release_one_documents(resource_id: str, family: str) -> tuple[dict, dict]:
    new = next_version(
        RESOURCE_DEFINITIONS["Patient"],
        resource_id,
        {"resourceType": "Patient", "name": [{"family": family}], "gender": "female"},
        None,
        "POST",
    )
    version = new.version
    current = {
        "_id": resource_id,
        "versionId": version.version_id,
        "lastUpdated": version.last_updated,
        "method": version.method,
        "deleted": False,
        "resource": version.resource,
        "search": new.search_entries,
        "missing": new.missing,
        "sort": new.sort_keys,
    }
    history = {**current, "_id": ObjectId(), "id": resource_id}
    return current, history


async def test_documents_of_release_one_are_found_and_versioned_after_start_up(mongodb_uri):
    settings = fresh_settings(mongodb_uri)
    client: AsyncIOMotorClient = AsyncIOMotorClient(mongodb_uri, tz_aware=True)
    db = client.get_database(settings.database_name, codec_options=CODEC_OPTIONS)
    family = f"Upgraded{uuid.uuid4().hex[:6]}"
    current, history = _release_one_documents("old-1", family)
    await db["Patient_history"].create_indexes(
        [IndexModel([("id", ASCENDING), ("versionId", DESCENDING)], name="version", unique=True)]
    )
    await db["Patient_history"].insert_one(history)
    await db["Patient"].insert_one(current)
    client.close()

    async with running_app(settings) as application, http_client(application) as http:
        found = await http.get("/Patient", params={"family": family})
        assert [entry["resource"]["id"] for entry in found.json().get("entry", [])] == ["old-1"]
        first = await http.get("/Patient/old-1/_history/1")
        assert first.status_code == 200, first.text
        changed = await http.put(
            "/Patient/old-1",
            json={"resourceType": "Patient", "id": "old-1", "name": [{"family": family}]},
            headers={"Content-Type": "application/fhir+json", "If-Match": 'W/"1"'},
        )
        assert changed.status_code == 200, changed.text
        versions = await http.get("/Patient/old-1/_history")
        assert [entry["resource"]["meta"]["versionId"] for entry in versions.json()["entry"]] == ["2", "1"]
