"""Every read, search, write and refusal becomes an AuditEvent, stored in the same database and searchable
at GET /AuditEvent by date, agent, entity and outcome with an audit scope."""

import base64
from datetime import UTC, datetime, timedelta

from gateway.fhir.validation import validate_resource
from tests.conftest import FHIR_JSON, http_client
from tests.graphql_support import graphql

AUDIT = "system/AuditEvent.rs"


async def _audit(app, **parameters: str) -> list[dict]:
    """The stored AuditEvents matching `parameters`, after the queue is flushed."""
    await app.state.audit.flush()
    async with http_client(app, scope=AUDIT) as http:
        response = await http.get("/AuditEvent", params={**parameters, "_count": "100"})
    assert response.status_code == 200, response.text
    return [entry["resource"] for entry in response.json().get("entry", [])]


def _interaction(event: dict) -> str:
    return next(
        c["code"] for c in event["subtype"] if c["system"] == "http://hl7.org/fhir/restful-interaction"
    )


async def test_reads_searches_and_writes_are_audited_with_who_what_when_and_outcome(app, client):
    before = datetime.now(UTC) - timedelta(seconds=5)
    created = (await client.post("/Patient", json={"resourceType": "Patient"}, headers=FHIR_JSON)).json()
    reference = f"Patient/{created['id']}"
    await client.get(f"/{reference}")
    await client.get("/Patient", params={"_id": created["id"]})
    events = await _audit(app, entity=reference)
    assert sorted(_interaction(event) for event in events) == ["create", "read", "search-type"]
    for event in events:
        validate_resource(event, "AuditEvent")  # what we store is a valid R4 AuditEvent
        agent = event["agent"][0]
        assert agent["who"]["identifier"]["value"] == "test-client" and agent["requestor"] is True
        assert agent["network"]["address"] == "127.0.0.1"
        assert event["outcome"] == "0"
        assert datetime.fromisoformat(event["recorded"]) >= before
    search = next(event for event in events if _interaction(event) == "search-type")
    query = next(entity["query"] for entity in search["entity"] if "query" in entity)
    assert base64.b64decode(query).decode() == f"_id={created['id']}"
    assert {event["action"] for event in events} == {"C", "R", "E"}


async def test_refusals_are_audited_401_and_403_alike(app, anonymous_client):
    await anonymous_client.get("/Patient/someone")
    async with http_client(app, scope="system/Patient.rs") as http:
        await http.delete("/Patient/someone")
    refused = await _audit(app, outcome="4", entity="Patient/someone")
    by_status = {event["outcomeDesc"].split()[0]: event for event in refused}
    assert set(by_status) == {"401", "403"}
    assert by_status["401"]["agent"][0]["who"]["identifier"]["value"] == "anonymous"
    assert by_status["403"]["agent"][0]["who"]["identifier"]["value"] == "test-client"
    assert by_status["403"]["action"] == "D"


async def test_failed_interactions_are_audited_too(app, client):
    await client.get("/Patient/missing")
    events = await _audit(app, entity="Patient/missing")
    assert [event["outcomeDesc"][:3] for event in events] == ["404"] and events[0]["outcome"] == "4"


async def test_graphql_interactions_are_audited_with_their_face(app, client):
    created = (await client.post("/Patient", json={"resourceType": "Patient"}, headers=FHIR_JSON)).json()
    await graphql(client, f'{{ Patient(id: "{created["id"]}") {{ id }} }}')
    events = await _audit(app, entity=f"Patient/{created['id']}", subtype="graphql")
    assert [_interaction(event) for event in events] == ["read"]


async def test_audit_events_are_found_by_agent_date_and_outcome(app, client):
    await client.get("/Patient")
    async with http_client(app, token=app.state.auth.issue("other-app", "system/Patient.rs")) as http:
        await http.get("/Patient")
    today = datetime.now(UTC).date().isoformat()
    mine = await _audit(app, agent="test-client", date=f"ge{today}", outcome="0")
    theirs = await _audit(app, agent="other-app")
    assert mine and all(e["agent"][0]["who"]["identifier"]["value"] == "test-client" for e in mine)
    assert [e["agent"][0]["who"]["identifier"]["value"] for e in theirs] == ["other-app"]
    assert await _audit(app, date="lt2000-01-01") == []


async def test_queued_events_are_stored_when_the_app_shuts_down(mongodb_uri):
    from tests.conftest import fresh_settings, running_app

    settings = fresh_settings(mongodb_uri)
    async with running_app(settings) as app, http_client(app) as http:
        for _ in range(5):
            await http.get("/Patient")
        trail = app.state.audit
        store = app.state.service.store
        await trail.stop()  # what the lifespan does at shutdown; the database is still there
        page = await store.search("AuditEvent", [], [], 100, None, with_total=True)
        assert page.total == 5
