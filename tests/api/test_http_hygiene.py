"""HTTP hygiene: security headers, no caching of PHI, CORS from a configured list, discovery documents,
and no PHI in the logs."""

import logging

import pytest

from gateway.log_privacy import DropQueryStrings
from tests.conftest import FHIR_JSON, fresh_settings, http_client, running_app


async def test_data_responses_carry_security_headers_and_are_never_cached(client):
    created = await client.post("/Patient", json={"resourceType": "Patient"}, headers=FHIR_JSON)
    response = await client.get(f"/Patient/{created.json()['id']}")
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["content-security-policy"].startswith("default-src 'none'")
    assert headers["cache-control"] == "no-store"


async def test_graphiql_gets_a_policy_that_lets_it_run_and_its_assets_may_be_cached(anonymous_client):
    page = await anonymous_client.get("/graphql", headers={"Accept": "text/html"})
    assert "script-src 'self' 'unsafe-inline'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    asset = await anonymous_client.get("/graphql/assets/graphiql.min.css")
    if asset.status_code == 200:
        assert asset.headers["cache-control"].startswith("public")


async def test_refusals_carry_the_headers_too(anonymous_client):
    response = await anonymous_client.get("/Patient")
    assert response.status_code == 401 and response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.fixture
async def cors_app(mongodb_uri):
    async with running_app(fresh_settings(mongodb_uri, cors_origins=("https://app.example",))) as app:
        yield app


async def test_cors_allows_configured_origins_only_and_never_credentials(cors_app):
    preflight = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}
    async with http_client(cors_app) as http:
        allowed = await http.options("/Patient", headers={"Origin": "https://app.example", **preflight})
        other = await http.options("/Patient", headers={"Origin": "https://evil.example", **preflight})
        simple = await http.get("/Patient", headers={"Origin": "https://app.example"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in allowed.headers
    assert "access-control-allow-origin" not in other.headers
    assert simple.headers["access-control-allow-origin"] == "https://app.example"


async def test_without_configured_origins_there_are_no_cors_headers(client):
    response = await client.get("/Patient", headers={"Origin": "https://app.example"})
    assert "access-control-allow-origin" not in response.headers


async def test_smart_configuration_describes_the_token_endpoint_and_scopes(anonymous_client):
    document = (await anonymous_client.get("/.well-known/smart-configuration")).json()
    assert document["token_endpoint"] == "http://testserver/token"
    assert document["grant_types_supported"] == ["client_credentials"]
    assert {"permission-v1", "permission-v2", "permission-patient"} <= set(document["capabilities"])
    assert "system/*.cruds" in document["scopes_supported"]


async def test_the_capability_statement_declares_smart_on_fhir_security(anonymous_client, client):
    security = (await anonymous_client.get("/metadata")).json()["rest"][0]["security"]
    assert security["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"
    uris = security["extension"][0]
    assert uris["url"].endswith("/oauth-uris")
    assert uris["extension"] == [{"url": "token", "valueUri": "http://testserver/token"}]
    query = "{ CapabilityStatement { rest { security { service { coding { code } } } } } }"
    answer = (await client.post("/$graphql", json={"query": query})).json()
    codes = answer["data"]["CapabilityStatement"]["rest"][0]["security"]["service"][0]["coding"]
    assert codes == [{"code": "SMART-on-FHIR"}]


async def test_the_audit_trail_is_read_only_in_the_capability_statement(anonymous_client):
    resources = (await anonymous_client.get("/metadata")).json()["rest"][0]["resource"]
    audit = next(resource for resource in resources if resource["type"] == "AuditEvent")
    assert {item["code"] for item in audit["interaction"]} == {
        "read",
        "vread",
        "history-instance",
        "history-type",
        "search-type",
    }
    assert {"date", "agent", "entity", "outcome"} <= {parameter["name"] for parameter in audit["searchParam"]}


async def test_no_phi_reaches_the_logs_at_the_served_log_level(client, caplog):
    caplog.set_level(logging.INFO)
    patient = {"resourceType": "Patient", "name": [{"family": "Zyxwvutsonian"}], "birthDate": "1911-11-11"}
    created = await client.post("/Patient", json=patient, headers=FHIR_JSON)
    await client.get("/Patient", params={"family": "Zyxwvutsonian"})
    await client.get(f"/Patient/{created.json()['id']}")
    await client.post("/Patient", json={**patient, "gender": "no-such-gender"}, headers=FHIR_JSON)
    ours = "\n".join(record.getMessage() for record in caplog.records if not record.name.startswith("httpx"))
    assert "Zyxwvutsonian" not in ours and "1911-11-11" not in ours


def test_access_log_lines_lose_their_query_strings():
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', None, None
    )
    record.args = ("127.0.0.1:5000", "GET", "/Patient?family=Zyxwvutsonian&birthdate=1911", "1.1", 200)
    assert DropQueryStrings().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /Patient HTTP/1.1" 200'
