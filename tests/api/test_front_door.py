"""The pages a newcomer meets first are public and work offline: `/`, the favicon, the REST API docs, the
OpenAPI document; GraphiQL's dev token exists only in dev mode."""

import httpx
import jwt
import pytest

from tests.conftest import fresh_settings, http_client, running_app


async def test_the_landing_page_is_html_for_a_browser_and_json_for_a_program(anonymous_client):
    page = await anonymous_client.get("/", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert all(f'href="{link}"' in page.text for link in ("graphql", "docs", "metadata"))
    listing = await anonymous_client.get("/", headers={"Accept": "application/json"})
    assert listing.status_code == 200 and listing.json()["links"]["graphiql"] == "graphql"


async def test_the_favicon_is_public(anonymous_client):
    icon = await anonymous_client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
    assert icon.content.startswith(b"<svg")


async def test_the_api_docs_and_their_assets_come_from_this_server_without_a_token(anonymous_client):
    page = await anonymous_client.get("/docs")
    assert page.status_code == 200 and "docs/assets/swagger-ui-bundle.js" in page.text
    assert "http://" not in page.text.replace("http://www.w3.org", "") and "https://" not in page.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        fetched = await anonymous_client.get(f"/docs/assets/{asset}")
        assert fetched.status_code == 200 and len(fetched.content) > 10_000, asset
    assert (await anonymous_client.get("/docs/assets/index.html")).status_code == 404


async def test_the_openapi_document_lists_the_fhir_routes_and_the_bearer_scheme(anonymous_client):
    document = (await anonymous_client.get("/openapi.json")).json()
    assert "/{resource_type}/{resource_id}" in document["paths"] and "/metadata" in document["paths"]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert not [path for path in document["paths"] if path.startswith("/docs") or "graphql" in path]


async def test_a_batch_at_the_root_still_needs_a_token(anonymous_client):
    refused = await anonymous_client.post(
        "/",
        json={"resourceType": "Bundle", "type": "batch"},
        headers={"Content-Type": "application/fhir+json"},
    )
    assert refused.status_code == 401


async def test_outside_dev_mode_there_is_no_dev_token(anonymous_client):
    refused = await anonymous_client.post("/graphql/dev-token")
    assert refused.status_code == 404 and refused.json()["resourceType"] == "OperationOutcome"


async def test_in_dev_mode_graphiql_gets_a_token_the_server_accepts(mongodb_uri):
    async with (
        running_app(fresh_settings(mongodb_uri, dev_mode=True)) as application,
        http_client(application, scope=None) as anonymous,
    ):
        granted = (await anonymous.post("/graphql/dev-token")).json()
        assert granted["scope"] == "system/*.cruds"
        claims = jwt.decode(granted["access_token"], options={"verify_signature": False})
        assert claims["sub"] == "graphiql-dev"
        answer = await anonymous.post(
            "/$graphql",
            json={"query": "{ PatientList(_count: 1) { id } }"},
            headers={"Authorization": f"Bearer {granted['access_token']}"},
        )
        assert answer.status_code == 200 and answer.json()["data"] == {"PatientList": []}


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.0.7"])
async def test_in_dev_mode_the_dev_token_is_only_for_this_machine(mongodb_uri, address):
    async with running_app(fresh_settings(mongodb_uri, dev_mode=True)) as application:
        transport = httpx.ASGITransport(app=application, client=(address, 4711))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as remote:
            assert (await remote.post("/graphql/dev-token")).status_code == 404
