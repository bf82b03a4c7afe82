"""A request is answered only after its AuditEvent is stored; concurrent requests share audit inserts; a store
that cannot take the record turns the answer into a 503 with Retry-After, never a 500."""

import asyncio
import uuid

from asgi_lifespan import LifespanManager

from gateway.app import create_app
from gateway.store.embedded import EmbeddedMongo
from tests.conftest import FHIR_JSON, fresh_settings, http_client


async def _stored_events(app) -> int:
    """AuditEvents in the database, counted by the store itself (no request, so no new event, no flush)."""
    return await app.state.service.store.count("AuditEvent", [])  # type: ignore[no-any-return]


async def test_each_response_comes_after_its_audit_event_is_stored(app, client):
    for answered in range(1, 6):
        response = await client.get(f"/Patient/missing-{answered}")
        assert response.status_code == 404
        assert await _stored_events(app) == answered


async def test_concurrent_requests_share_audit_inserts_and_none_is_answered_early(app, client):
    trail = app.state.audit
    batches_before, written_before = trail.batches, trail.written
    answered = 0

    async def read(number: int) -> None:
        nonlocal answered
        response = await client.get(f"/Patient/none-{number}")
        assert response.status_code == 404
        answered += 1
        assert trail.written - written_before >= answered  # never more answers than stored events

    await asyncio.gather(*(read(number) for number in range(40)))
    assert await _stored_events(app) == 40
    assert trail.batches - batches_before < 40  # fewer inserts than requests


async def test_a_batch_bundles_entries_are_audited_in_one_write_before_the_answer(app, client):
    trail = app.state.audit
    entries = [{"request": {"method": "GET", "url": f"Patient/absent-{number}"}} for number in range(10)]
    batches_before = trail.batches
    response = await client.post(
        "/", json={"resourceType": "Bundle", "type": "batch", "entry": entries}, headers=FHIR_JSON
    )
    assert response.status_code == 200, response.text
    assert trail.batches - batches_before == 1
    assert await _stored_events(app) == 10


async def test_when_the_store_cannot_take_audit_events_requests_get_503_with_retry_after():
    store = EmbeddedMongo(data_dir=None)
    settings = fresh_settings(store.start(), database_name=f"down_{uuid.uuid4().hex[:8]}")
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=None, shutdown_timeout=None):
        async with http_client(app, scope=None) as anonymous:
            assert (await anonymous.get("/Patient")).status_code == 401  # audited and answered
            store.stop()  # the database goes away
            response = await anonymous.get("/Patient")
        assert response.status_code == 503, response.text
        assert int(response.headers["Retry-After"]) > 0
        outcome = response.json()
        assert outcome["resourceType"] == "OperationOutcome"
        assert outcome["issue"][0]["code"] == "transient"
