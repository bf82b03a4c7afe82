"""Mint the gateway's own bearer JWTs and verify tokens: algorithms pinned, exp/nbf/iat/aud/iss checked."""

import time
import uuid
from typing import Any, Protocol

import jwt

from gateway.auth.keys import SigningKey
from gateway.auth.principal import Principal, principal_from_claims
from gateway.fhir.errors import InvalidToken

REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Principal: ...


def mint(
    key: SigningKey,
    *,
    subject: str,
    scope: str,
    audience: str,
    issuer: str,
    lifetime_seconds: int,
    client_id: str | None = None,
    patient: str | None = None,
) -> str:
    moment = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": subject,
        "aud": audience,
        "iat": moment,
        "nbf": moment,
        "exp": moment + lifetime_seconds,
        "jti": uuid.uuid4().hex,
        "scope": scope,
        "client_id": client_id or subject,
    }
    if patient is not None:
        claims["patient"] = patient
    return jwt.encode(claims, key.private, algorithm=key.algorithm, headers={"kid": key.kid})


def unverified_header(token: str, algorithms: list[str]) -> dict[str, Any]:
    """The header, after refusing any algorithm not pinned (`none`, HS256 where RS256 is expected...)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise InvalidToken("The bearer token is not a well-formed JWT") from None
    algorithm = header.get("alg")
    if algorithm not in algorithms:
        raise InvalidToken(
            f"Tokens signed with {algorithm!r} are not accepted; expected {', '.join(algorithms)}"
        )
    return header


_REASONS: list[tuple[type[jwt.InvalidTokenError], str]] = [
    (jwt.ExpiredSignatureError, "The token has expired"),
    (jwt.ImmatureSignatureError, "The token is not valid yet (nbf or iat in the future)"),
    (jwt.InvalidAudienceError, "The token is not meant for this server (aud)"),
    (jwt.InvalidIssuerError, "The token was not issued by a trusted issuer (iss)"),
    (jwt.MissingRequiredClaimError, "The token lacks a required claim"),
    (jwt.InvalidAlgorithmError, "The token's algorithm is not accepted"),
    (jwt.InvalidSignatureError, "The token's signature does not verify"),
]


# A token valid for longer than this is refused whoever signed it: a leaked one must not work for years.
MAX_LIFETIME_SECONDS = 86_400


def verified_claims(
    token: str, key: Any, algorithms: list[str], audience: str, issuer: str, leeway: int
) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            audience=audience,
            issuer=issuer,
            leeway=leeway,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.InvalidTokenError as error:
        reason = next((text for kind, text in _REASONS if isinstance(error, kind)), "The token is not valid")
        if isinstance(error, jwt.MissingRequiredClaimError):
            reason = f"{reason}: {error.claim}"
        raise InvalidToken(reason) from None
    # pyjwt accepts numeric strings ("exp": "9999999999"); RFC 7519 NumericDate is a JSON number.
    for name in ("exp", "iat", "nbf"):
        value = claims.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidToken(f"The token's {name} claim is not a JSON number")
    if claims["exp"] - time.time() > MAX_LIFETIME_SECONDS + leeway:
        raise InvalidToken(f"The token is valid for longer than {MAX_LIFETIME_SECONDS} seconds")
    return claims


class LocalVerifier:
    """Trusts tokens signed with the gateway's own key (those POST /token and the CLI issue)."""

    def __init__(self, key: SigningKey, audience: str, issuer: str, leeway: int) -> None:
        self.key, self.audience, self.issuer, self.leeway = key, audience, issuer, leeway

    async def verify(self, token: str) -> Principal:
        header = unverified_header(token, [self.key.algorithm])
        if header.get("kid", self.key.kid) != self.key.kid:
            raise InvalidToken("The token names a key id this server does not know")
        claims = verified_claims(
            token, self.key.public, [self.key.algorithm], self.audience, self.issuer, self.leeway
        )
        return principal_from_claims(claims)
