"""OAuth2 client_credentials: client secrets kept as salted scrypt hashes, checked in constant time."""

import base64
import hashlib
import hmac
import secrets

from gateway.auth.scopes import ScopeGrant, parse_scope
from gateway.fhir.resource_types import RESOURCE_DEFINITIONS
from gateway.settings import OAuthClient

# scrypt cost (RFC 7914): n=2^14, r=8, p=1 takes ~50 ms and 16 MiB, enough to make offline guessing slow.
_N, _R, _P = 2**14, 8, 1
_PREFIX = "scrypt"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    """`scrypt$n$r$p$salt$hash`, what a clients file stores instead of the secret."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"{_PREFIX}${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def secret_matches(secret: str, stored: str) -> bool:
    try:
        prefix, n, r, p, salt, digest = stored.split("$")
        if prefix != _PREFIX:
            return False
        computed = hashlib.scrypt(
            secret.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=len(_unb64(digest))
        )
    except ValueError:
        return False
    return hmac.compare_digest(computed, _unb64(digest))


# Checked against when the client id is unknown, so a wrong id costs as long as a wrong secret.
_DECOY = hash_secret(secrets.token_urlsafe(16))


def authenticate(clients: tuple[OAuthClient, ...], client_id: str, secret: str) -> OAuthClient | None:
    client = next((known for known in clients if hmac.compare_digest(known.client_id, client_id)), None)
    matches = secret_matches(secret, client.secret_hash if client else _DECOY)
    return client if client is not None and matches else None


def _wild(grant: ScopeGrant) -> bool:
    """Whether a `*` scope reaches the type this grant names (the audit trail has to be named)."""
    definition = RESOURCE_DEFINITIONS.get(grant.resource_type)
    return definition is None or definition.wildcard_scopes


def granted_scope(client: OAuthClient, requested: str | None) -> str | None:
    """The scopes to put in the token: those requested, each within one the client may have
    (`system/Patient.rs` within `system/*.cruds`), or all the client's scopes when none are requested;
    None when a requested scope is not allowed, which the token endpoint refuses (`invalid_scope`)."""
    if not requested:
        return " ".join(client.scopes)
    allowed = [grant for grant in map(parse_scope, client.scopes) if grant is not None]
    wanted = requested.split()
    for scope in wanted:
        grant = parse_scope(scope)
        if grant is None or not any(
            grant.context == held.context
            and (held.resource_type == grant.resource_type or (held.resource_type == "*" and _wild(grant)))
            and grant.permissions <= held.permissions
            for held in allowed
        ):
            return None
    return " ".join(wanted)
