"""The audit trail tells the truth about transactions: work a rolled-back transaction undid is not recorded
as a success, and a committed transaction's work is."""

from tests.api.test_bundles import PATIENT, _observation, _post, _transaction
from tests.conftest import FHIR_JSON, http_client


async def _creates(app) -> list[dict]:
    """Every stored AuditEvent of a create, after the queue is flushed."""
    await app.state.audit.flush()
    async with http_client(app, scope="system/AuditEvent.rs") as http:
        response = await http.get("/AuditEvent", params={"subtype": "create", "_count": "100"})
    assert response.status_code == 200, response.text
    return [entry["resource"] for entry in response.json().get("entry", [])]


def _of_type(events: list[dict], resource_type: str) -> list[dict]:
    return [
        event
        for event in events
        if any(entity.get("type", {}).get("code") == resource_type for entity in event.get("entity", []))
    ]


async def test_creates_a_failed_transaction_rolled_back_are_audited_as_failures(app, client):
    urn = "urn:uuid:aaaaaaaa-0000-0000-0000-0000000000a1"
    body = _transaction(_post(PATIENT, urn), _post(_observation(urn, status="done")))
    response = await client.post("/", content=body, headers=FHIR_JSON)
    assert response.status_code == 400
    assert (await client.get("/Patient", params={"_summary": "count"})).json()["total"] == 0
    patients = _of_type(await _creates(app), "Patient")
    assert len(patients) == 1, patients  # the create that ran, then was undone
    assert patients[0]["outcome"] == "4"
    assert "rolled back" in patients[0]["outcomeDesc"]


async def test_a_committed_transactions_creates_are_audited_as_successes(app, client):
    urn = "urn:uuid:aaaaaaaa-0000-0000-0000-0000000000a2"
    body = _transaction(_post(PATIENT, urn), _post(_observation(urn)))
    response = await client.post("/", content=body, headers=FHIR_JSON)
    assert response.status_code == 200, response.text
    events = await _creates(app)
    assert [event["outcome"] for event in _of_type(events, "Patient")] == ["0"]
    assert [event["outcome"] for event in _of_type(events, "Observation")] == ["0"]
