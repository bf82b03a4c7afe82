"""POST /token: OAuth2 client_credentials for clients configured with hashed secrets."""

import base64
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from gateway.auth.clients import hash_secret
from gateway.settings import OAuthClient
from tests.conftest import FHIR_JSON, fresh_settings, http_client, running_app

SECRET = "correct horse battery staple"
CLIENT = OAuthClient("reporting-app", hash_secret(SECRET), ("system/Patient.rs", "system/AuditEvent.rs"))


@pytest.fixture
async def token_app(mongodb_uri) -> AsyncIterator[FastAPI]:
    async with running_app(fresh_settings(mongodb_uri, auth_clients=(CLIENT,))) as app:
        yield app


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


async def _post(app: FastAPI, data: dict[str, str], headers: dict[str, str] | None = None):
    async with http_client(app, scope=None) as http:
        return await http.post("/token", data=data, headers=headers or {})


async def test_a_client_gets_a_token_with_basic_credentials_and_uses_it_within_its_scopes(token_app):
    response = await _post(token_app, {"grant_type": "client_credentials"}, _basic("reporting-app", SECRET))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["token_type"] == "Bearer" and answer["expires_in"] == 3600
    assert answer["scope"] == "system/Patient.rs system/AuditEvent.rs"
    assert response.headers["cache-control"] == "no-store"
    async with http_client(token_app, token=answer["access_token"]) as http:
        assert (await http.get("/Patient")).status_code == 200
        assert (await http.get("/AuditEvent")).status_code == 200
        written = await http.post("/Patient", json={"resourceType": "Patient"}, headers=FHIR_JSON)
    assert written.status_code == 403


async def test_a_client_may_send_its_credentials_in_the_form_and_ask_for_fewer_scopes(token_app):
    form = {
        "grant_type": "client_credentials",
        "client_id": "reporting-app",
        "client_secret": SECRET,
        "scope": "system/Patient.r",
    }
    response = await _post(token_app, form)
    assert response.status_code == 200 and response.json()["scope"] == "system/Patient.r"


@pytest.mark.parametrize(
    ("form", "headers", "status", "error"),
    [
        ({"grant_type": "client_credentials"}, _basic("reporting-app", "wrong"), 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, _basic("nobody", SECRET), 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, {}, 401, "invalid_client"),
        ({"grant_type": "password"}, _basic("reporting-app", SECRET), 400, "unsupported_grant_type"),
        (
            {"grant_type": "client_credentials", "scope": "system/Patient.cruds"},
            _basic("reporting-app", SECRET),
            400,
            "invalid_scope",
        ),
        (
            {"grant_type": "client_credentials", "scope": "system/*.rs"},
            _basic("reporting-app", SECRET),
            400,
            "invalid_scope",
        ),
        ({"grant_type": "client_credentials"}, {"Authorization": "Basic !!!"}, 401, "invalid_client"),
    ],
    ids=[
        "wrong secret",
        "unknown client",
        "no credentials",
        "other grant",
        "wider scope",
        "wildcard",
        "bad basic",
    ],
)
async def test_the_token_endpoint_refuses_what_it_must(token_app, form, headers, status, error):
    response = await _post(token_app, form, headers)
    assert response.status_code == status and response.json()["error"] == error
    assert "access_token" not in response.json()
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Basic")


async def test_the_token_endpoint_takes_form_parameters_only(token_app):
    async with http_client(token_app, scope=None) as http:
        response = await http.post("/token", json={"grant_type": "client_credentials"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_client_secrets_are_stored_as_salted_hashes_only():
    from gateway.auth.clients import secret_matches

    first, second = hash_secret(SECRET), hash_secret(SECRET)
    assert first != second and SECRET not in first
    assert secret_matches(SECRET, first) and not secret_matches("guess", first)
    assert not secret_matches(SECRET, "plain-text-secret")
