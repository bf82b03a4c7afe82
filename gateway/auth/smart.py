"""What the server tells clients about its security: /.well-known/smart-configuration and the
CapabilityStatement's rest.security."""

from typing import Any

from gateway.settings import Settings

SCOPES_SUPPORTED = [
    "system/*.cruds",
    "system/*.rs",
    "user/*.cruds",
    "user/*.rs",
    "patient/*.rs",
    "patient/Patient.rs",
    "system/AuditEvent.rs",
    "system/*.read",
    "system/*.write",
    "user/*.read",
    "patient/*.read",
]
CAPABILITIES = [
    "client-confidential-symmetric",
    "permission-v1",
    "permission-v2",
    "permission-patient",
    "permission-user",
]


def token_endpoint(settings: Settings, base_url: str) -> str | None:
    if settings.auth_jwks_url:
        return settings.auth_token_endpoint
    return f"{base_url}/token"


def smart_configuration(settings: Settings, base_url: str, publishes_keys: bool) -> dict[str, Any]:
    document: dict[str, Any] = {
        "issuer": settings.auth_issuer,
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": SCOPES_SUPPORTED,
        "capabilities": CAPABILITIES,
        "code_challenge_methods_supported": [],
    }
    endpoint = token_endpoint(settings, base_url)
    if endpoint:
        document["token_endpoint"] = endpoint
    if settings.auth_jwks_url:
        document["jwks_uri"] = settings.auth_jwks_url
    elif publishes_keys:
        document["jwks_uri"] = f"{base_url}/.well-known/jwks.json"
    return document


def capability_security(settings: Settings, base_url: str) -> dict[str, Any]:
    """CapabilityStatement.rest.security: SMART-on-FHIR, the token endpoint in the oauth-uris extension."""
    security: dict[str, Any] = {
        "cors": bool(settings.cors_origins),
        "service": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                        "code": "SMART-on-FHIR",
                    }
                ],
                "text": "OAuth2 bearer tokens (JWT) with SMART App Launch v1/v2 scopes",
            }
        ],
        "description": "Every request except /metadata and /.well-known/smart-configuration needs "
        "`Authorization: Bearer <token>`; SMART scopes decide what a token may read and write. "
        "The audit trail (AuditEvent) needs a scope naming it, e.g. system/AuditEvent.rs.",
    }
    endpoint = token_endpoint(settings, base_url)
    if endpoint:
        security["extension"] = [
            {
                "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                "extension": [{"url": "token", "valueUri": endpoint}],
            }
        ]
    return security
