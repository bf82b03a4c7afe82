"""One version of a resource as the server keeps it, and a page of them: what every layer passes around."""

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


@dataclass(frozen=True)
class Page:
    items: list[StoredVersion]
    next_token: str | None  # opaque keyset position of the following page, None at the end
    total: int | None = None
    previous_token: str | None = None  # the page before this one, None at the start
    last_token: str | None = None  # the last page
