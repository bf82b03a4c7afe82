"""Helpers for security tests: test keys, hand-made tokens (good and hostile), a local JWKS server."""

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from gateway.fhir.json import loads


@cache
def rsa_key(name: str = "main") -> rsa.RSAPrivateKey:
    """One RSA key per name for the session (generating one takes a moment)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@cache
def ec_key(name: str = "main") -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def claims(
    scope: str = "system/*.cruds",
    *,
    audience: str = "fhir-gateway",
    issuer: str = "fhir-gateway",
    subject: str = "test-client",
    lifetime: int = 300,
    shift: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    """Claims of a token issued `shift` seconds from now (negative: in the past)."""
    moment = int(time.time()) + shift
    found = {
        "iss": issuer,
        "sub": subject,
        "aud": audience,
        "iat": moment,
        "nbf": moment,
        "exp": moment + lifetime,
        "scope": scope,
    }
    return {**found, **extra}


def _segment(value: Any) -> str:
    data = value if isinstance(value, bytes) else json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def hs256_signed_with(secret: bytes, payload: dict[str, Any], kid: str | None = None) -> str:
    """An HS256 token made by hand, for keys pyjwt rightly refuses to use as HMAC secrets (a public key PEM):
    the classic algorithm-confusion attack."""
    header: dict[str, Any] = {"alg": "HS256", "typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    signing_input = f"{_segment(header)}.{_segment(payload)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_segment(signature)}"


def unsigned(payload: dict[str, Any], kid: str | None = None) -> str:
    """`alg: none`: a token with no signature at all."""
    header: dict[str, Any] = {"alg": "none", "typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    return f"{_segment(header)}.{_segment(payload)}."


def tampered(token: str) -> str:
    """The token with its payload changed after signing (a wider scope): the signature no longer fits."""
    header, payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["scope"] = "system/*.cruds system/AuditEvent.cruds"
    return f"{header}.{_segment(body)}.{signature}"


def rsa_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    return {**json.loads(RSAAlgorithm.to_jwk(key.public_key())), "kid": kid, "alg": "RS256", "use": "sig"}


def ec_jwk(key: ec.EllipticCurvePrivateKey, kid: str) -> dict[str, Any]:
    return {**json.loads(ECAlgorithm.to_jwk(key.public_key())), "kid": kid, "alg": "ES256", "use": "sig"}


def rs256(payload: dict[str, Any], key: rsa.RSAPrivateKey, kid: str | None) -> str:
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid} if kid else None)


def es256(payload: dict[str, Any], key: ec.EllipticCurvePrivateKey, kid: str) -> str:
    return jwt.encode(payload, key, algorithm="ES256", headers={"kid": kid})


class JwksServer:
    """An identity provider's JWKS endpoint on 127.0.0.1, serving whatever `keys` holds at the time (so a test
    can rotate keys), counting how often it was fetched."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.fetches = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.fetches += 1
                body = json.dumps({"keys": outer.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/jwks.json"

    @contextmanager
    def running(self) -> Iterator["JwksServer"]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join()


def outcome_code(body: dict[str, Any]) -> str:
    """The first issue code of a REST OperationOutcome or of a GraphQL error's outcome."""
    if "errors" in body:
        body = body["errors"][0]["extensions"]["resource"]
    assert body["resourceType"] == "OperationOutcome", body
    return str(body["issue"][0]["code"])


def fhir(response: Any) -> Any:
    return loads(response.content)
