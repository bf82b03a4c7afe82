"""The import runs a batch Bundle in one store transaction, with the outcome `POST /` gives it entry by entry
(gateway/import_batch.py)."""

from gateway.bulk_import import import_bundles
from gateway.fhir.json import dumps
from gateway.import_batch import CountedService, in_one_transaction

ORGANIZATION = {"resourceType": "Organization", "identifier": [{"system": "urn:test:org", "value": "org-7"}]}
BY_IDENTIFIER = "identifier=urn:test:org|org-7"
LOCATION = {
    "resourceType": "Location",
    "name": "Ward 7",
    "managingOrganization": {"reference": f"Organization?{BY_IDENTIFIER}"},
}


def _batch(*entries: tuple[dict, str | None]) -> dict:
    return {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {
                "resource": resource,
                "request": {"method": "POST", "url": resource["resourceType"]}
                | ({"ifNoneExist": criteria} if criteria else {}),
            }
            for resource, criteria in entries
        ],
    }


def _patient(family: str, birth_date: str = "1980-01-02") -> dict:
    return {"resourceType": "Patient", "name": [{"family": family}], "birthDate": birth_date}


async def _count(service, collection: str) -> int:
    return await service.store._database.db[collection].count_documents({})  # type: ignore[no-any-return]


async def test_a_batch_commits_in_one_transaction_and_each_entry_sees_the_ones_before_it(app, client):
    service = app.state.service
    await service.store.prepare({"Organization", "Location"})
    bundle = _batch((ORGANIZATION, BY_IDENTIFIER), (LOCATION, None), (ORGANIZATION, BY_IDENTIFIER))
    answer = await in_one_transaction(CountedService(service, lambda: None), bundle)
    assert answer is not None, "the batch was rolled back instead of committing in one transaction"
    statuses = [entry["response"]["status"][:3] for entry in answer["entry"]]
    assert statuses == ["201", "201", "200"]  # the third entry's condition matches the first entry's create
    organization_id = answer["entry"][0]["resource"]["id"]
    assert answer["entry"][2]["resource"]["id"] == organization_id
    location = (await client.get(f"/Location/{answer['entry'][1]['resource']['id']}")).json()
    assert location["managingOrganization"] == {"reference": f"Organization/{organization_id}"}
    assert (await client.get("/Organization")).json()["total"] == 1
    assert await _count(service, "Organization_history") == 1


async def test_a_batch_whose_write_fails_is_rolled_back_whole_and_run_entry_by_entry(app, client, tmp_path):
    service = app.state.service
    await service.store.prepare({"Patient"})
    bundle = _batch((_patient("Before"), None), (_patient("Broken", "not-a-date"), None))
    # An update among the entries: no bulk batch of creates (test_bulk_batch.py), each entry runs on its own.
    after = {**_patient("After"), "id": "after-1"}
    bundle["entry"].append({"resource": after, "request": {"method": "PUT", "url": "Patient/after-1"}})
    assert await in_one_transaction(CountedService(service, lambda: None), bundle) is None
    assert (await client.get("/Patient")).json()["total"] == 0  # nothing of the rolled-back attempt kept
    (tmp_path / "batch.json").write_text(dumps(bundle))
    summary = await import_bundles(service, [tmp_path], show_progress=False)
    assert summary.created == {"Patient": 2} and summary.refused == {"Patient": 1}
    families = sorted(
        entry["resource"]["name"][0]["family"] for entry in (await client.get("/Patient")).json()["entry"]
    )
    assert families == ["After", "Before"]
    assert await _count(service, "Patient_history") == 2  # no version of the first attempt left behind
