"""A database written by release 1 (search entries as sub-documents, history with generated ids and a unique
(id, versionId) index) is upgraded at start-up: its resources are found by search and their versions read."""

import math
import re
import uuid

from bson import ObjectId
from motor.motor_asyncio import AsyncIOMotorClient
from pymongo import ASCENDING, DESCENDING, IndexModel

from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from gateway.service.versions import next_version
from gateway.store.codec import CODEC_OPTIONS
from gateway.store.upgrade import DOCUMENT_FORMAT
from gateway.store.writes import current_document, history_document
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


def _release_two_documents(
    resource_id: str, family: str, birth: str, weight: float
) -> list[tuple[str, dict]]:
    """A Patient and an Observation as release 2 stored them: dates keyed by year, numbers by whole part."""
    written = []
    for resource_type, body in (
        ("Patient", {"resourceType": "Patient", "name": [{"family": family}], "birthDate": birth}),
        (
            "Observation",
            {
                "resourceType": "Observation",
                "status": "final",
                "code": {"text": family},
                "valueQuantity": {"value": weight, "unit": "kg"},
            },
        ),
    ):
        new = next_version(RESOURCE_DEFINITIONS[resource_type], resource_id, body, None, "POST")
        for document in (current_document(new), history_document(new)):
            ranges = document["search"]
            release_two = [key for key in document["keys"] if not re.match(r"^[A-Za-z0-9_-]+[@%]", key)]
            for entry in ranges:
                if "lo" in entry:
                    release_two.append(f"{entry['p']}@{entry['lo'].year:04d}")
                if "n" in entry:
                    release_two.append(f"{entry['p']}%{math.floor(entry['n'])}")
            document["keys"] = release_two
            name = resource_type if document["_id"] == resource_id else f"{resource_type}_history"
            written.append((name, document))
    return written


async def test_documents_of_release_two_are_re_keyed_once_for_open_ended_date_and_number_searches(
    mongodb_uri,
):
    settings = fresh_settings(mongodb_uri)
    client: AsyncIOMotorClient = AsyncIOMotorClient(mongodb_uri, tz_aware=True)
    db = client.get_database(settings.database_name, codec_options=CODEC_OPTIONS)
    family = f"Rekeyed{uuid.uuid4().hex[:6]}"
    for name, document in _release_two_documents("old-2", family, "1974-12-25", 72.5):
        await db[name].insert_one(document)
    await db["Patient"].create_indexes(
        [IndexModel([("search.p", ASCENDING), ("search.n", ASCENDING)], name="search_number")]
    )
    await db["_meta"].insert_one({"_id": "document_format", "version": 2})

    async with running_app(settings) as application, http_client(application) as http:
        found = await http.get("/Patient", params={"birthdate": "lt1980-03-05", "family": family})
        assert [entry["resource"]["id"] for entry in found.json().get("entry", [])] == ["old-2"]
        assert (await http.get("/Patient", params={"birthdate": "gt1980", "family": family})).json()[
            "total"
        ] == 0
        heavy = await http.get("/Observation", params={"value-quantity": "gt70", "code:text": family})
        assert [entry["resource"]["id"] for entry in heavy.json().get("entry", [])] == ["old-2"]
        light = await http.get("/Observation", params={"value-quantity": "le72", "code:text": family})
        assert light.json()["total"] == 0

        marker = await db["_meta"].find_one({"_id": "document_format"})
        assert marker is not None and marker["version"] == DOCUMENT_FORMAT == 5
        history = await db["Patient_history"].find_one({"_id": "old-2/1"})
        assert history is not None and "birthdate@d197" in history["keys"]
        indexes = [index["name"] for index in await db["Patient"].list_indexes().to_list(None)]
        assert "search_number" not in indexes
    client.close()


async def test_documents_of_format_three_get_the_hull_keys_of_repeated_dates_once(mongodb_uri):
    settings = fresh_settings(mongodb_uri)
    client: AsyncIOMotorClient = AsyncIOMotorClient(mongodb_uri, tz_aware=True)
    db = client.get_database(settings.database_name, codec_options=CODEC_OPTIONS)
    stays = [("1990-03-01", "1990-03-02"), ("1999-05-01", "1999-05-03")]
    body = {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "location": [
            {"location": {"reference": "Location/ward"}, "period": {"start": start, "end": end}}
            for start, end in stays
        ],
    }
    new = next_version(RESOURCE_DEFINITIONS["Encounter"], "old-3", body, None, "POST")
    document = current_document(new)
    format_three = [key for key in document["keys"] if not key.startswith("location-period@199")]
    format_three += ["location-period@1990", "location-period@1999"]  # each stay's own year only
    assert "location-period@1995" not in format_three
    await db["Encounter"].insert_one({**document, "keys": format_three})
    await db["_meta"].insert_one({"_id": "document_format", "version": 3})

    async with running_app(settings) as application, http_client(application) as http:
        found = await http.get(
            "/Encounter", params=[("location-period", "ge1995-01-01"), ("location-period", "lt1996-01-01")]
        )
        assert [entry["resource"]["id"] for entry in found.json().get("entry", [])] == ["old-3"]
        stored = await db["Encounter"].find_one({"_id": "old-3"})
        assert stored is not None and "location-period@1995" in stored["keys"]
    client.close()


async def test_documents_of_format_four_get_month_keys_and_a_half_year_search_finds_them(mongodb_uri):
    settings = fresh_settings(mongodb_uri)
    client: AsyncIOMotorClient = AsyncIOMotorClient(mongodb_uri, tz_aware=True)
    db = client.get_database(settings.database_name, codec_options=CODEC_OPTIONS)
    family = f"Monthly{uuid.uuid4().hex[:6]}"
    for number, born in enumerate(["1974-12-25", "1974-03-02", "1974"]):
        body = {"resourceType": "Patient", "name": [{"family": family}], "birthDate": born}
        document = current_document(
            next_version(RESOURCE_DEFINITIONS["Patient"], f"old-4-{number}", body, None, "POST")
        )
        # Format 4 keyed a date by its years, decades, centuries and millennia only.
        format_four = [
            key for key in document["keys"] if not key.startswith(("birthdate@1974-", "birthdate@y"))
        ]
        assert len(format_four) < len(document["keys"])
        await db["Patient"].insert_one({**document, "keys": format_four})
    await db["_meta"].insert_one({"_id": "document_format", "version": 4})

    async with running_app(settings) as application, http_client(application) as http:
        found = await http.get(
            "/Patient",
            params=[("birthdate", "ge1974-07-01"), ("birthdate", "lt1975-01-01"), ("family", family)],
        )
        # "1974" is the whole year, which reaches into the second half: found through its `y1974` key.
        assert [entry["resource"]["id"] for entry in found.json().get("entry", [])] == ["old-4-0", "old-4-2"]
        stored = {
            document["_id"]: document["keys"]
            async for document in db["Patient"].find({"_id": {"$regex": "^old-4-"}})
        }
        assert "birthdate@1974-12" in stored["old-4-0"] and "birthdate@1974-03" in stored["old-4-1"]
        assert "birthdate@y1974" in stored["old-4-2"]
        marker = await db["_meta"].find_one({"_id": "document_format"})
        assert marker is not None and marker["version"] == 5
    client.close()
