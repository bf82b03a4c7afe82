"""The import's batched path for transactions of plain creates keeps what the one-by-one path stores."""

from pathlib import Path

from gateway.bulk_import import import_bundles, reading_pool
from gateway.fhir.json import dumps
from gateway.service.bulk_transaction import create_all, plain_creates

PATIENT = {
    "resourceType": "Patient",
    "identifier": [{"system": "urn:test:mrn", "value": "batched-1"}],
    "name": [{"family": "Batchford", "given": ["Ada"]}],
    "birthDate": "1970-05-06",
    "managingOrganization": {"reference": "Organization?identifier=urn:test:org|org-1"},
}
OBSERVATION = {
    "resourceType": "Observation",
    "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "8302-2"}]},
    "subject": {"reference": "urn:uuid:patient-1"},
    "valueQuantity": {"value": 171, "unit": "cm", "system": "http://unitsofmeasure.org", "code": "cm"},
}
ORGANIZATION = {"resourceType": "Organization", "identifier": [{"system": "urn:test:org", "value": "org-1"}]}


def _transaction(*entries: tuple[str, dict]) -> dict:
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": full_url,
                "resource": resource,
                "request": {"method": "POST", "url": resource["resourceType"]},
            }
            for full_url, resource in entries
        ],
    }


def _stored_shape(document: dict) -> dict:
    """A stored document without what differs between two creates of the same resource."""
    volatile = {"_id", "id", "lastUpdated"}
    resource = {key: value for key, value in document["resource"].items() if key not in ("id", "meta")}
    return {
        **{key: value for key, value in document.items() if key not in volatile},
        "resource": resource,
        "search": [entry for entry in document["search"] if entry["p"] != "_lastUpdated"],
        "sort": {key: value for key, value in document["sort"].items() if key != "_lastUpdated"},
    }


async def test_a_batched_transaction_stores_documents_identical_to_single_creates(app, client):
    service = app.state.service
    await service.create("Organization", ORGANIZATION)
    bundle = _transaction(("urn:uuid:patient-1", PATIENT), ("urn:uuid:obs-1", OBSERVATION))
    entries = plain_creates(bundle)
    assert entries is not None
    answer = await create_all(service, entries)
    assert [entry["response"]["status"] for entry in answer["entry"]] == ["201 Created"] * 2
    patient_id = answer["entry"][0]["resource"]["id"]
    observation = answer["entry"][1]["resource"]
    assert observation["subject"] == {"reference": f"Patient/{patient_id}"}
    assert observation["meta"]["versionId"] == "1"
    single = await service.create("Observation", observation)
    database = service.store._database
    for resource_type, batched_id, single_id in [("Observation", observation["id"], single.version.id)]:
        batched = await database.current(resource_type).find_one({"_id": batched_id})
        alone = await database.current(resource_type).find_one({"_id": single_id})
        assert _stored_shape(batched) == _stored_shape(alone)
        history = await database.history(resource_type).find_one({"_id": f"{batched_id}/1"})
        assert _stored_shape(history) == _stored_shape(batched)
    # Search keys, history and the resolved conditional reference all work as for any create.
    found = (await client.get("/Patient?identifier=urn:test:mrn|batched-1&family=batchf")).json()
    assert [entry["resource"]["id"] for entry in found["entry"]] == [patient_id]
    assert found["entry"][0]["resource"]["managingOrganization"]["reference"].startswith("Organization/")
    by_subject = (await client.get(f"/Observation?subject=Patient/{patient_id}&code=8302-2")).json()
    assert by_subject["total"] == 2
    assert (await client.get(f"/Patient/{patient_id}/_history/1")).status_code == 200


async def test_a_transaction_whose_conditional_reference_matches_nothing_stores_nothing(
    app, client, tmp_path
):
    bundle = _transaction(("urn:uuid:obs-1", OBSERVATION), ("urn:uuid:patient-1", PATIENT))
    (tmp_path / "t.json").write_text(dumps(bundle))
    summary = await import_bundles(app.state.service, [tmp_path], show_progress=False)
    assert summary.stored == 0 and summary.not_stored.total() == 2
    assert (
        "Organization?identifier=urn:test:org|org-1 matches no resource" in summary.refused_bundles[0].reason
    )
    for resource_type in ("Patient", "Observation"):
        assert (await client.get(f"/{resource_type}")).json()["total"] == 0


async def test_the_import_reads_in_worker_processes_and_audits_each_file(app, client, tmp_path: Path):
    (tmp_path / "a-org.json").write_text(dumps(ORGANIZATION | {"id": "org-1"}))
    bundle = _transaction(("urn:uuid:patient-1", PATIENT), ("urn:uuid:obs-1", OBSERVATION))
    (tmp_path / "b-patient.json").write_text(dumps(bundle))
    (tmp_path / "c-broken.json").write_text("{")
    with reading_pool(2) as pool:
        summary = await import_bundles(app.state.service, [tmp_path], show_progress=False, pool=pool)
    assert summary.created == {"Organization": 1, "Patient": 1, "Observation": 1}
    assert [path.name for path, _ in summary.bad_files] == ["c-broken.json"]
    events = await app.state.service.search("AuditEvent", [("subtype", "import")], "")
    described = sorted((item.resource or {})["outcomeDesc"] for item in events.page.items)
    assert described == ["200 a-org.json: 1 entries", "200 b-patient.json: 2 entries"]
