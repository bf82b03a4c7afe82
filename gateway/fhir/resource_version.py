"""One version of a resource as the server keeps it: what every layer passes around."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Method = Literal["POST", "PUT", "DELETE", "PATCH"]


@dataclass(frozen=True)
class StoredVersion:
    resource_type: str
    id: str
    version_id: int
    last_updated: datetime
    method: Method
    deleted: bool = False
    resource: dict[str, Any] | None = None  # None for a deletion
