"""The import writes a batch of creates in bulk (gateway/service/bulk_batch.py): the same answer per entry,
and the same stored data, as the batch run entry by entry (`POST /`), in a number of round trips that does
not grow with the entries."""

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from gateway.import_batch import CountedService, in_one_transaction
from gateway.service.bundles import process_bundle
from gateway.service.interactions import FhirService
from gateway.store.claims import CLAIMS_COLLECTION
from gateway.store.command_listener import RoundTripListener
from gateway.store.database import connect
from gateway.store.resource_store import ResourceStore

TYPES = ["Organization", "Practitioner", "Location", "Patient"]


def _organization(value: str) -> dict[str, Any]:
    return {"resourceType": "Organization", "identifier": [{"system": "urn:test", "value": value}]}


def _practitioner(value: str) -> dict[str, Any]:
    return {"resourceType": "Practitioner", "identifier": [{"system": "urn:test", "value": value}]}


def _post(
    resource: dict[str, Any], criteria: str | None = None, full_url: str | None = None
) -> dict[str, Any]:
    request = {"method": "POST", "url": resource["resourceType"]} | (
        {"ifNoneExist": criteria} if criteria else {}
    )
    return {"resource": resource, "request": request} | ({"fullUrl": full_url} if full_url else {})


def _batch(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "batch", "entry": entries}


# Every outcome a batch entry of creates can have: a match in the store, a create, a match of that create by a
# later entry, a condition matching two, a reference to an earlier entry, an invalid resource, a reference to
# no entry of the Bundle.
MIXED = _batch(
    [
        _post(_organization("stored"), "identifier=urn:test|stored"),
        _post(
            _organization("new"), "identifier=urn:test|new", "urn:uuid:6f1c9e1a-0000-4000-8000-000000000001"
        ),
        _post(_organization("new"), "identifier=urn:test|new"),
        _post(_practitioner("twice"), "identifier=urn:test|twice"),
        _post(
            {
                "resourceType": "Location",
                "name": "Ward 7",
                "managingOrganization": {"reference": "urn:uuid:6f1c9e1a-0000-4000-8000-000000000001"},
            }
        ),
        _post({"resourceType": "Patient", "birthDate": "not-a-date"}),
        _post(
            {
                "resourceType": "Patient",
                "link": [{"other": {"reference": "urn:uuid:nowhere"}, "type": "seealso"}],
            }
        ),
        _post({"resourceType": "Patient", "name": [{"family": "Plain"}]}),
    ]
)


@asynccontextmanager
async def _store(
    mongodb_uri: str, seen: Callable[[str], None] = lambda name: None
) -> AsyncIterator[FhirService]:
    """A service on a database of its own, holding one Organization `stored` and two Practitioners `twice`."""
    listener = RoundTripListener(lambda name, seconds, succeeded: seen(name))
    database = await connect(mongodb_uri, f"bulk_{uuid.uuid4().hex[:12]}", TYPES, event_listeners=[listener])
    service = FhirService(ResourceStore(database))
    try:
        await service.create("Organization", _organization("stored"))
        for _ in range(2):
            await service.create("Practitioner", _practitioner("twice"))
        yield service
    finally:
        await service.store.drop_database()
        database.close()


async def _bulk(service: FhirService, bundle: dict[str, Any]) -> dict[str, Any]:
    answer = await in_one_transaction(CountedService(service, lambda: None), bundle)
    assert answer is not None, "the batch was rolled back"
    return answer


def _outcomes(answer: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(entry["response"]["status"], entry["response"].get("outcome")) for entry in answer["entry"]]


async def _stored(service: FhirService) -> dict[str, list[Any]]:
    """What each collection holds, without what differs between two runs: times, and ids (a reference to an
    Organization reads as its identifier)."""
    database = service.store._database
    organizations = await database.current("Organization").find({}).to_list(None)
    names = {document["_id"]: document["resource"]["identifier"][0]["value"] for document in organizations}
    found: dict[str, list[Any]] = {}
    for resource_type in TYPES:
        for collection in (database.current(resource_type), database.history(resource_type)):
            documents = await collection.find({}, {"_id": 0, "id": 0, "lastUpdated": 0}).to_list(None)
            for document in documents:
                del document["resource"]["id"], document["resource"]["meta"], document["sort"]["_lastUpdated"]
                document["search"] = [entry for entry in document["search"] if entry["p"] != "_lastUpdated"]
                text = repr(document)
                for resource_id, name in names.items():
                    text = text.replace(resource_id, name)
                found[collection.name] = sorted([*found.get(collection.name, []), text])
    claims = await database.db[CLAIMS_COLLECTION].find({}, {"at": 0}).to_list(None)
    found[CLAIMS_COLLECTION] = sorted(repr(claim | {"holder": names[claim["holder"]]}) for claim in claims)
    return found


async def test_a_batch_of_creates_gets_in_bulk_the_answers_and_data_it_gets_entry_by_entry(mongodb_uri):
    async with _store(mongodb_uri) as bulk, _store(mongodb_uri) as one_by_one:
        bulk_answer = await _bulk(bulk, MIXED)
        expected = await process_bundle(one_by_one, MIXED, "")
        assert [status for status, _ in _outcomes(bulk_answer)] == [
            "200 OK",
            "201 Created",
            "200 OK",
            "412",
            "201 Created",
            "400",
            "400",
            "201 Created",
        ]
        assert _outcomes(bulk_answer) == _outcomes(expected)
        assert bulk_answer["entry"][2]["resource"]["id"] == bulk_answer["entry"][1]["resource"]["id"]
        stored = await _stored(bulk)
        assert len(stored[CLAIMS_COLLECTION]) == 1  # racing conditional creates meet the bulk create's claim
        assert stored == await _stored(one_by_one)


async def test_a_bulk_batch_takes_as_many_round_trips_for_thirty_entries_as_for_three(mongodb_uri):
    def batch(size: int) -> dict[str, Any]:
        return _batch(
            [_post(_organization(f"org-{n}"), f"identifier=urn:test|org-{n}") for n in range(size)]
            + [_post(_practitioner(f"p-{n}")) for n in range(size)]
        )

    counts = []
    for size in (3, 30):
        commands: list[str] = []
        async with _store(mongodb_uri, commands.append) as service:
            commands.clear()
            answer = await _bulk(service, batch(size))
            assert [entry["response"]["status"] for entry in answer["entry"]] == ["201 Created"] * (2 * size)
            assert await service.store._database.current("Organization").count_documents({}) == size + 1
            counts.append(len(commands))
    assert counts[0] == counts[1]


async def test_a_condition_claimed_by_a_resource_that_no_longer_matches_rolls_the_bulk_batch_back(
    mongodb_uri,
):
    """The store's claim of a conditional create stays after its resource changed (gateway/store/claims.py);
    meeting it, the bulk insert fails and nothing is kept, so the batch runs entry by entry, which retires
    the stale claim and creates."""
    async with _store(mongodb_uri) as service:
        claimed = await service.create("Organization", _organization("moved"), "identifier=urn:test|moved")
        moved = claimed.version
        await service.update("Organization", moved.id, {**_organization("elsewhere"), "id": moved.id})
        bundle = _batch([_post(_organization("moved"), "identifier=urn:test|moved")])
        assert await in_one_transaction(CountedService(service, lambda: None), bundle) is None
        organizations = service.store._database.current("Organization")
        assert await organizations.count_documents({}) == 2  # `stored` and the moved one: nothing added
        answer = await process_bundle(service, bundle, "")
        assert answer["entry"][0]["response"]["status"] == "201 Created"
        assert await organizations.count_documents({}) == 3


async def test_a_conditional_create_in_a_batch_run_entry_by_entry_searches_for_its_match_once(mongodb_uri):
    commands: list[str] = []
    async with _store(mongodb_uri, commands.append) as service:
        bundle = _batch([_post(_organization("stored"), "identifier=urn:test|stored")])
        commands.clear()
        answer = await process_bundle(service, bundle, "")
        assert answer["entry"][0]["response"]["status"] == "200 OK"
        assert commands.count("find") == 1
