"""HTTP methods and names on FHIR URLs: HEAD and OPTIONS work, 405 says what is allowed, ids that are only
dots are refused, and with an allow-list of hosts a forged Host header gets no links."""

import pytest

from tests.conftest import FHIR_JSON, fresh_settings, http_client, running_app
from tests.security_support import fhir, outcome_code


async def _patient(client) -> str:
    response = await client.post("/Patient", json={"resourceType": "Patient"}, headers=FHIR_JSON)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _allowed(response) -> list[str]:
    return [method.strip() for method in response.headers["allow"].split(",")]


async def test_head_answers_like_get_without_a_body(client):
    patient_id = await _patient(client)
    for path in (f"/Patient/{patient_id}", "/Patient", f"/Patient/{patient_id}/_history/1", "/metadata"):
        got, head = await client.get(path), await client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b""
        assert head.headers.get("etag") == got.headers.get("etag")
        assert head.headers["content-type"] == got.headers["content-type"]


async def test_options_lists_the_methods_a_url_allows(client):
    patient_id = await _patient(client)
    instance = await client.options(f"/Patient/{patient_id}")
    assert instance.status_code == 204
    assert {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"} <= set(_allowed(instance))
    assert "POST" not in _allowed(instance)
    assert {"GET", "POST", "OPTIONS"} <= set(_allowed(await client.options("/Patient")))
    nowhere = await client.options("/Patient/1/_history/1/too/deep")
    assert nowhere.status_code == 404 and outcome_code(fhir(nowhere)) == "not-found"


async def test_a_405_says_which_methods_are_allowed(client):
    patient_id = await _patient(client)
    response = await client.post(
        f"/Patient/{patient_id}", json={"resourceType": "Patient"}, headers=FHIR_JSON
    )
    assert response.status_code == 405 and outcome_code(fhir(response)) == "not-supported"
    assert {"GET", "PUT", "DELETE"} <= set(_allowed(response)) and "POST" not in _allowed(response)


async def test_a_405_for_a_server_written_type_allows_only_reading(app):
    async with http_client(app, scope="system/AuditEvent.cruds") as http:
        response = await http.post("/AuditEvent", json={"resourceType": "AuditEvent"}, headers=FHIR_JSON)
    assert response.status_code == 405 and _allowed(response) == ["GET", "HEAD", "OPTIONS"]


async def test_paths_no_endpoint_serves_are_404_not_405(client):
    response = await client.get("/Patient/1/_history/1/too/deep")
    assert response.status_code == 404 and outcome_code(fhir(response)) == "not-found"


@pytest.mark.parametrize("resource_id", [".", "..", "...", "%2E%2E"])
async def test_ids_of_only_dots_are_refused(client, resource_id):
    body = {"resourceType": "Patient", "id": resource_id.replace("%2E", ".")}
    response = await client.put(f"/Patient/{resource_id}", json=body, headers=FHIR_JSON)
    assert response.status_code in (400, 404, 405), response.text
    assert response.status_code != 201
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{"resource": body, "request": {"method": "PUT", "url": f"Patient/{body['id']}"}}],
    }
    in_bundle = await client.post("/", json=bundle, headers=FHIR_JSON)
    assert in_bundle.status_code == 400 and outcome_code(fhir(in_bundle)) == "invalid"
    assert (await client.get("/Patient/_history")).json()["total"] == 0


async def test_a_dotted_id_that_is_not_only_dots_is_fine(client):
    body = {"resourceType": "Patient", "id": "a.b"}
    assert (await client.put("/Patient/a.b", json=body, headers=FHIR_JSON)).status_code == 201


async def test_a_conditional_reference_with_an_empty_query_is_refused(client):
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"text": "x"},
                    "subject": {"reference": "Patient?"},
                },
                "request": {"method": "POST", "url": "Observation"},
            }
        ],
    }
    response = await client.post("/", json=bundle, headers=FHIR_JSON)
    assert response.status_code == 400 and outcome_code(fhir(response)) == "invalid"
    assert (await client.get("/Observation")).json()["total"] == 0


@pytest.fixture
async def hosts_app(mongodb_uri):
    settings = fresh_settings(mongodb_uri, allowed_hosts=("fhir.example.org",))
    async with running_app(settings) as app:
        yield app


async def test_with_allowed_hosts_a_forged_host_gets_an_outcome_and_no_links(hosts_app):
    async with http_client(hosts_app) as http:
        forged = await http.get("/Patient", headers={"Host": "evil.example"})
        graphql = await http.post(
            "/$graphql", json={"query": "{ PatientList { id } }"}, headers={"Host": "evil.example"}
        )
        allowed = await http.get("http://fhir.example.org/Patient")
    assert forged.status_code == 400 and outcome_code(fhir(forged)) == "invalid"
    assert "evil.example" not in forged.text
    assert graphql.status_code == 400 and outcome_code(graphql.json()) == "invalid"
    assert allowed.status_code == 200
    assert allowed.json()["link"][0]["url"].startswith("http://fhir.example.org/Patient")
