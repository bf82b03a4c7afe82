"""JWKS mode: tokens from an external identity provider, verified with keys fetched from its JWKS endpoint
(a real HTTP server on 127.0.0.1), including key rotation and the attacks that target JWKS verifiers."""

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from tests.conftest import fresh_settings, http_client, running_app
from tests.security_support import (
    JwksServer,
    claims,
    ec_jwk,
    ec_key,
    es256,
    fhir,
    hs256_signed_with,
    outcome_code,
    public_pem,
    rs256,
    rsa_jwk,
    rsa_key,
    unsigned,
)

ISSUER = "https://idp.example/realms/health"


@pytest.fixture
def idp() -> JwksServer:
    server = JwksServer()
    server.keys = [rsa_jwk(rsa_key("idp"), "idp-rsa-1"), ec_jwk(ec_key("idp"), "idp-ec-1")]
    with server.running():
        yield server


@pytest.fixture
async def jwks_app(mongodb_uri, idp) -> AsyncIterator[FastAPI]:
    settings = fresh_settings(
        mongodb_uri,
        auth_secret=None,
        auth_jwks_url=idp.url,
        auth_issuer=ISSUER,
        auth_token_endpoint="https://idp.example/realms/health/token",
        auth_jwks_refetch_cooldown_seconds=0.0,
    )
    async with running_app(settings) as app:
        yield app


def _claims(**extra):
    return claims("system/Patient.rs", issuer=ISSUER, **extra)


async def _status(app: FastAPI, token: str) -> tuple[int, dict]:
    async with http_client(app, token=token) as http:
        response = await http.get("/Patient")
    return response.status_code, fhir(response)


async def test_rs256_and_es256_tokens_from_the_identity_provider_are_accepted(jwks_app, idp):
    assert (await _status(jwks_app, rs256(_claims(), rsa_key("idp"), "idp-rsa-1")))[0] == 200
    assert (await _status(jwks_app, es256(_claims(), ec_key("idp"), "idp-ec-1")))[0] == 200
    assert idp.fetches == 1  # the key set is cached


async def test_a_rotated_key_is_trusted_once_the_jwks_publishes_it(jwks_app, idp):
    rotated = rs256(_claims(), rsa_key("idp-next"), "idp-rsa-2")
    status, body = await _status(jwks_app, rotated)
    assert status == 401 and outcome_code(body) == "security"
    idp.keys = [*idp.keys, rsa_jwk(rsa_key("idp-next"), "idp-rsa-2")]
    assert (await _status(jwks_app, rotated))[0] == 200


@pytest.mark.parametrize(
    "make",
    [
        lambda: hs256_signed_with(public_pem(rsa_key("idp")), _claims(), "idp-rsa-1"),
        lambda: unsigned(_claims(), "idp-rsa-1"),
        lambda: rs256(_claims(), rsa_key("stranger"), "idp-rsa-1"),
        lambda: rs256(_claims(), rsa_key("idp"), None),
        lambda: rs256(claims("system/Patient.rs"), rsa_key("idp"), "idp-rsa-1"),
        lambda: rs256(_claims(audience="someone-else"), rsa_key("idp"), "idp-rsa-1"),
        lambda: rs256(_claims(shift=-7200, lifetime=60), rsa_key("idp"), "idp-rsa-1"),
        lambda: es256(_claims(), ec_key("idp"), "idp-rsa-1"),
    ],
    ids=[
        "HS256 signed with the IdP public key",
        "alg none",
        "signed by a stranger under the IdP kid",
        "no kid",
        "issued by the gateway issuer instead of the IdP",
        "wrong audience",
        "expired",
        "ES256 signature under an RSA kid",
    ],
)
async def test_tokens_the_identity_provider_did_not_issue_for_us_are_refused(jwks_app, make):
    status, body = await _status(jwks_app, make())
    assert status == 401 and outcome_code(body) == "security"


async def test_graphql_refuses_an_unknown_kid_the_same_way(jwks_app):
    async with http_client(jwks_app, token=rs256(_claims(), rsa_key("x"), "nobody")) as http:
        response = await http.post("/$graphql", json={"query": "{ PatientList { id } }"})
    assert response.status_code == 401 and outcome_code(response.json()) == "security"


async def test_in_jwks_mode_discovery_points_at_the_identity_provider_and_post_token_is_refused(
    jwks_app, idp
):
    async with http_client(jwks_app, scope=None) as http:
        smart = (await http.get("/.well-known/smart-configuration")).json()
        token = await http.post("/token", data={"grant_type": "client_credentials"})
    assert smart["token_endpoint"] == "https://idp.example/realms/health/token"
    assert smart["jwks_uri"] == idp.url and smart["issuer"] == ISSUER
    assert token.status_code == 400 and token.json()["error"] == "unsupported_grant_type"
