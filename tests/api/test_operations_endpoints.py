"""/healthz (live), /readyz (database and indexes) and /metrics (Prometheus text, opt-in)."""

import re

from tests.conftest import fresh_settings, http_client, running_app


async def test_readiness_is_ok_when_the_database_answers_and_the_indexes_exist(app, anonymous_client):
    response = await anonymous_client.get("/readyz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_readiness_fails_with_the_reason_when_an_index_is_missing(app, anonymous_client):
    database = app.state.service.store._database  # the test reaches the real collection to break it
    await database.current("Patient").drop_index("last_updated")
    response = await anonymous_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["problems"] == ["collection Patient lacks indexes last_updated"]
    live = await anonymous_client.get("/healthz")
    assert live.status_code == 200  # alive all the same: restarting would not make the index


async def test_metrics_are_not_served_unless_made_public(client):
    assert (await client.get("/metrics")).status_code == 404


READ = (
    'fhir_gateway_requests_total{face="rest",method="GET",'
    'route="/{resource_type}/{resource_id}",status="200"}'
)
REFUSED = 'fhir_gateway_requests_total{face="rest",method="GET",route="unmatched",status="401"}'
FINDS = 'fhir_gateway_store_commands_total{command="find",outcome="ok"}'


def samples(text: str) -> dict[str, float]:
    return {name: float(value) for name, value in re.findall(r"^(\w+\{.*\}) (\S+)$", text, re.MULTILINE)}


async def test_metrics_count_requests_by_route_template_status_and_face(mongodb_uri):
    async with (
        running_app(fresh_settings(mongodb_uri, metrics_public=True)) as app,
        http_client(app) as http,
        http_client(app, scope=None) as anonymous,
    ):
        created = await http.post("/Patient", json={"resourceType": "Patient"})
        before = await anonymous.get("/metrics")
        for _ in range(3):
            await http.get(f"/Patient/{created.json()['id']}")
        await anonymous.get("/Patient")  # refused before routing: 401, no route template
        after = await anonymous.get("/metrics")
    assert after.status_code == 200 and after.headers["content-type"].startswith("text/plain")
    counted, counted_before = samples(after.text), samples(before.text)
    assert counted[READ] - counted_before.get(READ, 0) == 3
    assert counted[REFUSED] - counted_before.get(REFUSED, 0) == 1
    assert counted[FINDS] - counted_before.get(FINDS, 0) >= 3  # each read is at least one round trip
    assert created.json()["id"] not in after.text  # ids never become labels
