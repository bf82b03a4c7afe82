"""Every untrustworthy token is refused with 401, WWW-Authenticate and an OperationOutcome, on both faces.

The gateway here signs its own tokens with an RS256 key, so the algorithm-confusion attack (HS256 signed
with the public key) has a public key to try.
"""

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import fresh_settings, http_client, mint_token, running_app
from tests.security_support import (
    claims,
    fhir,
    hs256_signed_with,
    outcome_code,
    private_pem,
    public_pem,
    rs256,
    rsa_key,
    tampered,
    unsigned,
)


@pytest.fixture
async def rs256_app(mongodb_uri, tmp_path) -> AsyncIterator[FastAPI]:
    key_file = tmp_path / "signing-key.pem"
    key_file.write_bytes(private_pem(rsa_key()))
    async with running_app(fresh_settings(mongodb_uri, auth_private_key_file=key_file)) as app:
        yield app


def _kid(app: FastAPI) -> str:
    return str(app.state.auth.key.kid)


BAD_TOKENS: dict[str, Callable[[FastAPI], str]] = {
    "expired": lambda app: rs256(claims(shift=-3600, lifetime=600), rsa_key(), _kid(app)),
    "not yet valid": lambda app: rs256(claims(shift=3600), rsa_key(), _kid(app)),
    "for another audience": lambda app: rs256(claims(audience="another-server"), rsa_key(), _kid(app)),
    "from another issuer": lambda app: rs256(claims(issuer="https://evil.example"), rsa_key(), _kid(app)),
    "without an expiry": lambda app: rs256(
        {k: v for k, v in claims().items() if k != "exp"}, rsa_key(), _kid(app)
    ),
    "with alg none": lambda app: unsigned(claims(), _kid(app)),
    "signed HS256 with the public key": lambda app: hs256_signed_with(
        public_pem(rsa_key()), claims(), _kid(app)
    ),
    "naming an unknown kid": lambda app: rs256(claims(), rsa_key("stranger"), "unknown-kid"),
    "signed by another key under our kid": lambda app: rs256(claims(), rsa_key("stranger"), _kid(app)),
    "with a bad signature": lambda app: tampered(mint_token(app, "system/Patient.rs")),
    "that is not a JWT": lambda app: "not-a-jwt",
}
FACES = {
    "REST": ("GET", "/Patient", None),
    "GraphQL": ("POST", "/$graphql", {"query": "{ PatientList { id } }"}),
}


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("case", BAD_TOKENS)
async def test_a_token_that_cannot_be_trusted_is_refused_with_401(rs256_app, case, face):
    method, path, body = FACES[face]
    async with http_client(rs256_app, token=BAD_TOKENS[case](rs256_app)) as http:
        response = await http.request(method, path, json=body)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith(
        'Bearer realm="fhir-gateway", error="invalid_token"'
    )
    assert outcome_code(fhir(response)) == "security"


@pytest.mark.parametrize("face", FACES)
async def test_a_request_without_a_token_is_refused_with_401_login(rs256_app, face):
    method, path, body = FACES[face]
    async with http_client(rs256_app, scope=None) as http:
        response = await http.request(method, path, json=body)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="fhir-gateway"'
    assert outcome_code(fhir(response)) == "login"


@pytest.mark.parametrize("header", ["Basic dXNlcjpwdw==", "Bearer", "Token abc"])
async def test_an_authorization_header_that_is_not_a_bearer_token_is_refused(rs256_app, header):
    transport = httpx.ASGITransport(app=rs256_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/Patient", headers={"Authorization": header})
    assert response.status_code == 401
    assert outcome_code(fhir(response)) == "security"


async def test_a_token_the_gateway_signed_is_accepted_on_both_faces(rs256_app):
    async with http_client(rs256_app, scope="system/Patient.rs") as http:
        assert (await http.get("/Patient")).status_code == 200
        answer = await http.post("/$graphql", json={"query": "{ PatientList { id } }"})
    assert answer.status_code == 200 and answer.json() == {"data": {"PatientList": []}}


async def test_the_rs256_public_key_is_published_and_verifies_gateway_tokens(rs256_app):
    async with http_client(rs256_app, scope=None) as http:
        keys = (await http.get("/.well-known/jwks.json")).json()["keys"]
    assert [key["kid"] for key in keys] == [_kid(rs256_app)] and "d" not in keys[0]
    import jwt

    key = jwt.PyJWK(keys[0]).key
    decoded = jwt.decode(mint_token(rs256_app), key, algorithms=["RS256"], audience="fhir-gateway")
    assert decoded["scope"] == "system/*.cruds"


@pytest.mark.parametrize("path", ["/metadata", "/.well-known/smart-configuration", "/healthz"])
async def test_public_paths_answer_without_a_token_and_despite_a_bad_one(rs256_app, path):
    async with http_client(rs256_app, scope=None) as http:
        assert (await http.get(path)).status_code == 200
    async with http_client(rs256_app, token="not-a-jwt") as http:
        assert (await http.get(path)).status_code == 200


async def test_graphiql_page_is_public_but_its_queries_are_not(rs256_app):
    async with http_client(rs256_app, scope=None) as http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        query = await http.get("/graphql", params={"query": "{ PatientList { id } }"})
    assert page.status_code == 200 and "GraphiQL" in page.text
    assert query.status_code == 401 and outcome_code(query.json()) == "login"


@pytest.mark.parametrize(
    "odd",
    [
        {"exp": "tomorrow"},
        {"iat": "now"},
        {"nbf": [1]},
        {"sub": 5},
        {"sub": ""},
        {"scope": 42},
        {"aud": ["someone", 1]},
        {"exp": 10**30},
    ],
    ids=str,
)
async def test_correctly_signed_tokens_with_malformed_claims_are_refused_without_a_trace(app, odd):
    import jwt

    from tests.conftest import TEST_SECRET

    key = app.state.auth.key
    token = jwt.encode({**claims(), **odd}, TEST_SECRET.encode(), algorithm="HS256", headers={"kid": key.kid})
    async with http_client(app, token=token) as http:
        response = await http.get("/Patient")
    assert response.status_code == 401, response.text
    assert outcome_code(fhir(response)) == "security" and "Traceback" not in response.text
