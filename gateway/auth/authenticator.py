"""The trust mode chosen by settings: the gateway's own key (tokens from POST /token) or an IdP's JWKS."""

from dataclasses import dataclass

from gateway.auth.jwks import JwksVerifier
from gateway.auth.keys import SigningKey, signing_key
from gateway.auth.tokens import MAX_LIFETIME_SECONDS, LocalVerifier, TokenVerifier, mint
from gateway.fhir.errors import InvalidToken
from gateway.settings import Settings


@dataclass(frozen=True)
class Authenticator:
    settings: Settings
    verifier: TokenVerifier
    key: SigningKey | None  # None in JWKS mode: the identity provider issues tokens, not us

    def issue(
        self,
        subject: str,
        scope: str,
        client_id: str | None = None,
        patient: str | None = None,
        lifetime_seconds: int | None = None,
    ) -> str:
        if self.key is None:
            raise ValueError("Tokens come from the identity provider (JWKS mode); this gateway issues none")
        lifetime = lifetime_seconds or self.settings.auth_token_lifetime_seconds
        if not 0 < lifetime <= MAX_LIFETIME_SECONDS:
            raise ValueError(f"A token lifetime must be between 1 and {MAX_LIFETIME_SECONDS} seconds")
        return mint(
            self.key,
            subject=subject,
            scope=scope,
            audience=self.settings.auth_audience,
            issuer=self.settings.auth_issuer,
            lifetime_seconds=lifetime,
            client_id=client_id,
            patient=patient,
        )


def build_authenticator(settings: Settings) -> Authenticator:
    """Raises AuthConfigurationError when no way to trust tokens is configured (no default key)."""
    if settings.auth_jwks_url:
        verifier = JwksVerifier(
            settings.auth_jwks_url,
            settings.auth_jwks_algorithms,
            settings.auth_audience,
            settings.auth_issuer,
            settings.auth_leeway_seconds,
            settings.auth_jwks_refetch_cooldown_seconds,
        )
        return Authenticator(settings, verifier, None)
    key = signing_key(settings)
    local = LocalVerifier(key, settings.auth_audience, settings.auth_issuer, settings.auth_leeway_seconds)
    return Authenticator(settings, local, key)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None when there is no header at all."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("The Authorization header must be `Bearer <token>`")
    return token.strip()
