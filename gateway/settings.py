"""Settings from the environment (and CLI flags), read once at start-up."""

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    mongodb_uri: str | None = None  # None: start the embedded mongoeco server
    database_name: str = "fhir"
    data_dir: Path | None = Path("data")  # embedded store file location; None keeps it in memory
    base_url: str | None = None  # public base URL for fullUrl/Location; None: taken from each request
    max_body_bytes: int = 1_048_576

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        values: dict[str, object] = {
            "mongodb_uri": os.environ.get("MONGODB_URI") or None,
            "database_name": os.environ.get("FHIR_GATEWAY_DATABASE", "fhir"),
            "data_dir": Path(os.environ.get("FHIR_GATEWAY_DATA_DIR", "data")),
            "base_url": os.environ.get("FHIR_GATEWAY_BASE_URL") or None,
            "max_body_bytes": int(os.environ.get("FHIR_GATEWAY_MAX_BODY_BYTES", "1048576")),
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)  # type: ignore[arg-type]
