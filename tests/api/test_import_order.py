"""`fhir-gateway import` stores files as they are read, every batch before any transaction (Synthea's patient
transactions refer by condition to what its batches hold), whatever order the files are read in."""

from gateway.bulk_import import bundle_files, import_bundles, reading_pool
from gateway.fhir.json import dumps

ORGANIZATION = {"resourceType": "Organization", "identifier": [{"system": "urn:test:org", "value": "org-9"}]}
PATIENT = {
    "resourceType": "Patient",
    "name": [{"family": "Later"}],
    "managingOrganization": {"reference": "Organization?identifier=urn:test:org|org-9"},
}
TRANSACTION = {
    "resourceType": "Bundle",
    "type": "transaction",
    "entry": [{"resource": PATIENT, "request": {"method": "POST", "url": "Patient"}}],
}


def _batch_declared_last() -> str:
    """A batch whose `type` comes after its entries, beyond the start `bundle_files` looks at."""
    entry = {"resource": ORGANIZATION, "request": {"method": "POST", "url": "Organization"}}
    padding = {"resourceType": "Basic", "code": {"text": "x" * 5000}}
    entries = [entry, {"resource": padding, "request": {"method": "POST", "url": "Basic"}}]
    return '{"resourceType": "Bundle", "entry": ' + dumps(entries) + ', "type": "batch"}'


def test_files_that_declare_a_batch_at_their_start_are_read_first(tmp_path):
    (tmp_path / "a-transaction.json").write_text(dumps(TRANSACTION))
    (tmp_path / "b-batch.json").write_text(dumps({**TRANSACTION, "type": "batch"}))
    (tmp_path / "c-late-batch.json").write_text(_batch_declared_last())
    names = [path.name for path in bundle_files([tmp_path])]
    assert names == ["b-batch.json", "a-transaction.json", "c-late-batch.json"]


async def test_a_transaction_read_before_a_batch_is_stored_after_it(app, client, tmp_path):
    (tmp_path / "a-transaction.json").write_text(dumps(TRANSACTION))
    (tmp_path / "b-batch.json").write_text(_batch_declared_last())
    assert [path.name for path in bundle_files([tmp_path])] == ["a-transaction.json", "b-batch.json"]
    with reading_pool(2) as pool:
        summary = await import_bundles(app.state.service, [tmp_path], show_progress=False, pool=pool)
    assert summary.ok and summary.stored == 3, summary.table()
    organization = (await client.get("/Organization")).json()["entry"][0]["resource"]
    patient = (await client.get("/Patient")).json()["entry"][0]["resource"]
    assert patient["managingOrganization"] == {"reference": f"Organization/{organization['id']}"}
