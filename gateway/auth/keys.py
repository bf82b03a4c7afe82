"""The key the gateway signs its own tokens with: HS256 secret or RS256 key pair, from settings or files."""

import hashlib
import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from jwt.algorithms import RSAAlgorithm

from gateway.settings import Settings

log = logging.getLogger(__name__)

MIN_SECRET_BYTES = 32  # RFC 7518 3.2: an HS256 key at least as long as the hash
DEV_KEY_FILE = "dev-signing-key"
_DEV_KEY_IN_MEMORY = secrets.token_urlsafe(48)  # dev mode without a data directory: one per process


class AuthConfigurationError(ValueError):
    """The settings do not say how to trust tokens; the server refuses to start rather than guess."""


@dataclass(frozen=True)
class SigningKey:
    algorithm: Literal["HS256", "RS256"]
    private: Any  # HS256: the secret bytes; RS256: the RSA private key
    public: Any  # HS256: the same secret; RS256: the RSA public key
    kid: str


def _secret_key(secret: str) -> SigningKey:
    data = secret.encode("utf-8")
    if len(data) < MIN_SECRET_BYTES:
        raise AuthConfigurationError(f"The HS256 secret must be at least {MIN_SECRET_BYTES} bytes long")
    # The kid names the key without revealing it: a hash of a long random secret.
    return SigningKey("HS256", data, data, "hs256-" + hashlib.sha256(data).hexdigest()[:16])


def _rsa_key(path: Path) -> SigningKey:
    try:
        private = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise AuthConfigurationError(f"Cannot read an RSA private key (PEM) from {path}: {error}") from None
    if not isinstance(private, RSAPrivateKey):
        raise AuthConfigurationError(f"{path} does not hold an RSA private key")
    public = private.public_key()
    jwk = json.loads(RSAAlgorithm.to_jwk(public))
    thumbprint = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    return SigningKey("RS256", private, public, hashlib.sha256(thumbprint.encode()).hexdigest()[:16])


def _dev_secret(data_dir: Path | None) -> str:
    """Dev mode makes up a random key (never a constant) and keeps it beside the data so restarts and the
    `fhir-gateway token --dev` command agree on it."""
    if data_dir is None:
        return _DEV_KEY_IN_MEMORY
    path = data_dir / DEV_KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def signing_key(settings: Settings) -> SigningKey:
    """The configured key; an RSA key file wins over a secret; dev mode alone may make one up."""
    if settings.auth_private_key_file is not None:
        return _rsa_key(settings.auth_private_key_file)
    if settings.auth_secret:
        return _secret_key(settings.auth_secret)
    if settings.dev_mode:
        return _secret_key(_dev_secret(settings.data_dir))
    raise AuthConfigurationError(
        "No token key configured: set FHIR_GATEWAY_AUTH_SECRET (HS256, >= 32 bytes), "
        "FHIR_GATEWAY_AUTH_PRIVATE_KEY_FILE (RS256 PEM) or FHIR_GATEWAY_AUTH_JWKS_URL (external identity "
        "provider); for local development only, start with --dev"
    )


def public_jwks(key: SigningKey) -> dict[str, Any]:
    """The JWKS to verify gateway tokens with: RS256 public keys only (an HS256 secret stays secret)."""
    if key.algorithm != "RS256":
        return {"keys": []}
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public))
    return {"keys": [{**jwk, "kid": key.kid, "alg": "RS256", "use": "sig"}]}
