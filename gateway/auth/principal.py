"""Who is calling: the verified token claims that matter to access decisions and the audit trail."""

from dataclasses import dataclass
from typing import Any

from gateway.auth.scopes import ScopeGrant, parse_scopes
from gateway.fhir.errors import InvalidToken


@dataclass(frozen=True)
class Principal:
    subject: str  # `sub`
    client_id: str  # `client_id` or `azp` when the token names its client, else the subject
    scope: str  # the granted scopes as sent
    grants: tuple[ScopeGrant, ...]
    patient: str | None = None  # SMART `patient` claim: the patient a `patient/` scope is about


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    """Claims already verified by signature, time, audience and issuer."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise InvalidToken("The token has no subject (sub)")
    scope = claims.get("scope", claims.get("scp", ""))
    if isinstance(scope, list) and all(isinstance(item, str) for item in scope):
        scope = " ".join(scope)  # some identity providers send scopes as an array (`scp`)
    if not isinstance(scope, str):
        raise InvalidToken("The token's scope claim must be a space-separated string")
    client = claims.get("client_id") or claims.get("azp") or subject
    patient = claims.get("patient")
    return Principal(
        subject=subject,
        client_id=str(client),
        scope=scope,
        grants=parse_scopes(scope),
        patient=patient if isinstance(patient, str) and patient else None,
    )
