"""The OAuth2 token endpoint's logic (RFC 6749 4.4, client_credentials), free of HTTP framework types."""

import asyncio
from dataclasses import dataclass
from typing import Any

from gateway.auth.authenticator import Authenticator
from gateway.auth.clients import authenticate, granted_scope


@dataclass
class OAuthError(Exception):
    """An RFC 6749 5.2 error: answered as `{"error", "error_description"}` JSON, not an OperationOutcome."""

    status: int
    error: str
    description: str


async def client_credentials(
    authenticator: Authenticator, form: dict[str, str], basic: tuple[str, str] | None
) -> dict[str, Any]:
    """The token response for a client authenticated by HTTP Basic or by client_id/secret in the form."""
    if authenticator.key is None:
        raise OAuthError(400, "unsupported_grant_type", "Tokens come from the identity provider")
    if form.get("grant_type") != "client_credentials":
        raise OAuthError(400, "unsupported_grant_type", "Only grant_type=client_credentials is supported")
    if basic is not None and ("client_id" in form or "client_secret" in form):
        raise OAuthError(400, "invalid_request", "Send client credentials one way, not both")
    client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
    clients = authenticator.settings.auth_clients
    # scrypt is slow on purpose; it runs in a thread so the event loop keeps serving others meanwhile.
    client = await asyncio.to_thread(authenticate, clients, client_id, secret)
    if client is None:
        raise OAuthError(401, "invalid_client", "Unknown client or wrong secret")
    scope = granted_scope(client, form.get("scope"))
    if scope is None:
        raise OAuthError(400, "invalid_scope", "A requested scope is not allowed for this client")
    lifetime = authenticator.settings.auth_token_lifetime_seconds
    token = authenticator.issue(
        client.client_id, scope, client_id=client.client_id, lifetime_seconds=lifetime
    )
    return {"access_token": token, "token_type": "Bearer", "expires_in": lifetime, "scope": scope}
