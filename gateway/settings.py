"""Settings from the environment (and CLI flags), read once at start-up."""

import os
from dataclasses import dataclass
from pathlib import Path


def _integers_from_env(*names: str) -> dict[str, object]:
    """`graphql_max_depth` is read from FHIR_GATEWAY_GRAPHQL_MAX_DEPTH, and so on; unset keeps the default."""
    found: dict[str, object] = {}
    for name in names:
        text = os.environ.get(f"FHIR_GATEWAY_{name.upper()}")
        if text:
            found[name] = int(text)
    return found


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
            ),
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)  # type: ignore[arg-type]
