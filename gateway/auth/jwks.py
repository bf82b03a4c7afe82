"""Trust an external identity provider's tokens: keys from its JWKS, cached, refetched on an unknown kid."""

import asyncio
import logging

import jwt
from jwt import PyJWK, PyJWKClient, PyJWKClientConnectionError, PyJWKClientError

from gateway.auth.principal import Principal, principal_from_claims
from gateway.auth.tokens import unverified_header, verified_claims
from gateway.fhir.errors import InvalidToken

log = logging.getLogger(__name__)

# Which key type each pinned algorithm needs, so an RSA key never checks an ES256 signature or the reverse.
_KEY_TYPES = {"RS256": "RSA", "RS384": "RSA", "RS512": "RSA", "ES256": "EC", "ES384": "EC", "ES512": "EC"}


class JwksVerifier:
    def __init__(
        self,
        url: str,
        algorithms: tuple[str, ...],
        audience: str,
        issuer: str,
        leeway: int,
        refetch_cooldown: float = 30.0,
    ) -> None:
        unknown = [algorithm for algorithm in algorithms if algorithm not in _KEY_TYPES]
        if unknown:
            raise ValueError(f"JWKS mode accepts asymmetric algorithms only, not {', '.join(unknown)}")
        self.algorithms = list(algorithms)
        self.audience, self.issuer, self.leeway = audience, issuer, leeway
        # PyJWKClient caches the key set for `lifespan` seconds and refetches once when a kid is unknown,
        # which is how a rotated key becomes trusted without a restart; the cooldown keeps a flood of made-up
        # kids from turning into a flood of fetches at the provider.
        self._client = PyJWKClient(
            url, cache_jwk_set=True, lifespan=300, timeout=5, cooldown_duration=refetch_cooldown
        )

    async def _key(self, kid: str) -> PyJWK:
        try:
            # PyJWKClient fetches with urllib (blocking), so it runs off the event loop.
            return await asyncio.to_thread(self._client.get_signing_key, kid)
        except PyJWKClientConnectionError as error:
            log.warning("JWKS fetch failed: %s", error)
            raise InvalidToken("The identity provider's keys could not be fetched; try again later") from None
        except (PyJWKClientError, jwt.PyJWKError):
            raise InvalidToken("The token names a key id the identity provider does not publish") from None

    async def verify(self, token: str) -> Principal:
        header = unverified_header(token, self.algorithms)
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("The token names no key id (kid)")
        key = await self._key(kid)
        algorithm = header["alg"]
        if key.key_type != _KEY_TYPES[algorithm] or (key.algorithm_name not in (algorithm, None)):
            raise InvalidToken(f"Key {kid!r} is not a {algorithm} key")
        claims = verified_claims(token, key.key, [algorithm], self.audience, self.issuer, self.leeway)
        return principal_from_claims(claims)
