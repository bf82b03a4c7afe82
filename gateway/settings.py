"""Settings from the environment (and CLI flags), read once at start-up."""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.fhir.json import loads


def _integers_from_env(*names: str) -> dict[str, object]:
    """`graphql_max_depth` is read from FHIR_GATEWAY_GRAPHQL_MAX_DEPTH, and so on; unset keeps the default."""
    found: dict[str, object] = {}
    for name in names:
        text = os.environ.get(f"FHIR_GATEWAY_{name.upper()}")
        if text:
            found[name] = int(text)
    return found


def _words(text: str | None) -> tuple[str, ...] | None:
    """A comma- or space-separated list from the environment; unset stays None (the default applies)."""
    if text is None:
        return None
    return tuple(word for word in text.replace(",", " ").split() if word)


def _path(name: str) -> Path | None:
    text = os.environ.get(name)
    return Path(text) if text else None


def _metrics_public(text: str | None) -> bool | None:
    if text is None or text.strip().lower() in ("", "off"):
        return None
    if text.strip().lower() != "public":
        raise ValueError(f"FHIR_GATEWAY_METRICS must be `public` or `off`, not {text!r}")
    return True


@dataclass(frozen=True)
class OAuthClient:
    """A client allowed to get tokens at POST /token: its id, its secret's hash (never the secret), scopes."""

    client_id: str
    secret_hash: str
    scopes: tuple[str, ...]


def load_clients(path: Path) -> tuple[OAuthClient, ...]:
    """`[{"client_id", "secret_hash", "scopes": [...]}, ...]`; `fhir-gateway hash-secret` makes hashes."""
    entries = loads(path.read_bytes())
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected a JSON array of clients")
    clients = []
    for entry in entries:
        scopes = entry.get("scopes") if isinstance(entry, dict) else None
        scopes = scopes.split() if isinstance(scopes, str) else scopes
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("client_id"), str)
            and isinstance(entry.get("secret_hash"), str)
            and isinstance(scopes, list)
            and all(isinstance(scope, str) for scope in scopes)
        ):
            raise ValueError(f"{path}: each client needs client_id, secret_hash and scopes")
        clients.append(OAuthClient(entry["client_id"], entry["secret_hash"], tuple(scopes)))
    return tuple(clients)


@dataclass(frozen=True)
class Settings:
    mongodb_uri: str | None = None  # None: start the embedded mongoeco server
    database_name: str = "fhir"
    data_dir: Path | None = Path("data")  # embedded store file location; None keeps it in memory
    base_url: str | None = None  # public base URL for fullUrl/Location; None: taken from each request
    max_body_bytes: int = 1_048_576
    # GraphQL limits (schema/README.md): nesting depth of a query, aliases in one document, resources all
    # lists of one request may return together, and bytes of one response.
    graphql_max_depth: int = 16
    graphql_max_aliases: int = 30
    graphql_max_resources: int = 1000
    graphql_max_response_bytes: int = 16_777_216
    # Security (README "Security"). Tokens the gateway issues at POST /token are signed with auth_secret
    # (HS256, at least 32 bytes) or auth_private_key_file (RS256 PEM). Setting auth_jwks_url trusts an
    # external identity provider instead. No default key: only dev_mode makes one up (kept in data_dir).
    dev_mode: bool = False
    auth_secret: str | None = None
    auth_private_key_file: Path | None = None
    auth_issuer: str = "fhir-gateway"
    auth_audience: str = "fhir-gateway"
    auth_jwks_url: str | None = None
    auth_jwks_algorithms: tuple[str, ...] = ("RS256", "ES256")
    auth_jwks_refetch_cooldown_seconds: float = 30.0  # least time between refetches on unknown kids
    auth_token_endpoint: str | None = None  # the IdP's token URL, advertised in JWKS mode
    auth_leeway_seconds: int = 30
    auth_token_lifetime_seconds: int = 3600
    auth_clients: tuple[OAuthClient, ...] = ()
    # Requests per client (token subject, or address when anonymous) in a moving window, `limits` notation.
    rate_limit: str = "600/minute"
    # Where the counts live: `auto` (the database when MONGODB_URI is set, shared by every instance on it;
    # memory for the embedded store's single process), `memory` or `database`. docs/scaling.md.
    rate_limit_storage: str = "auto"
    # GET /metrics (Prometheus text) answers only when FHIR_GATEWAY_METRICS=public: it holds no PHI but shows
    # traffic and error rates, so an operator opts in and keeps it on the internal network.
    metrics_public: bool = False
    cors_origins: tuple[str, ...] = ()
    # Host names (`*.example.org` allowed) requests may carry; empty: any. Matters when base_url is unset.
    allowed_hosts: tuple[str, ...] = ()
    # Addresses of reverse proxies whose X-Forwarded-For/-Proto uvicorn believes; none by default, so a client
    # cannot pick the address its rate limit and audit records are keyed by.
    trusted_proxies: tuple[str, ...] = ()
    # A request's audit event is stored (in a batch shared with concurrent requests) before it is answered.
    audit_queue_size: int = 1_000  # pending events; past it, new requests wait before their work
    audit_batch_size: int = 50
    audit_wait_seconds: float = 30.0  # past it, the request is answered 503 (its event is kept pending)

    def proxy_options(self) -> dict[str, Any]:
        """Uvicorn's options: it trusts X-Forwarded-For from 127.0.0.1 unless told otherwise, so trust only
        the proxies configured here (a client must not pick the address its rate limit and audit use)."""
        if not self.trusted_proxies:
            return {"proxy_headers": False, "forwarded_allow_ips": ""}
        return {"proxy_headers": True, "forwarded_allow_ips": ",".join(self.trusted_proxies)}

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        values: dict[str, object] = {
            "mongodb_uri": os.environ.get("MONGODB_URI") or None,
            "database_name": os.environ.get("FHIR_GATEWAY_DATABASE", "fhir"),
            "data_dir": Path(os.environ.get("FHIR_GATEWAY_DATA_DIR", "data")),
            "base_url": os.environ.get("FHIR_GATEWAY_BASE_URL") or None,
            "max_body_bytes": int(os.environ.get("FHIR_GATEWAY_MAX_BODY_BYTES", "1048576")),
            **_integers_from_env(
                "graphql_max_depth",
                "graphql_max_aliases",
                "graphql_max_resources",
                "graphql_max_response_bytes",
                "auth_leeway_seconds",
                "auth_token_lifetime_seconds",
                "audit_queue_size",
                "audit_batch_size",
            ),
            "dev_mode": os.environ.get("FHIR_GATEWAY_DEV", "").lower() in ("1", "true", "yes", "on"),
            "auth_secret": os.environ.get("FHIR_GATEWAY_AUTH_SECRET") or None,
            "auth_private_key_file": _path("FHIR_GATEWAY_AUTH_PRIVATE_KEY_FILE"),
            "auth_issuer": os.environ.get("FHIR_GATEWAY_AUTH_ISSUER") or None,
            "auth_audience": os.environ.get("FHIR_GATEWAY_AUTH_AUDIENCE") or None,
            "auth_jwks_url": os.environ.get("FHIR_GATEWAY_AUTH_JWKS_URL") or None,
            "auth_jwks_algorithms": _words(os.environ.get("FHIR_GATEWAY_AUTH_JWKS_ALGORITHMS")),
            "auth_token_endpoint": os.environ.get("FHIR_GATEWAY_AUTH_TOKEN_ENDPOINT") or None,
            "rate_limit": os.environ.get("FHIR_GATEWAY_RATE_LIMIT") or None,
            "cors_origins": _words(os.environ.get("FHIR_GATEWAY_CORS_ORIGINS")),
            "allowed_hosts": _words(os.environ.get("FHIR_GATEWAY_ALLOWED_HOSTS")),
            "trusted_proxies": _words(os.environ.get("FHIR_GATEWAY_TRUSTED_PROXIES")),
            "rate_limit_storage": os.environ.get("FHIR_GATEWAY_RATE_LIMIT_STORAGE") or None,
            "metrics_public": _metrics_public(os.environ.get("FHIR_GATEWAY_METRICS")),
        }
        clients_file = _path("FHIR_GATEWAY_AUTH_CLIENTS_FILE")
        if clients_file is not None:
            values["auth_clients"] = load_clients(clients_file)
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**{key: value for key, value in values.items() if value is not None})  # type: ignore[arg-type]
