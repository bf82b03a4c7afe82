"""Uniqueness is carried by `_id` alone (issue 9): mongoeco checks any other unique index by scanning the
whole collection on every insert, so a write would cost O(collection). After a server has created, updated,
searched, audited and run a conditional create and a transaction, no collection it wrote has a unique index
but `_id`, and a history version's `_id` is `{id}/{versionId}`. Runs on the configured store (MONGODB_URI or
mongoeco)."""

from typing import Any

from fastapi import FastAPI


async def test_no_collection_the_server_writes_has_a_unique_index_but_id(app: FastAPI, client: Any) -> None:
    headers = {"Content-Type": "application/fhir+json"}
    body = {"resourceType": "Patient", "identifier": [{"system": "urn:mrn", "value": "u-1"}]}
    created = await client.post("/Patient", json=body, headers={**headers, "If-None-Exist": "identifier=u-1"})
    assert created.status_code == 201, created.text
    patient_id = created.json()["id"]
    updated = await client.put(f"/Patient/{patient_id}", json={**body, "id": patient_id}, headers=headers)
    assert updated.status_code == 200, updated.text
    transaction = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": {"resourceType": "Observation", "status": "final", "code": {"text": "u"}},
                "request": {"method": "POST", "url": "Observation"},
            }
        ],
    }
    answered = await client.post("/", json=transaction, headers=headers)
    assert answered.status_code == 200, answered.text
    assert (await client.get("/Patient", params={"identifier": "u-1"})).status_code == 200

    database = app.state.service.store._database.db
    names = await database.list_collection_names()
    assert {"Patient", "Patient_history", "Observation", "Observation_history"} <= set(names), names
    for name in names:
        async for index in database[name].list_indexes():
            assert index["name"] == "_id_" or not index.get("unique"), (name, index)

    history = app.state.service.store._database.history("Patient")
    stored = [document["_id"] async for document in history.find({"id": patient_id}, {"_id": 1})]
    assert sorted(stored) == [f"{patient_id}/1", f"{patient_id}/2"]
